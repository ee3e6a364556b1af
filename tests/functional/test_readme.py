"""The README's curl walkthrough, run as written against a live server on this suite's database:
if a pasted command stops working, this fails."""
import os
import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def walkthrough() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Walkthrough with curl"):]
    section = section[: section.index("\n## ", 1)]
    return "set -e\n" + "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S))


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None, reason="needs curl and bash")
def test_readme_walkthrough(live_server, app_settings):
    environ = dict(os.environ, API=live_server, HYPERDIARY_DATABASE_URL=app_settings["sqlalchemy.url"],
                   PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}")
    result = subprocess.run(["bash", "-c", walkthrough()], cwd=ROOT, env=environ, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    # What a reader is told to expect: a 201, then the dedupe 200 on the identical POST, the validation error,
    # a tombstone in the sync, the 204 of the delete, and the 401 after signing out.
    assert "HTTP/1.1 201 Created" in out and "HTTP/1.1 200 OK" in out
    assert '"name":"emotion","message":"Required input is missing."' in out
    assert '"@deleted":true' in out and "204\n" in out
    assert '"journalstats":[{"journaldate":"2024-04-13","count":1}]' in out
    # Goals and moods: a client may not approve a goal, the calendar feed, and the statistics per Tokyo day.
    assert '{"code":403,"message":"Only a professional of the client\'s caseload may set is_therapist_approved.","extra":[]}' in out
    assert "BEGIN:VCALENDAR" in out and "RRULE:FREQ=WEEKLY;UNTIL=20240429T070000Z;BYDAY=MO,WE,FR" in out
    assert '{"logdate":"2024-04-13","mood":"calm","count":1,"reasons":["slept well","walk"]}' in out
    # Subject logs: the entry in the log, the wrong unit named, a private log hidden from a signed-out reader
    # (401), then readable once the subject is public.
    assert '"details":{"weight":{"value":21.5,"unit":"g"}}' in out
    assert '"name":"details.weight.unit","message":"\'lb\' is not one of the allowed choices."' in out
    assert "401\n" in out and '"is_public":true' in out
    # Reports: Carol's last two weeks, counted from Monday in her zone (the tick of 1 April is week 14).
    assert ('{"week":"2024-W14","entries":0,"journals":0,"moods":0,"goals_completed":1},'
            '{"week":"2024-W15","entries":1,"journals":1,"moods":3,"goals_completed":0}]}') in out
    assert out.rstrip().endswith('{"code":401,"message":"The access token is not valid (unknown, expired or revoked): '
                                 'refresh it or sign in again.","extra":[]}')
