"""For people: every resource as an HTML page, rendered from the very representation its JSON view returns.

A request that prefers `text/html` over `application/json` (a browser) gets the page of the JSON body the
view answered; `*/*` and `application/json` get the JSON unchanged; both carry `Vary: Accept`. The
negotiation is one tween (negotiation.py), so every view, present and future, gets its page without a
template of its own: one generic page (templates/page.html) shows the fields, the links, a collection's
items, the forms of the writes the caller may make (forms.py) and, for a client, its charts (charts.py).
"""
import pathlib

import jinja2
from pyramid.tweens import EXCVIEW

from . import render

HERE = pathlib.Path(__file__).resolve().parent


def environment() -> jinja2.Environment:
    """Jinja2, autoescaping everything (HTML and SVG): a journal titled `<script>` shows as text."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False,
                             extensions=["jinja2.ext.do"])
    return env


def includeme(config):
    config.registry["page_templates"] = environment()
    config.registry["page_forms"] = render.FormCache(config.registry["page_templates"])
    # Everything the pages need comes from this server (API.md §10): the style sheet and the one script.
    config.add_static_view("static", "hyperdiary.pages:static", cache_max_age=3600)
    # Right around the exception view (so that errors get their page too), inside the other tweens: a gzip
    # or header tween sees the page.
    config.add_tween("hyperdiary.pages.negotiation.html_tween", over=EXCVIEW)
    config.include(".session")
    config.include(".app")
