"""Identifiers fold invisible characters and stray marks; free text refuses bidi controls."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laydown.core.errors import ValidationError
from laydown.core.text import bidi_controls_refuse, digits_fold, identifier_fold

INVISIBLE = {
    "zero-width space": "\u200b",
    "zero-width joiner": "\u200d",
    "zero-width non-joiner": "\u200c",
    "soft hyphen": "\u00ad",
    "word joiner": "\u2060",
    "byte-order mark": "\ufeff",
    "left-to-right override": "\u202d",
    "right-to-left isolate": "\u2067",
    "right-to-left mark": "\u200f",
    "Mongolian vowel separator": "\u180e",
    "Hangul filler": "\u3164",
    "tag character": "\U000e0041",
    "combining dot above": "\u0307",
    "combining grapheme joiner": "\u034f",
    "variation selector": "\ufe0f",
}


@pytest.mark.parametrize("name", sorted(INVISIBLE))
@pytest.mark.parametrize("where", [0, 2, 8])
def test_an_invisible_character_anywhere_in_an_identifier_is_folded_away(
    name: str, where: int
) -> None:
    variant = "ZQ558306"[:where] + INVISIBLE[name] + "ZQ558306"[where:]
    assert identifier_fold(variant) == "ZQ558306"


def test_a_mark_composed_onto_a_latin_letter_is_dropped_but_cyrillic_letters_stay() -> None:
    assert identifier_fold("Z\u0307Q1") == "ZQ1"  # composes to Ż first
    assert identifier_fold("И\u0306") == "Й"  # Й typed as И + breve is Й, not И
    assert identifier_fold("Й") == "Й" and identifier_fold("Ё") == "Ё"
    assert identifier_fold("Й") != identifier_fold("И")


@given(st.text(max_size=30))
def test_folding_is_idempotent_and_leaves_no_format_character_or_mark(text: str) -> None:
    once = identifier_fold(text)
    assert identifier_fold(once) == once
    assert not any(unicodedata.category(c) in ("Cf", "Mn", "Me") for c in once)


def test_digits_of_any_script_fold_to_ascii() -> None:
    assert digits_fold("+374 ٥٥٥ ١٢٣") == "+374 555 123"


@pytest.mark.parametrize("control", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066"])
def test_free_text_with_a_bidi_control_is_refused_naming_the_field(control: str) -> None:
    with pytest.raises(ValidationError) as refused:
        bidi_controls_refuse({"lines": [{"note": f"ok {control}evil"}]}, "data")
    assert refused.value.fields == {"lines": "direction control character"}
    assert f"U+{ord(control):04X}" in refused.value.message
    # the field is named by its key; the message, shown beside the field, never by its code
    assert refused.value.message.startswith("Contains the direction control")
    assert "lines" not in refused.value.message


def test_free_text_in_any_script_with_direction_marks_is_accepted() -> None:
    bidi_controls_refuse({"note": "مرحبا\u200f 12", "name": "Арам", "n": 3}, "data")


def test_a_whole_number_with_a_control_character_is_refused_not_a_crash() -> None:
    from laydown.core import validators

    for text in ("0\x1f", "1975\x1c", "\x1e12"):
        with pytest.raises(ValidationError):
            validators.integer("year", text, minimum=0, maximum=3000)
    assert validators.integer("year", " 1975 ", minimum=0, maximum=3000) == 1975
