"""Field checks of the registry: each returns the clean value or raises a ValidationError naming
the field, what is wrong and how to put it right."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.translation import gettext as _

from laydown.arms.normalise import mixed_scripts
from laydown.core.errors import ValidationError

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
PSEUDONYM = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
SEAL = re.compile(r"^[A-Za-z0-9-]{1,40}$")


def refuse(field: str, reason: str, message: str) -> ValidationError:
    return ValidationError(message, fields={field: reason})


def text(field: str, value: object, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise refuse(field, _("required"), _("%(field)s is required.") % {"field": field})
    if len(text) > max_length:
        raise refuse(
            field,
            _("too long"),
            _("%(field)s is longer than %(max)d characters.") % {"field": field, "max": max_length},
        )
    if any(ord(c) < 32 for c in text):
        raise refuse(
            field,
            _("control characters"),
            _("%(field)s contains control characters.") % {"field": field},
        )
    return text


def choice(field: str, value: object, choices: Sequence[str]) -> str:
    if value not in choices:
        raise refuse(
            field,
            _("unknown"),
            _("%(field)s %(value)r is not one of: %(choices)s.")
            % {"field": field, "value": value, "choices": ", ".join(choices)},
        )
    return str(value)


def integer(field: str, value: object, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        number = None
    else:
        try:
            number = int(str(value).strip())
        except ValueError:
            number = None
    if number is None or not minimum <= number <= maximum:
        raise refuse(
            field,
            _("impossible value"),
            _("%(field)s must be a whole number from %(min)d to %(max)d, not %(value)r.")
            % {"field": field, "min": minimum, "max": maximum, "value": value},
        )
    return number


def pseudonym(field: str, value: object, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise refuse(field, _("required"), _("%(field)s is required.") % {"field": field})
        return None
    if not isinstance(value, str) or not PSEUDONYM.match(value):
        raise refuse(
            field,
            _("not a pseudonym"),
            _("%(field)s must be a pseudonymous id (letters, digits, . _ : -), not a name.")
            % {"field": field},
        )
    return value


def serial(value: object) -> str:
    serial = text("serial", value, max_length=100)
    if mixed_scripts(serial):
        raise refuse(
            "serial",
            _("mixed scripts"),
            _(
                "The serial %(serial)r mixes letters of different scripts (for example a Latin "
                "and a Cyrillic letter): check the keyboard layout and type it as printed."
            )
            % {"serial": serial},
        )
    return serial


def country(value: object) -> str:
    code = text("country", value, max_length=2).upper()
    if code and not COUNTRY.match(code):
        raise refuse(
            "country",
            _("invalid"),
            _("Country %(value)r: use the two-letter ISO 3166 code (e.g. RU, US).")
            % {"value": value},
        )
    return code
