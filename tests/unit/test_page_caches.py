"""The per-process tables of the pages' hot path (docs/performance.md, the page of 50 entries): each answers
what the work it saves would have answered, and none grows without bound."""
from pyramid.testing import DummyRequest

from hyperdiary import rendering
from hyperdiary.pages import render
from hyperdiary.pages.forms import Views


def test_accept_preference_is_the_parse_and_bounded(monkeypatch):
    monkeypatch.setattr(rendering, "PREFERRED", {})
    monkeypatch.setattr(rendering, "PREFERRED_SIZE", 2)
    headers = ["text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
               "application/json;q=0.5, text/html;q=0.4", f"{rendering.linkeddata.MEDIA_TYPE}, text/html;q=0.9",
               "text/plain"]
    for _ in range(2):  # the second time from the table, where it is there
        for header in headers:
            request = DummyRequest(headers={"Accept": header})
            assert rendering.negotiated(request) == rendering.preferred(request, rendering.OFFERS)
    assert len(rendering.PREFERRED) == 2


class Base:
    pass


class Child(Base):
    pass


class Other:
    pass


def test_pages_of_a_class_are_its_own_and_its_bases():
    pages = frozenset({(Base, ""), (Child, "items"), (Other, "")})
    views = Views((), pages, {(Base, ""): "view", (Child, "items"): None, (Other, ""): "other"}, {})
    assert sorted(render.pages_of(views, Child)) == [("", "view"), ("items", None)]
    assert render.pages_of(views, Base) == (("", "view"),)
    assert set(views.pages_by_class) == {Child, Base}
