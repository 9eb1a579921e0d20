"""Humanitarian assistance in the API: partners and places, distributions (5W) with their
corrections, recipient lists, receipts, monitoring notes and complaints, households,
infrastructure projects, dialogue meetings and their commitments, monitoring visits, and the
5W aggregate.

Every operation wears `@api_action(...)` under its route, parses, calls one service or
selector, and returns a schema. Partner staff see their own organisation's distributions,
households and projects only: another organisation's record answers 404, exactly as one that
does not exist (the selectors filter them out). Dialogue meetings and monitoring visits
concern the whole programme and every reader sees them; changing another organisation's
visit is refused (403) by the service. Household personal data is read only through
`services.household_personal_data`, with a stated purpose that the ledger records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from laydown.accounts.api_auth import api_action, principal
from laydown.accounts.models import Organisation
from laydown.assistance import selectors, services
from laydown.assistance.models import (
    Commitment,
    Complaint,
    Distribution,
    DistributionRecipient,
    Meeting,
    MonitoringNote,
    Project,
    Visit,
)
from laydown.core.api_types import IsoDate
from laydown.core.errors import ValidationError
from laydown.core.paging import PageNumber, PerPage, paginate
from laydown.field.api import idempotent

router = Router(tags=["assistance"])

# ---- schemas -------------------------------------------------------------------------------


class Paging(Schema):
    page: PageNumber = 1
    per_page: PerPage = 50


class DistributionFilters(Paging):
    partner: str = Field("", description="an organisation's code")
    sector: str = ""
    commodity: str = ""
    place: str = Field("", description="a P-code; places under it are included")
    date_from: IsoDate | None = None
    date_to: IsoDate | None = None


class OwnedOut(Schema):
    """A record of one organisation at one place; both by code."""

    organisation: str
    place: str

    @staticmethod
    def resolve_organisation(obj: Any) -> str:
        return str(obj.organisation.code)

    @staticmethod
    def resolve_place(obj: Any) -> str:
        return str(obj.place_id)


class DistributionOut(OwnedOut):
    code: str
    date: dt.date
    sector: str
    activity: str
    commodity: str
    item: str
    unit: str
    quantity_planned: int
    quantity_delivered: int
    over_delivery_reason: str
    girls: int
    boys: int
    women: int
    men: int
    older_women: int
    older_men: int
    reached_total: int
    reached_disabled: int
    recorded_at: dt.datetime
    recorded_by: str
    updated_at: dt.datetime


class DistributionPage(Schema):
    items: list[DistributionOut]
    page: int
    per_page: int
    has_next: bool


class DistributionIn(Schema):
    partner: str = Field("", description="the organisation's code; yours if omitted")
    date: IsoDate
    place: str = Field(description="the P-code of the place")
    sector: str
    activity: str
    commodity: str
    item: str
    unit: str
    quantity_planned: int
    quantity_delivered: int
    over_delivery_reason: str = ""
    girls: int = 0
    boys: int = 0
    women: int = 0
    men: int = 0
    older_women: int = 0
    older_men: int = 0
    reached_total: int | None = Field(None, description="the sum of the six groups if omitted")
    reached_disabled: int = 0


class MemberIn(Schema):
    sex: str = Field(description="f or m")
    age_group: str = Field(description="0-4, 5-17, 18-59 or 60+")
    specific_needs: list[str] = []


class MemberOut(Schema):
    position: int
    sex: str
    age_group: str
    specific_needs: list[str]


class HouseholdIn(Schema):
    partner: str = Field("", description="the organisation's code; yours if omitted")
    place: str
    head_name: str
    phone: str = ""
    document: str = ""
    members: list[MemberIn] = Field(description="1 to 40 members, the head first")
    legal_basis: str
    purpose: str
    retain_until: IsoDate
    override_reason: str = Field(
        "", description="register despite a suspected duplicate (programme managers)"
    )


class HouseholdOut(OwnedOut):
    code: str
    size: int
    registered_at: dt.datetime
    registered_by: str
    duplicate_of: list[str]
    members: list[MemberOut]


class ProjectOut(OwnedOut):
    code: str
    name: str
    sector: str
    budget: int
    currency: str
    status: str
    percent_complete: int
    created_at: dt.datetime
    updated_at: dt.datetime


class ProjectPage(Schema):
    items: list[ProjectOut]
    page: int
    per_page: int
    has_next: bool


class ProjectFilters(Paging):
    sector: str = ""
    status: str = ""


class ProgressOut(Schema):
    date: dt.date
    status: str
    percent_complete: int
    note: str
    photos: list[str]
    at: dt.datetime
    actor: str


class ProjectDetailOut(ProjectOut):
    progress: list[ProgressOut]


class ProjectIn(Schema):
    partner: str = Field("", description="the organisation's code; yours if omitted")
    name: str
    sector: str
    place: str
    budget: int
    currency: str
    status: str = "planned"
    percent_complete: int = 0


class ProgressIn(Schema):
    date: IsoDate
    status: str
    percent_complete: int
    note: str = ""
    photos: list[str] = Field([], description="SHA-256 of photos kept apart")


class MeetingSideIn(Schema):
    side: str
    organisation: str
    count: int = 1
    function: str = ""


class MeetingSideOut(MeetingSideIn):
    pass


class CommitmentIn(Schema):
    text: str
    owner_side: str
    owner: str
    due: IsoDate


class CommitmentOut(Schema):
    code: str
    meeting: str
    text: str
    owner_side: str
    owner: str
    due: dt.date
    status: str
    status_note: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_meeting(obj: Commitment) -> str:
        return obj.meeting_id


class MeetingOut(OwnedOut):
    code: str
    title: str
    date: dt.date
    topics: list[str]
    outcomes: str
    recorded_at: dt.datetime
    recorded_by: str


class MeetingDetailOut(MeetingOut):
    participants: list[MeetingSideOut]
    commitments: list[CommitmentOut]


class MeetingIn(Schema):
    organisation: str = Field("", description="the convener's code; yours if omitted")
    title: str
    date: IsoDate
    place: str
    topics: list[str]
    outcomes: str = ""
    participants: list[MeetingSideIn]
    commitments: list[CommitmentIn] = []


class CommitmentFilters(Schema):
    status: str = ""
    overdue: bool = False


class FollowUpIn(Schema):
    status: str
    note: str


class StopIn(Schema):
    place: str
    date: IsoDate
    note: str = ""


class VisitOut(Schema):
    code: str
    organisation: str
    purpose: str
    planned_start: dt.date
    planned_end: dt.date
    itinerary: list[dict[str, Any]]
    status: str
    findings: str
    report_summary: str
    report_sha256: str
    planned_at: dt.datetime
    planned_by: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_organisation(obj: Visit) -> str:
        return obj.organisation.code


class VisitUpdateOut(Schema):
    status: str
    note: str
    at: dt.datetime
    actor: str


class VisitDetailOut(VisitOut):
    updates: list[VisitUpdateOut]


class VisitIn(Schema):
    organisation: str = Field("", description="the visiting organisation; yours if omitted")
    purpose: str
    planned_start: IsoDate
    planned_end: IsoDate
    itinerary: list[StopIn] = []


class VisitChangeIn(Schema):
    status: str = Field(description="agreed, postponed or done")
    planned_start: IsoDate | None = None
    planned_end: IsoDate | None = None
    findings: str | None = None
    report_summary: str | None = None
    note: str = ""


class FiveWPage(Schema):
    items: list[dict[str, Any]] = Field(
        description="people reached and quantities per day, place, partner, sector and item"
    )
    page: int
    per_page: int
    has_next: bool


class CorrectionIn(Schema):
    """The figures to correct (others keep their values) and why."""

    reason: str
    date: IsoDate | None = None
    place: str | None = None
    sector: str | None = None
    activity: str | None = None
    commodity: str | None = None
    item: str | None = None
    unit: str | None = None
    quantity_planned: int | None = None
    quantity_delivered: int | None = None
    over_delivery_reason: str | None = None
    girls: int | None = None
    boys: int | None = None
    women: int | None = None
    men: int | None = None
    older_women: int | None = None
    older_men: int | None = None
    reached_total: int | None = None
    reached_disabled: int | None = None


class RecipientOut(Schema):
    household: str
    receipt_kind: str
    receipt_sha256: str
    received_at: dt.datetime | None
    received_by: str

    @staticmethod
    def resolve_household(obj: DistributionRecipient) -> str:
        return obj.household_id


class RecipientsIn(Schema):
    households: list[str] = Field(description="pseudonyms (h-…) of your partner's households")


class RecipientsOut(Schema):
    added: int
    items: list[RecipientOut]


class ReceiptIn(Schema):
    household: str
    receipt_kind: str = Field(description="signature or thumbprint")
    receipt_sha256: str = Field(description="SHA-256 of the photo of the signature or print")


class NoteIn(Schema):
    note: str
    satisfied_percent: int | None = None


class NoteOut(Schema):
    note: str
    satisfied_percent: int | None
    at: dt.datetime
    actor: str


class ComplaintFilters(Paging):
    status: str = ""


class ComplaintIn(Schema):
    partner: str = Field("", description="the organisation's code; yours if omitted")
    place: str
    distribution: str = Field("", description="the distribution it is about, if any")
    channel: str
    description: str = Field(description="what happened; no names, phones or documents")


class ComplaintFollowUpOut(Schema):
    status: str
    note: str
    at: dt.datetime
    actor: str


class ComplaintOut(OwnedOut):
    code: str
    distribution: str | None
    channel: str
    description: str
    status: str
    opened_at: dt.datetime
    opened_by: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_distribution(obj: Complaint) -> str | None:
        return obj.distribution_id


class ComplaintDetailOut(ComplaintOut):
    follow_ups: list[ComplaintFollowUpOut]


class ComplaintPage(Schema):
    items: list[ComplaintOut]
    page: int
    per_page: int
    has_next: bool


class PlaceFilters(Paging):
    level: str = Field("", description="region, district or settlement")
    parent: str = Field("", description="the P-code of the place they are in")


class PlaceOut(Schema):
    pcode: str
    name: str
    level: str
    parent: str | None
    lat_micro: int | None
    lon_micro: int | None

    @staticmethod
    def resolve_parent(obj: Any) -> str | None:
        return obj.parent_id  # type: ignore[no-any-return]


class PlacePage(Schema):
    items: list[PlaceOut]
    page: int
    per_page: int
    has_next: bool


class PartnerOut(Schema):
    code: str
    name: str
    partner_kind: str
    sectors: list[str]
    contact: str

    @staticmethod
    def resolve_partner_kind(obj: Organisation) -> str:
        profile = selectors.profile_of(obj)
        return profile.partner_kind if profile else ""

    @staticmethod
    def resolve_sectors(obj: Organisation) -> list[str]:
        profile = selectors.profile_of(obj)
        return list(profile.sectors) if profile else []

    @staticmethod
    def resolve_contact(obj: Organisation) -> str:
        profile = selectors.profile_of(obj)
        return profile.contact if profile else ""


class PartnerProfileIn(Schema):
    partner_kind: str = Field(description="un_agency, red_cross, ngo, government or other")
    sectors: list[str] = []
    contact: str = ""


class HouseholdFilters(Paging):
    place: str = Field("", description="a P-code; places under it are included")


class HouseholdSummaryOut(OwnedOut):
    """A household by pseudonym: no name, phone or document (those are in the vault)."""

    code: str
    size: int
    registered_at: dt.datetime
    registered_by: str


class HouseholdPage(Schema):
    items: list[HouseholdSummaryOut]
    page: int
    per_page: int
    has_next: bool


class ProjectChangeIn(Schema):
    reason: str
    name: str | None = None
    sector: str | None = None
    place: str | None = None
    budget: int | None = None
    currency: str | None = None


# ---- helpers -------------------------------------------------------------------------------


def _found(row: Any) -> Any:
    if row is None:
        raise Http404(_("No such record, or not one of your organisation's."))
    return row


def _organisation(request: HttpRequest, code: str, field: str) -> Organisation:
    """The organisation named by `code`, or the caller's own when `code` is empty."""
    rows = Organisation.objects.all()
    found = (
        rows.filter(code=code).first()
        if code
        else rows.filter(pk=principal(request).organisation_id or -1).first()
    )
    if found is None:
        raise ValidationError(
            _("%(field)s: no organisation %(code)r.") % {"field": field, "code": code},
            fields={field: _("unknown organisation")},
        )
    return found


def _filters(f: DistributionFilters) -> selectors.DistributionFilters:
    return selectors.DistributionFilters(
        partner=f.partner.strip(),
        sector=f.sector.strip(),
        commodity=f.commodity.strip(),
        place=f.place.strip().upper(),
        date_from=f.date_from,
        date_to=f.date_to,
    )


# ---- distributions -------------------------------------------------------------------------


@router.get("/distributions", response=DistributionPage, url_name="assistance_distribution_list")
@api_action("assistance.read")
def distribution_list(request: HttpRequest, filters: Query[DistributionFilters]) -> dict[str, Any]:
    """Distributions you may see, newest first, filtered like the 5W export."""
    rows = selectors.distribution_list(principal(request), _filters(filters))
    return paginate(rows, filters.page, filters.per_page).as_api()


@router.post(
    "/distributions",
    response={201: DistributionOut},
    url_name="assistance_distribution_record",
)
@api_action("assistance.distribution_record")
def distribution_record(request: HttpRequest, payload: DistributionIn) -> Status[Any]:
    """Record a distribution: who, what, where, when, and the people reached by sex and age.
    Once per `Idempotency-Key`."""
    once = idempotent(request, "assistance.distribution", payload.dict())
    if once is not None:
        return Status(201, Distribution.objects.get(code=once.result["code"]))
    fields = payload.dict(exclude={"partner"})
    row = services.distribution_record(
        actor=principal(request),
        organisation=_organisation(request, payload.partner, "partner"),
        **fields,
    )
    return Status(201, row)


@router.get(
    "/distributions/{code}", response=DistributionOut, url_name="assistance_distribution_detail"
)
@api_action("assistance.read")
def distribution_detail(request: HttpRequest, code: str) -> Any:
    return _found(selectors.distribution_get(principal(request), code))


@router.post(
    "/distributions/{code}/corrections",
    response=DistributionOut,
    url_name="assistance_distribution_correct",
)
@api_action("assistance.distribution_record")
def distribution_correct(request: HttpRequest, code: str, payload: CorrectionIn) -> Distribution:
    """Correct a distribution's figures with a reason; fields left out keep their values."""
    row = _found(selectors.distribution_get(principal(request), code))
    fields = payload.dict(exclude_none=True)
    return services.distribution_correct(actor=principal(request), distribution=row, **fields)


@router.get(
    "/distributions/{code}/recipients",
    response=list[RecipientOut],
    url_name="assistance_recipient_list",
)
@api_action("assistance.read")
def recipient_list(request: HttpRequest, code: str) -> list[DistributionRecipient]:
    """The recipient list: households by pseudonym and whether their receipt is recorded."""
    row = _found(selectors.distribution_get(principal(request), code))
    return list(row.recipients.all())


@router.post(
    "/distributions/{code}/recipients",
    response=RecipientsOut,
    url_name="assistance_recipients_add",
)
@api_action("assistance.distribution_record")
def recipients_add(request: HttpRequest, code: str, payload: RecipientsIn) -> dict[str, Any]:
    """Put households on the list; those on it already are left as they are."""
    row = _found(selectors.distribution_get(principal(request), code))
    added = services.recipients_list(
        actor=principal(request), distribution=row, households=payload.households
    )
    return {"added": added, "items": list(row.recipients.all())}


@router.post(
    "/distributions/{code}/receipts",
    response={201: RecipientOut},
    url_name="assistance_receipt_record",
)
@api_action("assistance.distribution_record")
def receipt_record(request: HttpRequest, code: str, payload: ReceiptIn) -> Status[Any]:
    """A listed household received its share, signed or printed: the photo's SHA-256."""
    row = _found(selectors.distribution_get(principal(request), code))
    receipt = services.receipt_record(actor=principal(request), distribution=row, **payload.dict())
    return Status(201, receipt)


@router.get("/distributions/{code}/notes", response=list[NoteOut], url_name="assistance_note_list")
@api_action("assistance.read")
def note_list(request: HttpRequest, code: str) -> list[MonitoringNote]:
    """Post-distribution monitoring notes, oldest first."""
    return list(_found(selectors.distribution_get(principal(request), code)).notes.all())


@router.post(
    "/distributions/{code}/notes", response={201: list[NoteOut]}, url_name="assistance_note_add"
)
@api_action("assistance.distribution_record")
def note_add(request: HttpRequest, code: str, payload: NoteIn) -> Status[Any]:
    """Add a post-distribution monitoring note; answers with every note."""
    row = _found(selectors.distribution_get(principal(request), code))
    services.monitoring_note_add(actor=principal(request), distribution=row, **payload.dict())
    return Status(201, list(row.notes.all()))


# ---- complaints ----------------------------------------------------------------------------


@router.get("/complaints", response=ComplaintPage, url_name="assistance_complaint_list")
@api_action("assistance.read")
def complaint_list(request: HttpRequest, filters: Query[ComplaintFilters]) -> dict[str, Any]:
    """Complaints you may see, newest first; `status` filters."""
    rows = selectors.complaint_list(principal(request), status=filters.status)
    return paginate(rows, filters.page, filters.per_page).as_api()


@router.post(
    "/complaints", response={201: ComplaintDetailOut}, url_name="assistance_complaint_open"
)
@api_action("assistance.distribution_record")
def complaint_open(request: HttpRequest, payload: ComplaintIn) -> Status[Any]:
    """Record a complaint, about a distribution of the same partner or in general."""
    distribution = None
    if payload.distribution:
        distribution = selectors.distribution_get(principal(request), payload.distribution)
        if distribution is None:
            raise ValidationError(
                _("There is no distribution %(code)s among your organisation's.")
                % {"code": payload.distribution},
                fields={"distribution": _("unknown distribution")},
            )
    row = services.complaint_open(
        actor=principal(request),
        organisation=_organisation(request, payload.partner, "partner"),
        distribution=distribution,
        **payload.dict(include={"place", "channel", "description"}),
    )
    return Status(201, selectors.complaint_detail(principal(request), row.code))


@router.get(
    "/complaints/{code}", response=ComplaintDetailOut, url_name="assistance_complaint_detail"
)
@api_action("assistance.read")
def complaint_detail(request: HttpRequest, code: str) -> Any:
    return _found(selectors.complaint_detail(principal(request), code))


@router.post(
    "/complaints/{code}/follow-ups",
    response=ComplaintDetailOut,
    url_name="assistance_complaint_follow_up",
)
@api_action("assistance.distribution_record")
def complaint_follow_up(request: HttpRequest, code: str, payload: FollowUpIn) -> Any:
    """Follow a complaint up: in_progress, resolved or closed, with what was done."""
    row = _found(selectors.complaint_detail(principal(request), code))
    services.complaint_follow_up(actor=principal(request), complaint=row, **payload.dict())
    return selectors.complaint_detail(principal(request), code)


# ---- places and partners -------------------------------------------------------------------


@router.get("/places", response=PlacePage, url_name="assistance_place_list")
@api_action("assistance.read")
def place_list(request: HttpRequest, filters: Query[PlaceFilters]) -> dict[str, Any]:
    """Places by P-code: regions, districts and settlements, with coordinates in micro-degrees."""
    rows = selectors.place_list(
        level=filters.level or None, parent=filters.parent.strip().upper() or None
    )
    return paginate(rows, filters.page, filters.per_page).as_api()


class PlaceIn(Schema):
    pcode: str = Field(description="OCHA P-code: the country's two letters, then the area")
    name: str
    level: str = Field(description="region, district or settlement")
    parent: str | None = Field(None, description="the P-code of the place it is in (not regions)")
    lat_micro: int | None = None
    lon_micro: int | None = None


class PlaceEditIn(Schema):
    name: str
    lat_micro: int | None = None
    lon_micro: int | None = None


@router.post("/places", response={201: PlaceOut}, url_name="assistance_place_create")
@api_action("assistance.place_manage")
def place_create(request: HttpRequest, payload: PlaceIn) -> Status[Any]:
    """Create a place (its parent first); the CSV/XLSX import does many at once."""
    return Status(201, services.place_create(actor=principal(request), **payload.dict()))


@router.put("/places/{pcode}", response=PlaceOut, url_name="assistance_place_update")
@api_action("assistance.place_manage")
def place_update(request: HttpRequest, pcode: str, payload: PlaceEditIn) -> Any:
    """Correct a place's name or position."""
    place = _found(selectors.place_list().filter(pcode=pcode.strip().upper()).first())
    return services.place_update(actor=principal(request), place=place, **payload.dict())


@router.get("/partners", response=list[PartnerOut], url_name="assistance_partner_list")
@api_action("assistance.read")
def partner_list(request: HttpRequest) -> list[Organisation]:
    """Humanitarian partners with their profiles (partner staff see their own)."""
    return list(selectors.partner_list(principal(request)))


@router.put(
    "/partners/{code}/profile", response=PartnerOut, url_name="assistance_partner_profile_set"
)
@api_action("assistance.partner_manage")
def partner_profile_set(request: HttpRequest, code: str, payload: PartnerProfileIn) -> Any:
    """Set a partner's kind, sectors and contact (partner staff: their own organisation's)."""
    organisation = _found(selectors.partner_get(principal(request), code))
    services.partner_profile_set(
        actor=principal(request), organisation=organisation, **payload.dict()
    )
    return organisation


# ---- households ----------------------------------------------------------------------------


@router.get("/households", response=HouseholdPage, url_name="assistance_household_list")
@api_action("assistance.read")
def household_list(request: HttpRequest, filters: Query[HouseholdFilters]) -> dict[str, Any]:
    """Households by pseudonym, newest first: no names, phones or documents."""
    rows = selectors.household_list(principal(request), place=filters.place.strip().upper())
    return paginate(rows, filters.page, filters.per_page).as_api()


@router.post("/households", response={201: HouseholdOut}, url_name="assistance_household_register")
@api_action("assistance.household_register")
def household_register(request: HttpRequest, payload: HouseholdIn) -> Status[Any]:
    """Register a household: members in the ledger, names, phone and document in the vault.

    A suspected duplicate is a 422 with the code `duplicate`.
    """
    fields = payload.dict(exclude={"partner", "members"})
    row = services.household_register(
        actor=principal(request),
        organisation=_organisation(request, payload.partner, "partner"),
        members=[m.dict() for m in payload.members],
        **fields,
    )
    return Status(201, selectors.household_get(principal(request), row.code))


@router.get("/households/{code}", response=HouseholdOut, url_name="assistance_household_detail")
@api_action("assistance.read")
def household_detail(request: HttpRequest, code: str) -> Any:
    """A household without personal data: place, size, members by sex, age and needs."""
    return _found(selectors.household_get(principal(request), code))


@router.get(
    "/households/{code}/personal-data",
    response=dict[str, Any],
    url_name="assistance_household_personal_data",
)
@api_action("assistance.household_personal_data")
def household_personal_data(request: HttpRequest, code: str, purpose: str) -> dict[str, object]:
    """The household's names, phone and document; `purpose` is required and recorded."""
    row = _found(selectors.household_get(principal(request), code))
    return services.household_personal_data(
        actor=principal(request), household=row, purpose=purpose
    )


# ---- projects ------------------------------------------------------------------------------


@router.get("/projects", response=ProjectPage, url_name="assistance_project_list")
@api_action("assistance.read")
def project_list(request: HttpRequest, filters: Query[ProjectFilters]) -> dict[str, Any]:
    rows = selectors.project_list(principal(request), sector=filters.sector, status=filters.status)
    return paginate(rows, filters.page, filters.per_page).as_api()


@router.post("/projects", response={201: ProjectOut}, url_name="assistance_project_create")
@api_action("assistance.project_manage")
def project_create(request: HttpRequest, payload: ProjectIn) -> Status[Any]:
    row = services.project_create(
        actor=principal(request),
        organisation=_organisation(request, payload.partner, "partner"),
        **payload.dict(exclude={"partner"}),
    )
    return Status(201, row)


@router.get("/projects/{code}", response=ProjectDetailOut, url_name="assistance_project_detail")
@api_action("assistance.read")
def project_detail(request: HttpRequest, code: str) -> Any:
    return _found(selectors.project_get(principal(request), code))


@router.patch("/projects/{code}", response=ProjectDetailOut, url_name="assistance_project_update")
@api_action("assistance.project_manage")
def project_update(request: HttpRequest, code: str, payload: ProjectChangeIn) -> Project | None:
    """Change a project's name, sector, place, budget or currency, with a reason."""
    project = _found(selectors.project_get(principal(request), code))
    fields = payload.dict(exclude_none=True)
    services.project_update(actor=principal(request), project=project, **fields)
    return selectors.project_get(principal(request), code)


@router.post(
    "/projects/{code}/progress",
    response=ProjectDetailOut,
    url_name="assistance_project_progress",
)
@api_action("assistance.project_manage")
def project_progress(request: HttpRequest, code: str, payload: ProgressIn) -> Project | None:
    """Record a project's progress (a completed project is 100% complete)."""
    project = _found(selectors.project_get(principal(request), code))
    services.project_progress(actor=principal(request), project=project, **payload.dict())
    return selectors.project_get(principal(request), code)


# ---- dialogue ------------------------------------------------------------------------------


@router.get("/meetings", response=list[MeetingOut], url_name="assistance_meeting_list")
@api_action("assistance.read")
def meeting_list(request: HttpRequest, paging: Query[Paging]) -> list[Meeting]:
    """Dialogue meetings, newest first (every reader sees every meeting)."""
    return paginate(selectors.meeting_list(), paging.page, paging.per_page).rows


@router.post("/meetings", response={201: MeetingDetailOut}, url_name="assistance_meeting_record")
@api_action("assistance.dialogue_manage")
def meeting_record(request: HttpRequest, payload: MeetingIn) -> Status[Any]:
    """Record a meeting with the sides present and the commitments made (no names)."""
    row = services.meeting_record(
        actor=principal(request),
        organisation=_organisation(request, payload.organisation, "organisation"),
        title=payload.title,
        date=payload.date,
        place=payload.place,
        topics=payload.topics,
        outcomes=payload.outcomes,
        participants=[p.dict() for p in payload.participants],
        commitments=[c.dict() for c in payload.commitments],
    )
    return Status(201, selectors.meeting_get(row.code))


@router.get("/meetings/{code}", response=MeetingDetailOut, url_name="assistance_meeting_detail")
@api_action("assistance.read")
def meeting_detail(request: HttpRequest, code: str) -> Any:
    return _found(selectors.meeting_get(code))


@router.post(
    "/meetings/{code}/commitments",
    response={201: CommitmentOut},
    url_name="assistance_commitment_add",
)
@api_action("assistance.dialogue_manage")
def commitment_add(request: HttpRequest, code: str, payload: CommitmentIn) -> Status[Any]:
    """Add a commitment to a meeting recorded earlier."""
    meeting = _found(selectors.meeting_get(code))
    row = services.commitment_add(actor=principal(request), meeting=meeting, **payload.dict())
    return Status(201, row)


@router.get("/commitments", response=list[CommitmentOut], url_name="assistance_commitment_list")
@api_action("assistance.read")
def commitment_list(request: HttpRequest, filters: Query[CommitmentFilters]) -> list[Commitment]:
    """Commitments by due date; `overdue=true` for those past due and not done or dropped."""
    return list(selectors.commitment_list(status=filters.status, overdue=filters.overdue))


@router.post(
    "/commitments/{code}/follow-ups",
    response=CommitmentOut,
    url_name="assistance_commitment_follow_up",
)
@api_action("assistance.dialogue_manage")
def commitment_follow_up(request: HttpRequest, code: str, payload: FollowUpIn) -> Commitment:
    commitment = _found(selectors.commitment_get(code))
    return services.commitment_follow_up(
        actor=principal(request), commitment=commitment, **payload.dict()
    )


# ---- monitoring visits ---------------------------------------------------------------------


@router.get("/visits", response=list[VisitOut], url_name="assistance_visit_list")
@api_action("assistance.read")
def visit_list(request: HttpRequest, status: str = "") -> list[Visit]:
    """Monitoring visits, latest planned first (every reader sees every visit)."""
    return list(selectors.visit_list(status=status)[:500])


@router.post("/visits", response={201: VisitDetailOut}, url_name="assistance_visit_propose")
@api_action("assistance.visit_manage")
def visit_propose(request: HttpRequest, payload: VisitIn) -> Status[Any]:
    row = services.visit_propose(
        actor=principal(request),
        organisation=_organisation(request, payload.organisation, "organisation"),
        purpose=payload.purpose,
        planned_start=payload.planned_start,
        planned_end=payload.planned_end,
        itinerary=[s.dict() for s in payload.itinerary],
    )
    return Status(201, selectors.visit_get(row.code))


@router.get("/visits/{code}", response=VisitDetailOut, url_name="assistance_visit_detail")
@api_action("assistance.read")
def visit_detail(request: HttpRequest, code: str) -> Any:
    return _found(selectors.visit_get(code))


@router.post("/visits/{code}/updates", response=VisitDetailOut, url_name="assistance_visit_update")
@api_action("assistance.visit_manage")
def visit_update(request: HttpRequest, code: str, payload: VisitChangeIn) -> Visit | None:
    """Agree, postpone (with new dates) or close a visit with its findings."""
    visit = _found(selectors.visit_get(code))
    services.visit_update(actor=principal(request), visit=visit, **payload.dict())
    return selectors.visit_get(code)


# ---- the 5W aggregate ----------------------------------------------------------------------


@router.get("/5w", response=FiveWPage, url_name="assistance_five_w")
@api_action("assistance.export")
def five_w(request: HttpRequest, filters: Query[DistributionFilters]) -> dict[str, Any]:
    """The 5W table as JSON, as the CSV export: aggregate figures, no household, no person."""
    rows = selectors.five_w_rows(principal(request), _filters(filters))
    return paginate(rows, filters.page, filters.per_page).as_api()
