"""Field validators shared by every app's services, importers and API.

Each returns the clean value or raises a ValidationError whose `fields` maps the field to a
short reason, with a message saying what is wrong and how to put it right. The message never
names the field: a page shows it beside the field (under its translated label), an importer
beside the column, the API with the field's code in `fields`. An app keeps in its
own `checks.py` only what is its own (serials, P-code hierarchies, dates of birth...).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.core.errors import ValidationError

SHA256 = re.compile(r"^[0-9a-f]{64}$")
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")  # site and region codes
PSEUDONYM = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")  # ISO 3166-1 alpha-2
PCODE = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,18}$")  # OCHA P-code: the country, then the area
MAX_COUNT = 10_000_000
EARLIEST = dt.date(2000, 1, 1)
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# ASCII digits and blanks only: `\s` and `\d` would admit characters `int()` refuses (U+001F)
_WHOLE_NUMBER = re.compile(r"[ \t]*-?[0-9]+[ \t]*")


def refuse(field: str, reason: str, message: str) -> ValidationError:
    return ValidationError(message, fields={field: reason})


def text(
    field: str, value: object, *, max_length: int, required: bool = False, multiline: bool = False
) -> str:
    """The value as stripped text. Control characters are refused; `multiline` text (notes,
    descriptions, reasons) may hold line breaks and tabs."""
    out = "" if value is None else str(value).strip()
    if required and not out:
        raise refuse(field, _("required"), _("A value is required."))
    if len(out) > max_length:
        raise refuse(
            field,
            _("too long"),
            _("Longer than %(max)d characters: shorten it.") % {"max": max_length},
        )
    if (_CONTROL_BUT_LINES if multiline else _CONTROL).search(out):
        raise refuse(
            field,
            _("control characters"),
            _("Contains control characters (invisible ones, often pasted): type it again."),
        )
    return out


def choice(field: str, value: object, choices: Iterable[str]) -> str:
    allowed = list(choices)
    out = "" if value is None else str(value).strip()
    if out not in allowed:
        raise refuse(
            field,
            _("unknown value"),
            _("%(value)r is not one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(allowed)},
        )
    return out


def choices(field: str, values: object, allowed: Iterable[str]) -> list[str]:
    """Several of `allowed`, as a list or a string separated by commas, semicolons or spaces."""
    if isinstance(values, str):
        values = [v for v in re.split(r"[,;\s]+", values) if v]
    if not isinstance(values, list | tuple):
        raise refuse(field, _("not a list"), _("Give a list."))
    allowed = list(allowed)
    return sorted({choice(field, v, allowed) for v in values})


def integer(field: str, value: object, *, minimum: int = 0, maximum: int = MAX_COUNT) -> int:
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)  # spreadsheets hand whole numbers over as floats
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value):
        number = int(value)
    if number is None or not minimum <= number <= maximum:
        bounds = {"min": minimum, "max": maximum}
        raise refuse(
            field,
            _("not a whole number in range"),
            _("Give a whole number from %(min)d to %(max)d.") % bounds
            if value is None or value == ""
            else _("Give a whole number from %(min)d to %(max)d, not %(value)s.")
            % {**bounds, "value": _shown(value)},
        )
    return number


def _shown(value: object) -> str:
    """A refused value as a message quotes it: a number as written, text in quotes."""
    return str(value) if isinstance(value, int | float) else repr(str(value).strip()[:40])


def optional_integer(field: str, value: object, *, minimum: int, maximum: int) -> int | None:
    if value is None or value == "":
        return None
    return integer(field, value, minimum=minimum, maximum=maximum)


def date(field: str, value: object, *, not_future: bool = False) -> dt.date:
    """A date (a date, a datetime or YYYY-MM-DD) from 2000 on; with `not_future`, not after
    today."""
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
            _("Give a date written YYYY-MM-DD."),
        )
    if value < EARLIEST:
        raise refuse(
            field,
            _("too early"),
            _("%(date)s is before %(earliest)s: check the year.")
            % {"date": value.isoformat(), "earliest": EARLIEST.isoformat()},
        )
    if not_future and value > today():
        raise refuse(
            field,
            _("in the future"),
            _("%(date)s is in the future: record what happened, on the day it did.")
            % {"date": value.isoformat()},
        )
    return value


def sha256(field: str, value: object) -> str:
    out = "" if value is None else str(value).strip().lower()
    if not SHA256.match(out):
        raise refuse(
            field,
            _("not a SHA-256"),
            _("Give the SHA-256 of the file, 64 hexadecimal digits."),
        )
    return out


def pseudonym(field: str, value: object, *, required: bool = False) -> str | None:
    """A person's pseudonymous id (never a name), or None when not given."""
    if value is None or value == "":
        if required:
            raise refuse(field, _("required"), _("A value is required."))
        return None
    if not isinstance(value, str) or not PSEUDONYM.match(value):
        raise refuse(
            field,
            _("not a pseudonym"),
            _("Give a pseudonymous id (letters, digits, . _ : -), never a name."),
        )
    return value


def file_kind(data: bytes) -> str | None:
    """What the bytes are, by their signature (whatever a file's name says): jpeg, png, webp,
    pdf, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def today() -> dt.date:
    return timezone.now().date()
