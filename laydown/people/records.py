"""Record kinds of demobilization, and how each is applied to the projection.

Records name participants by pseudonym only and hold no personal data: names, dates of birth,
contacts, photos and profiles are in the vault, whose own records say who wrote or read what
and why. The `_apply_*` functions are the only code that writes the tables in models.py.
Codes of screenings, appeals, flags, referrals and follow-ups derive from the record's index.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from laydown.ledger import kinds
from laydown.ledger.models import Record
from laydown.people.models import (
    Appeal,
    CutOff,
    DuplicateFlag,
    FollowUp,
    Participant,
    PaymentCycle,
    PaymentLine,
    Referral,
    Screening,
)
from laydown.people.vocab import (
    AppealOutcome,
    CycleStatus,
    DuplicateStatus,
    ReferralStatus,
    Status,
)


def code_of(prefix: str, record: Record) -> str:
    return f"{prefix}-{record.index}"


def _apply_registered(record: Record) -> None:
    d: dict[str, Any] = record.data
    Participant.objects.create(
        pseudonym=d["participant"],
        category=d["category"],
        is_child=d["is_child"],
        region=d["region"],
        dependants=d["dependants"],
        dependant_of=d["dependant_of"] or "",
        status=Status.CHILD_PROTECTION if d["is_child"] else Status.REGISTERED,
        registered_at=record.at,
        registered_by=record.actor,
    )


def _apply_corrected(record: Record) -> None:
    d = record.data
    changes = {k: v for k, v in d["changes"].items() if k in ("region", "dependants", "category")}
    if changes:
        Participant.objects.filter(pk=d["participant"]).update(**changes)


def _apply_duplicate_flagged(record: Record) -> None:
    d = record.data
    DuplicateFlag.objects.create(
        code=code_of("DU", record),
        participant_id=d["participant"],
        other=d["other"],
        matched=d["matched"],
        status=DuplicateStatus.OPEN,
        flagged_at=record.at,
    )


def _apply_duplicate_decided(record: Record) -> None:
    d = record.data
    flag = DuplicateFlag.objects.get(pk=d["flag"])
    flag.status, flag.reason = d["decision"], d["reason"]
    flag.decided_at, flag.decided_by = record.at, record.actor
    flag.save()
    if d["decision"] == DuplicateStatus.SAME:
        Participant.objects.filter(pk=flag.participant_id).update(
            status=Status.DUPLICATE, status_reason=d["reason"]
        )


def _apply_cut_off_set(record: Record) -> None:
    CutOff.objects.update_or_create(
        id=1,
        defaults={
            "date": dt.date.fromisoformat(record.data["date"]),
            "set_at": record.at,
            "set_by": record.actor,
        },
    )


def _apply_screened(record: Record) -> None:
    d = record.data
    Screening.objects.create(
        code=code_of("SC", record),
        participant_id=d["participant"],
        answers=d["answers"],
        suggested=d["suggested"],
        decision=d["decision"],
        reason=d["reason"],
        at=record.at,
        by=record.actor,
    )
    Participant.objects.filter(pk=d["participant"]).update(status=d["decision"], status_reason="")


def _apply_appeal_lodged(record: Record) -> None:
    d = record.data
    Appeal.objects.create(
        code=code_of("AP", record),
        participant_id=d["participant"],
        grounds=d["grounds"],
        lodged_at=record.at,
        lodged_by=record.actor,
    )
    Participant.objects.filter(pk=d["participant"]).update(status=Status.APPEALED)


def _apply_appeal_decided(record: Record) -> None:
    d = record.data
    appeal = Appeal.objects.get(pk=d["appeal"])
    appeal.outcome, appeal.reason = d["outcome"], d["reason"]
    appeal.decided_at, appeal.decided_by = record.at, record.actor
    appeal.save()
    upheld = d["outcome"] == AppealOutcome.UPHELD
    Participant.objects.filter(pk=appeal.participant_id).update(
        status=Status.ELIGIBLE if upheld else Status.INELIGIBLE
    )


def _apply_revoked(record: Record) -> None:
    d = record.data
    Participant.objects.filter(pk=d["participant"]).update(
        status=Status.REVOKED, status_reason=d["reason"]
    )


def _apply_id_card_issued(record: Record) -> None:
    Participant.objects.filter(pk=record.data["participant"]).update(
        id_card_number=code_of("ID", record), id_card_issued_at=record.at
    )


def _apply_erased(record: Record) -> None:
    Participant.objects.filter(pk=record.data["participant"]).update(erased_at=record.at)


def _apply_cycle_drafted(record: Record) -> None:
    d = record.data
    cycle, _created = PaymentCycle.objects.update_or_create(
        code=d["cycle"],
        defaults={
            "status": CycleStatus.DRAFT,
            "drafted_at": record.at,
            "drafted_by": record.actor,
            "total": sum(amount for _p, _i, amount in d["lines"]),
        },
    )
    PaymentLine.objects.filter(cycle=cycle).delete()
    PaymentLine.objects.bulk_create(
        [
            PaymentLine(
                key=f"{cycle.code}:{p}", cycle=cycle, participant_id=p, instalment=i, amount=a
            )
            for p, i, a in d["lines"]
        ],
        batch_size=2000,
    )


def _apply_cycle_approved(record: Record) -> None:
    PaymentCycle.objects.filter(pk=record.data["cycle"]).update(
        status=CycleStatus.APPROVED, approved_at=record.at, approved_by=record.actor
    )


def _apply_paid(record: Record) -> None:
    d = record.data
    PaymentLine.objects.filter(pk=f"{d['cycle']}:{d['participant']}").update(
        paid_at=record.at, paid_by=record.actor, reference=d["reference"]
    )


def _apply_referred(record: Record) -> None:
    d = record.data
    due = d["follow_up_due"]
    Referral.objects.create(
        code=code_of("RF", record),
        participant_id=d["participant"],
        kind=d["kind"],
        service=d["service"],
        status=ReferralStatus.REFERRED,
        note=d["note"],
        referred_at=record.at,
        referred_by=record.actor,
        follow_up_due=dt.date.fromisoformat(due) if due else None,
    )


def _apply_followed_up(record: Record) -> None:
    d = record.data
    FollowUp.objects.create(
        code=code_of("FU", record),
        referral_id=d["referral"],
        status=d["status"],
        note=d["note"],
        at=record.at,
        by=record.actor,
    )
    due = d["next_due"]
    Referral.objects.filter(pk=d["referral"]).update(
        status=d["status"], follow_up_due=dt.date.fromisoformat(due) if due else None
    )


# Children before parents: the order the reset empties them in.
_TABLES = (
    FollowUp,
    Referral,
    PaymentLine,
    PaymentCycle,
    Screening,
    Appeal,
    DuplicateFlag,
    CutOff,
    Participant,
)


def _reset() -> None:
    for model in _TABLES:
        model.objects.all().delete()


_LABELS = [m._meta.label for m in _TABLES]
kinds.register_reset(_reset, models=_LABELS, emptied=_LABELS)
kinds.register_not_replayed(
    {
        "people.Refusal": "Refused requests for a participant's data: an access log, not a "
        "projection; refusals change nothing and are kept out of the log (see the model).",
    }
)

R = kinds.register
REGISTERED = R(
    "people.registered",
    description="A participant was registered under a pseudonym: category, region, number of "
    "dependants, whether a child (personal data went to the vault).",
    apply=_apply_registered,
)
CORRECTED = R(
    "people.corrected",
    description="A participant's data was corrected: changed non-personal fields, and which "
    "vault categories were rewritten, with the reason.",
    apply=_apply_corrected,
)
DUPLICATE_FLAGGED = R(
    "people.duplicate_flagged",
    description="A registration matched an earlier one on keyed hashes of vault fields; a "
    "manager must decide.",
    apply=_apply_duplicate_flagged,
)
DUPLICATE_DECIDED = R(
    "people.duplicate_decided",
    description="A manager decided a suspected duplicate: different people, or the same "
    "(the later registration becomes void).",
    apply=_apply_duplicate_decided,
)
CUT_OFF_SET = R(
    "people.cut_off_set",
    description="The programme's cut-off date was set.",
    apply=_apply_cut_off_set,
)
SCREENED = R(
    "people.screened",
    description="Eligibility screening: answers to the verification questions, the rule's "
    "suggestion, the registrar's decision and reason.",
    apply=_apply_screened,
)
APPEAL_LODGED = R(
    "people.appeal_lodged",
    description="An appeal against a decision of ineligibility was lodged.",
    apply=_apply_appeal_lodged,
)
APPEAL_DECIDED = R(
    "people.appeal_decided",
    description="A manager decided an appeal (upheld: eligible; rejected).",
    apply=_apply_appeal_decided,
)
REVOKED = R(
    "people.revoked",
    description="A participant's eligibility was revoked, with the reason.",
    apply=_apply_revoked,
)
ID_CARD_ISSUED = R(
    "people.id_card_issued",
    description="An ID card was issued; its number is ID-<record index>, and a reissue "
    "replaces the previous card.",
    apply=_apply_id_card_issued,
)
ERASED = R(
    "people.erased",
    description="A participant's personal data was erased from the vault, at the person's "
    "request or at the end of its retention period (the reason says which); their pseudonymous "
    "records stay and no longer resolve to a person.",
    apply=_apply_erased,
)
CYCLE_DRAFTED = R(
    "people.cycle_drafted",
    description="A payment cycle's list was drafted (participant, instalment, amount per "
    "line); drafting again replaces it until it is approved.",
    apply=_apply_cycle_drafted,
)
CYCLE_APPROVED = R(
    "people.cycle_approved",
    description="A payment cycle's list was approved and frozen.",
    apply=_apply_cycle_approved,
)
PAID = R(
    "people.paid",
    description="One payment of an approved cycle was made (amount and payment reference).",
    apply=_apply_paid,
)
REFERRED = R(
    "people.referred",
    description="A participant was referred to a service (education, jobs, health, psychosocial).",
    apply=_apply_referred,
)
FOLLOWED_UP = R(
    "people.followed_up",
    description="A referral was followed up: its new status, a note, the next follow-up date.",
    apply=_apply_followed_up,
)
