"""How the schema distributes by client (Citus-style, docs/scaling.md): which tables are the client's data,
split across nodes by `client_id` and kept with that client's rows of every other such table (co-located), and
which are copied to every node (reference tables) or stay on the coordinator.

The rule is read from the models' foreign keys, so a table added later is classified with no change here: a
table with a path of foreign keys to `clients` holds a client's data and is distributed by `client_id` (the
clients table itself by its `id`, the same value). Tests hold every table to it
(tests/functional/test_distribution.py): such a table has a `client_id` column, and every statement the API
sends on it names the client, so that each one is answered by the one node that holds the client's rows."""
from sqlalchemy import Table

CLIENTS = "clients"

# Tables that are not distributed although they mention a client, and why (docs/scaling.md).
UNDISTRIBUTED = {
    # Events outlive the client they concern (an erasure keeps them, without the client's id), many concern no
    # client (a tag type made, a user deactivated), and the admin's listing reads all of them newest first: the
    # trail stays on the coordinator, partitioned by month (hyperdiary/audit_partitions.py), not by client.
    "audit_events",
}


# The one key of a client's data that does not hold the client, dropped on Citus (`citus_statements`), and why
# what it guarantees holds there without it.
DROPPED_ON_CITUS = {
    # One client per user: a client row is made only by accounts.create_user, in the transaction that makes its
    # user, whose id is new (users.id is the reference table's primary key, enforced on every node).
    "uq_clients_user_id": "clients",
}


def distribution_column(table: Table) -> str:
    """The column a distributed table is split by: the client's id."""
    return "id" if table.name == CLIENTS else "client_id"


def _leads_to_clients(table: Table, seen=()) -> bool:
    if table.name == CLIENTS:
        return True
    return any(fk.column.table.name not in seen and _leads_to_clients(fk.column.table, (*seen, table.name))
               for fk in table.foreign_keys)


def distributed(tables) -> list[Table]:
    """The tables of a client's data: a path of foreign keys leads from each to `clients`."""
    return [table for table in tables if table.name not in UNDISTRIBUTED and _leads_to_clients(table)]


def reference(tables) -> list[Table]:
    """The other tables that a client's rows refer to or that the caller's lookup joins (users, sign-in
    sessions and tokens, tag types, entry schemas, the research side): copied to every node, so that a
    statement on one client's shard may join them."""
    shared = {table.name for table in distributed(tables)} | UNDISTRIBUTED
    return [table for table in tables if table.name not in shared]


def citus_statements(tables) -> list[str]:
    """What turns a migrated database on a Citus coordinator into the distributed one (docs/scaling.md):
    reference tables first (distributed tables refer to them), then the clients and, co-located with them,
    every table of a client's data."""
    tables = list(tables)
    found = [f"SELECT create_reference_table('{table.name}');" for table in reference(tables)]
    found += [f"ALTER TABLE {table} DROP CONSTRAINT {name};" for name, table in DROPPED_ON_CITUS.items()]
    ordered = sorted(distributed(tables), key=lambda table: table.name != CLIENTS)
    for table in ordered:
        colocate = "" if table.name == CLIENTS else f", colocate_with => '{CLIENTS}'"
        found.append(f"SELECT create_distributed_table('{table.name}', '{distribution_column(table)}'{colocate});")
    return found
