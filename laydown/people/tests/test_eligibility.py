from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from laydown.core.errors import ValidationError
from laydown.ledger.models import Record
from laydown.people import services
from laydown.people.tests.base import CHILD_OFFICER, MANAGER, REGISTRAR, YES, register

pytestmark = pytest.mark.django_db

NO = dict.fromkeys(YES, "no")


def test_screening_records_the_answers_the_suggestion_and_the_decision() -> None:
    p = register()
    p = services.participant_screen(
        actor=REGISTRAR, participant=p, answers=YES, decision="eligible"
    )
    assert p.status == "eligible"
    data = Record.objects.get(kind="people.screened").data
    assert data["answers"] == YES and data["suggested"] == "eligible"


def test_a_decision_against_the_rule_needs_a_reason() -> None:
    p = register()
    with pytest.raises(ValidationError) as caught:
        services.participant_screen(actor=REGISTRAR, participant=p, answers=NO, decision="eligible")
    assert caught.value.fields == {"reason": "required"}
    p = services.participant_screen(
        actor=REGISTRAR,
        participant=p,
        answers=NO,
        decision="eligible",
        reason="commander's list confirms membership",
    )
    assert p.status == "eligible"


def test_joining_after_the_cut_off_date_answers_the_cut_off_question() -> None:
    services.cut_off_set(actor=MANAGER, date=dt.date(2025, 12, 31))
    p = register()
    p = services.participant_screen(
        actor=REGISTRAR,
        participant=p,
        answers=YES,
        joined_on=dt.date(2026, 2, 1),
        decision="ineligible",
    )
    assert Record.objects.get(kind="people.screened").data["answers"]["before_cut_off"] == "no"


def test_only_a_programme_wide_manager_sets_the_cut_off() -> None:
    with pytest.raises(PermissionDenied):
        services.cut_off_set(actor=REGISTRAR, date=dt.date(2025, 12, 31))


def test_an_appeal_is_lodged_decided_and_recorded() -> None:
    p = register()
    p = services.participant_screen(
        actor=REGISTRAR, participant=p, answers=NO, decision="ineligible"
    )
    appeal = services.appeal_lodge(
        actor=REGISTRAR, participant=p, grounds="was in the 3rd battalion, witness available"
    )
    p.refresh_from_db()
    assert p.status == "appealed"
    with pytest.raises(ValidationError, match="Only a decision of ineligibility"):
        services.appeal_lodge(actor=REGISTRAR, participant=p, grounds="again")
    with pytest.raises(PermissionDenied):
        services.appeal_decide(actor=REGISTRAR, appeal=appeal, outcome="upheld", reason="x")
    appeal = services.appeal_decide(
        actor=MANAGER, appeal=appeal, outcome="upheld", reason="witness confirmed"
    )
    p.refresh_from_db()
    assert (p.status, appeal.outcome, appeal.decided_by) == ("eligible", "upheld", "u-manager")
    with pytest.raises(ValidationError, match="already decided"):
        services.appeal_decide(actor=MANAGER, appeal=appeal, outcome="rejected", reason="x")


def test_a_rejected_appeal_leaves_the_person_ineligible() -> None:
    p = register()
    p = services.participant_screen(
        actor=REGISTRAR, participant=p, answers=NO, decision="ineligible"
    )
    appeal = services.appeal_lodge(actor=REGISTRAR, participant=p, grounds="grounds")
    services.appeal_decide(actor=MANAGER, appeal=appeal, outcome="rejected", reason="no proof")
    p.refresh_from_db()
    assert p.status == "ineligible"


def test_revocation_needs_a_reason_and_ends_eligibility() -> None:
    p = register()
    p = services.participant_screen(
        actor=REGISTRAR, participant=p, answers=YES, decision="eligible"
    )
    with pytest.raises(ValidationError):
        services.participant_revoke(actor=MANAGER, participant=p, reason=" ")
    p = services.participant_revoke(actor=MANAGER, participant=p, reason="re-joined a group")
    assert (p.status, p.status_reason) == ("revoked", "re-joined a group")


def test_children_are_not_screened_for_cash_support() -> None:
    child = register(CHILD_OFFICER, name="Ani", born="2012-01-01", category="child")
    with pytest.raises(PermissionDenied):
        services.participant_screen(
            actor=REGISTRAR, participant=child, answers=YES, decision="eligible"
        )


def test_id_cards_go_to_eligible_people_only() -> None:
    p = register()
    with pytest.raises(ValidationError, match="not eligible"):
        services.id_cards_issue(actor=REGISTRAR, participants=[p])
    p = services.participant_screen(
        actor=REGISTRAR, participant=p, answers=YES, decision="eligible"
    )
    services.id_cards_issue(actor=REGISTRAR, participants=[p])
    p.refresh_from_db()
    record = Record.objects.get(kind="people.id_card_issued")
    assert p.id_card_number == f"ID-{record.index}"
