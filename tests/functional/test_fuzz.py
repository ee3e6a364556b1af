"""Generated bad input (hypothesis, derandomized: the same examples every run, a few seconds): whatever
a body or a query holds, the answer is never a 5xx, an error has the contract's shape, and a 4xx stores
nothing (API.md §2). The hand-written cases live in test_errors.py and beside each resource's tests."""
import string
import urllib.parse

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import link

FUZZ = settings(max_examples=25, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Any text, and what broke this server before: NUL, the calendar's edges, zone names zoneinfo mishandles.
TEXT = st.one_of(st.text(max_size=20), st.sampled_from(["", "\u0000", "é", "\U0001F600", "x" * 300, "0001-01-01",
                                                         "9999-12-31T23:59:59-14:00", "America", "localtime"]))
NUMBERS = st.one_of(st.integers(min_value=-(2 ** 63), max_value=2 ** 64 - 1), st.floats(allow_nan=False, allow_infinity=False))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
JSON = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                      st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


def bodies(fields):
    """Objects with the resource's own field names (and others), holding anything."""
    return st.dictionaries(st.one_of(st.sampled_from(fields), TEXT), JSON, max_size=len(fields) + 1)


def assert_answer(response):
    assert response.status_int < 500, response.text
    if response.status_int >= 400:
        assert set(response.json) == {"code", "message", "extra"} and response.json["code"] == response.status_int
    return response


def send(api, method, url, body):
    headers = dict(api.headers, **{"Content-Type": "application/json"})
    return assert_answer(api.testapp.request(url, method=method, body=orjson.dumps(body), headers=headers,
                                             expect_errors=True))


WRITES = {
    "journals": ["title", "description", "journal_timestamp", "session", "@url", "tags"],
    "moods": ["mood", "logdate", "reasons"],
    "goals": ["title", "is_onetime", "frequency", "days", "startdate", "targetdate", "reminder", "remindertime",
              "reminderdate", "criticality", "status", "is_therapist_approved"],
    "diary.entries": ["@type", "dt", "emotion", "intensity", "situation", "picture"],
}


@pytest.mark.parametrize("name", sorted(WRITES))
def test_bodies_never_5xx_and_a_4xx_stores_nothing(client, name):
    own = client.client()
    url = link(own, name)
    listing = link(own, "diary.entries.items") if name == "diary.entries" else url

    def stored():
        return client.get(listing, params={"modified_after": "1900-01-01T00:00:00Z", "limit": 500}).json["@items"]

    @FUZZ
    @given(body=st.one_of(bodies(WRITES[name]), JSON))
    def post(body):
        before = stored()
        if send(client, "POST", url, body).status_int >= 400:
            assert stored() == before

    post()


QUERY = st.dictionaries(st.sampled_from(["limit", "after", "modified_after", "fromdate", "todate", "time_zone",
                                         "session", "tag", "since", "until"]), TEXT, max_size=4)
RAW = st.text(alphabet=string.ascii_letters + string.digits + "%&=+;/", max_size=30)


@pytest.mark.parametrize("name", ["journals", "journals.stats", "moods.stats", "goals.tracker", "goals.reminders",
                                  "diary.entries.items"])
def test_queries_never_5xx(client, name):
    url = link(client.client(), name)

    @FUZZ
    @given(params=QUERY, raw=RAW)
    def get(params, raw):
        assert_answer(client.testapp.get(url + "?" + urllib.parse.urlencode(params), headers=client.headers,
                                         expect_errors=True))
        assert_answer(client.testapp.get(url + "?" + raw, headers=client.headers, expect_errors=True))

    get()
