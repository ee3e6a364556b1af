"""docs/api.md is the reference a clone carries: it names every link of the OpenAPI document, and no
document of the project sends its reader to ../shared/, which a clone does not have."""
import pathlib

from hyperdiary import openapi

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_link_name_is_in_the_reference(app):
    reference = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    views = openapi.registered_views(app.registry)
    operations = openapi.all_operations(openapi.record_kinds(app.registry), views)
    names = {op.link for op in operations if op.link}
    assert names, "no link names"
    assert {name for name in names if f"`{name}`" not in reference} == set()


def test_no_document_points_outside_the_repository():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        assert "../shared" not in path.read_text(encoding="utf-8"), path
