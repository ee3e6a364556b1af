"""Where the shipped entry schemas and the migrations are.

They are top-level folders of the repository (`schemas/`, `migrations/`) and installed inside the package as
`hyperdiary.shipped_schemas` and `hyperdiary.migrations` (setup.py maps them). Found by import, never from the
current directory or the location of a checkout: a wheel and an editable install answer the same way.
"""
import pathlib
from importlib.resources import files


def schemas() -> pathlib.Path:
    """The folder of the shipped schemas: `hyperdiary.schemas_dir` when the ini file does not name one."""
    return pathlib.Path(str(files("hyperdiary.shipped_schemas")))


def migrations() -> pathlib.Path:
    """The alembic script folder (env.py, versions/)."""
    return pathlib.Path(str(files("hyperdiary.migrations")))
