"""The schema is ready to be distributed by client (API.md §16, docs/scaling.md): every table of a client's data
carries `client_id`, and its keys hold it where a distributed table needs them. The statements the API sends
are checked in test_kinds.py (`test_every_statement_names_the_client`)."""
import sqlalchemy as sa

from hyperdiary import distribution, models
from hyperdiary.models.meta import Base
from tests.conftest import sent_statements
from tests.distribution import unnamed
from tests.functional.test_erasure import fill
from tests.kinds.hydration import Hydration


def tables():
    models.load()
    return [*Base.metadata.sorted_tables, Hydration.__table__]


def test_the_clients_data_is_found_by_foreign_keys():
    """The rule finds the tables by themselves (a table added later is held to it), the test kind's among them."""
    names = {table.name for table in distribution.distributed(tables())}
    assert {"clients", "caseload", "entries", "entry_scores", "journals", "journal_tags", "goals", "goal_tracking",
            "moods", "calendar_feeds", "messages", "message_reads", "feedback", "relatives",
            "notification_settings", "push_subscriptions", "reminder_deliveries", "reminder_dispatches",
            "questionnaire_assignments", "attention", "test_hydration"} <= names
    assert {"users", "tokens", "auth_sessions", "tag_types", "entry_schemas", "subjects",
            "subject_logs"} <= {table.name for table in distribution.reference(tables())}
    assert "audit_events" not in names


def test_every_table_of_a_clients_data_carries_client_id():
    for table in distribution.distributed(tables()):
        if table.name == distribution.CLIENTS:
            continue
        assert "client_id" in table.c, f"{table.name} has no client_id"
        column = table.c.client_id
        assert not column.nullable, f"{table.name}.client_id may be null"
        assert any(fk.column is Base.metadata.tables["clients"].c.id for fk in column.foreign_keys), \
            f"{table.name}.client_id is no foreign key to clients"


def test_keys_of_a_distributed_table_include_the_client():
    """Citus enforces a primary key, a unique constraint or index, and a foreign key between two distributed
    tables only when it holds the distribution column: each shard checks its own rows."""
    lacking = []
    for table in distribution.distributed(tables()):
        column = distribution.distribution_column(table)
        for key in [table.primary_key, *(c for c in table.constraints if isinstance(c, sa.UniqueConstraint)),
                    *(i for i in table.indexes if i.unique)]:
            if column not in {c.name for c in key.columns} and key.name not in distribution.DROPPED_ON_CITUS:
                lacking.append(f"{table.name}: {key.name} lacks {column}")
        shared = {other.name for other in distribution.distributed(tables())}
        for fk in table.foreign_key_constraints:
            if fk.referred_table.name in shared and fk.referred_table.name != distribution.CLIENTS:
                referred = distribution.distribution_column(fk.referred_table)
                if not any(e.parent.name == "client_id" and e.column.name == referred for e in fk.elements):
                    lacking.append(f"{table.name}: {fk.name} lacks client_id")
    assert lacking == []


def test_the_statement_check_finds_a_statement_without_the_client():
    """tests/distribution.py, the check test_kinds.py applies to every statement, on statements of both dialects."""
    columns = {"entries": "client_id", "journal_tags": "client_id", "clients": "id"}
    assert unnamed("SELECT entries.id FROM entries WHERE entries.id = ?", columns) == ["entries without client_id"]
    assert unnamed("SELECT entries.id FROM entries WHERE entries.id = ? AND entries.client_id = ?", columns) == []
    assert unnamed("SELECT r1.id FROM (SELECT 1) AS base LEFT OUTER JOIN clients AS r0 ON r0.id = %(r0)s "
                   "LEFT OUTER JOIN journal_tags AS r1 ON r1.id = %(r1)s", columns) == \
        ["journal_tags AS r1 without client_id"]
    assert unnamed("INSERT INTO journal_tags (id, journal_id) VALUES (?, ?)", columns) == \
        ["INSERT INTO journal_tags without client_id"]
    assert unnamed("INSERT INTO journal_tags (id, client_id) VALUES (?, ?)", columns) == []
    assert unnamed('UPDATE journal_tags SET version=? WHERE journal_tags.id = ? AND journal_tags.client_id IN (?)',
                   columns) == []
    assert unnamed("SELECT tag_types.name FROM tag_types WHERE tag_types.id = ?", columns) == []


def test_the_citus_statements_distribute_every_table():
    """docs/scaling.md's statements: reference tables first, the clients, then each table co-located with them."""
    statements = distribution.citus_statements(tables())
    assert statements.index("SELECT create_reference_table('users');") < \
        statements.index("SELECT create_distributed_table('clients', 'id');") < \
        statements.index("SELECT create_distributed_table('journal_tags', 'client_id', colocate_with => 'clients');")
    assert "ALTER TABLE clients DROP CONSTRAINT uq_clients_user_id;" in statements
    assert not any("audit_events" in statement for statement in statements)
    assert len(statements) == len(tables()) - 1 + len(distribution.DROPPED_ON_CITUS)


def test_a_clients_resources_name_the_client(app, client, professional, caseload):
    """Beyond the kinds (test_kinds.py): every resource a client's representation links to, read by the client and
    by its professional (reports, charts, the export, the audit, the calendar, the diary's configuration ...),
    sends statements that name the client on every table of a client's data."""
    carol = fill(client, professional, "a secret")
    columns = {table.name: distribution.distribution_column(table) for table in distribution.distributed(tables())}
    with sent_statements(app) as statements:
        for caller in (client, professional):
            mine = caller.get(carol["@url"]).json
            for entry in mine["@links"]:
                if entry["url"].startswith(carol["@url"]):
                    caller.get(entry["url"], expect_errors=True)
    lacking = sorted({f"{found}: {' '.join(statement.split())}" for statement in statements
                      if (found := unnamed(statement, columns))})
    assert not lacking, "\n".join(lacking)
