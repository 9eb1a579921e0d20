"""Serial numbers as printed, and the normalised form used to find duplicates and search.

Normalisation (`normalise_serial`) folds what clerks and stamps confuse, so that one weapon
entered twice is found again:

- invisible characters and stray combining marks dropped, Unicode NFKC (full-width digits,
  ligatures), Latin accents dropped (`laydown.core.text.identifier_fold`), and upper case;
- spaces, dashes, dots, slashes and underscores removed (`AK 47-123.4` -> `AK471234`);
- Cyrillic, Greek and Armenian letters that look like Latin ones mapped to them
  (`А`->`A`, `О`->`O`, `Օ`->`O`, `Р`->`P` ...);
- then the letter O is folded to the digit 0 and the letter I to the digit 1.

Why O->0 and I->1: on stamped and worn serials these are the two confusions clerks make most,
and a duplicate flag costs the clerk one confirmation, while a missed duplicate costs the
programme a weapon counted twice. The fold applies to the normalised form only (the serial is
always stored and shown as printed) and search normalises the query the same way, so searching
"AKO1" finds "AK01". Other letters (S/5, B/8, Z/2) are not folded: that would merge too many
genuinely different serials.
"""

from __future__ import annotations

import unicodedata

from laydown.core.text import identifier_fold

# Look-alikes of Latin capital letters (after upper-casing, lower-case ones map too).
_LOOKALIKES = {
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ї": "I", "Ј": "J", "Ѕ": "S", "Ԛ": "Q",
    "Ԝ": "W", "Ү": "Y", "Һ": "H", "Ӏ": "I", "З": "3", "Ь": "b",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Armenian (capitals, and small letters whose capitals do not look alike)
    "Օ": "O", "Ս": "U", "Տ": "S", "Ց": "G", "Լ": "L",
    "օ": "O", "ս": "U", "ո": "N", "հ": "H", "ց": "G", "զ": "Q", "ւ": "L",
}  # fmt: skip
_SEPARATORS = " \t-._/\u00a0\u2010\u2011\u2012\u2013\u2014\u2212"
_TRANSLATE = str.maketrans({**_LOOKALIKES, **dict.fromkeys(_SEPARATORS, None)})
_FOLD = str.maketrans({"O": "0", "I": "1"})

_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "ARABIC", "HEBREW", "GEORGIAN")


def normalise_serial(serial: str) -> str:
    """The form in which two serials that a person would read as the same are equal."""
    text = identifier_fold(serial).upper()
    return text.translate(_TRANSLATE).upper().translate(_FOLD)


def scripts_of(text: str) -> set[str]:
    """The scripts of the letters in `text` (digits and punctuation have none)."""
    found = set()
    for char in text:
        if not char.isalpha():
            continue
        name = unicodedata.name(char, "")
        found.add(next((s for s in _SCRIPTS if name.startswith(s)), "OTHER"))
    return found


def mixed_scripts(text: str) -> bool:
    """True when letters of two scripts are mixed, e.g. Latin `AK` typed with a Cyrillic `К`.

    A serial is stamped in one script; a mix almost always means the keyboard layout switched
    mid-entry, which would hide the weapon from search and from the duplicate check.
    """
    return len(scripts_of(text)) > 1
