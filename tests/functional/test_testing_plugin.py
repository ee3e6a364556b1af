"""The pytest plugin hyperdiary.testing, used as an app's test suite uses it: the README's example (and a
test of every role's fixture) run by a pytest of their own, in a folder of their own."""
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]

ROLES = '''
def test_every_role_is_signed_in(hyperdiary_client, hyperdiary_professional, hyperdiary_researcher,
                                 hyperdiary_admin):
    for api, role in ((hyperdiary_client, "client"), (hyperdiary_professional, "professional"),
                      (hyperdiary_researcher, "researcher"), (hyperdiary_admin, "admin")):
        assert api.me()["role"] == role
    assert "subjects" in hyperdiary_researcher.root.links and "users" in hyperdiary_admin.root.links


def test_each_test_starts_empty(hyperdiary, hyperdiary_admin):
    assert [user["username"] for user in hyperdiary_admin.root.follow("users").items()] == ["admin"]
'''


def readme_example() -> dict[str, str]:
    """The files of the README's example, split at their `# <name>.py` lines."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Testing your app against hyperdiary"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    names = re.findall(r"^# (\w+\.py)$", code, re.M)
    bodies = re.split(r"^# \w+\.py\n", code, flags=re.M)[1:]
    return dict(zip(names, bodies))


def test_the_readme_example_runs(tmp_path):
    files = readme_example()
    assert set(files) == {"conftest.py", "test_diary.py"}
    assert sum(len(body.strip().splitlines()) for body in files.values()) + len(files) < 10
    for name, body in files.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    (tmp_path / "test_roles.py").write_text(ROLES, encoding="utf-8")
    # A database URL in the environment must not reach the plugin's server (it empties its tables).
    elsewhere = f"sqlite:///{tmp_path / 'not-this-one.sqlite'}"
    environ = dict(os.environ, HYPERDIARY_DATABASE_URL=elsewhere)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                            cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "3 passed" in result.stdout
    assert not (tmp_path / "not-this-one.sqlite").exists()
