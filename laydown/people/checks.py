"""Field checks of demobilization's own (the shared ones are in laydown.core.validators): each
returns the clean value or raises a ValidationError naming the field, what is wrong and how to
put it right."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from django.utils.translation import gettext as _

from laydown.core import validators
from laydown.people.models import Participant
from laydown.people.vocab import Category

MAX_PHOTO_BYTES = 150 * 1024  # a vault entry holds at most 256 KiB, base64 included
MAX_DEPENDANTS = 30


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
        raise validators.refuse(
            "dependants", _("not a number"), _("Dependants must be a number.")
        ) from None
    if not 0 <= count <= MAX_DEPENDANTS:
        raise validators.refuse(
            "dependants", _("out of range"), _("Dependants must be between 0 and 30.")
        )
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
            raise validators.refuse(
                "born", _("not a date"), _("The date of birth must look like 1990-04-02.")
            ) from None
    if not day.replace(year=day.year - 120) <= value <= day:
        raise validators.refuse("born", _("out of range"), _("The date of birth is not plausible."))
    return value


def age(value: object) -> int:
    if value in (None, ""):
        raise validators.refuse(
            "born", _("required"), _("Give the date of birth, or the age if it is not known.")
        )
    try:
        years = int(str(value))
    except ValueError:
        raise validators.refuse(
            "age", _("not a number"), _("The age must be a whole number.")
        ) from None
    if not 0 <= years <= 120:
        raise validators.refuse("age", _("out of range"), _("The age must be between 0 and 120."))
    return years


def region(value: object) -> str:
    region = validators.text("region", value, max_length=40, required=True).lower()
    if not validators.CODE.match(region):
        raise validators.refuse(
            "region", _("bad code"), _("The region is a code of letters, digits and dashes.")
        )
    return region


def dependant_of(category: str, value: object) -> str:
    pseudonym = validators.text("dependant_of", value, max_length=24)
    if category != Category.DEPENDANT:
        return ""
    if not pseudonym:
        raise validators.refuse(
            "dependant_of",
            _("required"),
            _("A dependant is registered with the pseudonym of the participant they depend on."),
        )
    if not Participant.objects.filter(pk=pseudonym).exclude(category=Category.DEPENDANT).exists():
        raise validators.refuse(
            "dependant_of", _("unknown"), _("No participant %(p)s.") % {"p": pseudonym}
        )
    return pseudonym


def photo(data: bytes | None) -> dict[str, str] | None:
    if not data:
        return None
    kind = image_kind(data)
    if kind is None:
        raise validators.refuse(
            "photo", _("not an image"), _("The photo must be a JPEG or PNG image.")
        )
    if len(data) > MAX_PHOTO_BYTES:
        raise validators.refuse("photo", _("too large"), _("The photo must be at most 150 KB."))
    return {
        "mime": kind,
        "sha256": hashlib.sha256(data).hexdigest(),
        "data": base64.b64encode(data).decode(),
    }
