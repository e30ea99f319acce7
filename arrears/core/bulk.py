"""Set-based writes Django lacks. `bulk_update` builds one CASE per field with a branch per row, which
grows with rows × fields and dominated payment posting; here each batch is one UPDATE ... FROM VALUES
on PostgreSQL and one executemany on SQLite."""

from django.db import connection

BATCH = 1000


def update_rows(model, fields: list[str], objs) -> None:
    """Write `fields` of each object in `objs` to its row, by primary key."""
    objs = list(objs)
    if not objs:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    rows = [[column.get_db_prep_save(getattr(obj, column.attname), connection) for column in columns] + [obj.pk]
            for obj in objs]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{quote(column.column)} = %s" for column in columns)
            cursor.executemany(f"UPDATE {quote(meta.db_table)} SET {sets} WHERE {quote(meta.pk.column)} = %s", rows)
            return
        casts = [column.db_type(connection) for column in columns] + [meta.pk.db_type(connection)]
        row_sql = "(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"
        names = [quote(column.column) for column in columns] + ["pk__"]
        sets = ", ".join(f"{name} = v.{name}" for name in names[:-1])
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} AS t SET {sets} FROM (VALUES {', '.join([row_sql] * len(batch))}) "
                f"AS v({', '.join(names)}) WHERE t.{quote(meta.pk.column)} = v.pk__",
                [value for row in batch for value in row],
            )
