"""A chart's page (hyperdiary/pages): its numbers as a table, a row per day (or week) and a column per series,
in place of the fields that hold them (`categories`, `series`) and of those the drawing shows (`kind`, `type`,
the axes' labels), which are programs' words. A section of the one page template (`pages.render` asks
`page_sections`)."""
from markupsafe import Markup

from ..pages.render import NONE, esc
from .resources import ChartResource

# What a program reads in a chart's JSON and a person sees in its drawing or in the table below.
SHOWN_ELSEWHERE = ("kind", "type", "x_label", "y_label", "categories", "series")


def numbers(body: dict) -> Markup:
    series = [each for each in body.get("series") or () if isinstance(each, dict)]
    across = str(body.get("x_label") or "").capitalize() or "When"
    heads = [esc(across)] + [esc(each.get("name") or "") for each in series]
    head = "".join(f'<th scope="col">{name}</th>' for name in heads)
    rows = []
    for n, category in enumerate(body.get("categories") or ()):
        cells = [f'<th scope="row" data-label="{heads[0]}">{esc(category)}</th>']
        for column, each in enumerate(series, 1):
            values = each.get("values") or ()
            value = values[n] if n < len(values) else None
            cells.append(f'<td data-label="{heads[column]}">{NONE if value is None else esc(value)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    # Folded (a row a day is long), and a table even on a phone: its few narrow columns scroll in their own box
    # if they must, never the page (its box is focusable, so a keyboard scrolls it too).
    return Markup('<section aria-labelledby="numbers-h"><h2 id="numbers-h">The numbers</h2><details>'
                  f'<summary>The table, {len(rows)} rows</summary><div class="numbers" tabindex="0" role="region" '
                  f'aria-label="The numbers, as a table"><table><thead><tr>{head}</tr></thead>'
                  f'<tbody>{"".join(rows)}</tbody></table></div></details></section>')


def page_sections(request, context, body, show) -> dict | None:
    if not isinstance(context, ChartResource) or not isinstance(body, dict) or "categories" not in body:
        return None
    return {"html": numbers(body), "replaces_items": False, "replaces_post": False, "hides": SHOWN_ELSEWHERE}


def includeme(config):
    config.registry.setdefault("page_sections", []).append(page_sections)
