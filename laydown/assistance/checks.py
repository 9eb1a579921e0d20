"""Field checks shared by the services and the importers.

Each returns the clean value or raises a ValidationError naming the field, what is wrong and
how to put it right.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.core.errors import ValidationError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
PCODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,18}$")
MAX_COUNT = 10_000_000
EARLIEST = dt.date(2000, 1, 1)


def refuse(field: str, reason: str, message: str) -> ValidationError:
    return ValidationError(message, fields={field: reason})


def text(field: str, value: object, *, max_length: int, required: bool = False) -> str:
    out = "" if value is None else str(value).strip()
    if required and not out:
        raise refuse(field, _("required"), _("%(field)s is required.") % {"field": field})
    if len(out) > max_length:
        raise refuse(
            field,
            _("too long"),
            _("%(field)s is longer than %(max)d characters.") % {"field": field, "max": max_length},
        )
    if any(ord(c) < 32 and c not in "\n\r\t" for c in out):
        raise refuse(
            field,
            _("control characters"),
            _("%(field)s contains control characters.") % {"field": field},
        )
    return out


def choice(field: str, value: object, choices: Sequence[str]) -> str:
    value = "" if value is None else str(value).strip()
    if value not in choices:
        raise refuse(
            field,
            _("unknown"),
            _("%(field)s %(value)r is not one of: %(choices)s.")
            % {"field": field, "value": value, "choices": ", ".join(choices)},
        )
    return value


def choices(field: str, values: object, allowed: Sequence[str]) -> list[str]:
    if isinstance(values, str):
        values = [v for v in re.split(r"[,;\s]+", values) if v]
    if not isinstance(values, list | tuple):
        raise refuse(field, _("not a list"), _("%(field)s must be a list.") % {"field": field})
    return sorted({choice(field, v, allowed) for v in values})


def integer(field: str, value: object, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)  # spreadsheets hand whole numbers over as floats
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        number = int(value)
    if number is None or not minimum <= number <= maximum:
        raise refuse(
            field,
            _("not a whole number in range"),
            _("%(field)s must be a whole number from %(min)d to %(max)d, not %(value)r.")
            % {"field": field, "min": minimum, "max": maximum, "value": value},
        )
    return number


def optional_integer(field: str, value: object, *, minimum: int, maximum: int) -> int | None:
    if value is None or value == "":
        return None
    return integer(field, value, minimum=minimum, maximum=maximum)


def date(field: str, value: object, *, not_future: bool = False) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise refuse(
            field,
            _("not a date"),
            _("%(field)s must be a date written YYYY-MM-DD.") % {"field": field},
        )
    if value < EARLIEST:
        raise refuse(
            field,
            _("too early"),
            _("%(field)s %(date)s is before %(earliest)s: check the year.")
            % {"field": field, "date": value.isoformat(), "earliest": EARLIEST.isoformat()},
        )
    if not_future and value > today():
        raise refuse(
            field,
            _("in the future"),
            _("%(field)s %(date)s is in the future: record what happened, on the day it did.")
            % {"field": field, "date": value.isoformat()},
        )
    return value


def sha256(field: str, value: object) -> str:
    out = "" if value is None else str(value).strip().lower()
    if not SHA256.match(out):
        raise refuse(
            field,
            _("not a SHA-256"),
            _("%(field)s must be the SHA-256 of the file, 64 hexadecimal digits.")
            % {"field": field},
        )
    return out


def today() -> dt.date:
    return timezone.now().date()
