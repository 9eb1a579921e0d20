"""Eligibility: the cut-off date, screening, appeals and revocation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.access.roles import Scope
from laydown.core import validators
from laydown.people import permissions as perms
from laydown.people import records
from laydown.people.models import Appeal, CutOff, Participant
from laydown.people.services.common import append_record
from laydown.people.services.duplicates import refuse_if_duplicate_open
from laydown.people.services.refusals import check_access
from laydown.people.vocab import QUESTIONS, AppealOutcome, Decision, Status

ANSWERS = ("yes", "no", "unknown")


def cut_off_set(*, actor: Principal, date: dt.date) -> CutOff:
    """Set the programme's cut-off date (needs a programme-wide grant)."""
    authorize(actor, perms.DECIDE.name, scope=Scope())
    with transaction.atomic():
        append_record(records.CUT_OFF_SET.name, {"date": date.isoformat()}, actor)
    return CutOff.objects.get(id=1)


def suggested_decision(answers: Mapping[str, str]) -> str:
    """The screening rule: joined before the cut-off, and at least two of the four other
    verification questions answered yes."""
    others = [answers.get(q) == "yes" for q in QUESTIONS if q != "before_cut_off"]
    if answers.get("before_cut_off") == "yes" and sum(others) >= 2:
        return Decision.ELIGIBLE
    return Decision.INELIGIBLE


def participant_screen(
    *,
    actor: Principal,
    participant: Participant,
    answers: Mapping[str, str],
    decision: str,
    reason: str = "",
    joined_on: dt.date | None = None,
) -> Participant:
    """Record a screening: answers, the rule's suggestion and the registrar's decision (a
    decision against the suggestion needs a reason)."""
    check_access(actor, perms.SCREEN.name, participant)
    clean = _answers(answers, joined_on)
    decision = validators.choice("decision", decision, Decision.values)
    reason = validators.text("reason", reason, max_length=500, multiline=True)
    suggested = suggested_decision(clean)
    if decision != suggested and not reason:
        raise validators.refuse(
            "reason",
            _("required"),
            _("The decision differs from the rule's suggestion (%(s)s): give the reason.")
            % {"s": suggested},
        )
    with transaction.atomic():
        participant = _locked_in_status(
            participant,
            Status.REGISTERED,
            _("Only registered participants are screened; %(p)s is %(s)s."),
        )
        refuse_if_duplicate_open(participant)
        append_record(
            records.SCREENED.name,
            {
                "participant": participant.pk,
                "answers": clean,
                "suggested": suggested,
                "decision": decision,
                "reason": reason,
            },
            actor,
        )
    return Participant.objects.get(pk=participant.pk)


def _answers(answers: Mapping[str, str], joined_on: dt.date | None) -> dict[str, str]:
    clean = {
        q: validators.choice(q, answers.get(q, "unknown") or "unknown", ANSWERS) for q in QUESTIONS
    }
    cut_off = CutOff.objects.filter(id=1).first()
    if joined_on is not None and cut_off is not None:
        clean["before_cut_off"] = "yes" if joined_on <= cut_off.date else "no"
    return clean


def appeal_lodge(*, actor: Principal, participant: Participant, grounds: str) -> Appeal:
    check_access(actor, perms.REGISTER.name, participant)
    grounds = validators.text("grounds", grounds, max_length=1000, required=True, multiline=True)
    with transaction.atomic():
        participant = _locked_in_status(
            participant, Status.INELIGIBLE, _("Only a decision of ineligibility can be appealed.")
        )
        rec = append_record(
            records.APPEAL_LODGED.name, {"participant": participant.pk, "grounds": grounds}, actor
        )
    return Appeal.objects.get(pk=records.code_of("AP", rec))


def appeal_decide(*, actor: Principal, appeal: Appeal, outcome: str, reason: str) -> Appeal:
    check_access(actor, perms.DECIDE.name, appeal.participant)
    outcome = validators.choice("outcome", outcome, AppealOutcome.values)
    reason = validators.text("reason", reason, max_length=500, required=True, multiline=True)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.outcome:
            raise validators.refuse("appeal", _("decided"), _("This appeal is already decided."))
        append_record(
            records.APPEAL_DECIDED.name,
            {"appeal": appeal.pk, "outcome": outcome, "reason": reason},
            actor,
        )
    return Appeal.objects.get(pk=appeal.pk)


def participant_revoke(*, actor: Principal, participant: Participant, reason: str) -> Participant:
    check_access(actor, perms.DECIDE.name, participant)
    reason = validators.text("reason", reason, max_length=500, required=True, multiline=True)
    with transaction.atomic():
        participant = _locked_in_status(
            participant,
            Status.ELIGIBLE,
            _("Only an eligible participant's eligibility can be revoked."),
        )
        append_record(
            records.REVOKED.name, {"participant": participant.pk, "reason": reason}, actor
        )
    return Participant.objects.get(pk=participant.pk)


def _locked_in_status(participant: Participant, status: str, refusal: str) -> Participant:
    """The participant's row, locked, if it is in `status`; else refuse with `refusal` (which
    may name the participant, %(p)s, and its status, %(s)s). Call inside the transaction that
    records the change: the status is checked on the locked row."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if locked.status != status:
        message = refusal % {"p": locked.pk, "s": locked.get_status_display()}
        raise validators.refuse("participant", _("wrong status"), message)
    return locked
