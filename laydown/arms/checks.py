"""Field checks of the registry's own (the shared ones are in laydown.core.validators): each
returns the clean value or raises a ValidationError naming the field, what is wrong and how to
put it right."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from laydown.arms.normalise import mixed_scripts
from laydown.core import validators

SEAL = re.compile(r"^[A-Za-z0-9-]{1,40}$")


def serial(value: object) -> str:
    serial = validators.text("serial", value, max_length=100)
    if mixed_scripts(serial):
        raise validators.refuse(
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
    code = validators.text("country", value, max_length=2).upper()
    if code and not validators.COUNTRY.match(code):
        raise validators.refuse(
            "country",
            _("invalid"),
            _("Country %(value)r: use the two-letter ISO 3166 code (e.g. RU, US).")
            % {"value": value},
        )
    return code
