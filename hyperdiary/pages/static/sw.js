// hyperdiary's service worker: what makes the pages installable as an app, and what shows a reminder sent by
// Web Push (API.md §12, §15). It keeps only the pages' own style sheet, script and icon for offline use:
// never a page, since pages hold a person's health data and a shared device must not keep them.
"use strict";

const CACHE = "hyperdiary-static-v1";

self.addEventListener("install", (event) => {
  event.waitUntil(self.skipWaiting());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // The style sheet, the script, the icon: from the network when it answers, else as last seen.
    event.respondWith(fetch(event.request).then((response) => {
      const copy = response.clone();
      if (response.ok) caches.open(CACHE).then((cache) => cache.put(event.request, copy));
      return response;
    }).catch(() => caches.match(event.request)));
    return;
  }
  if (event.request.mode === "navigate") {
    // A page: always from the server; offline, a plain page that says so (nothing personal is kept).
    event.respondWith(fetch(event.request).catch(() => new Response(
      "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
      "<title>Offline · hyperdiary</title><h1>You are offline</h1><p>hyperdiary needs a connection: " +
      "nothing you write is kept on this device. Try again when you are back online.</p>",
      {headers: {"Content-Type": "text/html; charset=utf-8"}})));
  }
});

// A reminder sent by Web Push (hyperdiary deliver): {"title", "body", "url"}.
self.addEventListener("push", (event) => {
  let message = {};
  try { message = event.data ? event.data.json() : {}; } catch (e) { message = {body: event.data && event.data.text()}; }
  event.waitUntil(self.registration.showNotification(message.title || "hyperdiary", {
    body: message.body || "", icon: "/static/icon.svg", data: {url: message.url || "/"}}));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data && event.notification.data.url || "/"));
});
