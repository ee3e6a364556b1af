"""The core knows no domain (docs/architecture.md, "The layout"): no module of the core imports a module of a
domain package (hyperdiary.DOMAINS), read from the source's imports, so that a domain is added or removed by
its package and its line in DOMAINS, and the core never has to change for one."""
import ast
import pathlib
import subprocess
import sys

import pytest

import hyperdiary

PACKAGE = pathlib.Path(hyperdiary.__file__).parent
# What is not the core: the domains, and what uses the whole application from outside (the command line,
# the pytest plugin, the HTTP client, the package's own list of domains).
OUTSIDE = {"__init__.py", "scripts", "testing.py", "client.py"}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: pathlib.Path) -> set[str]:
    """The absolute names of the modules (and of the names in them) a module imports, at any depth."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def core_modules() -> list[pathlib.Path]:
    domains = set(hyperdiary.DOMAINS)
    return [path for path in sorted(PACKAGE.rglob("*.py"))
            if path.relative_to(PACKAGE).parts[0] not in domains | OUTSIDE]


def test_the_core_imports_no_domain():
    domains = tuple(f"hyperdiary.{domain}" for domain in hyperdiary.DOMAINS)
    reaching = {module_name(path): sorted(name for name in imported(path)
                                          if name in domains or name.startswith(tuple(d + "." for d in domains)))
                for path in core_modules()}
    assert {name: found for name, found in reaching.items() if found} == {}


def test_the_check_sees_the_core_and_its_imports():
    """Not a vacuous pass: the core is found, and an import of a domain would be seen (kinds.py imports
    hyperdiary.models.meta by a relative import, which the check resolves)."""
    names = {module_name(path) for path in core_modules()}
    assert {"hyperdiary.kinds", "hyperdiary.export", "hyperdiary.erasure", "hyperdiary.fhir",
            "hyperdiary.resources.root", "hyperdiary.models", "hyperdiary.pages.render"} <= names
    assert not names & {f"hyperdiary.{domain}" for domain in hyperdiary.DOMAINS}
    assert "hyperdiary.models.meta.new_id" in imported(PACKAGE / "kinds.py")


@pytest.mark.parametrize("domain", hyperdiary.DOMAINS)
def test_each_domain_imports_first_in_a_fresh_process(domain):
    """Whatever is imported first (a script, alembic's env.py, a worker, the test suite's own order) the
    packages import without a cycle: a domain imported before any other, then every domain's models."""
    code = f"import hyperdiary.{domain}\nimport hyperdiary.models\nhyperdiary.models.load()"
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
