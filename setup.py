"""Everything is in setup.cfg but what it cannot say: the shipped entry schemas and the migrations stay
top-level folders of the repository (`schemas/`, `migrations/`) and travel inside the package, as
`hyperdiary.shipped_schemas` and `hyperdiary.migrations` (hyperdiary/shipped.py finds them, in a wheel and in
an editable install alike). setup.cfg's `packages = find:` cannot add mapped packages to what it finds."""
from setuptools import find_packages, setup

SHIPPED = {"hyperdiary.migrations": "migrations", "hyperdiary.shipped_schemas": "schemas"}

setup(packages=find_packages(exclude=["tests", "tests.*", *SHIPPED.values()]) + list(SHIPPED),
      package_dir=SHIPPED)
