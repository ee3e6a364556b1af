"""The pages install as an app (API.md §15): a favicon, a web app manifest and a service worker at the root,
served by the server itself with their content types, and a page CSP that lets them load."""
from bs4 import BeautifulSoup

HTML = {"Accept": "text/html"}


def test_manifest_worker_and_favicon(anonymous):
    testapp = anonymous.testapp
    page = testapp.get("http://example.com/", headers=HTML)
    soup = BeautifulSoup(page.text, "html.parser")
    csp = page.headers["Content-Security-Policy"]
    assert "manifest-src 'self'" in csp and "worker-src 'self'" in csp
    icon = soup.find("link", rel="icon")["href"]
    assert testapp.get(icon).content_type == "image/svg+xml"
    assert testapp.get("http://example.com/favicon.ico").content_type == "image/svg+xml"
    manifest = testapp.get(soup.find("link", rel="manifest")["href"])
    assert manifest.content_type == "application/manifest+json"
    body = manifest.json
    assert body["start_url"] == "http://example.com/" and body["display"] == "standalone"
    assert body["icons"] and all(testapp.get(i["src"]).status_int == 200 for i in body["icons"])
    worker = testapp.get("http://example.com/sw.js")
    assert worker.content_type == "text/javascript" and "no-cache" in worker.headers["Cache-Control"]
    assert 'addEventListener("fetch"' in worker.text and 'addEventListener("push"' in worker.text
