"""A name retyped with invisible characters still finds the earlier registration."""

from __future__ import annotations

import pytest

from laydown.people.normalise import name_key


@pytest.mark.parametrize(
    "variant",
    [
        "Ar\u200bam Petrosyan",  # zero-width space inside a word
        "Aram Petro\u00adsyan",  # soft hyphen
        "\ufeffAram Petrosyan\u2060",  # BOM, word joiner
        "Ara\u0307m Petrosyan",  # combining dot
    ],
)
def test_invisible_characters_do_not_change_a_name_key(variant: str) -> None:
    assert name_key(variant) == name_key("Aram Petrosyan")


def test_a_cyrillic_short_i_typed_as_two_code_points_is_still_y() -> None:
    assert name_key("Андре\u0438\u0306") == name_key("Андрей") == name_key("Andrey")
