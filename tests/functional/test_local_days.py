"""localtime.local_date in SQL: on each database, the same local calendar day as Python's zoneinfo,
around every transition of the zone in the range."""
import datetime

import pytest
import sqlalchemy as sa

from hyperdiary import localtime

D = datetime.datetime


@pytest.mark.parametrize("zone_name", ["Europe/Amsterdam", "America/Los_Angeles", "Asia/Kolkata",
                                       "Australia/Lord_Howe", "Pacific/Chatham", "UTC"])
def test_local_date_matches_zoneinfo(app, zone_name):
    tz = localtime.zone(zone_name)
    start, end = D(2023, 12, 1), D(2025, 2, 1)
    moments = []
    for segment in localtime.offsets(tz, start, end):
        if segment.until is not None:
            for seconds in (-3601, -1, 0, 1, 3599, 86399):
                moments.append(segment.until + datetime.timedelta(seconds=seconds))
    # Every hour of two days, and some ordinary instants with microseconds.
    moments += [D(2024, 6, 30) + datetime.timedelta(hours=h) for h in range(48)]
    moments += [D(2024, 1, 15, 23, 59, 59, 999999), D(2024, 8, 1, 0, 0, 0, 1)]
    value = sa.bindparam("moment", type_=sa.DateTime())
    statement = sa.select(localtime.local_date(value, tz, start, end))
    with app.registry["dbengine"].connect() as conn:
        for moment in moments:
            got = conn.execute(statement, {"moment": moment}).scalar()
            assert got == localtime.local_day(moment, tz).isoformat(), (zone_name, moment)
        conn.rollback()
