"""Labels for codes: what a page shows instead of `food_security`, `before_cut_off` or
`arms.item_collected`. Each app registers its vocabularies (a TextChoices class or a mapping of
code to a lazily translated label) under a name; templates show a code with
`{{ code|label:"assistance.sector" }}` (laydown.core.templatetags.laydown_labels).

A code without a label is shown as it is: the language walk (laydown/tests/test_languages.py)
finds it on screen and fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Choices
from django.utils import formats
from django.utils.functional import Promise

Label = str | Promise

_VOCABULARIES: dict[str, dict[str, Label]] = {}


def register(vocabulary: str, labels: type[Choices] | Mapping[str, Label]) -> None:
    """Declare the labels of `vocabulary`'s codes (more may be added under the same name)."""
    if isinstance(labels, type) and issubclass(labels, Choices):
        pairs: Mapping[str, Label] = {str(v): lbl for v, lbl in labels.choices}
    else:
        pairs = labels
    into = _VOCABULARIES.setdefault(vocabulary, {})
    for code, text in pairs.items():
        if code in into and str(into[code]) != str(text):
            raise ValueError(f"{vocabulary}: code {code!r} has two labels")
        into[code] = text


def label(vocabulary: str, code: Any) -> str:
    """The translated label of `code` in `vocabulary`; the code itself when it has none."""
    if code is None or code == "":
        return ""
    found = _VOCABULARIES.get(vocabulary, {}).get(str(code))
    return str(found) if found is not None else str(code)


def labels(vocabulary: str) -> dict[str, Label]:
    return dict(_VOCABULARIES.get(vocabulary, {}))


_VALUES: dict[str, dict[str, str]] = {}
DATE = "date"  # a key whose values are ISO dates (2026-01-31): shown in the language's format


def register_values(vocabulary: str, value_vocabularies: Mapping[str, str]) -> None:
    """For a vocabulary of keys (the details of an event): the vocabulary of each key's values."""
    _VALUES.setdefault(vocabulary, {}).update(value_vocabularies)


def value(vocabulary: str, key: str, raw: Any) -> str:
    """`raw`, the value of `key`, as its label when the key's values have a vocabulary."""
    if raw is None:
        return ""
    if isinstance(raw, list | tuple):
        return ", ".join(value(vocabulary, key, v) for v in raw)
    values = _VALUES.get(vocabulary, {})
    if values.get(key) == DATE:
        try:
            return formats.date_format(dt.date.fromisoformat(str(raw)), "SHORT_DATE_FORMAT")
        except ValueError:
            return str(raw)
    return label(values[key], raw) if key in values else str(raw)


def pairs(vocabulary: str, mapping: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A mapping's keys and values as labels, leaving out empty values (zero stays)."""
    return [
        (label(vocabulary, key), value(vocabulary, key, raw))
        for key, raw in mapping.items()
        if raw is not None and raw != "" and raw != []
    ]
