"""bench/scale_seed.py (`make bench-scale`) writes rows with COPY, past the app: these checks keep those rows the
ones the app writes when a model gains a column or a shipped schema changes, in `make test` rather than at the
next (long) benchmark run."""
import datetime
import pathlib
import sys

import pytest

from hyperdiary.accounts.models import CaseloadAssignment, User
from hyperdiary.clients.models import Client
from hyperdiary.diary import field_problems
from hyperdiary.diary.models import Entry
from hyperdiary.models.audit import AuditEvent
from hyperdiary.schemas import default_diary_schemas, shipped_schemas

# The bench's scripts are not a package: they import each other from their folder, and so does this test.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "bench"))
import scale_seed  # noqa: E402

SETTINGS = scale_seed.app_settings("sqlite://")
SCHEMAS = shipped_schemas(SETTINGS)
TYPES = default_diary_schemas(SETTINGS, SCHEMAS)


def test_seeded_fields_are_valid_entries_of_every_default_type():
    variants = scale_seed.field_variants(SCHEMAS, TYPES)
    assert list(variants) == TYPES
    for type_id, found in variants.items():
        assert len(found) == scale_seed.VARIANTS
        assert all(fields and not field_problems(SCHEMAS[type_id], fields) for fields in found)


def test_seeded_rows_fill_every_column_the_models_need():
    now = datetime.datetime(2026, 1, 1)
    batches = list(scale_seed.entries_and_events(3, scale_seed.field_variants(SCHEMAS, TYPES)))
    tables = [(User.__table__, scale_seed.users(3, 1, "hash", now)),
              (Client.__table__, scale_seed.clients(3, TYPES, now)),
              (CaseloadAssignment.__table__, scale_seed.caseload(3, now)),
              (Entry.__table__, [row for entries, _ in batches for row in entries]),
              (AuditEvent.__table__, [row for _, events in batches for row in events])]
    for table, rows in tables:
        rows = list(rows)
        assert rows
        for row in rows:
            scale_seed.checked(table, row)
    entries = tables[3][1]
    assert len(entries) == 3 * scale_seed.PER_CLIENT
    # One create event per entry, naming it; and the professionals' reads.
    events = tables[4][1]
    assert sum(e["action"] == "create" for e in events) == len(entries)
    assert {e["resource"] for e in events if e["action"] == "create"} == {
        f"clients/{e['client_id']}/diary/entries/{e['id']}/" for e in entries}


def test_a_row_without_a_needed_column_stops_the_seeding():
    with pytest.raises(SystemExit, match="missing"):
        scale_seed.checked(Entry.__table__, {"id": "0" * 32, "client_id": "1" * 32})
