from tests.conftest import link
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

def test_smoke(client, professional, caseload, anonymous):
    r = anonymous.get("http://example.com/", headers=HTML)
    print(r.headers)
    __import__("pathlib").Path("/tmp/root.html").write_text(r.text)
    c = client.client()
    entries = link(c, "diary.entries")
    client.post(entries, json={"@type": "https://ns.hyperdiary.org/diary/schema/entry/emotion:1", "dt": "2024-04-11T11:41:09Z", "emotion": "happy", "intensity": 3, "situation": "<script>alert(1)</script>"}, status=201)
    for name in ("diary.entries.items", "charts", "diary", "journals", "goals", "moods"):
        r = client.get(link(c, name), headers=HTML)
        __import__("pathlib").Path(f"/tmp/{name}.html").write_text(r.text)
    r = client.get(c["@url"], headers=HTML)
    __import__("pathlib").Path("/tmp/client.html").write_text(r.text)
    charts = client.get(link(c, "charts")).json
    print(charts)
    for ch in charts["@items"]:
        r = client.get(ch["@url"] + "?fromdate=2024-04-01&todate=2024-04-30", headers={"Accept": "image/svg+xml"})
        __import__("pathlib").Path(f"/tmp/chart-{ch['kind']}.svg").write_text(r.text)
        r = client.get(ch["@url"], headers=HTML)
    r = professional.get(c["@url"], headers=HTML)
    __import__("pathlib").Path("/tmp/client-pro.html").write_text(r.text)
    r = professional.get(professional.url("schemas"), headers=HTML)
    __import__("pathlib").Path("/tmp/schemas.html").write_text(r.text)
