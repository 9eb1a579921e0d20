"""Plain multi-row INSERTs of new model instances, for the buffered applies of bulk imports.

`QuerySet.bulk_create` assembles SQL per object and per field; at 10^5 rows that is most of
an import's time on SQLite, and PostgreSQL takes rows three times as fast by COPY as by INSERT.
`insert_many` writes the same rows with one parametrised INSERT run by `executemany` (SQLite)
or with COPY (PostgreSQL), converting each value exactly as Django does (`pre_save`,
`get_db_prep_save`) except for the values a field would pass through unchanged (a str for a
text field, an int for an integer field), which it passes through itself. Generated primary
keys are not read back: the instances are discarded after the insert.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

_TEXT = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}
_INTEGER = {
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}


def _converter(field: models.Field[Any, Any]) -> Callable[[models.Model], object]:
    attname = field.attname
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    kind = target.get_internal_type()
    plain: tuple[type, ...] = ()
    if kind in _TEXT:
        plain = (str, type(None))
    elif kind in _INTEGER:
        plain = (int, type(None))
    slow_pre_save = type(field).pre_save is not models.Field.pre_save

    def convert(obj: models.Model) -> object:
        if slow_pre_save:
            value = field.pre_save(obj, True)
        else:
            value = getattr(obj, attname)
        if type(value) in plain:
            return value
        return field.get_db_prep_save(value, connection)

    return convert


def insert_many(rows: Sequence[models.Model], batch: int = 5000) -> None:
    """INSERT `rows`, new instances of one model whose generated keys nobody reads back."""
    if not rows:
        return
    meta = type(rows[0])._meta
    fields = [
        f
        for f in meta.concrete_fields
        if f is not meta.auto_field and not getattr(f, "generated", False)
    ]
    converters = [_converter(f) for f in fields]
    qn = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608  (names from the model)
        qn(meta.db_table),
        ", ".join(qn(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite runs executemany's loop in C
            for start in range(0, len(rows), batch):
                params = [tuple(c(obj) for c in converters) for obj in rows[start : start + batch]]
                cursor.executemany(sql, params)  # type: ignore[arg-type]
            return
        # PostgreSQL: COPY, three times as fast as statements of many rows (psycopg adapts the
        # values as it would for an INSERT).
        columns = ", ".join(qn(f.column) for f in fields)
        copy_sql = f"COPY {qn(meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            for obj in rows:
                copy.write_row([c(obj) for c in converters])
