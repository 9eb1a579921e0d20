"""The XLSForms of the field forms (`xlsforms/<form kind>.md`, XLSForm as Markdown tables, the
format pyxform reads besides XLSX) and the XForms built from them for ODK Collect.

One XLSForm per form kind of `laydown.field.kinds`; its file name is the kind's name and its
question names are the payload keys of the kind (the API's input schema): a submission maps to
a payload by name. A name `a__b` is the key `b` of the payload's object `a` (`contact__phone`,
`screening__answers__names_unit`); groups are layout only. The extra column `laydown` says how a
value becomes the payload's: `lines` or `commas` (a text split into a list), `file` (an image
question: the attached file, through the kind's `files` hook).

Choice lists: `select_one LIST` takes the rows of the choices sheet, or, when the sheet has none,
the list `LIST` of the form kinds' vocabularies (`FormKind.vocab`), filled in at build time with
their labels in English, Azerbaijani, Armenian and Russian (the catalogues). Lists that depend on
the user (their sites, regions, places) are `select_one_from_file LIST.csv`: media files made per
user, listed in the form's manifest with their hashes, so a device fetches them again when they
change. The form's version is a hash of what it is built from; the XForm is built once per
version (pyxform, in process) and kept.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import functools
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext

from laydown.access.permissions import Principal, is_allowed
from laydown.field import kinds
from laydown.vault import odk_encryption

HERE = Path(__file__).resolve().parent / "xlsforms"
# The setting `public_key` with this value: the form is encrypted (ODK's encryption) to the
# server's form key (laydown.vault.odk_encryption), put in as the form is built.
ENCRYPTED = "laydown-form-key"
DEFAULT_LANGUAGE = "English (en)"
# XLSForm's language columns: the name a device shows, with the language code.
LANGUAGES = {
    "en": DEFAULT_LANGUAGE,
    "az": "Azərbaycanca (az)",
    "hy": "Հայերեն (hy)",
    "ru": "Русский (ru)",
}
TRANSLATED = ("label", "hint", "constraint_message", "required_message")
METADATA = {"start", "end", "today", "deviceid", "username", "phonenumber", "email", "audit"}
_BUILT: dict[str, Built] = {}
_KEEP = 64  # built XForms kept in memory (versions: one per form and set of vocabularies)


@dataclass(frozen=True)
class Question:
    name: str
    type: str  # the XLSForm type's first word: text, integer, select_one, image...
    how: str  # the `laydown` column: "", lines, commas, file


@dataclass(frozen=True)
class Built:
    form: str
    title: str
    version: str
    xform: bytes
    media: dict[str, bytes]  # file name -> content (the select_one_from_file lists)

    @property
    def md5(self) -> str:
        return md5(self.xform)


def form_names() -> list[str]:
    """The form kinds that have an XLSForm."""
    return sorted(p.name.removesuffix(".md") for p in HERE.glob("*.md"))


@functools.cache
def workbook(form: str) -> dict[str, Any]:
    """The XLSForm of `form` as pyxform's workbook dict (sheet -> rows), as in the file."""
    from pyxform.xls2json_backends import md_to_dict  # here: pyxform takes ~0.3 s to import

    if form not in form_names():
        raise KeyError(form)
    return md_to_dict((HERE / f"{form}.md").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def questions(form: str) -> dict[str, Question]:
    """The questions of `form` whose answers go into the payload, by name."""
    found = {}
    for row in workbook(form)["survey"]:
        words = (row.get("type") or "").split()
        name = row.get("name") or ""
        if not words or not name or words[0] in METADATA or words[0].endswith("_group"):
            continue
        found[name] = Question(name, words[0], (row.get("laydown") or "").strip())
    return found


def _lists(form: str) -> tuple[set[str], set[str]]:
    """The choice lists `form` takes from the vocabularies: (static lists, media files)."""
    own = {r["list_name"] for r in workbook(form).get("choices", [])}
    static, media = set(), set()
    for row in workbook(form)["survey"]:
        words = (row.get("type") or "").split()
        if len(words) == 2 and words[0] in ("select_one", "select_multiple"):
            if words[1] not in own:
                static.add(words[1])
        elif len(words) == 2 and words[0].endswith("_from_file"):
            media.add(words[1])
    return static, media


def vocabularies(principal: Principal) -> dict[str, Any]:
    """The lists of every form kind `principal` may submit, merged (English labels)."""
    merged: dict[str, Any] = {}
    with translation.override("en"):
        for kind in kinds.all_kinds():
            if is_allowed(principal, kind.action):
                merged.update(kind.vocab(principal))
    return merged


def _translated(text: str) -> dict[str, str]:
    out = {}
    for code, language in LANGUAGES.items():
        with translation.override(code):
            out[language] = gettext(text) if text else ""
    return out


def _localised(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` with each translatable column in the four languages (the catalogues)."""
    out = []
    for row in rows:
        new = {}
        for key, value in row.items():
            if key in TRANSLATED and value:
                for language, text in _translated(str(value)).items():
                    new[f"{key}::{language}"] = text
            elif key != "laydown":
                new[key] = value
        out.append(new)
    return out


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label"])
    for value, label, *_rest in rows:
        writer.writerow([value, label])
    return out.getvalue().encode()


def media(form: str, vocab: dict[str, Any]) -> dict[str, bytes]:
    """The media files of `form` (its `select_one_from_file` lists) from `vocab`."""
    _static, files = _lists(form)
    return {name: _csv(vocab.get(name.rsplit(".", 1)[0], [])) for name in sorted(files)}


def build(form: str, vocab: dict[str, Any]) -> Built:
    """The XForm of `form` with its static lists from `vocab` (see the module's docstring)."""
    import pyxform
    from pyxform.xls2xform import convert

    book = copy.deepcopy(workbook(form))
    static, _files = _lists(form)
    missing = sorted(s for s in static if s not in vocab)
    if missing:
        raise KeyError(f"{form}: no vocabulary {', '.join(missing)}")
    choices = list(book.get("choices", []))
    for name in sorted(static):
        choices += [
            {"list_name": name, "name": str(v), "label": str(lab)} for v, lab in vocab[name]
        ]
    files = media(form, vocab)
    settings = dict(book["settings"][0])
    if settings.get("public_key") == ENCRYPTED:  # sent encrypted to this server's form key
        settings["public_key"] = odk_encryption.public_key_base64()
    seed = json.dumps(
        [
            pyxform.__version__,
            (HERE / f"{form}.md").read_text(encoding="utf-8"),
            choices,
            settings.get("public_key", ""),
        ],
        sort_keys=True,
    )
    version = hashlib.sha256(seed.encode()).hexdigest()[:12]
    key = f"{form}:{version}"
    if key in _BUILT:  # the XForm is shared; the media files are the user's own
        return dataclasses.replace(_BUILT[key], media=files)
    title = settings.get("form_title") or form
    settings["version"] = version
    settings["default_language"] = DEFAULT_LANGUAGE
    settings.pop("form_title", None)
    for language, text in _translated(title).items():
        if language == DEFAULT_LANGUAGE:
            settings["form_title"] = text
    book["settings"] = [settings]
    book["survey"] = _localised(book["survey"])
    book["choices"] = _localised(choices)
    book.pop("choices_header", None)
    book.pop("survey_header", None)
    book.pop("settings_header", None)
    book["sheet_names"] = [s for s in ("survey", "choices", "settings") if s in book]
    result = convert(book, form_name="data", default_language=DEFAULT_LANGUAGE)
    built = Built(form, str(title), version, result.xform.encode(), {})
    if len(_BUILT) >= _KEEP:
        _BUILT.pop(next(iter(_BUILT)))
    _BUILT[key] = built
    return dataclasses.replace(built, media=files)


def validate(xform: bytes) -> None:
    """Run ODK Validate (pyxform's bundled validator, Java) on `xform`; raise on a problem."""
    import tempfile

    from pyxform.validators import odk_validate

    with tempfile.NamedTemporaryFile(suffix=".xml") as handle:
        handle.write(xform)
        handle.flush()
        odk_validate.check_xform(handle.name)


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
