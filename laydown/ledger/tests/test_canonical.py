"""The fast path of canonical JSON writes exactly the bytes RFC 8785 (the rfc8785 library) does."""

from __future__ import annotations

from typing import Any

import rfc8785
from django.db import models
from hypothesis import given, settings
from hypothesis import strategies as st

from laydown.ledger import records
from laydown.ledger.records import MAX_SAFE_INTEGER, canonical_json, canonical_record

# Latin, controls, quotes and backslashes, DEL, Cyrillic, Armenian, the private use area and the
# last BMP characters (which RFC 8785 sorts after surrogate pairs), and emoji beyond the BMP.
ALPHABET = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x7F),
    st.characters(min_codepoint=0x400, max_codepoint=0x4FF),  # Cyrillic
    st.characters(min_codepoint=0x530, max_codepoint=0x58F),  # Armenian
    st.characters(min_codepoint=0xE000, max_codepoint=0xFFFF, exclude_categories=["Cs"]),
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
    st.sampled_from(["\u2028", "\u2029", "\u00a0", "\ufeff", "\x7f", '"', "\\", "/"]),
)
TEXT = st.text(ALPHABET, max_size=12)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-MAX_SAFE_INTEGER, max_value=MAX_SAFE_INTEGER),
    TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=5)),
    max_leaves=20,
)


@settings(max_examples=1000, deadline=None)
@given(st.dictionaries(TEXT, VALUES, max_size=8))
def test_canonical_json_equals_rfc8785_on_random_records(data: dict[str, Any]) -> None:
    assert canonical_json(data) == rfc8785.dumps(data)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(TEXT, VALUES, max_size=8), TEXT)
def test_a_whole_record_encodes_as_rfc8785_does(data: dict[str, Any], actor: str) -> None:
    salt = b"\x01" * records.SALT_BYTES
    body = canonical_record(kind="k", data=data, actor=actor, at="2026-01-01T00:00:00Z", salt=salt)
    assert body == rfc8785.dumps(
        {
            "v": 1,
            "kind": "k",
            "at": "2026-01-01T00:00:00Z",
            "actor": actor,
            "data": data,
            "salt": "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=",
        }
    )


def test_keys_beyond_the_bmp_sort_by_utf16_code_units() -> None:
    # U+FF61 sorts after U+1F600 by code point, before it by UTF-16 code units (D83D DE00).
    data = {"\uff61": 1, "\U0001f600": 2}
    assert canonical_json(data) == rfc8785.dumps(data)
    assert canonical_json(data).startswith('{"\U0001f600"'.encode())


def test_controls_are_escaped_as_rfc8785_escapes_them() -> None:
    data = {"s": "".join(chr(c) for c in range(0x20)) + '"\\\x7f\u2028'}
    assert canonical_json(data) == rfc8785.dumps(data)


def test_tuples_and_string_enums_encode_like_lists_and_their_values() -> None:
    class ItemStatus(models.TextChoices):  # the kind of enum the apps' records carry
        IN_STORAGE = "in_storage", "In storage"

    data = {"t": (1, "a"), "status": ItemStatus.IN_STORAGE}
    assert canonical_json(data) == rfc8785.dumps(data)
