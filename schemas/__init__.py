"""The shipped schemas (JSON files only); installed as `hyperdiary.shipped_schemas` (setup.py), found by
hyperdiary/shipped.py. This file only makes the folder importable, so that importlib.resources finds it."""
