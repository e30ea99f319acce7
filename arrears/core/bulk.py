"""Set-based writes Django lacks. `bulk_update` builds one CASE per field with a branch per row, which
grows with rows × fields and dominated payment posting; here each batch is one UPDATE ... FROM unnest
of one array per column on PostgreSQL and one executemany on SQLite."""

from django.db import DEFAULT_DB_ALIAS, connections

BATCH = 1000
FEW = 8  # rows up to which one INSERT beats COPY


def update_rows(model, fields: list[str], objs) -> None:
    """Write `fields` of each object in `objs` to its row, by primary key."""
    objs = list(objs)
    if not objs:
        return
    connection = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a lookup per value
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    preps = [(column.attname, column.get_db_prep_save) for column in columns]
    rows = [[prep(getattr(obj, name), connection) for name, prep in preps] + [obj.pk] for obj in objs]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{quote(column.column)} = %s" for column in columns)
            cursor.executemany(f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s", rows)
            return
        # One array per column through unnest: a handful of parameters whatever the batch size.
        casts = [column.db_type(connection) for column in columns] + [meta.pk.db_type(connection)]
        names = [quote(column.column) for column in columns] + ["pk__"]
        arrays = ", ".join(f"%s::{cast}[]" for cast in casts)
        sets = ", ".join(f"{name} = v.{name}" for name in names[:-1])
        sql = (f"UPDATE {quote(meta.db_table)} AS t SET {sets} FROM unnest({arrays}) AS v({', '.join(names)}) "
               f"WHERE t.{quote(meta.pk.column)} = v.pk__")
        for start in range(0, len(rows), BATCH * 5):
            batch = rows[start:start + BATCH * 5]
            cursor.execute(sql, [list(column) for column in zip(*batch, strict=True)])


_sequences: dict[str, str] = {}


def _reserve_ids(cursor, table: str, pk_column: str, count: int) -> list[int]:
    sequence = _sequences.get(table)
    if sequence is None:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk_column])
        sequence = _sequences[table] = cursor.fetchone()[0]
    cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [sequence, count])
    return [row[0] for row in cursor.fetchall()]


def insert_objects(model, objs) -> None:
    """INSERT unsaved instances and give each its id. On PostgreSQL ids are drawn from the sequence and
    the rows go in with COPY; Django's bulk_create prepares every value of every row through the
    compiler, which cost more than the database's own work when posting payments in bulk."""
    objs = list(objs)
    if not objs:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH)
        return
    from django.db.models import JSONField
    from django.utils import timezone
    from psycopg.types.json import Jsonb

    meta = model._meta
    fields = list(meta.concrete_fields)
    now = timezone.now()
    stamped = [f.attname for f in fields if getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)]
    json_fields = {f.attname for f in fields if isinstance(f, JSONField)}
    quote = connection.ops.quote_name

    def values(obj, columns):
        for name in stamped:
            if getattr(obj, name) is None:
                setattr(obj, name, now)
        row = []
        for f in columns:
            value = getattr(obj, f.attname)
            row.append(Jsonb(value) if f.attname in json_fields and value is not None else value)
        return row

    def saved(obj, pk):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias

    with connection.cursor() as cursor:
        if len(objs) <= FEW:
            # A single payment's rows: one INSERT ... RETURNING is one round trip; COPY would take three.
            columns = [f for f in fields if not f.primary_key]
            row = "(" + ", ".join(["%s"] * len(columns)) + ")"
            params = [value for obj in objs for value in values(obj, columns)]
            cursor.execute(f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in columns)}) "
                           f"VALUES {', '.join([row] * len(objs))} RETURNING {quote(meta.pk.column)}", params)
            for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
                saved(obj, pk)
            return
        ids = _reserve_ids(cursor, meta.db_table, meta.pk.column, len(objs))
        columns = ", ".join(quote(f.column) for f in fields)
        with connection.wrap_database_errors, cursor.cursor.copy(
                f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj, pk in zip(objs, ids, strict=True):
                obj.pk = pk
                copy.write_row(values(obj, fields))
                saved(obj, pk)
