"""Bulk writing of seeded rows: COPY on PostgreSQL, executemany on SQLite, ids reserved up front.

Rows that others point at (debtors, accounts, payments, ledger entries, due items) get their ids
from the generator, so a chunk is written without a round trip per row. The writer says which id
comes next in each of those tables and, once a chunk is generated, moves the table's sequence past
the ids it used. Per chunk, the tables are locked against other inserts (reads go on) from the
first look at a sequence to the end of the chunk's transaction; SQLite's write transaction
excludes other writers anyway.

A large load into a small book on PostgreSQL goes the way the PostgreSQL manual advises for
populating a database: in one transaction, drop foreign keys, unique keys and secondary indexes,
COPY, add them back (which checks every foreign key and unique key at once).
"""

from contextlib import contextmanager

from django.db import connection

from arrears.portfolio.seed.tables import MODELS, NULL, NULLABLE, RESERVED, TABLES


def _quoted(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column_list(columns) -> str:
    return ", ".join(connection.ops.quote_name(c) for c in columns)


def copy_text(rows: dict) -> list[tuple[int, bytes]]:
    """The rows as PostgreSQL COPY text, per table (by position in TABLES).

    Values are ints, bools ("True"/"False" are valid boolean input), NULL, and strings that the
    generator keeps free of tabs, newlines and backslashes, so str() is their COPY text."""
    out = []
    for position, (name, _model, columns) in enumerate(TABLES):
        table_rows = rows[name]
        if table_rows:
            line = "\t".join(["%s"] * len(columns))
            out.append((position, ("\n".join(map(line.__mod__, table_rows)) + "\n").encode()))
    return out


class PostgresWriter:
    stamp_suffix = "+00"

    def __init__(self):
        self._sequences = {}
        with connection.cursor() as cursor:
            for key, model in RESERVED.items():
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
                self._sequences[key] = cursor.fetchone()[0]

    def next_ids(self, lock: bool = True) -> dict:
        """Which id comes next in each table that gets explicit ids (call inside a transaction).

        With `lock`, first lock those tables against inserts by others until the transaction ends."""
        found = {}
        with connection.cursor() as cursor:
            if lock:
                tables = ", ".join(_quoted(model) for model in RESERVED.values())
                cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
            for key, sequence in self._sequences.items():
                cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 - a catalog name
                last_value, is_called = cursor.fetchone()
                found[key] = last_value + 1 if is_called else last_value
        return found

    def claim(self, bases: dict, ends: dict) -> None:
        """Move each sequence past the ids [base, end) the chunk used."""
        with connection.cursor() as cursor:
            for key, sequence in self._sequences.items():
                if ends[key] > bases[key]:
                    cursor.execute("SELECT setval(%s, %s)", [sequence, ends[key] - 1])

    def write(self, rows: dict) -> None:
        self.write_text(copy_text(rows))

    def write_text(self, tables: list[tuple[int, bytes]]) -> None:
        with connection.connection.cursor() as cursor:
            for position, data in tables:
                _name, model, columns = TABLES[position]
                with cursor.copy(f"COPY {_quoted(model)} ({_column_list(columns)}) FROM STDIN") as copy:
                    copy.write(data)

    def bulk_worthwhile(self, accounts: int) -> bool:
        """Rebuilding the indexes pays when the load is large and at least as big as the book."""
        from arrears.portfolio.models import Account

        return accounts >= 100_000 and Account.objects.count() <= accounts

    @contextmanager
    def indexes_rebuilt_after(self):
        """Inside a transaction: set aside the seeded tables' foreign keys, unique constraints and secondary
        indexes; build them again on exit.

        Measured per 10,000 accounts: COPY takes about 1.1 s with the id-led indexes and unique keys
        in place and 0.66 s with primary keys alone, while building them afresh in one sort each (in
        parallel workers) costs a fraction of that. Adding a foreign key back checks all rows in one
        join instead of a trigger per row. Primary keys stay, so ids stay checked as rows come in.
        The DDL keeps the tables locked until commit."""
        dropped, rebuilt = [], []
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Checks still pending in this transaction must run before their tables can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            foreign_keys = []
            for model in MODELS:
                table = _quoted(model)
                cursor.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') ORDER BY contype, conname",
                    [model._meta.db_table])
                for name, kind, definition in cursor.fetchall():
                    drop = f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}"
                    add = f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
                    (foreign_keys if kind == "f" else dropped).append(drop)
                    rebuilt.append(add)
                cursor.execute(
                    "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                    "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND i.indexrelid NOT IN "
                    "(SELECT conindid FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY 1",
                    [model._meta.db_table, model._meta.db_table])
                for name, definition in cursor.fetchall():
                    dropped.append(f"DROP INDEX {name}")
                    rebuilt.insert(0, definition)
            # Foreign keys first (one may lean on a unique key); indexes before constraints on the way back.
            for statement in foreign_keys + dropped:
                cursor.execute(statement)
        yield
        with connection.cursor() as cursor:
            for statement in sorted(rebuilt, key=lambda s: "FOREIGN KEY" in s):
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints are initially deferred
            for model in MODELS:
                cursor.execute(f"ANALYZE {_quoted(model)}")


class SqliteWriter:
    stamp_suffix = ""

    def next_ids(self, lock: bool = True) -> dict:
        found = {}
        with connection.cursor() as cursor:
            for key, model in RESERVED.items():
                cursor.execute(f"SELECT MAX(id) FROM {_quoted(model)}")  # noqa: S608 - a model's table
                highest = cursor.fetchone()[0] or 0
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
                row = cursor.fetchone()
                found[key] = max(highest, row[0] if row else 0) + 1
        return found

    def claim(self, bases: dict, ends: dict) -> None:
        """Nothing to do: inserting explicit ids moves SQLite's AUTOINCREMENT counter past them."""

    def write(self, rows: dict) -> None:
        raw = connection.connection
        for name, model, columns in TABLES:
            table_rows = rows[name]
            if not table_rows:
                continue
            if name in NULLABLE:
                table_rows = [tuple([None if value is NULL else value for value in row]) for row in table_rows]
            marks = ", ".join("?" * len(columns))
            statement = f"INSERT INTO {_quoted(model)} ({_column_list(columns)}) VALUES ({marks})"  # noqa: S608
            raw.executemany(statement, table_rows)

    def bulk_worthwhile(self, accounts: int) -> bool:
        return False


def writer_for_connection():
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        return PostgresWriter()
    if connection.vendor == "sqlite":
        return SqliteWriter()
    raise NotImplementedError(f"seeding is written for PostgreSQL and SQLite, not {connection.vendor}")
