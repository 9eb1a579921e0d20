"""Words of the catalogues that a walk through the demo found wrong."""

from __future__ import annotations

import pytest
from django.utils import translation


@pytest.mark.parametrize("language", ["az", "hy", "ru"])
def test_item_and_unit_are_two_words(language: str) -> None:
    # The distribution form has both fields side by side: an aid item and its unit of measure.
    with translation.override(language):
        assert translation.gettext("Item") != translation.gettext("Unit")


def test_azerbaijani_import_items_is_spelt_right() -> None:
    with translation.override("az"):
        assert translation.gettext("Import items") == "Əşyaları idxal et"
