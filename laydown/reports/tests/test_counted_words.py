"""Counts on the report pages take the noun's form for that count, in every language:
"1 inspection report", "В реестре 5 823 записи" (not "записей", nor "1 cosignatures")."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

pytestmark = pytest.mark.django_db


def _render(template: str, language: str, **context: object) -> str:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with translation.override(language):
        html = render_to_string(template, context, request=request)
    return re.sub(r"\s+", " ", html.replace("\xa0", " "))


def _transparency(language: str, signed: int, size: int, quorum: int) -> str:
    figures = {"inspections_signed": signed, "totals": {}, "regions": [], "threshold": 5}
    witness = SimpleNamespace(
        checkpoint=SimpleNamespace(size=size), quorum=quorum, witnesses=[], refused=False
    )
    return _render("reports/transparency.html", language, figures=figures, witness=witness)


@pytest.mark.parametrize(
    ("size", "words"),
    [(5823, "5 823 записи"), (1, "1 запись"), (21, "21 запись"), (25, "25 записей")],
)
def test_the_home_page_counts_the_ledgers_records_in_russian(size: int, words: str) -> None:
    html = _render("reports/home.html", "ru", sections=[], checkpoint=SimpleNamespace(size=size))
    assert f"В реестре {words}:" in html


def test_the_public_page_says_one_report_and_one_cosignature_in_english() -> None:
    html = _transparency("en", signed=1, size=1, quorum=1)
    assert "inspection report signed by observers" in html
    assert "inspection reports" not in html
    assert "The served checkpoint covers 1 record." in html
    assert "The policy asks for 1 cosignature." in html
    html = _transparency("en", signed=2, size=5, quorum=2)
    assert "inspection reports signed by observers" in html
    assert "covers 5 records." in html and "asks for 2 cosignatures." in html


def test_the_public_page_counts_in_russian() -> None:
    html = _transparency("ru", signed=1, size=3, quorum=5)
    assert "отчёт об инспекции подписан наблюдателями" in html
    assert "охватывает 3 записи." in html and "требует 5 подписей свидетелей." in html
