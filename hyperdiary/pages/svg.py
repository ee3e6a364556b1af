"""Charts drawn as SVG from a template (templates/chart.svg), with no drawing library.

Why not pygal: its SVG pulls its tooltip script from a CDN by default (a page may load nothing from another
host), and it is 1.5 MB of code for what is here a few dozen lines of arithmetic. A template gives full
control over what makes a chart accessible: <title> and <desc> (the numbers in words), labelled axes, a
legend, colours that stay apart for the colour-blind (Okabe–Ito), and text for an empty range.
"""
import math

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 64
# Okabe & Ito's palette: distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


def nice_max(value: float) -> float:
    """The top of the y axis: the value rounded up to 1, 2 or 5 times a power of ten (at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def layout(data: dict) -> dict:
    categories, series = data["categories"], data["series"]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [v for s in series for v in s["values"] if v is not None]
    bands = data.get("bands") or []
    # A score chart (questionnaires): its bands shaded, so the axis reaches the top band's end.
    empty = not values or (not bands and not any(values))
    top = nice_max(max(values + [band["max"] for band in bands])) if values or bands else 1
    y = lambda value: TOP + plot_h - (value / top) * plot_h  # noqa: E731
    steps = next(k for k in (5, 4, 2, 1) if top % k == 0)  # whole numbers on the axis
    ticks = [{"y": round(y(top * n / steps), 1), "label": _number(top * n // steps)} for n in range(steps + 1)]
    count = max(len(categories), 1)
    slot = plot_w / count
    every = max(1, math.ceil(count / 14))  # at most about 14 labels under the axis
    x_labels = [{"x": round(LEFT + slot * (n + 0.5), 1), "label": label[5:] if len(label) == 10 else label}
                for n, label in enumerate(categories) if n % every == 0]
    drawn = []
    for index, each in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        if data["type"] == "line":
            segments, current = [], []
            for n, value in enumerate(each["values"]):
                if value is None:
                    if current:
                        segments.append(current)
                    current = []
                    continue
                current.append((round(LEFT + slot * (n + 0.5), 1), round(y(value), 1), value, categories[n]))
            if current:
                segments.append(current)
            drawn.append({"name": each["name"], "colour": colour, "segments": segments, "bars": []})
        else:
            width = slot * 0.8 / max(len(series), 1)
            bars = [{"x": round(LEFT + slot * n + slot * 0.1 + width * index, 1), "y": round(y(value), 1),
                     "w": round(max(width - 1, 1), 1), "h": round(TOP + plot_h - y(value), 1), "value": value,
                     "category": categories[n]}
                    for n, value in enumerate(each["values"]) if value]
            drawn.append({"name": each["name"], "colour": colour, "segments": [], "bars": bars})
    shaded = [{"y": round(y(min(band["max"] + 0.5, top)), 1), "label": band["label"], "fill": ("#f4f4f4", "#e6e6e6")[n % 2],
               "h": round(y(max(band["min"] - 0.5, 0)) - y(min(band["max"] + 0.5, top)), 1)}
              for n, band in enumerate(bands)]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "top": TOP, "plot_w": plot_w, "plot_h": plot_h,
            "bottom": TOP + plot_h, "ticks": ticks, "x_labels": x_labels, "series": drawn, "empty": empty,
            "bands": shaded}


def describe(title: str, data: dict, bounds) -> str:
    """The chart in words, for <desc>: per series its total (or range of means) and its busiest category."""
    parts = [f"{title}, {bounds.fromdate.isoformat()} to {bounds.todate.isoformat()} ({bounds.zone_name})."]
    for each in data["series"]:
        pairs = [(c, v) for c, v in zip(data["categories"], each["values"]) if v]
        if not pairs:
            continue
        best = max(pairs, key=lambda pair: pair[1])
        parts.append(f"{each['name']}: {len(pairs)} of {len(data['categories'])} {data['x_label']}s with data, "
                     f"highest {_number(best[1])} on {best[0]}.")
    if len(parts) == 1:
        parts.append("No data in this range.")
    return " ".join(parts)


def draw(request, title: str, data: dict, bounds) -> str:
    template = request.registry["page_templates"].get_template("chart.svg")
    return template.render(title=title, desc=describe(title, data, bounds), data=data, **layout(data),
                           fromdate=bounds.fromdate.isoformat(), todate=bounds.todate.isoformat())
