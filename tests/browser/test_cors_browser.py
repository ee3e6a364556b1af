"""CORS from a real browser: a page of another origin (another port of 127.0.0.1) signs in, reads, writes with
If-Match and reads the exposed headers through fetch(), every request preflighted by Chromium; a page of an
origin the server does not list is refused."""
import http.server
import threading

import pytest

from hyperdiary.testing import LiveServer


class Blank(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><title>another app</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def origins():
    """Two web apps' origins: the first is listed in the server's CORS setting, the second is not."""
    servers = [http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blank) for _ in range(2)]
    threads = [threading.Thread(target=server.serve_forever, daemon=True) for server in servers]
    for thread in threads:
        thread.start()
    yield [f"http://127.0.0.1:{server.server_address[1]}" for server in servers]
    for server, thread in zip(servers, threads):
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def api(app_settings, origins, testapp):
    """hyperdiary with the first origin listed, on the suite's database (emptied afterwards)."""
    live = LiveServer(dict(app_settings, **{"hyperdiary.cors.origins": origins[0]}))
    yield live.url
    live.stop()


CONVERSATION = """async (api) => {
  const json = {"Content-Type": "application/json"};
  const link = (body, name) => body["@links"].find((entry) => entry.name === name).url;
  const root = await (await fetch(api + "/")).json();
  const password = "a browser keeps secrets";
  await fetch(link(root, "auth.register"), {method: "POST", headers: json,
    body: JSON.stringify({username: "webby", email: "webby@example.org", password})});
  const tokens = await (await fetch(link(root, "auth.token"), {method: "POST", headers: json,
    body: JSON.stringify({username: "webby", password})})).json();
  const auth = {Authorization: "Bearer " + tokens.access};
  const signedIn = await (await fetch(api + "/", {headers: auth})).json();
  const me = await (await fetch(link(signedIn, "me"), {headers: auth})).json();
  const client = await (await fetch(link(me, "client"), {headers: auth})).json();
  const created = await fetch(link(client, "goals"), {method: "POST", headers: {...auth, ...json},
    body: JSON.stringify({title: "Walk", is_onetime: true, targetdate: "2030-05-01T18:00:00Z"})});
  const location = created.headers.get("Location"), etag = created.headers.get("ETag");
  const patched = await fetch(location, {method: "PATCH", headers: {...auth, ...json, "If-Match": etag},
    body: JSON.stringify({title: "Walk far"})});
  const stale = await fetch(location, {method: "PATCH", headers: {...auth, ...json, "If-Match": etag},
    body: JSON.stringify({title: "Walk farther"})});
  const gone = await fetch(location, {method: "DELETE", headers: {...auth, "If-Match": patched.headers.get("ETag")}});
  return {created: created.status, location, etag, context: created.headers.get("Link"),
          patched: patched.status, title: (await patched.json()).title, stale: stale.status, gone: gone.status};
}"""

REFUSED = """async (api) => {
  try { await fetch(api + "/"); return "read"; } catch (error) { return error.name; }
}"""


def test_a_page_of_a_listed_origin_uses_the_api(api, origins, page):
    page.goto(origins[0] + "/")
    answer = page.evaluate(CONVERSATION, api)
    assert answer["created"] == 201 and answer["location"].startswith(api + "/clients/")
    assert answer["etag"] and "json-ld#context" in answer["context"]  # exposed: ETag, Location, Link
    assert (answer["patched"], answer["title"]) == (200, "Walk far")
    assert answer["stale"] == 412 and answer["gone"] == 204


def test_a_page_of_another_origin_is_refused(api, origins, page):
    page.goto(origins[1] + "/")
    assert page.evaluate(REFUSED, api) == "TypeError"
