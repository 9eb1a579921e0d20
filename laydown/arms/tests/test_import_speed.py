"""The importer's row shortcut accepts only what the full check accepts and gives the same data
(the XLSX reader's own comparison with openpyxl: core/tests/test_xlsx.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from laydown.arms import importer
from laydown.arms.vocab import Category, Condition

# ---- the row shortcut ------------------------------------------------------------------------

TEXT = st.one_of(
    st.text(max_size=8),
    st.sampled_from(["", " x", "x ", "AK\x01", "a" * 101, "a" * 51, "ХК-1974", "AКM", "Օ1"]),
)
ROW = st.fixed_dictionaries(
    {
        "site": st.just("cp-1"),
        "category": st.one_of(st.sampled_from(Category.values), TEXT),
        "make": st.one_of(st.sampled_from(["Kalashnikov", "FN Herstal"]), TEXT),
        "model": st.one_of(st.sampled_from(["AKM", "FAL"]), TEXT),
        "calibre": TEXT,
        "serial": TEXT,
        "markings": TEXT,
        "country": st.one_of(st.sampled_from(["", "RU", "ru", "R", "RUS", "Ру", "1A"]), TEXT),
        "year": st.one_of(
            st.sampled_from(["", "1975", "1799", "2101", "0975", "+1975", "1_975", "١٩٧٥", "19.5"]),
            TEXT,
        ),
        "condition": st.one_of(st.sampled_from(Condition.values), TEXT),
        "handed_in_by": st.one_of(st.sampled_from(["", "p-1a2b", "Jane Doe", "p\n"]), TEXT),
        "photos": st.one_of(st.just(""), st.just("0" * 64), TEXT),
        "confirm_duplicate_reason": st.just(""),
    }
)


@settings(max_examples=1500, deadline=None)
@given(ROW)
def test_the_row_shortcut_accepts_only_valid_rows_and_gives_the_full_checks_data(
    values: dict[str, Any],
) -> None:
    fast = importer._fields_fast(values)
    clean, errors = importer.fields_checked(values)
    if fast is not None:
        assert not errors
        assert fast == {"site": values["site"], **clean}
        assert list(fast) == ["site", *clean]


def test_every_letter_of_the_cyrillic_block_is_named_cyrillic() -> None:
    import unicodedata

    letters = [chr(c) for c in range(0x400, 0x500) if chr(c).isalpha()]
    assert letters
    assert all(unicodedata.name(c).startswith("CYRILLIC") for c in letters)


def test_the_row_shortcut_takes_an_ordinary_row() -> None:
    row = {c: "" for c in importer.COLUMNS} | {
        "site": "cp-1",
        "category": "sa_assault_rifle",
        "make": "Kalashnikov",
        "model": "AKM",
        "serial": "AK 1974-0001",
        "year": "1974",
        "condition": "serviceable",
        "country": "ru",
        "handed_in_by": "p-1a2b3c4d",
    }
    assert importer._fields_fast(row) is not None
