"""PostgreSQL's plans of what each `make bench-scale` scenario sends, as PostgreSQL ran it.

hyperdiary runs in process (production.ini on the scale run's working database) behind WebTest. Every
connection its engines open loads auto_explain (log_analyze, buffers, nested statements: the statements
that foreign-key cascades run too) with its messages sent to the client as NOTICEs, which a psycopg notice
handler collects. Each scenario's request is sent a few times to warm up, then once more while collecting:
the plans are those of the very statements and parameters of that request, with the times PostgreSQL
measured, not a re-run with guessed parameters (which an erasure could not have anyway: it deletes).
"""
import re
import urllib.parse
import warnings

warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)

import sqlalchemy as sa  # noqa: E402
import webtest  # noqa: E402
from pyramid.paster import get_appsettings  # noqa: E402

from hyperdiary import main  # noqa: E402
from hyperdiary.models import dispose  # noqa: E402

import run  # noqa: E402

WARM_UP = 5
AUTO_EXPLAIN = ("LOAD 'auto_explain'", "SET auto_explain.log_min_duration = 0", "SET auto_explain.log_analyze = on",
                "SET auto_explain.log_buffers = on", "SET auto_explain.log_nested_statements = on",
                "SET auto_explain.log_triggers = on", "SET auto_explain.log_level = notice")
DURATION = re.compile(r"duration: ([\d.]+) ms")


class Collector:
    def __init__(self):
        self.on, self.plans = False, []

    def connected(self, dbapi_connection, record):
        for statement in AUTO_EXPLAIN:
            dbapi_connection.execute(statement)
        dbapi_connection.commit()
        dbapi_connection.add_notice_handler(self.notice)

    def notice(self, diagnostic):
        if self.on and "duration:" in (diagnostic.message_primary or ""):
            self.plans.append(diagnostic.message_primary)


def capture(size, path):
    """{scenario: {"ms": PostgreSQL's time for its statements, "plans": how many}}; the plans go to `path`.
    Nested statements (a cascade's) are counted in their parent's time, not again."""
    collector = Collector()
    sa.event.listen(sa.engine.Engine, "connect", collector.connected)
    settings = dict(get_appsettings(str(run.ROOT / "production.ini")))
    settings["sqlalchemy.url"] = size.url
    app = main({}, **settings)
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "127.0.0.1"})
    out, found = [f"database {size.db}: {size.entries:,} entries, {size.shape['clients']:,} clients"], {}
    try:
        for key, (url, role) in size.plan.items():
            target = urllib.parse.urlsplit(url)
            target = target.path + (f"?{target.query}" if target.query else "")
            headers = {"Authorization": f"Bearer {size.tokens[role]}"}
            send = ((lambda: testapp.delete(target, headers=headers, status=204)) if key == "erase"
                    else (lambda: testapp.get(target, headers=headers, status=200)))
            if key != "erase":
                for _ in range(WARM_UP):
                    send()
            collector.plans.clear()
            collector.on = True
            send()
            collector.on = False
            plans = list(collector.plans)
            # auto_explain reports a nested statement before its parent; the parent's time includes it.
            total = sum(float(DURATION.search(p).group(1)) for p in plans if not nested(p, plans))
            found[key] = {"ms": total, "plans": len(plans)}
            out += ["", f"## {key}: {target} — {len(plans)} plans, {total:.2f} ms in PostgreSQL", ""]
            out += ["    " + line for plan in plans for line in plan.splitlines()]
    finally:
        sa.event.remove(sa.engine.Engine, "connect", collector.connected)
        dispose(app.registry)
    path.write_text("\n".join(out) + "\n")
    return found


def nested(plan, plans):
    """Whether `plan` is of a statement run inside another one in `plans` (a trigger's, a function's): those
    are logged with the query text of their own but also as part of their caller's time. auto_explain marks
    nothing, so the test is textual: its query text is the inner SQL of a foreign-key trigger."""
    text = plan.split("Query Text:", 1)[-1]
    return "OPERATOR(pg_catalog." in text or text.lstrip().startswith("SELECT 1 FROM ONLY")
