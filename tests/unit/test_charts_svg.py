"""The SVG drawing of charts (hyperdiary/pages/svg.py): axes, bars and lines, gaps, an empty range."""
import datetime
import zoneinfo

import pytest

from hyperdiary.pages import svg


@pytest.mark.parametrize("value, top", [(0, 1), (1, 1), (3, 5), (7, 10), (12, 20), (49, 50), (51, 100), (2.4, 5)])
def test_the_axis_tops_at_a_round_number(value, top):
    assert svg.nice_max(value) == top


def data(kind, *series, categories=("2024-04-01", "2024-04-02", "2024-04-03")):
    return {"type": kind, "x_label": "day", "y_label": "entries", "categories": list(categories),
            "series": [{"name": name, "values": values} for name, values in series]}


def test_bars_stand_on_the_axis_and_zero_draws_nothing():
    drawn = svg.layout(data("bar", ("happy", [2, 0, 1]), ("sad", [0, 1, 0])))
    assert not drawn["empty"]
    happy, sad = drawn["series"]
    assert [bar["category"] for bar in happy["bars"]] == ["2024-04-01", "2024-04-03"]
    assert all(round(bar["y"] + bar["h"], 1) == drawn["bottom"] for bar in happy["bars"] + sad["bars"])
    assert happy["bars"][0]["h"] == drawn["plot_h"]  # the highest value reaches the top of the axis
    assert [tick["label"] for tick in drawn["ticks"]] == ["0", "1", "2"]


def test_a_line_breaks_where_a_day_has_no_value():
    drawn = svg.layout(data("line", ("quality", [3, None, 4]), ))
    segments = drawn["series"][0]["segments"]
    assert [[point[2] for point in segment] for segment in segments] == [[3], [4]]


class Bounds:
    fromdate, todate = datetime.date(2024, 4, 1), datetime.date(2024, 4, 3)
    zone_name, tz = "Europe/Amsterdam", zoneinfo.ZoneInfo("Europe/Amsterdam")


def test_description_and_an_empty_range():
    text = svg.describe("Moods", data("bar", ("calm", [0, 2, 1])), Bounds())
    assert text == ("Moods, 2024-04-01 to 2024-04-03 (Europe/Amsterdam). calm: 2 of 3 days with data, highest 2 on "
                    "2024-04-02.")
    assert svg.describe("Moods", data("bar", ("calm", [0, 0, 0])), Bounds()).endswith("No data in this range.")
    assert svg.layout(data("bar", ("calm", [0, 0, 0])))["empty"]
