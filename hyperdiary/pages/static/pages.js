// hyperdiary's pages: the one script (served by the server itself, no inline script anywhere).
// It sends the forms as JSON (the API takes nothing else), shows a 400's messages beside their fields
// without losing what was typed, and signs out. Pages are readable without it.
"use strict";

function csrf() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : null;
}

// --- a sign-in that lasts (pages/session.py) -------------------------------------------------------------
// When the access token ends, in Unix seconds (the readable cookie beside the HttpOnly ones), or null.
function sessionEnds() {
  const found = document.cookie.split("; ").find((c) => c.startsWith("hd_session_ends="));
  return found ? Number(found.split("=")[1]) : null;
}

let renewing = null;
// Trade the refresh cookie for new tokens (once at a time: a refresh token used twice ends the sign-in).
function renew() {
  const meta = document.querySelector('meta[name="session-url"]');
  if (!meta) return Promise.resolve(false);
  if (!renewing) {
    renewing = fetch(meta.content, {method: "PUT", credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(async (response) => {
        if (!response.ok) return false;
        const answer = await response.json();
        let token = document.querySelector('meta[name="csrf-token"]');
        if (token) token.content = answer.csrf;
        scheduleRenewal();
        return true;
      })
      .catch(() => false)
      .finally(() => { renewing = null; });
  }
  return renewing;
}

let renewalTimer = null;
// Renew a minute before the access token ends, so that a page left open stays signed in.
function scheduleRenewal() {
  const ends = sessionEnds();
  if (ends === null || !csrf()) return;
  clearTimeout(renewalTimer);
  // (At least 5 s apart: an access token shorter than a minute must not make a loop of renewals.)
  renewalTimer = setTimeout(renew, Math.max(5000, (ends - 60) * 1000 - Date.now()));
}

// Before a write: a token about to end is renewed first.
async function fresh() {
  const ends = sessionEnds();
  if (ends !== null && ends * 1000 - Date.now() < 30000) await renew();
}

// A wall-clock "YYYY-MM-DDTHH:MM" in an IANA zone, as a UTC instant (two rounds settle any DST edge).
function zonedToUtc(local, zone) {
  const [day, time] = local.split("T");
  const [Y, M, D] = day.split("-").map(Number);
  const [h, m] = time.split(":").map(Number);
  const wall = Date.UTC(Y, M - 1, D, h, m);
  const format = new Intl.DateTimeFormat("en-US", {timeZone: zone || "UTC", hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"});
  const offset = (instant) => {
    const parts = {};
    for (const p of format.formatToParts(new Date(instant))) parts[p.type] = Number(p.value);
    return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - instant;
  };
  let utc = wall - offset(wall);
  utc = wall - offset(utc);
  return new Date(utc).toISOString().replace(".000Z", "Z");
}

function readFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

class FieldError extends Error {
  constructor(name, message) { super(message); this.field = name; }
}

// A body that writes `value` at a field's path (["details", "weight", "unit"]) instead of a plain name.
function pathed(body, path) {
  return new Proxy({}, {set(_, key, value) {
    let node = body;
    for (const step of path.slice(0, -1)) node = (node[step] = node[step] || {});
    node[path[path.length - 1]] = value;
    return true;
  }});
}

// The JSON body of a form: each field read as its kind says.
async function bodyOf(form) {
  const change = form.dataset.method !== "POST";
  let top = {};
  for (const field of form.querySelectorAll(".field")) {
    const name = field.dataset.field;
    const path = field.dataset.path ? JSON.parse(field.dataset.path) : [name];
    // A nested field is left out when empty (its object may not exist); a top-level one is cleared by a change.
    const body = path.length > 1 ? pathed(top, path) : top;
    const unset = (b, n) => { if (change && path.length === 1) b[n] = null; };
    const kinds = (field.dataset.kind || "text").split(" ");
    const kind = kinds[0];
    const input = field.querySelector("input, select, textarea");
    // A control the person did not touch sends nothing (a replacement sends all; a new entry's time, filled
    // in with now, is sent as shown). A required slider must be moved: its thumb shows no choice until then.
    if (form.dataset.method !== "PUT" && !field.dataset.touched && !kinds.includes("whole") &&
        !(input && input.dataset.now)) {
      if (kinds.includes("slider") && input.required && !input.dataset.set) {
        throw new FieldError(name, "Choose a value: move the slider (or use the arrow keys).");
      }
      continue;
    }
    if (kind === "json") {
      const text = input.value.trim();
      if (!text) { unset(body, name); continue; }
      let value;
      try { value = JSON.parse(text); } catch (e) { throw new FieldError(name, "This is not JSON: " + e.message); }
      if (kinds.includes("whole")) { top = value; continue; }
      body[name] = value;
    } else if (kind === "choice") {
      const checked = field.querySelector("input:checked");
      if (!checked || checked.value === "") unset(body, name); else body[name] = JSON.parse(checked.value);
    } else if (kind === "multichoice") {
      const values = [...field.querySelectorAll("input:checked")].map((i) => JSON.parse(i.value));
      if (values.length || change) body[name] = values;
    } else if (kind === "image") {
      if (input.files && input.files.length) body[name] = await readFile(input.files[0]);
    } else if (kind === "list") {
      const lines = input.value.split("\n").map((s) => s.trim()).filter((s) => s);
      if (lines.length || change) body[name] = lines;
    } else if (kinds.includes("slider") && !input.required && !input.dataset.set) {
      unset(body, name);  // an optional slider nobody moved is not set
    } else if (input.value === "") {
      unset(body, name);
    } else if (kind === "integer" || kind === "number") {
      body[name] = Number(input.value);
    } else if (kind === "boolean") {
      body[name] = input.value === "true";
    } else if (kind === "datetime") {
      body[name] = zonedToUtc(input.value, form.dataset.timeZone);
    } else {
      body[name] = input.value;
    }
  }
  for (const [key, value] of Object.entries(form.dataset)) {
    if (key.startsWith("const")) Object.assign(top, JSON.parse(value));
  }
  return top;
}

function clearErrors(form) {
  for (const p of form.querySelectorAll(".error")) { p.hidden = true; p.textContent = ""; }
  for (const i of form.querySelectorAll("[aria-invalid]")) i.removeAttribute("aria-invalid");
  const general = form.querySelector(".form-errors");
  if (general) { general.hidden = true; general.textContent = ""; }
}

// One message beside its field (a dotted name belongs to its first part: `details.weight` to `details`,
// `days.2` to `days`); one the form has no field for goes to the form's own list.
function showError(form, name, message) {
  const first = String(name).split(".")[0];
  const field = form.querySelector(`.field[data-field="${CSS.escape(name)}"]`) ||
                form.querySelector(`.field[data-field="${CSS.escape(first)}"]`);
  if (field) {
    const p = field.querySelector(".error");
    p.textContent = (p.textContent ? p.textContent + " " : "") + (name !== field.dataset.field ? name + ": " : "") + message;
    p.hidden = false;
    for (const i of field.querySelectorAll("input, select, textarea")) i.setAttribute("aria-invalid", "true");
    return field;
  }
  const general = form.querySelector(".form-errors");
  const line = document.createElement("p");
  line.textContent = (name && name !== "body" ? name + ": " : "") + message;
  general.append(line);
  general.hidden = false;
  return null;
}

// Where a page goes once its record is deleted: the breadcrumbs' last linked step before the record (its
// parent's address may be a collection that is only posted to, whose GET answers 405), else home.
function afterDelete() {
  const steps = [...document.querySelectorAll("ol.crumbs li")].slice(0, -1).map((li) => li.querySelector("a[href]"));
  const up = steps.filter((a) => a).pop() || document.querySelector("a.home");
  return up.href;
}

async function submit(form) {
  clearErrors(form);
  const method = form.dataset.method;
  const show = form.dataset.show;
  let body = null;
  if (method !== "DELETE") {
    try { body = await bodyOf(form); } catch (e) {
      if (e instanceof FieldError) { showError(form, e.field, e.message); return; }
      throw e;
    }
  }
  const send = () => {
    const headers = {"Accept": show === "html" ? "text/html" : "application/json"};
    if (body !== null) headers["Content-Type"] = "application/json";
    if (form.dataset.etag) headers["If-Match"] = form.dataset.etag;
    const token = csrf();
    if (token) headers["X-CSRF-Token"] = token;
    return fetch(form.action, {method, headers, credentials: "same-origin",
      body: body === null ? undefined : JSON.stringify(body)});
  };
  await fresh();
  let response = await send();
  // Refused for want of a live access token while the sign-in lives on: renewed, and sent again.
  if (response.status === 401 && sessionEnds() !== null && await renew()) response = await send();
  if (show === "html") {
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const main = page.querySelector("main");
    const target = form.nextElementSibling;  // the div.preview after the form
    target.replaceChildren(...[...main.childNodes].map((n) => document.importNode(n, true)));
    return;
  }
  if (response.ok) {
    if (show === "reload") { window.location.reload(); return; }
    if (show === "signin") {
      // Good news is not an error: said in the form's status line, not in its red error list.
      const done = form.querySelector(".form-done");
      done.textContent = "Registered. Sign in above with your username and password.";
      done.hidden = false;
      return;
    }
    if (method === "DELETE") { window.location.assign(afterDelete()); return; }
    const location = response.headers.get("Location");
    if (method === "POST" && location) { window.location.assign(location); return; }
    window.location.reload();
    return;
  }
  let error = null;
  try { error = await response.json(); } catch (e) { error = null; }
  if (!error || !error.message) { showError(form, "", `The server answered ${response.status}.`); return; }
  let first = null;
  for (const problem of error.extra || []) {
    const field = showError(form, problem.name, problem.message);
    first = first || field;
  }
  // In words: where the fields say what is wrong, the form points to them (not "400: Invalid JSON input").
  showError(form, "", first ? "Please check what is marked above." : error.message);
  if (first) first.querySelector("input, select, textarea").focus();
}

document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form.dataset.signout) {
    event.preventDefault();
    const headers = {};
    const token = csrf();
    if (token) headers["X-CSRF-Token"] = token;
    fetch(form.dataset.signout, {method: "DELETE", headers, credentials: "same-origin"})
      .then(() => window.location.assign(document.querySelector("a.home").href));
    return;
  }
  if (!form.classList.contains("write")) return;
  event.preventDefault();
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  submit(form).catch((e) => showError(form, "", String(e))).finally(() => { button.disabled = false; });
});

// A delete's question closes again with "No, keep it" (shown only with this script: without it the
// question's summary closes it).
for (const keep of document.querySelectorAll("details.confirm button.keep")) keep.hidden = false;
document.addEventListener("click", (event) => {
  const keep = event.target.closest && event.target.closest("details.confirm button.keep");
  if (!keep) return;
  const question = keep.closest("details");
  question.open = false;
  question.querySelector("summary").focus();
});

// What the person touched: only those fields are sent (bodyOf).
for (const type of ["input", "change"]) {
  document.addEventListener(type, (event) => {
    const field = event.target.closest && event.target.closest(".field");
    if (field) field.dataset.touched = "1";
  });
}

// A slider touched is set, and says its value; also when the touch leaves it where it was (a click on its
// minimum, an arrow key at its end), which fires no input event.
function sliderSet(input) {
  if (!input || input.type !== "range") return;
  input.dataset.set = "1";
  const field = input.closest(".field");
  if (field) field.dataset.touched = "1";
  if (input.nextElementSibling && input.nextElementSibling.tagName === "OUTPUT") {
    input.nextElementSibling.value = input.value;
  }
}
document.documentElement.classList.add("js");  // (pages.css hides an untouched slider's thumb only then)
document.addEventListener("input", (event) => sliderSet(event.target));
document.addEventListener("pointerup", (event) => sliderSet(event.target));
document.addEventListener("keyup", (event) => {
  if (["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"].includes(event.key)) {
    sliderSet(event.target);
  }
});

// A new entry's time starts at now, in the form's time zone (the server renders forms without it).
function wallClock(zone) {
  const parts = {};
  const format = new Intl.DateTimeFormat("en-US", {timeZone: zone || "UTC", hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"});
  for (const p of format.formatToParts(new Date())) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

// The pages install as an app (pages/app.py serves the worker at the root, so that it controls every page).
if ("serviceWorker" in navigator && window.isSecureContext) {
  const home = document.querySelector("a.home");
  navigator.serviceWorker.register((home ? home.href : "/") + "sw.js").catch(() => {});
}

document.addEventListener("DOMContentLoaded", () => {
  // Served signed out while the sign-in lives on (the access cookie ended with the page closed): renewed,
  // and shown again signed in.
  if (!csrf() && sessionEnds() !== null) {
    renew().then((renewed) => { if (renewed) window.location.reload(); });
  } else {
    scheduleRenewal();
  }
  for (const input of document.querySelectorAll("input[data-now]")) {
    if (!input.value) input.value = wallClock(input.form && input.form.dataset.timeZone);
  }
});

// --- "Remind me on this device" (API.md §12): Web Push with the server's push.key ------------------------
function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function subscribeHere(button) {
  const status = button.parentElement.querySelector(".push-status");
  const say = (text) => { if (status) status.textContent = text; };
  try {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") { say("Reminders need your permission to show notifications."); return; }
    const key = await (await fetch(button.dataset.pushKey, {headers: {"Accept": "application/json"}})).json();
    const registration = await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({userVisibleOnly: true,
      applicationServerKey: keyBytes(key.vapid_public_key)});
    await fresh();
    const settings = await (await fetch(button.dataset.notifications, {credentials: "same-origin",
      headers: {"Accept": "application/json"}})).json();
    const target = (settings["@links"] || []).find((l) => l.name === "subscriptions");
    const headers = {"Accept": "application/json", "Content-Type": "application/json"};
    if (csrf()) headers["X-CSRF-Token"] = csrf();
    const json = subscription.toJSON();
    const answer = await fetch(target.url, {method: "POST", credentials: "same-origin", headers,
      body: JSON.stringify({endpoint: json.endpoint, keys: json.keys})});
    say(answer.ok ? "Reminders are on for this device." : `The server answered ${answer.status}.`);
  } catch (e) {
    say("This browser could not turn reminders on: " + e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("button[data-push-key]");
  if (!button || !button.dataset.notifications) return;
  // Offered only where it can work: a secure page with a service worker and Web Push.
  if ("serviceWorker" in navigator && "PushManager" in window && window.isSecureContext) {
    button.hidden = false;
    button.addEventListener("click", () => subscribeHere(button));
  }
});
