"""Retention: when `laydown vault purge-expired` erases a participant's data, the participant
shows as erased, through a `people.erased` record the ledger keeps (so replay agrees)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from laydown.access.web import principal_for_user
from laydown.ledger import replay
from laydown.ledger.models import Record
from laydown.people import services
from laydown.people.models import Participant, Refusal
from laydown.people.tests.base import MANAGER, REGISTRAR, png, register
from laydown.testing import FAST_HASHERS, signed_in, user_with_role
from laydown.vault.models import Entry, SubjectKey

pytestmark = pytest.mark.django_db


def _expire(participant: Participant) -> None:
    """As if the participant had been registered long ago: every category is past retention."""
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    Entry.objects.filter(subject=participant.pk).update(retain_until=yesterday)


def test_the_retention_purge_marks_the_participant_erased_through_the_ledger() -> None:
    old, kept = register(photo=png(1)), register(name="Ani Aslanyan", photo=png(2))
    _expire(old)
    call_command("vault", "purge-expired")
    old.refresh_from_db()
    kept.refresh_from_db()
    assert old.erased_at is not None and kept.erased_at is None
    assert SubjectKey.objects.get(subject=old.pk).wrapped_key is None
    last = list(Record.objects.order_by("-index")[:2])[::-1]
    assert [r.kind for r in last] == ["vault.erased", "people.erased"]
    assert last[1].data == {"participant": old.pk, "reason": "retention period ended"}
    assert last[1].actor == "system"


def test_an_erased_participants_data_is_refused_with_the_explanation() -> None:
    p = register(photo=png(3))
    _expire(p)
    call_command("vault", "purge-expired")
    p.refresh_from_db()
    with pytest.raises(PermissionDenied, match="end of its retention period"):
        services.personal_data_read(
            actor=REGISTRAR, participant=p, categories=["identity"], purpose="follow-up call"
        )
    assert Refusal.objects.filter(subject=p.pk, actor=REGISTRAR.pseudonym).exists()
    with pytest.raises(PermissionDenied, match="was erased"):
        services.participant_correct(actor=REGISTRAR, participant=p, dependants=1, reason="x")


def test_the_participants_page_says_the_data_was_erased() -> None:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        registrar = user_with_role("reg", "registrar", "region:north")
        p = register(principal_for_user(registrar))
        _expire(p)
        call_command("vault", "purge-expired")
        client = signed_in(registrar)
        page = client.get(reverse("people:person", args=[p.pk])).content.decode()
        assert "no longer resolves to a person" in page
        listing = client.get(reverse("people:list")).content.decode()
        assert "data erased" in listing
        card = client.get(reverse("people:access_report", args=[p.pk]))
        assert card.status_code == 403


def test_erasure_on_request_is_recorded_once() -> None:
    p = register()
    services.participant_erase(actor=MANAGER, participant=p, reason="the person asked")
    assert Record.objects.filter(kind="people.erased").count() == 1
    call_command("vault", "purge-expired")  # nothing left to erase: nothing more is recorded
    assert Record.objects.filter(kind="people.erased").count() == 1


def test_replay_reproduces_erasures_made_by_the_purge() -> None:
    p = register(photo=png(4))
    register(name="Ani Aslanyan", photo=png(5))
    _expire(p)
    call_command("vault", "purge-expired")
    before = list(Participant.objects.order_by("pk").values())
    replay.ledger_replay()
    assert list(Participant.objects.order_by("pk").values()) == before
    assert Participant.objects.get(pk=p.pk).erased_at is not None
