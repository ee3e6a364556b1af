"""A Python client of the hyperdiary API (API.md §11), on httpx.

It knows the contract, not the URLs: everything is found by following link names from the root.

    from hyperdiary.client import Client

    api = Client("http://127.0.0.1:6543").login("carol", "my diary stays private")
    entries = api.me().follow("client", "diary.entries")
    entry = entries.create({"@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1",
                            "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 5})
    entry.patch({"situation": "sunshine"})          # sends If-Match: the ETag it read
    for item in api.me().follow("client", "diary.entries.items").items():
        print(item["dt"])                           # every page, fetched as it is needed

A Resource is fetched when its `.data` is first read, so a link that only takes a POST (`diary.entries`)
can be followed and created in without a GET. An answer of 400 or more raises ApiError; a 401 on a
request that carried a token first trades the refresh token for new ones, once, and tries again.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import httpx

__all__ = ["ApiError", "Client", "Resource"]


class ApiError(Exception):
    """An error answer, in the contract's shape: `status`, `message`, and the names of the fields at fault
    (`fields`, from `extra`; `extra` holds the whole list)."""

    def __init__(self, status: int, message: str, extra: list | None = None, response: httpx.Response | None = None):
        self.status = status
        self.message = message
        self.extra = list(extra or [])
        self.fields = [problem.get("name") for problem in self.extra if isinstance(problem, dict)]
        self.response = response
        super().__init__(f"{status} {message}" + (f" ({', '.join(map(str, self.fields))})" if self.fields else ""))

    @classmethod
    def of(cls, response: httpx.Response) -> ApiError:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and "message" in body:
            return cls(response.status_code, str(body["message"]), body.get("extra"), response)
        return cls(response.status_code, response.reason_phrase or "Error", None, response)


class LinkNotFound(KeyError):
    """The representation has no link of that name (the caller may not use it, or it does not exist)."""


def _instant(value) -> str:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    return str(value)


class Client:
    """A connection to one hyperdiary server, signed in or not. Use it as a context manager (or call
    close()) to release its connections."""

    def __init__(self, base_url: str, *, timeout: float = 30.0, transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/") + "/"
        self.http = httpx.Client(timeout=timeout, transport=transport, headers={"Accept": "application/json"})
        self.access: str | None = None
        self.refresh_token: str | None = None
        self._root_links: dict | None = None

    # --- signing in and out ---------------------------------------------------------------------------

    def login(self, username: str, password: str) -> Client:
        """Sign in (`auth.token`); answers the client itself, so that `Client(url).login(...)` reads well."""
        tokens = self._auth("auth.token", {"username": username, "password": password})
        self.access, self.refresh_token = tokens["access"], tokens["refresh"]
        return self

    def register(self, username: str, email: str, password: str, **names) -> Resource:
        """Register a client account (`auth.register`); answers its user resource. Does not sign in."""
        response = self.request("POST", self._root_link("auth.register"),
                                json=dict(names, username=username, email=email, password=password))
        return Resource.answered(self, response)

    def refresh(self) -> bool:
        """Trade the refresh token for new tokens (`auth.refresh`); False when it no longer works."""
        if self.refresh_token is None:
            return False
        try:
            tokens = self._auth("auth.refresh", {"refresh": self.refresh_token})
        except ApiError as error:
            if error.status in (400, 401):
                self.access = self.refresh_token = None
                return False
            raise
        self.access, self.refresh_token = tokens["access"], tokens["refresh"]
        return True

    def logout(self):
        """End this sign-in (`auth.logout`): its tokens stop working everywhere."""
        if self.refresh_token is not None:
            self._auth("auth.logout", {"refresh": self.refresh_token})
        self.access = self.refresh_token = None

    def _auth(self, name: str, body: dict) -> dict:
        # Without the access token: these endpoints authenticate by their body.
        response = self.http.post(self._root_link(name), json=body)
        if response.status_code >= 400:
            raise ApiError.of(response)
        return response.json()

    def _root_link(self, name: str) -> str:
        if self._root_links is None or name not in self._root_links:
            response = self.http.get(self.base_url)
            if response.status_code >= 400:
                raise ApiError.of(response)
            self._root_links = {link["name"]: link["url"] for link in response.json()["@links"]}
        try:
            return self._root_links[name]
        except KeyError:
            raise LinkNotFound(name) from None

    # --- resources ----------------------------------------------------------------------------------

    @property
    def root(self) -> Resource:
        """The entry point, as the caller sees it (its links depend on who is signed in)."""
        return self.get(self.base_url)

    def me(self) -> Resource:
        """The signed-in user's own resource (the root's `me` link)."""
        return self.root.follow("me")

    def get(self, url: str, **params) -> Resource:
        """The resource at a URL (one a link gave), fetched now."""
        resource = Resource(self, url)
        resource.load(**params)
        return resource

    def resource(self, url: str) -> Resource:
        """The resource at a URL, not fetched until its data is read."""
        return Resource(self, url)

    def request(self, method: str, url: str, *, json: Any = None, params: dict | None = None,
                headers: dict | None = None) -> httpx.Response:
        """One request with the caller's token; a 401 refreshes the tokens once and tries again. An
        answer of 400 or more raises ApiError."""
        response = self._send(method, url, json, params, headers)
        if response.status_code == 401 and self.access is not None and self.refresh():
            response = self._send(method, url, json, params, headers)
        if response.status_code >= 400:
            raise ApiError.of(response)
        return response

    def _send(self, method, url, json, params, headers) -> httpx.Response:
        all_headers = dict(headers or {})
        if self.access is not None:
            all_headers["Authorization"] = f"Bearer {self.access}"
        kwargs = {"params": params, "headers": all_headers}
        if json is not None:
            kwargs["json"] = json
        return self.http.request(method, url, **kwargs)

    def close(self):
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info):
        self.close()


class Resource:
    """A resource of the API: its URL, its JSON (`data`, fetched on first use), its ETag, and the links
    it offers. Items of a collection and written records come with their data already."""

    def __init__(self, client: Client, url: str, data: Any = None, etag: str | None = None,
                 response: httpx.Response | None = None):
        self.client = client
        self.url = url
        self._data = data
        self.etag = etag
        self.response = response

    @classmethod
    def answered(cls, client: Client, response: httpx.Response, url: str | None = None) -> Resource:
        """The resource an answer holds (a write's answer: its Location, else its @url)."""
        data = response.json() if response.content else None
        location = response.headers.get("Location")
        if location is None and isinstance(data, dict):
            location = data.get("@url")
        return cls(client, location or url or str(response.url), data, response.headers.get("ETag"), response)

    def load(self, **params) -> Resource:
        """Fetch (again) what the URL answers now."""
        response = self.client.request("GET", self.url, params=params or None)
        self.response = response
        self.etag = response.headers.get("ETag")
        self._data = response.json() if "json" in response.headers.get("Content-Type", "") else response.text
        return self

    @property
    def data(self) -> Any:
        if self._data is None:
            self.load()
        return self._data

    def __getitem__(self, key):
        return self.data[key]

    def get(self, key, default=None):
        return self.data.get(key, default) if isinstance(self.data, dict) else default

    @property
    def deleted(self) -> bool:
        """A tombstone of sync (`"@deleted": true`)."""
        return isinstance(self._data, dict) and self._data.get("@deleted") is True

    # --- links ----------------------------------------------------------------------------------------

    @property
    def links(self) -> dict[str, str]:
        """Link name -> URL (the first of a name)."""
        found = {}
        for link in self.data.get("@links", []):
            found.setdefault(link["name"], link["url"])
        return found

    def link(self, name: str) -> str:
        try:
            return self.links[name]
        except KeyError:
            raise LinkNotFound(f"{name!r} is not among the links of {self.url}: {sorted(self.links)}") from None

    def follow(self, *names: str) -> Resource:
        """The resource at the end of a path of link names (`me.follow("client", "goals")`). Each step
        but the last is fetched to read its links; the last is fetched when its data is first read."""
        resource = self
        for name in names:
            resource = Resource(self.client, resource.link(name))
        return resource

    # --- collections ----------------------------------------------------------------------------------

    def pages(self, **params) -> Iterator[Resource]:
        """Each page of a collection, following `next` links until there is none."""
        page = self.client.get(self.url, **params) if params or self._data is None else self
        while True:
            yield page
            following = page.links.get("next")
            if following is None:
                return
            page = self.client.get(following)

    def items(self, **params) -> Iterator[Resource]:
        """Every item of a collection over all its pages (`limit`, filters as query parameters), each a
        Resource with its data. Lazy: a page is fetched when the items before it are used up."""
        for page in self.pages(**params):
            for item in page.data["@items"]:
                yield Resource(self.client, item["@url"], item)

    def sync(self, modified_after, **params) -> Iterator[Resource]:
        """Every change of a collection's records after an instant (a datetime, naive meaning UTC, or an
        ISO 8601 text), oldest first: changed records, and deleted ones as tombstones (`.deleted`)."""
        return self.items(modified_after=_instant(modified_after), **params)

    # --- writes ---------------------------------------------------------------------------------------

    def create(self, body: Any) -> Resource:
        """POST to this resource (a collection, or a link that takes a POST); the written resource (201,
        or the 200 of a duplicate) with its ETag. A bare answer (a batch's list of @urls) is its data."""
        response = self.client.request("POST", self.url, json=body)
        return Resource.answered(self.client, response, self.url)

    def patch(self, body: dict) -> Resource:
        """PATCH with `If-Match` (the ETag last read): a change made meanwhile by someone else is a 412
        ApiError, not lost. Takes the answer in: this resource's data and ETag are the new ones."""
        return self._write("PATCH", body)

    def put(self, body: Any) -> Resource:
        """PUT with `If-Match`, like patch()."""
        return self._write("PUT", body)

    def delete(self):
        """DELETE with `If-Match` when the ETag is known."""
        self.client.request("DELETE", self.url, headers=self._if_match())
        self._data, self.etag = None, None

    def _write(self, method: str, body: Any) -> Resource:
        response = self.client.request(method, self.url, json=body, headers=self._if_match())
        self.response = response
        self._data = response.json() if response.content else None
        self.etag = response.headers.get("ETag")
        return self

    def _if_match(self) -> dict:
        return {"If-Match": self.etag} if self.etag else {}

    def __repr__(self):
        return f"<Resource {self.url}>"
