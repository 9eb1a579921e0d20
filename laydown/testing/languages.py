"""The language walk's tools: the pages of the demo, the text a person sees on a page, and what
in it is left untranslated (an English sentence of the catalogue) or raw (a code such as
`food_security` or `arms.item_collected`). Used by laydown/tests/test_languages.py.

Nothing here runs in production.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse

from laydown.testing.walk import PARTICIPANT_PAGES, collect

# The languages whose catalogues are complete: the catalogue check (`make catalogues`) and the
# language walk cover these. A language joins when every entry of its catalogues is translated.
CHECKED_LANGUAGES = ("az", "hy", "ru")

# Text that is the same in every language, each with the reason. Compared with whole text nodes.
SAME_IN_EVERY_LANGUAGE = {
    "Laydown": "the product's name",
    "5W": "the humanitarian reporting format's name (who, what, where, when, for whom)",
    "HXL": "the Humanitarian Exchange Language's name",
    "CSV": "a file format",
    "XLSX": "a file format",
    "SHA-256": "the hash function's name",
    "English": "the language menu names each language in itself",
    "P-code": "OCHA's term, kept in glossary.md for Azerbaijani and Armenian as P-kod / P-կոդ",
}

# Words that look like codes but are what a person needs to see, each with the reason.
NOT_CODES = {
    "inventory.txt": "the name of a file the observer downloads and recomputes",
    "report.txt": "the name of a file the observer downloads and signs",
    "e.g": "the English abbreviation 'e.g.'",
    "p.m": "the English time of day ('p.m.')",
    "former_combatants": "a side's code, typed into the dialogue form as its help says",
    "single_caregiver": "a specific need's code, typed into the household form as its help says",
    "laydown.localhost": "the demo's host name, in a URL",
    "entitlements.py": "the source file that holds the entitlement rules, named for auditors",
    "witness.example": "the example of a witness name in the form's help, typed as it is",
    "seed.py": "the source file of the reference vocabulary, named for managers who check it",
}
# Elements marked translate="no" (HTML's own attribute: signed text, commands, file and column
# names, host names) are the same in every language and are not checked; nor is the English half
# of a bilingual paper (lang="en": the receipt, the ID card).

# What a raw code looks like: snake_case words (food_security), or dotted ones
# (arms.item_collected). Checked on whole text nodes only.
RAW_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\b[a-z]+\.[a-z_]+\b")
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdrfxX]|%%|<[^>]+>|&[a-z]+;")
SKIPPED_TAGS = {"script", "style", "template"}
SEEN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")


VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0
        self._open: list[tuple[str, bool]] = []  # open elements: tag, starts a skipped subtree

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_TAGS:
            skipped = False
        else:
            skipped = tag in SKIPPED_TAGS or ("translate", "no") in attrs or ("lang", "en") in attrs
            self._open.append((tag, skipped))
            self._skip += skipped
        if self._skip or skipped:
            return
        for name, value in attrs:
            if name in SEEN_ATTRIBUTES and value:
                self.nodes.append(" ".join(value.split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or all(t != tag for t, _s in self._open):
            return
        while self._open:  # close it, and the elements left open inside it (<li>, <p>...)
            open_tag, skipped = self._open.pop()
            self._skip -= skipped
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.nodes.append(text)


def visible_text(html: str) -> list[str]:
    """The text nodes of a page (and the attributes a person sees), whitespace collapsed."""
    parser = _Text()
    parser.feed(html)
    return parser.nodes


@dataclass(frozen=True)
class Catalogue:
    """The English of a catalogue that must not stay on screen in its language."""

    whole: frozenset[str]  # msgids without placeholders, compared with whole text nodes
    sentences: tuple[str, ...]  # fragments of 3+ words between placeholders, found anywhere


def _unquote(text: str) -> str:
    return str(eval(text))  # noqa: S307  (a PO string is a C string literal: our own catalogue)


def catalogue(language: str, domain: str = "django") -> Catalogue:
    """The msgids of `language`'s catalogue whose translation differs from the English."""
    path = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / f"{domain}.po"
    whole: set[str] = set()
    sentences: set[str] = set()
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        msgid = msgstr = ""
        for line in block.splitlines():
            if line.startswith("msgid "):
                msgid = _unquote(line[6:])
            elif line.startswith(("msgstr ", "msgstr[0] ")):
                msgstr = _unquote(line.split(" ", 1)[1])
        if not msgid or msgid == msgstr or msgid in SAME_IN_EVERY_LANGUAGE:
            continue
        if not PLACEHOLDER.search(msgid):
            whole.add(msgid.replace("%%", "%"))
        for fragment in PLACEHOLDER.split(msgid):
            fragment = " ".join(fragment.split()).strip(" .,:;()")
            if len(fragment.split()) >= 3:
                sentences.add(fragment)
    return Catalogue(frozenset(whole), tuple(sorted(sentences, key=len, reverse=True)))


def english_left(nodes: Iterable[str], source: Catalogue) -> list[str]:
    """The English of `source` still on screen: whole text nodes, then sentences within them."""
    found = []
    for node in nodes:
        if node in source.whole:
            found.append(node)
            continue
        found += [s for s in source.sentences if s in node]
    return sorted(set(found))


def raw_codes(nodes: Iterable[str]) -> list[str]:
    """Text nodes that are a code, not words (food_security, arms.item_collected)."""
    found = {code for node in nodes for code in RAW_CODE.findall(node)}
    return sorted(found - NOT_CODES.keys())


DATE_SHAPES = {
    "iso": re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    "dotted": re.compile(r"\b\d{2}\.\d{2}\.\d{4}\b"),
    "english": re.compile(r"\b[A-Z][a-z]{2,8}\.? \d{1,2}, \d{4}\b"),
}
# The one date shape of each language's pages (laydown/formats).
DATE_SHAPE = {"en": "iso", "az": "dotted", "hy": "dotted", "ru": "dotted"}


def other_date_formats(nodes: Iterable[str], language: str) -> list[str]:
    """Dates on a page written in another shape than the language's one date format."""
    wanted = DATE_SHAPE[language]
    return sorted(
        {
            found
            for node in nodes
            for shape, pattern in DATE_SHAPES.items()
            if shape != wanted
            for found in pattern.findall(node)
        }
    )


def _first(model: Any, field: str, **filters: Any) -> str | None:
    value = model.objects.filter(**filters).order_by(field).values_list(field, flat=True).first()
    return None if value is None else str(value)


def demo_pages() -> list[str]:
    """Every page of the demo a person opens with GET: those without parameters and one of each
    parameterised page, pointed at a record the demo holds; the person page of one participant
    of each shape the demo walk samples (one with a duplicate flag, an appeal, a referral ...:
    what the page shows depends on it)."""
    from laydown.accounts.models import User
    from laydown.arms.models import AmmoLot, Container, Item, Materiel, Shipment, Site, StockCheck
    from laydown.assistance import models as aid
    from laydown.people.models import Participant, PaymentCycle
    from laydown.verification.models import DestructionEvent, Inspection

    values: dict[str, Callable[[], str | None]] = {
        "accounts:user": lambda: _first(User, "pk", username="clerk"),
        "arms:site": lambda: _first(Site, "code"),
        "arms:container": lambda: _first(Container, "code"),
        "arms:item": lambda: _first(Item, "tag"),
        "arms:lot": lambda: _first(AmmoLot, "tag"),
        "arms:materiel": lambda: _first(Materiel, "tag"),
        "arms:shipment": lambda: _first(Shipment, "code"),
        "arms:stock_check": lambda: _first(StockCheck, "code"),
        "verification:inspection": lambda: _first(Inspection, "code"),
        "verification:destruction": lambda: _first(DestructionEvent, "code"),
        "assistance:distribution": lambda: _first(aid.Distribution, "code"),
        "assistance:complaint": lambda: _first(aid.Complaint, "code"),
        "assistance:household": lambda: _first(aid.Household, "code"),
        "assistance:project": lambda: _first(aid.Project, "code"),
        "assistance:meeting": lambda: _first(aid.Meeting, "code"),
        "assistance:visit": lambda: _first(aid.Visit, "code"),
        "assistance:commitment": lambda: _first(aid.Commitment, "code"),
        "people:person": lambda: _first(Participant, "pseudonym", erased_at__isnull=True),
        "people:cycle": lambda: _first(PaymentCycle, "code"),
    }
    endpoints, _problems = collect()
    pages: list[str] = []
    for endpoint in endpoints:
        path = "/" + endpoint.route
        if endpoint.is_api or path.startswith(("/log/", "/i18n/", "/api/")):
            continue
        if "." in endpoint.route.rsplit("/", 1)[-1] or "export" in endpoint.route:
            continue  # downloads (.csv, .json, .txt...)
        if endpoint.name == "accounts:sign_out":
            continue
        if not endpoint.parameters:
            pages.append(path)
            continue
        if len(endpoint.parameters) != 1:
            continue
        if endpoint.name == "people:person":
            from laydown.testing.shapes import PEOPLE

            pages += [reverse(endpoint.name, kwargs=kwargs) for kwargs in PEOPLE()]
        family = _family(endpoint.name, values)
        value = values[family]() if family else None
        if value is not None:
            pages.append(reverse(endpoint.name, kwargs={endpoint.parameters[0]: value}))
    return sorted(set(pages))


def _family(name: str, values: dict[str, Callable[[], str | None]]) -> str | None:
    """The record a parameterised page shows: arms:item_book is an item page, people:card a
    participant's, assistance:distribution_receipt a distribution's."""
    if name in values:
        return name
    app, _, view = name.partition(":")
    if app == "people" and view in PARTICIPANT_PAGES:
        return "people:person"
    if app == "arms" and view.endswith("_new"):
        return "arms:site"
    if app == "arms" and view in ("container_seal", "seal_break"):
        return "arms:container"
    for family in sorted(values, key=len, reverse=True):
        fam_app, _, fam_view = family.partition(":")
        if fam_app == app and view.startswith(fam_view):
            return family
    return None
