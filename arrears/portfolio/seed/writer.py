"""Bulk writing of seeded rows: COPY on PostgreSQL, executemany on SQLite, ids reserved up front.

Rows that others point at (debtors, accounts, payments, ledger entries, due items) get their ids
from the generator, so a chunk is written without a round trip per row. The writer says which id
comes next in each of those tables and, once a chunk is generated, moves the table's sequence past
the ids it used. Per chunk, the tables are locked against other inserts (reads go on) from the
first look at a sequence to the end of the chunk's transaction; SQLite's write transaction
excludes other writers anyway.

A large load into a small book on PostgreSQL goes the way the PostgreSQL manual advises for
populating a database: in one transaction, drop keys and secondary indexes, COPY, add them back
(which checks every unique key at once); the foreign keys are checked after commit, in parallel.
"""

import os
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
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
        """Inside a transaction: set aside the seeded tables' keys (primary, unique, foreign, including
        foreign keys from other tables that point at them) and secondary indexes; build them again on exit.

        Measured per 10,000 accounts: COPY takes about 1.1 s with the indexes and unique keys in place,
        0.66 s with primary keys alone and 0.35 s with none, while building each index afresh is one sort
        (in parallel workers). Foreign keys come back NOT VALID, which still checks every row written from
        then on; `validate` then checks the loaded rows after commit, several tables at once, without
        blocking readers or writers. The DDL keeps the tables locked until commit."""
        rebuild = Rebuild()
        tables = [model._meta.db_table for model in MODELS]
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            # Checks still pending in this transaction must run before their tables can be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype IN ('f', 'u', 'p') AND (conrelid = ANY(%s::regclass[]) "
                "OR (contype = 'f' AND confrelid = ANY(%s::regclass[]))) ORDER BY 1, 2", [tables, tables])
            keys = cursor.fetchall()
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND i.indexrelid NOT IN "
                "(SELECT conindid FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])) ORDER BY 1",
                [tables, tables])
            indexes = cursor.fetchall()
            # Foreign keys go first (they lean on the keys they reference) and come back last.
            for kind in ("f", "u", "p"):
                for table, name, _kind, definition in (key for key in keys if key[2] == kind):
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {quote(name)}")
                    add = f"ALTER TABLE {table} ADD CONSTRAINT {quote(name)} {definition}"
                    if kind == "f":
                        rebuild.later.append(f"{add} NOT VALID")
                        rebuild.foreign_keys.append((table, name))
                    else:
                        rebuild.first.append(add)
            for name, definition in indexes:
                cursor.execute(f"DROP INDEX {name}")
                rebuild.first.append(definition)
        yield rebuild
        with connection.cursor() as cursor:
            for statement in rebuild.first + rebuild.later:
                cursor.execute(statement)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's constraints are initially deferred
        self.analyze()

    def analyze(self) -> None:
        """Fresh planner statistics for the seeded tables, so the first queries on a new book are planned
        for its size rather than for empty tables (autovacuum would get there, later)."""
        with connection.cursor() as cursor:
            for model in MODELS:
                cursor.execute(f"ANALYZE {_quoted(model)}")

    def validate(self, foreign_keys) -> None:
        """Check the rows already in place against foreign keys added NOT VALID: after commit, on as many
        connections as there are tables to check at once (each takes a lock that lets reads and writes go on);
        inside a caller's transaction, which other connections cannot see into, on this one."""
        statements = [f"ALTER TABLE {table} VALIDATE CONSTRAINT {connection.ops.quote_name(name)}"
                      for table, name in foreign_keys]
        if connection.in_atomic_block or len(statements) < 2:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            return
        by_table = defaultdict(list)
        for (table, _name), statement in zip(foreign_keys, statements, strict=True):
            by_table[table].append(statement)

        def run(table_statements):
            try:
                with connection.cursor() as cursor:
                    for statement in table_statements:
                        cursor.execute(statement)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=min(len(by_table), os.cpu_count() or 1)) as pool:
            list(pool.map(run, by_table.values()))


class Rebuild:
    """What `indexes_rebuilt_after` set aside: built before commit (`first`, then `later`), checked after."""

    def __init__(self):
        self.first: list[str] = []
        self.later: list[str] = []
        self.foreign_keys: list[tuple[str, str]] = []


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

    def validate(self, foreign_keys) -> None:
        """Nothing to do: the bulk path is PostgreSQL's."""

    def analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def writer_for_connection():
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        return PostgresWriter()
    if connection.vendor == "sqlite":
        return SqliteWriter()
    raise NotImplementedError(f"seeding is written for PostgreSQL and SQLite, not {connection.vendor}")
