"""Field types of the API's input that accept what the OpenAPI document says, and no more; and
`Input`, the schema of a body or query validated as the plain object it is.

Pydantic's lax mode reads a number as a date or a moment (seconds since 1970), so
`{"date": 0}` set a cut-off of 1970-01-01 and `?collected_to=0.5` filtered by 1970, while the
document promises `format: date`. These types take ISO 8601 text only. A moment's UTC offset
must be one the world uses (-14:00 to +14:00; PostgreSQL refused +17:07 with a 500) and the
moment is kept in UTC; one without an offset is taken as UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any

from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ModelWrapValidatorHandler,
    ValidationInfo,
    model_validator,
)

__all__ = ["Input", "IsoDate", "IsoDateTime"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_only(pattern: re.Pattern[str], example: str) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(f"expected ISO 8601 text such as {example}")
        return value

    return check


MAX_OFFSET = dt.timedelta(hours=14)


def _in_utc(value: dt.datetime) -> dt.datetime:
    offset = value.utcoffset()
    if offset is None:
        return value.replace(tzinfo=dt.UTC)
    if abs(offset) > MAX_OFFSET:
        raise ValueError("expected a UTC offset from -14:00 to +14:00")
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        raise ValueError("expected a moment between the years 1 and 9999 in UTC") from None


IsoDate = Annotated[dt.date, BeforeValidator(_iso_only(_DATE, "2026-06-01"))]
IsoDateTime = Annotated[
    dt.datetime,
    BeforeValidator(_iso_only(_DATETIME, "2026-06-01T09:30:00Z")),
    AfterValidator(_in_utc),
]


class Input(Schema):
    """A schema of the API's input (a JSON body, a query string) validated as the dict it is.

    django-ninja's Schema hands pydantic every value wrapped in its DjangoGetter, which reads
    each field as an attribute in Python: what output needs, to read a model instance, its
    related managers and the schema's `resolve_*` methods. A body or a query is a dict of JSON
    values already, and pydantic validates a dict in its own code with the same checks and
    errors (the error's `input` aside, which the API does not show): ~0.1 ms less of a
    registration's CPU (ItemIn) for the same validation. Anything but a plain dict, or a schema
    with resolvers, is validated as ninja does it.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if type(values) is dict and not cls._ninja_resolvers:
            return handler(values)
        return super()._run_root_validator(values, handler, info)  # type: ignore[operator]
