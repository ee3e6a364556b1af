"""Whether a SQL statement names the client on every table of a client's data it touches
(hyperdiary/distribution.py): what lets a Citus coordinator send it to the one node that holds that client.

Read from the SQL text SQLAlchemy sends (both dialects): each reference to a distributed table — FROM, JOIN,
UPDATE, DELETE FROM, under its alias if it has one — must be constrained by its distribution column
(`<alias>.client_id = ...` or `... IN (...)`, either side of the `=`; a join on another table's client_id
counts, as that table is then constrained in turn), and an INSERT must give `client_id`."""
import re

WORD = r"[A-Za-z_][A-Za-z0-9_]*"
# A table named after FROM/JOIN/UPDATE/DELETE FROM (or in a FROM's comma list), with its alias if any.
REFERENCE = re.compile(rf'\b(?:FROM|JOIN|UPDATE)\s+"?({WORD})"?(?:\s+(?:AS\s+)?"?({WORD})"?)?', re.IGNORECASE)
INSERT = re.compile(rf'\bINSERT\s+INTO\s+"?({WORD})"?\s*\(([^)]*)\)', re.IGNORECASE)
KEYWORDS = {"where", "on", "set", "join", "left", "right", "inner", "outer", "full", "cross", "order", "group",
            "limit", "for", "returning", "values", "union", "natural", "using", "offset", "having", "lateral"}


def unnamed(statement: str, columns: dict) -> list[str]:
    """The references in `statement` to tables of `columns` ({table name: its distribution column}) that are
    not constrained by that column: [] when the statement names the client everywhere."""
    found = []
    for match in INSERT.finditer(statement):
        table, names = match.group(1), {name.strip().strip('"') for name in match.group(2).split(",")}
        if table in columns and columns[table] not in names:
            found.append(f"INSERT INTO {table} without {columns[table]}")
    for match in REFERENCE.finditer(statement):
        table, alias = match.group(1), match.group(2)
        if table not in columns:
            continue
        name = alias if alias and alias.lower() not in KEYWORDS else table
        column = rf'"?{re.escape(name)}"?\."?{columns[table]}"?'
        constrained = re.search(rf"{column}\s*(=|IN\b)|=\s*{column}", statement, re.IGNORECASE)
        if not constrained:
            found.append(f"{table}" + (f" AS {name}" if name != table else "") + f" without {columns[table]}")
    return found
