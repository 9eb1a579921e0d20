"""A partner cannot probe who another partner serves through the household duplicate check.

Everything else is validated first, so a request refused for another reason answers the same
whether its phone, document or head's name is registered by another organisation or unknown;
the answer "a possible duplicate is registered by another organisation" is a ledger record
with the registration's purpose; and a user who meets too many in a day is paused, whatever
they send.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from laydown.assistance import imports, services
from laydown.assistance.models import Household
from laydown.assistance.tests.base import VAULT, today
from laydown.core.errors import LaydownError
from laydown.ledger.models import Record
from laydown.testing import log_size

pytestmark = pytest.mark.django_db

KNOWN = "+1 555 0101"
UNKNOWN = "+1 555 0999"
LOOKUP = "assistance.duplicate_elsewhere_answered"

OTHER_REASONS: dict[str, dict[str, Any]] = {
    "an unknown legal basis": {"legal_basis": "curiosity"},
    "no purpose": {"purpose": " "},
    "a retention date in the past": {"retain_until": dt.date(2001, 1, 1)},
    "an override reason from partner staff": {"override_reason": "I am sure"},
    "a bidi override in the head's name": {"head_name": "Mara \u202eneslO"},
}


@pytest.fixture
def known(register) -> Household:
    return register(phone=KNOWN, head_name="Mara Olsen", document="")


def _answer(register, relief_staff, orgs, phone: str, **fields: Any) -> tuple[str, str, Any]:
    try:
        register(actor=relief_staff, organisation=orgs["relief"], phone=phone, **fields)
    except (LaydownError, PermissionDenied) as exc:
        return type(exc).__name__, str(exc), getattr(exc, "fields", None)
    return "registered", "", None


@pytest.mark.parametrize("reason", sorted(OTHER_REASONS))
def test_a_request_refused_for_another_reason_says_nothing_about_duplicates(
    known, register, relief_staff, orgs, reason: str
) -> None:
    fields = {"document": "", **OTHER_REASONS[reason]}
    before = log_size()
    elsewhere = _answer(register, relief_staff, orgs, KNOWN, **fields)
    unknown = _answer(register, relief_staff, orgs, UNKNOWN, **fields)
    assert elsewhere[0] != "registered"
    assert elsewhere == unknown
    assert "organisation" not in elsewhere[1]
    assert log_size() == before


def test_the_answer_that_another_organisation_has_a_match_is_recorded_with_its_purpose(
    known, register, relief_staff, orgs
) -> None:
    with pytest.raises(services.DuplicateSuspected, match="another organisation"):
        register(actor=relief_staff, organisation=orgs["relief"], phone=KNOWN, document="")
    lookup = Record.objects.get(kind=LOOKUP)
    assert lookup.actor == "u-relief-1"
    assert lookup.data == {
        "organisation": "relief",
        "households": [known.code],
        "purpose": VAULT["purpose"],
    }
    assert Household.objects.count() == 1


def test_a_partner_who_meets_too_many_matches_elsewhere_is_paused_whatever_they_send(
    known, register, relief_staff, orgs, monkeypatch
) -> None:
    monkeypatch.setattr(services.households, "ELSEWHERE_ANSWERS_PER_DAY", 3)
    for _ in range(3):
        with pytest.raises(services.DuplicateSuspected):
            register(actor=relief_staff, organisation=orgs["relief"], phone=KNOWN, document="")
    before = log_size()
    for phone in (KNOWN, UNKNOWN):
        with pytest.raises(services.LookupsPaused) as paused:
            register(actor=relief_staff, organisation=orgs["relief"], phone=phone, document="")
        assert "another organisation" not in paused.value.message
    assert log_size() == before and Record.objects.filter(kind=LOOKUP).count() == 3


def test_a_match_in_ones_own_organisation_is_not_a_lookup(register, icrc_staff) -> None:
    register(phone=KNOWN)
    with pytest.raises(services.DuplicateSuspected):
        register(phone=KNOWN)
    assert not Record.objects.filter(kind=LOOKUP).exists()


def _import(actor, phone: str, **terms: Any) -> imports.ImportResult:
    content = (f"place,head_name,phone,members\nXA010101,Someone Else,{phone},f/18-59\n").encode()
    fields = {**VAULT, "retain_until": today() + dt.timedelta(days=365), **terms}
    return imports.households_import(actor=actor, name="h.csv", content=content, **fields)


def test_an_import_refused_for_its_terms_says_nothing_about_duplicates(known, relief_staff) -> None:
    answers = []
    for phone in (KNOWN, UNKNOWN):
        try:
            _import(relief_staff, phone, legal_basis="curiosity")
        except LaydownError as exc:
            answers.append((type(exc).__name__, exc.message, exc.fields))
    assert len(answers) == 2 and answers[0] == answers[1]
    assert not Record.objects.filter(kind=LOOKUP).exists()


def test_an_import_row_matching_another_organisation_is_recorded_as_a_lookup(
    known, relief_staff
) -> None:
    result = _import(relief_staff, KNOWN)
    assert not result.ok and "another organisation" in result.problems[0].reason
    assert Record.objects.filter(kind=LOOKUP).count() == 1
