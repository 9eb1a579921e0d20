"""Record kinds of humanitarian assistance, and how each is applied to the projection.

The `_apply_*` functions are the only code that writes the tables in models.py; replay calls
the same ones. Records name organisations by code, places by P-code, households by pseudonym
("h-…", their vault subject) and people acting by their user pseudonym. No record holds a
name, a phone number or a document number: those live in the vault (laydown.vault).
Dialogue participants are recorded by side, organisation, number and function, not by name.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from laydown.accounts.models import Organisation
from laydown.assistance.models import (
    CodeCounter,
    Commitment,
    CommitmentUpdate,
    Complaint,
    ComplaintFollowUp,
    Distribution,
    DistributionRecipient,
    Household,
    HouseholdMember,
    Meeting,
    MeetingParticipant,
    MonitoringNote,
    PartnerProfile,
    Place,
    Project,
    ProjectProgress,
    StatusUpdate,
    Visit,
    VisitUpdate,
)
from laydown.assistance.vocab import (
    REACHED_FIELDS,
    CommitmentStatus,
    ComplaintStatus,
    VisitStatus,
)
from laydown.ledger import kinds
from laydown.ledger.models import Record

Data = dict[str, Any]

DISTRIBUTION_FIELDS = (
    "sector",
    "activity",
    "commodity",
    "item",
    "unit",
    "quantity_planned",
    "quantity_delivered",
    "over_delivery_reason",
    *REACHED_FIELDS,
    "reached_total",
    "reached_disabled",
)


def _org_id(code: str) -> int:
    return Organisation.objects.values_list("pk", flat=True).get(code=code)


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


def _bump(code: str) -> None:
    """Note that `code` (e.g. DI-000012) is taken: its prefix's counter is at least its number."""
    prefix, _sep, number = code.partition("-")
    counter, _created = CodeCounter.objects.get_or_create(prefix=prefix)
    if counter.last < int(number):
        CodeCounter.objects.filter(prefix=prefix).update(last=int(number))


# ---- partners and places -------------------------------------------------------------------


def _apply_partner_profile_set(record: Record) -> None:
    d = record.data
    PartnerProfile.objects.update_or_create(
        organisation_id=_org_id(d["organisation"]),
        defaults={
            "partner_kind": d["partner_kind"],
            "sectors": d["sectors"],
            "contact": d["contact"],
            "updated_at": record.at,
        },
    )


def _apply_place_created(record: Record) -> None:
    d = record.data
    Place.objects.create(
        pcode=d["pcode"],
        name=d["name"],
        level=d["level"],
        parent_id=d["parent"],
        lat_micro=d["lat_micro"],
        lon_micro=d["lon_micro"],
        created_at=record.at,
    )


def _apply_place_updated(record: Record) -> None:
    d = record.data
    Place.objects.filter(pcode=d["pcode"]).update(
        name=d["name"], lat_micro=d["lat_micro"], lon_micro=d["lon_micro"]
    )


# ---- households ----------------------------------------------------------------------------


def _apply_household_registered(record: Record) -> None:
    d = record.data
    household = Household.objects.create(
        code=d["household"],
        organisation_id=_org_id(d["organisation"]),
        place_id=d["place"],
        size=len(d["members"]),
        registered_at=record.at,
        registered_by=record.actor,
        duplicate_of=d["duplicate_of"],
        duplicate_override_reason=d["override_reason"],
        duplicate_override_by=record.actor if d["override_reason"] else "",
    )
    HouseholdMember.objects.bulk_create(
        HouseholdMember(
            household=household,
            position=i,
            sex=m["sex"],
            age_group=m["age_group"],
            specific_needs=m["specific_needs"],
        )
        for i, m in enumerate(d["members"])
    )


# ---- distributions -------------------------------------------------------------------------


def _distribution_values(d: Data) -> Data:
    values = {name: d[name] for name in DISTRIBUTION_FIELDS}
    values.update(place_id=d["place"], date=_date(d["date"]))
    return values


def _apply_distribution_recorded(record: Record) -> None:
    d = record.data
    Distribution.objects.create(
        code=d["distribution"],
        organisation_id=_org_id(d["organisation"]),
        recorded_at=record.at,
        recorded_by=record.actor,
        updated_at=record.at,
        **_distribution_values(d),
    )
    _bump(d["distribution"])


def _apply_distribution_corrected(record: Record) -> None:
    d = record.data
    Distribution.objects.filter(code=d["distribution"]).update(
        updated_at=record.at, **_distribution_values(d)
    )


def _apply_recipients_listed(record: Record) -> None:
    d = record.data
    DistributionRecipient.objects.bulk_create(
        DistributionRecipient(distribution_id=d["distribution"], household_id=h)
        for h in d["households"]
    )


def _apply_receipt_recorded(record: Record) -> None:
    d = record.data
    DistributionRecipient.objects.filter(
        distribution_id=d["distribution"], household_id=d["household"]
    ).update(
        receipt_kind=d["receipt_kind"],
        receipt_sha256=d["receipt_sha256"],
        received_at=record.at,
        received_by=record.actor,
    )


def _apply_monitoring_note_added(record: Record) -> None:
    d = record.data
    MonitoringNote.objects.create(
        distribution_id=d["distribution"],
        record_index=record.index,
        note=d["note"],
        satisfied_percent=d["satisfied_percent"],
        at=record.at,
        actor=record.actor,
    )


def _apply_complaint_opened(record: Record) -> None:
    d = record.data
    Complaint.objects.create(
        code=d["complaint"],
        organisation_id=_org_id(d["organisation"]),
        distribution_id=d["distribution"],
        place_id=d["place"],
        channel=d["channel"],
        description=d["description"],
        status=ComplaintStatus.OPEN,
        opened_at=record.at,
        opened_by=record.actor,
        updated_at=record.at,
    )
    _bump(d["complaint"])


def _status_update(model: type[StatusUpdate], parent: str, record: Record) -> None:
    """Add the step of `parent`'s status history that `record` says (status, note)."""
    d = record.data
    model._default_manager.create(
        **{f"{parent}_id": d[parent]},
        record_index=record.index,
        status=d["status"],
        note=d["note"],
        at=record.at,
        actor=record.actor,
    )


def _apply_complaint_followed_up(record: Record) -> None:
    d = record.data
    _status_update(ComplaintFollowUp, "complaint", record)
    Complaint.objects.filter(code=d["complaint"]).update(status=d["status"], updated_at=record.at)


# ---- infrastructure projects ---------------------------------------------------------------


def _apply_project_created(record: Record) -> None:
    d = record.data
    Project.objects.create(
        code=d["project"],
        organisation_id=_org_id(d["organisation"]),
        name=d["name"],
        sector=d["sector"],
        place_id=d["place"],
        budget=d["budget"],
        currency=d["currency"],
        status=d["status"],
        percent_complete=d["percent_complete"],
        created_at=record.at,
        updated_at=record.at,
    )
    _bump(d["project"])


def _apply_project_updated(record: Record) -> None:
    d = record.data
    Project.objects.filter(code=d["project"]).update(
        name=d["name"],
        sector=d["sector"],
        place_id=d["place"],
        budget=d["budget"],
        currency=d["currency"],
        updated_at=record.at,
    )


def _apply_project_progressed(record: Record) -> None:
    d = record.data
    ProjectProgress.objects.create(
        project_id=d["project"],
        record_index=record.index,
        date=_date(d["date"]),
        status=d["status"],
        percent_complete=d["percent_complete"],
        note=d["note"],
        photos=d["photos"],
        at=record.at,
        actor=record.actor,
    )
    Project.objects.filter(code=d["project"]).update(
        status=d["status"], percent_complete=d["percent_complete"], updated_at=record.at
    )


# ---- dialogue ------------------------------------------------------------------------------


def _apply_meeting_recorded(record: Record) -> None:
    d = record.data
    meeting = Meeting.objects.create(
        code=d["meeting"],
        organisation_id=_org_id(d["organisation"]),
        title=d["title"],
        date=_date(d["date"]),
        place_id=d["place"],
        topics=d["topics"],
        outcomes=d["outcomes"],
        recorded_at=record.at,
        recorded_by=record.actor,
    )
    _bump(d["meeting"])
    MeetingParticipant.objects.bulk_create(
        MeetingParticipant(meeting=meeting, **p) for p in d["participants"]
    )
    for c in d["commitments"]:
        Commitment.objects.create(
            code=c["commitment"],
            meeting=meeting,
            text=c["text"],
            owner_side=c["owner_side"],
            owner=c["owner"],
            due=_date(c["due"]),
            status=CommitmentStatus.OPEN,
            updated_at=record.at,
        )
        _bump(c["commitment"])


def _apply_commitment_added(record: Record) -> None:
    d = record.data
    Commitment.objects.create(
        code=d["commitment"],
        meeting_id=d["meeting"],
        text=d["text"],
        owner_side=d["owner_side"],
        owner=d["owner"],
        due=_date(d["due"]),
        status=CommitmentStatus.OPEN,
        updated_at=record.at,
    )
    _bump(d["commitment"])


def _apply_commitment_followed_up(record: Record) -> None:
    d = record.data
    _status_update(CommitmentUpdate, "commitment", record)
    Commitment.objects.filter(code=d["commitment"]).update(
        status=d["status"], status_note=d["note"], updated_at=record.at
    )


# ---- monitoring visits ---------------------------------------------------------------------


def _apply_visit_proposed(record: Record) -> None:
    d = record.data
    Visit.objects.create(
        code=d["visit"],
        organisation_id=_org_id(d["organisation"]),
        purpose=d["purpose"],
        planned_start=_date(d["planned_start"]),
        planned_end=_date(d["planned_end"]),
        itinerary=d["itinerary"],
        status=VisitStatus.PROPOSED,
        planned_at=record.at,
        planned_by=record.actor,
        updated_at=record.at,
    )
    _bump(d["visit"])


def _apply_visit_updated(record: Record) -> None:
    d = record.data
    _status_update(VisitUpdate, "visit", record)
    Visit.objects.filter(code=d["visit"]).update(
        status=d["status"],
        planned_start=_date(d["planned_start"]),
        planned_end=_date(d["planned_end"]),
        findings=d["findings"],
        report_sha256=d["report_sha256"],
        report_summary=d["report_summary"],
        updated_at=record.at,
    )


# The assistance tables but places, children before parents: the order the reset empties them.
_TABLES = (
    VisitUpdate,
    Visit,
    CommitmentUpdate,
    Commitment,
    MeetingParticipant,
    Meeting,
    ProjectProgress,
    Project,
    ComplaintFollowUp,
    Complaint,
    MonitoringNote,
    DistributionRecipient,
    Distribution,
    HouseholdMember,
    Household,
    PartnerProfile,
    CodeCounter,
)


def _reset() -> None:
    """Empty the assistance tables, children before parents."""
    for model in _TABLES:
        model.objects.all().delete()
    # Places reference their parents: settlements, then districts, then regions.
    for level in ("settlement", "district", "region"):
        Place.objects.filter(level=level).delete()


def _register(name: str, description: str, apply: kinds.Apply) -> kinds.RecordKind:
    return kinds.register(name, description=description, apply=apply)


PARTNER_PROFILE_SET = _register(
    "assistance.partner_profile_set",
    "A humanitarian partner's profile was set: {organisation (code), partner_kind, sectors, "
    "contact}.",
    _apply_partner_profile_set,
)
PLACE_CREATED = _register(
    "assistance.place_created",
    "A place was created: {pcode, name, level (region, district, settlement), parent (P-code "
    "or null), lat_micro, lon_micro (micro-degrees or null)}.",
    _apply_place_created,
)
PLACE_UPDATED = _register(
    "assistance.place_updated",
    "A place's name or position was corrected: {pcode, name, lat_micro, lon_micro}.",
    _apply_place_updated,
)
HOUSEHOLD_REGISTERED = _register(
    "assistance.household_registered",
    "A household was registered: {household (pseudonym, its vault subject), organisation, "
    "place, members: [{sex, age_group, specific_needs}] (the head first), duplicate_of "
    "(households it matched), override_reason (the manager's reason, or '')}.",
    _apply_household_registered,
)
DUPLICATE_ELSEWHERE_ANSWERED = kinds.register(
    "assistance.duplicate_elsewhere_answered",
    description="A partner's registration or import was told that a possible duplicate is "
    "registered by another organisation (so that such lookups are on record and limited): "
    "{organisation (the asking partner's code), households (the matching households of other "
    "organisations), purpose (the purpose stated for the registration)}.",
)
DISTRIBUTION_RECORDED = _register(
    "assistance.distribution_recorded",
    "A distribution was recorded (5W): {distribution, organisation, sector, activity, commodity, "
    "item, unit, quantity_planned, quantity_delivered, over_delivery_reason, place, date, girls, "
    "boys, women, men, older_women, older_men, reached_total, reached_disabled}.",
    _apply_distribution_recorded,
)
DISTRIBUTION_CORRECTED = _register(
    "assistance.distribution_corrected",
    "A distribution was corrected: the same fields as when recorded, and the reason.",
    _apply_distribution_corrected,
)
RECIPIENTS_LISTED = _register(
    "assistance.recipients_listed",
    "Households were put on a distribution's recipient list: {distribution, households}.",
    _apply_recipients_listed,
)
RECEIPT_RECORDED = _register(
    "assistance.receipt_recorded",
    "A household's receipt was recorded: {distribution, household, receipt_kind (signature or "
    "thumbprint), receipt_sha256 (of the photo, kept encrypted under the household in the vault)}.",
    _apply_receipt_recorded,
)
MONITORING_NOTE_ADDED = _register(
    "assistance.monitoring_note_added",
    "A post-distribution monitoring note: {distribution, note, satisfied_percent (or null)}.",
    _apply_monitoring_note_added,
)
COMPLAINT_OPENED = _register(
    "assistance.complaint_opened",
    "A complaint was received: {complaint, organisation, distribution (or null), place, "
    "channel, description}.",
    _apply_complaint_opened,
)
COMPLAINT_FOLLOWED_UP = _register(
    "assistance.complaint_followed_up",
    "A complaint was followed up: {complaint, status, note}.",
    _apply_complaint_followed_up,
)
PROJECT_CREATED = _register(
    "assistance.project_created",
    "An infrastructure project was created: {project, organisation, name, sector, place, "
    "budget, currency, status, percent_complete}.",
    _apply_project_created,
)
PROJECT_UPDATED = _register(
    "assistance.project_updated",
    "An infrastructure project's particulars were changed: {project, name, sector, place, "
    "budget, currency, reason}.",
    _apply_project_updated,
)
PROJECT_PROGRESSED = _register(
    "assistance.project_progressed",
    "A project's progress: {project, date, status, percent_complete, note, photos (SHA-256)}.",
    _apply_project_progressed,
)
MEETING_RECORDED = _register(
    "assistance.meeting_recorded",
    "A dialogue meeting: {meeting, organisation, title, date, place, topics, outcomes, "
    "participants: [{side, organisation, count, function}], commitments: [{commitment, text, "
    "owner_side, owner, due}]}.",
    _apply_meeting_recorded,
)
COMMITMENT_ADDED = _register(
    "assistance.commitment_added",
    "A commitment was added to a dialogue meeting after it was recorded: {commitment, meeting, "
    "text, owner_side, owner, due}.",
    _apply_commitment_added,
)
COMMITMENT_FOLLOWED_UP = _register(
    "assistance.commitment_followed_up",
    "A commitment's follow-up: {commitment, status, note}.",
    _apply_commitment_followed_up,
)
VISIT_PROPOSED = _register(
    "assistance.visit_proposed",
    "A monitoring visit was proposed: {visit, organisation, purpose, planned_start, "
    "planned_end, itinerary: [{place, date, note}]}.",
    _apply_visit_proposed,
)
VISIT_UPDATED = _register(
    "assistance.visit_updated",
    "A monitoring visit changed: {visit, status, planned_start, planned_end, findings, "
    "report_sha256, report_summary, note}.",
    _apply_visit_updated,
)
_LABELS = [m._meta.label for m in (*_TABLES, Place)]  # places of every level too
kinds.register_reset(_reset, models=_LABELS, emptied=_LABELS)
