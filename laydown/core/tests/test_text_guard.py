"""The text guard refuses exactly the bodies that hold something no text may hold, naming each
field, whether a body takes the one-search way (a flat object) or the walk (anything else)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from laydown.core.errors import ValidationError
from laydown.core.text_guard import bad_text_in, refuse_bad_text

# Text with what the guard refuses mixed in: controls, lone surrogates, non-characters.
ODD = st.sampled_from(["\x00", "\x07", "\x1f", "\x7f", "\ud800", "\udfff", "\ufdd0", "\U0010ffff"])
TEXT = st.lists(st.one_of(st.characters(), ODD), max_size=8).map("".join)
SCALAR = st.one_of(TEXT, st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
    max_leaves=6,
)


def refused(data: Any) -> dict[str, str] | None:
    try:
        refuse_bad_text(data)
    except ValidationError as exc:
        return dict(exc.fields)
    return None


@given(st.dictionaries(TEXT, st.one_of(SCALAR, st.lists(TEXT, max_size=3), VALUE), max_size=6))
def test_a_body_is_refused_exactly_when_a_field_holds_no_text(data: dict[str, Any]) -> None:
    faults = dict(bad_text_in(data))
    assert refused(data) == (faults or None)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"make": "AK\x00"}, "make"),
        ({"ok": "fine", "serial": "\ud800"}, "serial"),  # a lone surrogate, as JSON decodes it
        ({"photos": ["a", "b\ufffe"]}, "photos.1"),
        ({"bad\x01key": "x"}, "body"),
        ({"nested": {"deep": "\x1f"}}, "nested.deep"),
    ],
)
def test_each_bad_field_is_named(data: dict[str, Any], field: str) -> None:
    assert list(refused(data) or {}) == [field]


def test_good_text_of_every_shape_passes() -> None:
    for data in ({"make": "Калашников", "year": 1970, "photos": ["a" * 64]}, ["x"], "y", None):
        assert refused(data) is None
