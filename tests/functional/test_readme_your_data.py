"""The README's "Your data" commands, run after its walkthrough (whose variables they use) against a live
server: if a pasted command stops working, this fails."""
import os
import re
import shutil
import subprocess

import pytest

from tests.functional.test_readme import ROOT, walkthrough


def your_data() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Your data"):]
    section = section[: section.index("\n## ", 1)]
    return "\n".join(re.findall(r"```sh\n(.*?)```", section, re.S))


@pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None, reason="needs curl and bash")
def test_readme_your_data(live_server, app_settings, tmp_path):
    environ = dict(os.environ, API=live_server, HYPERDIARY_DATABASE_URL=app_settings["sqlalchemy.url"],
                   PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}")
    script = walkthrough() + "\necho '--- your data ---'\n" + your_data()
    result = subprocess.run(["bash", "-c", script], cwd=ROOT, env=environ, capture_output=True, text=True,
                            timeout=180)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout.split("--- your data ---", 1)[1]
    assert '"username":"pat"' in out and '"since":' in out
    assert '"action":"read"' in out and '"actor_role":"professional"' in out
    assert "collection ['DocumentReference', 'Goal', 'Observation', 'Patient', 'Questionnaire', " \
           "'QuestionnaireResponse']" in out
    assert '{"code":401,"message":"The password is wrong: nothing was erased.","extra":[]}' in out
    assert out.rstrip().endswith("204\n401")
    assert not (ROOT / "carol-export.json").exists() and not (ROOT / "carol-fhir.json").exists()
