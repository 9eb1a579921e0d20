"""ORM queries compiled to SQL once per process and database backend, then run with new
parameters: for the few reads every single registration makes (issue 20).

Building a QuerySet, resolving its lookups and compiling it to SQL costs ~0.1-0.3 ms of CPU a
query, several times what SQLite takes to answer it; a registration made about ten such
queries, each the same SQL with other values. `Compiled` builds the QuerySet once (from a
function of the parameters), compiles it on the backend of the first call, checks that the
compiled parameters are exactly the sample values given, in order (so the SQL has no other
value baked in and each `%s` is one parameter), and from then on only executes that SQL. The
rows come back through the same database converters the ORM applies (a datetime on SQLite,
JSON), and `instances` builds model instances as the ORM does (`Model.from_db`). The query
still runs through Django's cursor wrapper: it is logged, counted and in the transaction as any
other.

Only for queries whose SQL does not depend on the values (no `__in` of a varying list: give a
sample of each shape and key the `Compiled` by it). Django writes a slice's LIMIT and OFFSET
into the SQL as numbers: a `paged` query is built unsliced and ends in `LIMIT %s OFFSET %s`
(both databases' syntax), its last two parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)
_Converters = list[tuple[int, list[Callable[..., Any]], Any]]


class _Statement:
    def __init__(
        self, sql: str, converters: _Converters, fields: tuple[str, ...], locking: bool
    ) -> None:
        self.sql = sql
        self.converters = converters
        self.fields = fields
        self.locking = locking  # select_for_update: only inside a transaction, as the ORM says


class Compiled(Generic[M]):
    """`build(*samples)` compiled once per backend; `rows(*params)` runs it with `params`.

    `build` returns a `values_list(...)` QuerySet (the selected fields are the row's columns).
    """

    def __init__(
        self, build: Callable[..., QuerySet[M, Any]], *samples: object, paged: bool = False
    ) -> None:
        self.build = build
        self.samples = samples
        self.paged = paged  # rows(*params, limit, offset)
        self._by_vendor: dict[str, _Statement] = {}

    def _compile(self, connection: Any) -> _Statement:
        queryset = self.build(*self.samples)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        if tuple(params) != self.samples:
            raise ValueError(
                f"compiled parameters {params!r} are not the samples {self.samples!r}: the SQL "
                "would hold a value of its own"
            )
        if self.paged:
            if queryset.query.is_sliced:
                raise ValueError("a paged query is built without a slice: its rows take one")
            sql += " LIMIT %s OFFSET %s"
        selected = [column for column, _sql, _alias in compiler.select]
        converters = [
            (position, convs, expression)
            for position, (convs, expression) in compiler.get_converters(selected).items()
        ]
        fields = tuple(queryset.query.values_select)
        statement = _Statement(sql, converters, fields, queryset.query.select_for_update)
        self._by_vendor[connection.vendor] = statement
        return statement

    def _statement(self) -> tuple[Any, _Statement]:
        connection = connections[DEFAULT_DB_ALIAS]
        statement = self._by_vendor.get(connection.vendor)
        return connection, statement or self._compile(connection)

    def rows(self, *params: object) -> list[tuple[Any, ...]]:
        """The rows of the query for `params` (in the order of the samples; a paged query's
        limit and offset after them)."""
        connection, statement = self._statement()
        if statement.locking and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            rows = cursor.fetchall()
        return _converted(connection, statement, rows)

    def rows_each(self, params_list: Sequence[Sequence[object]]) -> list[list[tuple[Any, ...]]]:
        """The rows of the query for each of `params_list`, in its order: each statement planned
        alone, as `rows` runs it. On PostgreSQL all in one pipeline (psycopg's `executemany`
        returning: one round trip, which Django's query log misses, as it misses a COPY);
        elsewhere one execute each."""
        connection, statement = self._statement()
        if statement.locking and connection.get_autocommit():
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        if connection.vendor != "postgresql" or len(params_list) < 2:
            return [self.rows(*params) for params in params_list]
        found: list[list[tuple[Any, ...]]] = []
        with connection.cursor() as cursor, connection.wrap_database_errors:
            raw = cursor.cursor
            raw.executemany(statement.sql, params_list, returning=True)
            while True:
                found.append(_converted(connection, statement, raw.fetchall()))
                if not raw.nextset():
                    break
        return found

    def first(self, *params: object) -> tuple[Any, ...] | None:
        rows = self.rows(*params)
        return rows[0] if rows else None

    def instances(self, model: type[M], *params: object) -> list[M]:
        """The rows as instances of `model`, as the ORM builds them (`from_db`)."""
        connection, statement = self._statement()
        fields = statement.fields
        alias = connection.alias
        return [model.from_db(alias, fields, row) for row in self.rows(*params)]


def _converted(
    connection: Any, statement: _Statement, rows: Sequence[tuple[Any, ...]]
) -> list[tuple[Any, ...]]:
    """The rows through the database converters the ORM applies to the selected columns."""
    if not statement.converters or not rows:
        return list(rows)
    converted = []
    for row in rows:
        values = list(row)
        for position, convs, expression in statement.converters:
            value = values[position]
            for convert in convs:
                value = convert(value, expression, connection)
            values[position] = value
        converted.append(tuple(values))
    return converted


def concrete_attnames(model: type[Model]) -> Sequence[str]:
    """Every concrete field of `model` by attribute name (`site_id`): what `from_db` takes."""
    return [f.attname for f in model._meta.concrete_fields]
