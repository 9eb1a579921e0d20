"""Responses that carry personal data: never cached, the access report renders for every
participant, its vault read is recorded only when the report is delivered, and a refusal is
logged as one line."""

from __future__ import annotations

import logging

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from laydown.access.web import principal_for_user
from laydown.ledger.models import Record
from laydown.people import selectors
from laydown.people.tests.base import png, register
from laydown.testing import FAST_HASHERS, signed_in, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_hashers")]


@pytest.fixture
def fast_hashers():
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        yield


@pytest.fixture
def registrar():
    return user_with_role("reg", "registrar", "region:north")


def _reads() -> int:
    return Record.objects.filter(kind="vault.read").count()


def test_the_access_report_page_renders_for_a_participant_and_records_one_read(registrar):
    p = register(principal_for_user(registrar), photo=png(3))
    client = signed_in(registrar)
    before = _reads()
    page = client.get(reverse("people:access_report", args=[p.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Aram Petrosyan" in html and "data-subject access request" in html
    assert _reads() == before + 1


def test_no_read_is_recorded_when_the_access_report_is_not_delivered(registrar, monkeypatch):
    p = register(principal_for_user(registrar))
    client = signed_in(registrar)

    def broken(*_args, **_kwargs):
        raise RuntimeError("the report could not be made")

    monkeypatch.setattr(selectors, "vault_history", broken)
    before = _reads()
    with pytest.raises(RuntimeError):
        client.get(reverse("people:access_report", args=[p.pk]))
    assert _reads() == before


def test_pages_and_api_answers_with_personal_data_are_never_cached(registrar):
    p = register(principal_for_user(registrar))
    client = signed_in(registrar)
    for url in (
        reverse("people:access_report", args=[p.pk]),
        reverse("people:person", args=[p.pk]),
        reverse("people:list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_public_log_answers_keep_their_own_caching():
    response = Client().get("/log/checkpoint")
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_refusal_is_logged_as_one_line_without_a_traceback(caplog):
    other = user_with_role("obs", "observer")
    client = signed_in(other)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("people:list"))
    assert response.status_code == 403
    forbidden = [r for r in caplog.records if r.name == "django.request"]
    assert len(forbidden) == 1
    assert forbidden[0].exc_info is None and not forbidden[0].exc_text
    assert "\n" not in forbidden[0].getMessage()
