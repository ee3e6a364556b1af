"""Diary entries on the pages (hyperdiary/pages/): their forms are their entry types' (EntryKind.page_forms)."""
from .. import hypermedia as hm
from ..pages.forms import Form, Write, form_anchor, input_values, with_icons
from .resources import Entries, EntryResource


def entry_forms(request, context, write: Write, body: dict, tz, etag) -> list[Form] | None:
    """Diary entries: a form per configured entry type (a new entry), or the entry's own type (a change)."""
    action = hm.url(request, context, *([write.name] if write.name else []))
    dt = {"name": "dt", "title": "When", "type": "datetime", "required": True}
    if isinstance(context, Entries) and write.method == "POST":
        schemas = request.entry_schemas.get_many(request.dbsession, context.client.diary_schemas)
        # `dt` starts empty: the script fills in the current time (a rendered form is the same all day).
        return [Form(f"New entry: {schema.descriptor['title']}", "POST", action,
                     [dict(dt, now=True), *with_icons(request, schema.descriptor)],
                     {"@type": schema.id}, {}, None, description=schema.descriptor.get("description"),
                     # (a schema's $id names one document for good; its icons' addresses depend on the host)
                     source=("entry type", schema.id, request.base_url), anchor=form_anchor(schema.id))
                for schema in schemas]
    if isinstance(context, EntryResource) and write.method == "PATCH":
        schema = request.entry_schemas.get(request.dbsession, context.entry.schema_id)
        fields = [dt, *with_icons(request, schema.descriptor)]
        return [Form(f"Change this {schema.descriptor['title']} entry", "PATCH", action, fields, {},
                     input_values(fields, body, tz), etag)]
    return None
