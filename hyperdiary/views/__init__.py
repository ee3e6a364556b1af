"""Views, one module per resource kind, bound by context (and view name)."""
