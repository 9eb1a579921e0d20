"""Text that people type: identifiers folded so invisible characters cannot hide a duplicate,
and free text that may not reorder itself on screen.

Identifiers (serials, makes and models, names and documents used as duplicate keys, phone
numbers) go through `identifier_fold` before they are compared. A serial `ZQ558306` typed again
with a zero-width space, zero-width joiner, soft hyphen, word joiner, byte-order mark, a bidi
override, U+180E or a stray combining mark is the same serial:

1. every format character (Unicode category Cf: zero-width characters, soft hyphen, BOM, bidi
   controls, U+180E, tag characters), control character (Cc) and invisible "blank letter"
   (Hangul fillers, braille blank) is removed;
2. the text is composed (NFKC: full-width forms, ligatures; a letter and its mark become one
   letter, so Cyrillic `И` + breve is `Й`, a letter of its own, and stays one);
3. combining marks that remain (on a digit, on a letter with no composed form, variation
   selectors) are dropped, and Latin letters lose their accents (`Ż` -> `Z`): stamped serials
   carry none, and a mark is what a forger adds. Letters of other scripts keep theirs.

Free text (descriptions, reasons, names) keeps what people type, but `bidi_controls_refuse`
refuses the bidi embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069): they
make text display in an order other than the one stored (CVE-2021-42574, "Trojan Source"), so a
reviewer would read something other than what is recorded. The ledger refuses them in every
record and the vault in every entry. The direction marks LRM, RLM and ALM (U+200E, U+200F,
U+061C) are allowed in free text: people typing right-to-left text insert them, and they move
no run of text; identifiers drop them like every other format character.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from django.utils.translation import gettext as _

from laydown.core.errors import ValidationError

__all__ = [
    "BIDI_CONTROLS",
    "bidi_controls_find",
    "bidi_controls_refuse",
    "digits_fold",
    "identifier_fold",
    "invisible_strip",
]

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Letters and symbols that show as nothing though their category says they are something.
_BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u034f")
_INVISIBLE_CATEGORIES = frozenset({"Cf", "Cc", "Zl", "Zp"})
_MARKS = frozenset({"Mn", "Me"})


def _invisible(char: str) -> bool:
    return char in _BLANKS or unicodedata.category(char) in _INVISIBLE_CATEGORIES


def invisible_strip(text: str) -> str:
    """`text` without format, control and blank characters (see the module's step 1)."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(c for c in text if not _invisible(c))


def _latin_base(char: str) -> str:
    if char.isascii() or not unicodedata.name(char, "").startswith("LATIN"):
        return char
    base = unicodedata.normalize("NFD", char)[0]
    return base if base.isascii() else char


def identifier_fold(text: str) -> str:
    """The form of an identifier in which invisible characters and stray marks are gone."""
    if text.isascii() and text.isprintable():
        return text
    composed = unicodedata.normalize("NFKC", invisible_strip(text))
    return "".join(_latin_base(c) for c in composed if unicodedata.category(c) not in _MARKS)


def digits_fold(text: str) -> str:
    """Decimal digits of any script (Arabic-Indic, Devanagari ...) as ASCII digits."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def bidi_controls_find(text: str) -> str | None:
    """The first bidi embedding, override or isolate control in `text`, as U+XXXX, or None."""
    if text.isascii():
        return None
    found = next((c for c in text if c in BIDI_CONTROLS), None)
    return None if found is None else f"U+{ord(found):04X}"


def bidi_controls_refuse(value: object, path: str) -> None:
    """Raise a ValidationError naming the field if any text in `value` (walked through
    mappings and lists) holds a bidi control; `path` is where `value` sits, e.g. `data`."""
    if isinstance(value, str):
        found = bidi_controls_find(value)
        if found is not None:
            field = path.removeprefix("data.").split(".")[0].split("[")[0]
            raise ValidationError(
                _(
                    "Contains the direction control %(char)s, which makes text show in another "
                    "order than it is stored; remove it (retype the text, or paste it as plain "
                    "text)."
                )
                % {"char": found},
                fields={field: _("direction control character")},
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            bidi_controls_refuse(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            bidi_controls_refuse(item, f"{path}[{i}]")
