"""Demobilization in the API: participants by pseudonym, their files, screening, appeals,
referrals, payment cycles and aggregate figures.

Every operation wears `@api_action(...)` under its route, parses, calls one service or
selector, and returns a schema. Lists and files hold no personal data; the only way to read
it is `GET /people/participants/{pseudonym}/personal-data?purpose=...`, which goes through
`services.personal_data_read` and so is a ledger record naming the reader and the purpose.
The services check the participant's region (and child protection) and write refused
requests to the refusal log, as the pages do.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from laydown.accounts.api_auth import api_action, principal
from laydown.core.errors import ValidationError
from laydown.people import selectors, services
from laydown.people.models import Appeal, Participant, PaymentCycle, Referral

router = Router(tags=["people"])

VAULT_CATEGORIES = ("identity", "contact", "photo", "profile", "health")


# ---- schemas -------------------------------------------------------------------------------


class ParticipantOut(Schema):
    pseudonym: str
    category: str
    is_child: bool
    region: str
    dependants: int
    dependant_of: str
    status: str
    status_reason: str
    registered_at: dt.datetime
    registered_by: str
    id_card_number: str
    id_card_issued_at: dt.datetime | None
    erased_at: dt.datetime | None


class ParticipantPage(Schema):
    items: list[ParticipantOut]
    page: int
    per_page: int
    has_next: bool


class ParticipantFilters(Schema):
    region: str = ""
    category: str = ""
    status: str = ""
    pseudonym: str = Field("", description="a prefix of the pseudonym")
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=selectors.MAX_PER_PAGE)


class ScreeningOut(Schema):
    code: str
    answers: dict[str, str]
    suggested: str
    decision: str
    reason: str
    at: dt.datetime
    by: str


class AppealOut(Schema):
    code: str
    participant: str
    grounds: str
    lodged_at: dt.datetime
    lodged_by: str
    outcome: str
    reason: str
    decided_at: dt.datetime | None
    decided_by: str

    @staticmethod
    def resolve_participant(obj: Appeal) -> str:
        return obj.participant_id


class FlagOut(Schema):
    code: str
    participant: str
    other: str
    matched: list[str]
    status: str
    flagged_at: dt.datetime
    reason: str
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_participant(obj: Any) -> str:
        return str(obj.participant_id)


class FollowUpOut(Schema):
    code: str
    status: str
    note: str
    at: dt.datetime
    by: str


class ReferralOut(Schema):
    code: str
    participant: str
    kind: str
    service: str
    status: str
    note: str
    referred_at: dt.datetime
    referred_by: str
    follow_up_due: dt.date | None
    follow_ups: list[FollowUpOut]

    @staticmethod
    def resolve_participant(obj: Referral) -> str:
        return obj.participant_id


class PaymentOut(Schema):
    cycle: str
    participant: str
    instalment: int
    amount: int
    paid_at: dt.datetime | None
    paid_by: str
    reference: str

    @staticmethod
    def resolve_cycle(obj: Any) -> str:
        return str(obj.cycle_id)

    @staticmethod
    def resolve_participant(obj: Any) -> str:
        return str(obj.participant_id)


class HandInOut(Schema):
    tag: str
    kind: str
    description: str
    collected_at: dt.datetime | None
    site: str


class PersonFileOut(Schema):
    participant: ParticipantOut
    screenings: list[ScreeningOut]
    appeals: list[AppealOut]
    flags: list[FlagOut]
    referrals: list[ReferralOut]
    payments: list[PaymentOut]
    hand_ins: list[HandInOut]
    dependants: list[str]


class ContactIn(Schema):
    phone: str = ""
    village: str = ""


class ProfileIn(Schema):
    education: str = ""
    skills: list[str] = []
    specific_needs: str = ""


class RegisterIn(Schema):
    name: str
    born: dt.date | None = Field(None, description="the date of birth, if known")
    age: int | None = Field(None, description="the age in years, when the date is not known")
    sex: str = Field(description="f, m or x")
    category: str = Field(description="combatant, associated, dependant or child")
    region: str
    dependants: int = 0
    dependant_of: str = Field("", description="a dependant's participant (pseudonym)")
    contact: ContactIn | None = None
    profile: ProfileIn | None = None
    health_notes: str = ""
    photo_base64: str = Field("", description="a JPEG or PNG of at most 150 KB, base64")


class PersonalDataQuery(Schema):
    purpose: str = Field(description="why you read this data; recorded in the ledger")
    categories: list[str] = Field(
        ["identity", "contact", "photo", "profile"],
        description="any of identity, contact, photo, profile, health (health needs its own "
        "action)",
    )


class ScreenIn(Schema):
    answers: dict[str, str] = Field({}, description="question code -> yes, no or unknown")
    decision: str = Field(description="eligible or ineligible")
    reason: str = ""
    joined_on: dt.date | None = None


class AppealIn(Schema):
    grounds: str


class AppealDecisionIn(Schema):
    outcome: str = Field(description="upheld or rejected")
    reason: str


class ReferralIn(Schema):
    kind: str = Field(description="education, jobs, health or psychosocial")
    service: str
    note: str = ""
    follow_up_due: dt.date | None = None


class FollowUpIn(Schema):
    status: str = Field(description="referred, accepted, completed or dropped")
    note: str = ""
    next_due: dt.date | None = None


class CycleOut(Schema):
    code: str
    status: str
    drafted_at: dt.datetime
    drafted_by: str
    approved_at: dt.datetime | None
    approved_by: str
    total: int


class CycleDetailOut(Schema):
    cycle: CycleOut
    lines: list[PaymentOut]
    page: int
    per_page: int
    has_next: bool


class AggregateRow(Schema):
    region: str
    category: str
    registered: str
    screened: str
    eligible: str
    id_cards: str
    paid: str


class AggregatesOut(Schema):
    rows: list[AggregateRow] = Field(
        description="counts under 5 are '<5'; 'x' hides a second cell that would give one away"
    )
    totals: dict[str, str]
    categories: dict[str, str]


# ---- helpers -------------------------------------------------------------------------------


def _participant(request: HttpRequest, pseudonym: str, action: str) -> Participant:
    """The participant, checked for `action` in its region (a refusal is on record)."""
    found = selectors.participant_get(pseudonym)
    if found is None:
        raise Http404(_("No participant %(p)s.") % {"p": pseudonym})
    services.check_access(principal(request), action, found)
    return found


def _photo(value: str) -> bytes | None:
    if not value:
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            _("photo_base64 is not base64: send the image's bytes base64-encoded."),
            fields={"photo_base64": _("not base64")},
        ) from None


def _categories(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in VAULT_CATEGORIES]
    if unknown or not values:
        raise ValidationError(
            _("categories: choose from %(all)s.") % {"all": ", ".join(VAULT_CATEGORIES)},
            fields={"categories": _("unknown value")},
        )
    return values


# ---- participants --------------------------------------------------------------------------


@router.get("/participants", response=ParticipantPage, url_name="people_participant_list")
@api_action("people.read")
def participant_list(request: HttpRequest, filters: Query[ParticipantFilters]) -> dict[str, Any]:
    """Participants of your regions (children only for child protection), by pseudonym."""
    page = selectors.participant_search(principal=principal(request), **filters.dict())
    return {
        "items": page.rows,
        "page": page.number,
        "per_page": page.per_page,
        "has_next": page.has_next,
    }


@router.post(
    "/participants", response={201: ParticipantOut}, url_name="people_participant_register"
)
@api_action("people.register")
def participant_register(request: HttpRequest, payload: RegisterIn) -> Status[Any]:
    """Register a participant: their personal data goes to the vault, the answer holds none."""
    person = services.person_check(
        **payload.dict(include={"name", "born", "age", "sex", "category", "region"}),
        dependants=payload.dependants,
        dependant_of=payload.dependant_of,
    )
    participant = services.participant_register(
        actor=principal(request),
        person=person,
        contact={k: v for k, v in (payload.contact or ContactIn()).dict().items() if v},
        photo=_photo(payload.photo_base64),
        profile=payload.profile.dict() if payload.profile else None,
        health={"notes": payload.health_notes} if payload.health_notes else None,
    )
    return Status(201, participant)


@router.get(
    "/participants/{pseudonym}", response=PersonFileOut, url_name="people_participant_detail"
)
@api_action("people.read")
def participant_detail(request: HttpRequest, pseudonym: str) -> selectors.PersonFile:
    """A participant's pseudonymous file: screening, appeals, duplicates, referrals, support."""
    return selectors.person_file(_participant(request, pseudonym, "people.read"))


@router.get(
    "/participants/{pseudonym}/personal-data",
    response=dict[str, dict[str, Any]],
    url_name="people_personal_data",
)
@api_action("people.personal_data")
def personal_data(
    request: HttpRequest, pseudonym: str, query: Query[PersonalDataQuery]
) -> dict[str, dict[str, object]]:
    """Decrypt personal data from the vault; `purpose` is required and the read is recorded."""
    found = selectors.participant_get(pseudonym)
    if found is None:
        raise Http404(_("No participant %(p)s.") % {"p": pseudonym})
    return services.personal_data_read(
        actor=principal(request),
        participant=found,
        categories=_categories(query.categories),
        purpose=query.purpose,
    )


@router.post(
    "/participants/{pseudonym}/screening", response=ParticipantOut, url_name="people_screen"
)
@api_action("people.screen")
def screen(request: HttpRequest, pseudonym: str, payload: ScreenIn) -> Participant:
    """Record a screening decision (a decision against the rule's suggestion needs a reason)."""
    return services.participant_screen(
        actor=principal(request),
        participant=_participant(request, pseudonym, "people.screen"),
        **payload.dict(),
    )


@router.post(
    "/participants/{pseudonym}/appeals", response={201: AppealOut}, url_name="people_appeal"
)
@api_action("people.register")
def appeal_lodge(request: HttpRequest, pseudonym: str, payload: AppealIn) -> Status[Any]:
    """Lodge an appeal against a decision of ineligibility."""
    appeal = services.appeal_lodge(
        actor=principal(request),
        participant=_participant(request, pseudonym, "people.register"),
        grounds=payload.grounds,
    )
    return Status(201, appeal)


@router.post("/appeals/{code}/decision", response=AppealOut, url_name="people_appeal_decide")
@api_action("people.decide")
def appeal_decide(request: HttpRequest, code: str, payload: AppealDecisionIn) -> Appeal:
    appeal = Appeal.objects.filter(pk=code).select_related("participant").first()
    if appeal is None:
        raise Http404(_("No appeal %(c)s.") % {"c": code})
    return services.appeal_decide(actor=principal(request), appeal=appeal, **payload.dict())


@router.post(
    "/participants/{pseudonym}/referrals", response={201: ReferralOut}, url_name="people_refer"
)
@api_action("people.referral")
def referral_create(request: HttpRequest, pseudonym: str, payload: ReferralIn) -> Status[Any]:
    """Refer a participant to a service (education, jobs, health, psychosocial)."""
    referral = services.referral_create(
        actor=principal(request),
        participant=_participant(request, pseudonym, "people.referral"),
        **payload.dict(),
    )
    return Status(201, referral)


@router.post(
    "/referrals/{code}/follow-ups", response=ReferralOut, url_name="people_referral_follow_up"
)
@api_action("people.referral")
def referral_follow_up(request: HttpRequest, code: str, payload: FollowUpIn) -> Referral:
    referral = Referral.objects.filter(pk=code).select_related("participant").first()
    if referral is None:
        raise Http404(_("No referral %(c)s.") % {"c": code})
    return services.referral_follow_up(
        actor=principal(request), referral=referral, **payload.dict()
    )


# ---- support and figures -------------------------------------------------------------------


@router.get("/cycles", response=list[CycleOut], url_name="people_cycle_list")
@api_action("people.payment")
def cycle_list(request: HttpRequest) -> list[PaymentCycle]:
    """Payment cycles, newest month first."""
    return selectors.cycles()


@router.get("/cycles/{code}", response=CycleDetailOut, url_name="people_cycle_detail")
@api_action("people.payment")
def cycle_detail(request: HttpRequest, code: str, page: int = 1) -> dict[str, Any]:
    """A payment cycle and one page (100) of its lines, by pseudonym."""
    cycle = PaymentCycle.objects.filter(pk=code).first()
    if cycle is None:
        raise Http404(_("No payment cycle %(c)s.") % {"c": code})
    lines = selectors.cycle_lines(cycle, page)
    return {
        "cycle": cycle,
        "lines": lines.rows,
        "page": lines.number,
        "per_page": lines.per_page,
        "has_next": lines.has_next,
    }


@router.get("/aggregates", response=AggregatesOut, url_name="people_aggregates")
@api_action("people.aggregates")
def aggregates(request: HttpRequest) -> dict[str, Any]:
    """Counts by region and category, small counts suppressed exactly as on the figures page."""
    table = selectors.aggregates()
    return {**table, "categories": {k: str(v) for k, v in table["categories"].items()}}
