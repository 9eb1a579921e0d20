"""`{{ code|label:"vocabulary" }}`: a code shown by its translated label (laydown.core.labels)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import formats, translation
from django.utils.html import format_html

from laydown.core import labels

register = template.Library()


@register.filter(name="label")
def label(code: Any, vocabulary: str) -> str:
    return labels.label(vocabulary, code)


@register.filter(name="labels")
def labels_of(codes: Any, vocabulary: str) -> str:
    """A list of codes as their labels, separated by commas."""
    return ", ".join(labels.label(vocabulary, code) for code in codes or ())


@register.filter(name="labelled")
def labelled(mapping: Any, vocabulary: str) -> list[tuple[str, str]]:
    """`{% for key, value in details|labelled:"arms.detail" %}`: keys and values as labels."""
    return labels.pairs(vocabulary, mapping or {})


@register.simple_tag
def english(text: str) -> str:
    """`{% translate "Tag" %}{% english "Tag" %}`: on a bilingual paper (the hand-in receipt, the
    ID card), the English beside the chosen language's words, so that whoever keeps the paper
    can read it; nothing when the page is in English. `text` is the msgid: it is English."""
    if (translation.get_language() or "en").split("-")[0] == "en":
        return ""
    return format_html(' <span class="in-english" lang="en">/ {}</span>', text)


@register.filter(name="english_label")
def english_label(code: Any, vocabulary: str) -> str:
    """The English label of `code` (for the English half of a bilingual paper)."""
    with translation.override("en"):
        return labels.label(vocabulary, code)


@register.filter(name="isodate")
def isodate(value: Any) -> str:
    """A date kept as ISO text (2026-01-31) shown in the language's date format; a year alone
    or anything else as it is."""
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return formats.date_format(day, "SHORT_DATE_FORMAT")
