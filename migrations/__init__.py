"""The alembic migrations; installed as `hyperdiary.migrations` (setup.py), found by hyperdiary/shipped.py."""
