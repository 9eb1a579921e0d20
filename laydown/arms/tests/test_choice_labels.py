"""`get_FOO_display` of the registry's models answers as Django's own, in every language."""

from __future__ import annotations

import pytest
from django.db import models
from django.utils import translation

from laydown.arms.models import AmmoLot, Item, Materiel


def django_display(instance: models.Model, name: str) -> object:
    return models.Model._get_FIELD_display(instance, instance._meta.get_field(name))  # type: ignore[attr-defined]


@pytest.mark.parametrize("language", ["en", "az", "hy", "ru"])
@pytest.mark.parametrize(
    ("model", "name"),
    [
        (Item, "category"),
        (Item, "status"),
        (Item, "condition"),
        (AmmoLot, "status"),
        (Materiel, "type"),
    ],
)
def test_every_label_is_djangos_in_the_active_language(
    model: type[models.Model], name: str, language: str
) -> None:
    field = model._meta.get_field(name)
    values = [value for value, _label in field.flatchoices] + ["not-a-choice", ""]  # type: ignore[attr-defined]
    with translation.override(language):
        for value in values:
            instance = model(**{field.attname: value})
            ours = getattr(instance, f"get_{name}_display")()
            assert ours == django_display(instance, name)
            assert type(ours) is str
