"""Deterministic keys for duplicate checks: names in any script, dates of birth, photos.

A name is transliterated to Latin (Cyrillic by BGN/PCGN, Armenian by a common romanisation),
folded (case, accents, letters that romanisations spell differently: y/i/j, kh/h, c/k, w/v ...),
doubled letters collapsed and the words sorted, so "Aram Petrosyan", "PETROSIAN Aram",
"Арам Петросян" and "Արամ Պետրոսյան" give one key. Only keyed hashes of these keys are stored
(vault blind indexes); no biometric template is kept, only a photo's SHA-256.
"""

from __future__ import annotations

import re
import unicodedata

from laydown.core.text import identifier_fold

CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i",
    "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ә": "a", "ғ": "gh", "қ": "q", "ң": "ng",
    "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
}  # fmt: skip
ARMENIAN = {
    "ա": "a", "բ": "b", "գ": "g", "դ": "d", "ե": "e", "զ": "z", "է": "e", "ը": "y", "թ": "t",
    "ժ": "zh", "ի": "i", "լ": "l", "խ": "kh", "ծ": "ts", "կ": "k", "հ": "h", "ձ": "dz",
    "ղ": "gh", "ճ": "ch", "մ": "m", "յ": "y", "ն": "n", "շ": "sh", "ո": "o", "չ": "ch",
    "պ": "p", "ջ": "j", "ռ": "r", "ս": "s", "վ": "v", "տ": "t", "ր": "r", "ց": "ts", "ւ": "v",
    "փ": "p", "ք": "k", "օ": "o", "ֆ": "f", "և": "ev",
}  # fmt: skip
# Latin letters that do not decompose into a base letter and an accent.
LATIN = {"ə": "a", "ı": "i", "ß": "ss", "ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe"}
# Spellings that romanisations of one name disagree on, folded to one (longest first).
FOLDS = [
    ("shch", "sh"), ("dzh", "j"), ("kh", "h"), ("gh", "g"), ("ph", "f"), ("zh", "j"),
    ("ch", "c"), ("ts", "c"), ("tz", "c"), ("dj", "j"), ("ck", "k"), ("ou", "u"), ("ew", "ev"),
    ("q", "k"), ("w", "v"), ("x", "ks"), ("y", "i"), ("j", "i"), ("ie", "i"), ("ia", "a"),
]  # fmt: skip
_NOT_LETTER = re.compile(r"[^a-z]+")
_DOUBLE = re.compile(r"(.)\1+")


def transliterate(text: str) -> str:
    """Lower-case Latin letters and spaces: Cyrillic and Armenian romanised, accents dropped."""
    # Invisible characters would split a word; composing first keeps `й` typed as `и` + breve.
    text = identifier_fold(text).lower().replace("ու", "u")  # Armenian "u" is a digraph
    out = "".join(CYRILLIC.get(ch) or ARMENIAN.get(ch) or LATIN.get(ch, ch) for ch in text)
    decomposed = unicodedata.normalize("NFKD", out)
    ascii_only = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_LETTER.sub(" ", ascii_only).strip()


def _fold(word: str) -> str:
    for old, new in FOLDS:
        word = word.replace(old, new)
    return _DOUBLE.sub(r"\1", word)


def name_key(name: str) -> str:
    """The matching key of a full name, whatever its script and word order."""
    words = sorted(_fold(w) for w in transliterate(name).split())
    return " ".join(w for w in words if w)
