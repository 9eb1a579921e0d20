"""Field checks of demobilization: each returns the clean value or raises a ValidationError
naming the field, what is wrong and how to put it right."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from collections.abc import Iterable

from django.utils.translation import gettext as _

from laydown.core.errors import ValidationError
from laydown.people.models import Participant
from laydown.people.vocab import Category

MAX_PHOTO_BYTES = 150 * 1024  # a vault entry holds at most 256 KiB, base64 included
MAX_DEPENDANTS = 30
REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


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
    return text


def choice(field: str, value: object, choices: Iterable[str]) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise refuse(
            field,
            _("unknown value"),
            _("%(field)s must be one of: %(all)s.") % {"field": field, "all": ", ".join(allowed)},
        )
    return str(value)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def image_kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def dependants(value: object) -> int:
    try:
        count = int(str(value if value not in (None, "") else 0))
    except ValueError:
        raise refuse("dependants", _("not a number"), _("Dependants must be a number.")) from None
    if not 0 <= count <= MAX_DEPENDANTS:
        raise refuse("dependants", _("out of range"), _("Dependants must be between 0 and 30."))
    return count


def born(value: object, day: dt.date) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise refuse(
                "born", _("not a date"), _("The date of birth must look like 1990-04-02.")
            ) from None
    if not day.replace(year=day.year - 120) <= value <= day:
        raise refuse("born", _("out of range"), _("The date of birth is not plausible."))
    return value


def age(value: object) -> int:
    if value in (None, ""):
        raise refuse(
            "born", _("required"), _("Give the date of birth, or the age if it is not known.")
        )
    try:
        years = int(str(value))
    except ValueError:
        raise refuse("age", _("not a number"), _("The age must be a whole number.")) from None
    if not 0 <= years <= 120:
        raise refuse("age", _("out of range"), _("The age must be between 0 and 120."))
    return years


def region(value: object) -> str:
    region = text("region", value, max_length=40, required=True).lower()
    if not REGION.match(region):
        raise refuse(
            "region", _("bad code"), _("The region is a code of letters, digits and dashes.")
        )
    return region


def dependant_of(category: str, value: object) -> str:
    pseudonym = text("dependant_of", value, max_length=24)
    if category != Category.DEPENDANT:
        return ""
    if not pseudonym:
        raise refuse(
            "dependant_of",
            _("required"),
            _("A dependant is registered with the pseudonym of the participant they depend on."),
        )
    if not Participant.objects.filter(pk=pseudonym).exclude(category=Category.DEPENDANT).exists():
        raise refuse("dependant_of", _("unknown"), _("No participant %(p)s.") % {"p": pseudonym})
    return pseudonym


def photo(data: bytes | None) -> dict[str, str] | None:
    if not data:
        return None
    kind = image_kind(data)
    if kind is None:
        raise refuse("photo", _("not an image"), _("The photo must be a JPEG or PNG image."))
    if len(data) > MAX_PHOTO_BYTES:
        raise refuse("photo", _("too large"), _("The photo must be at most 150 KB."))
    return {
        "mime": kind,
        "sha256": hashlib.sha256(data).hexdigest(),
        "data": base64.b64encode(data).decode(),
    }
