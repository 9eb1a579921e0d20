"""Plain multi-row INSERTs of new rows given by name, for the buffered applies of bulk imports.

`QuerySet.bulk_create` assembles SQL per object and per field, and building a model instance
per row costs as much again; at 10^5 rows that is most of an import's time on SQLite, and
PostgreSQL takes rows three times as fast by COPY as by INSERT. The buffered applies keep each
row as a dict of attribute values by name (`Row`, checked against the model's `Columns`), and
`insert_many` reads them out a column at a time (`map` in C; a column all of whose values a
field would pass through unchanged, a str for a text field, an int for an integer field, taken
as it is) and writes them with one parametrised INSERT run by `executemany` (SQLite) or with
COPY (PostgreSQL), converting every other value exactly as Django does when saving
(`get_db_prep_save`); a JSON value goes straight to the backend's `adapt_json_value` with the
field's encoder, and a datetime met again (every record of a ledger batch has the same `at`)
reuses its conversion. Generated primary keys are not read back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models

Row = dict[str, Any]

_TEXT = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}
_INTEGER = {
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
}


class Columns:
    """The columns of new rows of `model`: every concrete field but a generated key, named by
    attribute (`site_id`, not `site`). A row names every one of them: it leaves nothing to
    defaults, and a name the model does not have is an error, not a silently dropped value.
    """

    def __init__(self, model: type[models.Model]) -> None:
        meta = model._meta
        self.fields = [
            f
            for f in meta.concrete_fields
            if f is not meta.auto_field and not getattr(f, "generated", False)
        ]
        for f in self.fields:
            fills = getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            custom = type(f).pre_save is not models.Field.pre_save
            if fills or (custom and not isinstance(f, models.DateField)):
                raise ValueError(f"{model.__name__}.{f.name} fills itself on save")
        self.model = model
        self.names = tuple(f.attname for f in self.fields)
        self._names = frozenset(self.names)
        self.values: Callable[[Row], tuple[Any, ...]] = itemgetter(*self.names)
        self.insert_sql: dict[str, str] = {}  # by database vendor (bulk.insert_one)
        # This thread's connection, insert_many's statement and its converters (_prepared)
        self.prepared = threading.local()
        # Per field, the value types its conversion hands on unchanged (insert_one skips it).
        self.plain = tuple(_plain_types(f) for f in self.fields)

    def check(self, row: Row) -> Row:
        """`row`, if it names exactly this model's columns; else a ValueError saying how not."""
        if row.keys() != self._names:
            missing = sorted(self._names - row.keys())
            unknown = sorted(row.keys() - self._names)
            raise ValueError(f"{self.model.__name__} row: missing {missing}, unknown {unknown}")
        return row

    def instance(self, row: Row) -> models.Model:
        """The model instance of `row` (for saving one row the ordinary way)."""
        return self.model(**self.check(row))


def _plain_types(field: models.Field[Any, Any]) -> tuple[type, ...]:
    """The types of value `field.get_db_prep_save` returns unchanged (a str for a text field,
    an int or None for an integer field); none for any other kind of field."""
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    kind = target.get_internal_type()
    if kind in _TEXT:
        return (str, type(None))
    if kind in _INTEGER:
        return (int, type(None))
    return ()


def _converter(field: models.Field[Any, Any], connection: Any) -> Callable[[object], object]:
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    kind = target.get_internal_type()
    plain = _plain_types(field)

    if kind == "JSONField":
        adapt_json = connection.ops.adapt_json_value
        encoder = field.encoder  # type: ignore[attr-defined]

        def convert_json(value: object) -> object:
            if type(value) in (dict, list):  # what get_db_prep_save hands on unchanged
                return adapt_json(value, encoder)
            return field.get_db_prep_save(value, connection)

        return convert_json

    if kind == "DateTimeField":
        last: list[object] = [object(), None]

        def convert_datetime(value: object) -> object:
            if value is not last[0]:
                last[0], last[1] = value, field.get_db_prep_save(value, connection)
            return last[1]

        return convert_datetime

    def convert(value: object) -> object:
        if type(value) in plain:
            return value
        return field.get_db_prep_save(value, connection)

    return convert


def _insert_sql(columns: Columns, connection: Any) -> str:
    """The single-row INSERT of `columns` on `connection`'s backend, built once per backend."""
    sql = columns.insert_sql.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        names = ", ".join(qn(f.column) for f in columns.fields)
        table = qn(columns.model._meta.db_table)
        marks = ", ".join(["%s"] * len(columns.fields))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (names from the model)
        columns.insert_sql[connection.vendor] = sql
    return sql


def insert_one(columns: Columns, row: Row) -> None:
    """INSERT one new row (checked by `columns.check`) whose generated key nobody reads back:
    each value converted by its field's `get_db_prep_save`, as `Model.save` does, without
    building and saving a model instance (signals, per-field pre_save, SQL compiled each time)."""
    connection = connections[DEFAULT_DB_ALIAS]
    values = columns.values(columns.check(row))
    params = [
        v if type(v) in plain else f.get_db_prep_save(v, connection)
        for f, plain, v in zip(columns.fields, columns.plain, values, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(columns, connection), params)


def insert_many(columns: Columns, rows: Sequence[Row], batch: int = 5000) -> None:
    """INSERT `rows` (checked by `columns.check`) as new rows whose generated keys nobody reads
    back."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    sql, converters = _prepared(columns, connection)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # SQLite runs executemany's loop in C
            for start in range(0, len(rows), batch):
                params = _params(columns, converters, rows[start : start + batch])
                cursor.executemany(sql, params)
            return
        # PostgreSQL: COPY, three times as fast as statements of many rows (psycopg adapts the
        # values as it would for an INSERT); its errors raised as Django's, as a statement's are
        # (an IntegrityError for a duplicate key: the group committer looks for whose it is).
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for start in range(0, len(rows), batch):
                for values in _params(columns, converters, rows[start : start + batch]):
                    copy.write_row(values)


def _prepared(columns: Columns, connection: Any) -> tuple[str, list[Callable[[object], object]]]:
    """The statement of `insert_many` (an INSERT, or PostgreSQL's COPY) and the columns'
    converters, built once per thread's connection (the converters keep the last datetime
    converted) rather than at each call: the group committer inserts a few rows a batch."""
    known = getattr(columns.prepared, "known", None)
    if known is not None and known[0] is connection:
        return known[1], known[2]
    converters = [_converter(f, connection) for f in columns.fields]
    qn = connection.ops.quote_name
    names = ", ".join(qn(f.column) for f in columns.fields)
    table = qn(columns.model._meta.db_table)
    if connection.vendor == "postgresql":
        sql = f"COPY {table} ({names}) FROM STDIN"
    else:
        marks = ", ".join(["%s"] * len(columns.fields))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (names from the model)
    columns.prepared.known = (connection, sql, converters)
    return sql, converters


def _params(
    columns: Columns, converters: list[Callable[[object], object]], rows: Sequence[Row]
) -> list[tuple[Any, ...]]:
    """The rows' values in column order, converted: a column at a time, so that a column whose
    values are all of the types its field passes through unchanged (most text and integer
    columns) is taken as it is, read by `map` in C, and only the others pay a call per value."""
    by_column = []
    for name, plain, convert in zip(columns.names, columns.plain, converters, strict=True):
        values = list(map(itemgetter(name), rows))
        if not (plain and set(map(type, values)).issubset(plain)):
            values = list(map(convert, values))
        by_column.append(values)
    return list(zip(*by_column, strict=True))
