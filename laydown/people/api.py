"""Demobilization in the API: participants by pseudonym, their files, screening, appeals,
revocation, duplicates and the cut-off date, ID cards, referrals, payment cycles, the
data-subject rights (access report, correction, erasure), import and aggregate figures.

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
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from laydown.accounts.api_auth import api_action, principal
from laydown.core.api_types import IsoDate
from laydown.core.delivery import delivered
from laydown.core.errors import ValidationError
from laydown.core.imports import problems_of
from laydown.core.imports.uploads import upload_content
from laydown.core.paging import PageNumber, PerPage
from laydown.field.api import idempotent
from laydown.jobs import services as jobs
from laydown.jobs.api import ImportErrorOut, ImportOut, import_error
from laydown.people import import_job, importer, selectors, services
from laydown.people.models import Appeal, DuplicateFlag, Participant, PaymentCycle, Referral

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
    page: PageNumber = 1
    per_page: PerPage = 50


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
    flags_elsewhere: int = Field(
        0, description="suspected duplicates with participants outside your scope (not named)"
    )


class ContactIn(Schema):
    phone: str = ""
    village: str = ""


class ProfileIn(Schema):
    education: str = ""
    skills: list[str] = []
    specific_needs: str = ""


class RegisterIn(Schema):
    name: str
    born: IsoDate | None = Field(None, description="the date of birth, if known")
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
    joined_on: IsoDate | None = None


class AppealIn(Schema):
    grounds: str


class AppealDecisionIn(Schema):
    outcome: str = Field(description="upheld or rejected")
    reason: str


class ReferralIn(Schema):
    kind: str = Field(description="education, jobs, health or psychosocial")
    service: str
    note: str = ""
    follow_up_due: IsoDate | None = None


class FollowUpIn(Schema):
    status: str = Field(description="referred, accepted, completed or dropped")
    note: str = ""
    next_due: IsoDate | None = None


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


class ReasonIn(Schema):
    reason: str = Field(description="why; recorded in the ledger")


class IdentityIn(Schema):
    name: str
    born: IsoDate | None = Field(None, description="the date of birth, if known")
    age: int | None = Field(None, description="the age in years, when the date is not known")
    sex: str = Field(description="f, m or x")


class CorrectIn(Schema):
    reason: str = Field(description="why the data is corrected; recorded in the ledger")
    identity: IdentityIn | None = Field(None, description="the whole corrected identity")
    contact: ContactIn | None = Field(None, description="replaces the contact")
    profile: ProfileIn | None = Field(None, description="replaces the profile")
    health_notes: str = Field("", description="replaces the health data (needs people.health)")
    photo_base64: str = Field("", description="a new JPEG or PNG of at most 150 KB, base64")
    dependants: int | None = None
    region: str | None = None


class HistoryOut(Schema):
    index: int
    kind: str = Field(description="vault.written, vault.read or vault.erased")
    at: dt.datetime
    actor: str
    category: str = ""
    categories: list[str] = []
    purpose: str = ""
    reason: str = ""
    legal_basis: str = ""
    retain_until: str = ""


class AccessReportOut(Schema):
    personal: dict[str, dict[str, Any]] = Field(
        description="the personal data held, by category (the photo by its SHA-256 only)"
    )
    file: PersonFileOut
    history: list[HistoryOut] = Field(
        description="every write, read and erasure of the personal data: who, when, why"
    )


class IdCardOut(Schema):
    pseudonym: str
    card_number: str
    issued_at: dt.datetime | None
    name: str
    born: str = Field(description="the date of birth, or the year when only the age is known")
    photo_mime: str
    photo_base64: str
    qr_text: str = Field(description="what the card's QR code holds: LAYDOWN:<card>:<pseudonym>")
    qr_svg: str


class DuplicateDecisionIn(Schema):
    decision: str = Field(description="distinct (different people) or same (the later is void)")
    reason: str


class CutOffOut(Schema):
    date: dt.date | None
    set_at: dt.datetime | None
    set_by: str


class CutOffIn(Schema):
    date: IsoDate


class CycleIn(Schema):
    cycle: str = Field(description="the month, like 2026-11")


class PaymentIn(Schema):
    participant: str
    reference: str = Field(description="the payment's reference (transfer, receipt)")


class PaymentsIn(Schema):
    payments: list[PaymentIn] = Field(min_length=1)


class RecordedOut(Schema):
    recorded: int


# ---- helpers -------------------------------------------------------------------------------


def _participant(request: HttpRequest, pseudonym: str, action: str) -> Participant:
    """The participant, if the caller may do `action` on them; else 404, as if missing."""
    return selectors.participant_for(
        principal=principal(request), pseudonym=pseudonym, action=action
    )


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


def _found(model: Any, code: str, what: str) -> Any:
    found = model.objects.filter(pk=code).select_related("participant").first()
    if found is None:
        raise Http404(_("No %(what)s %(c)s.") % {"what": what, "c": code})
    return found


def _cycle(code: str) -> PaymentCycle:
    cycle = PaymentCycle.objects.filter(pk=code).first()
    if cycle is None:
        raise Http404(_("No payment cycle %(c)s.") % {"c": code})
    return cycle


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
    return page.as_api()


@router.post(
    "/participants", response={201: ParticipantOut}, url_name="people_participant_register"
)
@api_action("people.register")
def participant_register(request: HttpRequest, payload: RegisterIn) -> Status[Any]:
    """Register a participant: their personal data goes to the vault, the answer holds none.
    Once per `Idempotency-Key` (the form `people.registration`, which may carry a screening)."""
    once = idempotent(request, "people.registration", payload.dict())
    if once is not None:
        return Status(201, Participant.objects.get(pseudonym=once.result["participant"]))
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
    return selectors.person_file(
        _participant(request, pseudonym, "people.read"), principal(request)
    )


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
    return services.personal_data_read(
        actor=principal(request),
        participant=_participant(request, pseudonym, "people.personal_data"),
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


@router.post(
    "/participants/{pseudonym}/revocation", response=ParticipantOut, url_name="people_revoke"
)
@api_action("people.decide")
def revoke(request: HttpRequest, pseudonym: str, payload: ReasonIn) -> Participant:
    """Revoke an eligible participant's eligibility, with the reason."""
    return services.participant_revoke(
        actor=principal(request),
        participant=_participant(request, pseudonym, "people.decide"),
        reason=payload.reason,
    )


# ---- duplicates and the cut-off date -------------------------------------------------------


@router.get("/duplicates", response=list[FlagOut], url_name="people_duplicate_list")
@api_action("people.decide")
def duplicate_list(request: HttpRequest) -> list[DuplicateFlag]:
    """Suspected duplicates awaiting a decision, in your regions (at most 500, oldest first)."""
    return list(selectors.duplicates_open(principal(request)).order_by("flagged_at")[:500])


@router.post("/duplicates/{code}/decision", response=FlagOut, url_name="people_duplicate_decide")
@api_action("people.decide")
def duplicate_decide(request: HttpRequest, code: str, payload: DuplicateDecisionIn) -> Any:
    """Decide a suspected duplicate: `distinct` people, or the `same` (the later is void)."""
    return services.duplicate_decide(
        actor=principal(request),
        flag=_found(DuplicateFlag, code, _("suspected duplicate")),
        **payload.dict(),
    )


@router.get("/cut-off", response=CutOffOut, url_name="people_cut_off")
@api_action("people.read")
def cut_off(request: HttpRequest) -> dict[str, Any]:
    """The programme's cut-off date (`date` is null until one is set)."""
    found = selectors.cut_off()
    if found is None:
        return {"date": None, "set_at": None, "set_by": ""}
    return {"date": found.date, "set_at": found.set_at, "set_by": found.set_by}


@router.put("/cut-off", response=CutOffOut, url_name="people_cut_off_set")
@api_action("people.decide")
def cut_off_set(request: HttpRequest, payload: CutOffIn) -> Any:
    """Set the cut-off date (needs a programme-wide grant): joining later is not eligible."""
    return services.cut_off_set(actor=principal(request), date=payload.date)


# ---- ID cards ------------------------------------------------------------------------------


@router.post(
    "/participants/{pseudonym}/id-card",
    response={201: ParticipantOut},
    url_name="people_card_issue",
)
@api_action("people.register")
def card_issue(request: HttpRequest, pseudonym: str) -> Status[Any]:
    """Issue (or reissue) the ID card of an eligible participant without open duplicates."""
    participant = _participant(request, pseudonym, "people.register")
    services.id_cards_issue(actor=principal(request), participants=[participant])
    return Status(201, Participant.objects.get(pk=participant.pk))


@router.get("/participants/{pseudonym}/id-card", response=IdCardOut, url_name="people_card")
@api_action("people.register")
def card(request: HttpRequest, pseudonym: str) -> IdCardOut:
    """What the ID card shows: name, photo, pseudonym, card number and QR code; never the
    former armed group. Reading it is a vault read recorded with the purpose "ID card"."""
    participant = _participant(request, pseudonym, "people.register")

    def answer() -> IdCardOut:  # validated here: the read is recorded only if delivered
        data = selectors.id_card(actor=principal(request), participant=participant)
        p: Participant = data["participant"]
        return IdCardOut.model_validate(
            {
                **data,
                "pseudonym": p.pk,
                "card_number": p.id_card_number,
                "issued_at": p.id_card_issued_at,
                "qr_svg": data["qr"],
            }
        )

    return delivered(answer)


# ---- data-subject rights -------------------------------------------------------------------


@router.get(
    "/participants/{pseudonym}/access-report",
    response=AccessReportOut,
    url_name="people_access_report",
)
@api_action("people.subject_access")
def access_report(request: HttpRequest, pseudonym: str) -> AccessReportOut:
    """The data-subject access report: the personal data held, the pseudonymous file and every
    use of the personal data. Producing it is recorded (purpose: data-subject access request)."""
    participant = _participant(request, pseudonym, "people.subject_access")

    def answer() -> AccessReportOut:  # validated here: the read is recorded only if delivered
        report = selectors.access_report(actor=principal(request), participant=participant)
        return AccessReportOut.model_validate(report)

    return delivered(answer)


@router.post(
    "/participants/{pseudonym}/correction", response=ParticipantOut, url_name="people_correct"
)
@api_action("people.register")
def correct(request: HttpRequest, pseudonym: str, payload: CorrectIn) -> Participant:
    """Correct a participant's data (the right to rectification); only the parts you send."""
    return services.participant_correct(
        actor=principal(request),
        participant=_participant(request, pseudonym, "people.register"),
        reason=payload.reason,
        identity=payload.identity.dict() if payload.identity else None,
        contact={k: v for k, v in payload.contact.dict().items() if v} if payload.contact else None,
        profile=payload.profile.dict() if payload.profile else None,
        health={"notes": payload.health_notes} if payload.health_notes else None,
        photo=_photo(payload.photo_base64),
        dependants=payload.dependants,
        region=payload.region,
    )


@router.post("/participants/{pseudonym}/erasure", response=ParticipantOut, url_name="people_erase")
@api_action("people.erase")
def erase(request: HttpRequest, pseudonym: str, payload: ReasonIn) -> Participant:
    """Erase the participant's personal data: the vault destroys their key. The pseudonymous
    records stay and no longer resolve to anyone; later reads are refused and explained."""
    return services.participant_erase(
        actor=principal(request),
        participant=_participant(request, pseudonym, "people.erase"),
        reason=payload.reason,
    )


# ---- support and figures -------------------------------------------------------------------


@router.get("/cycles", response=list[CycleOut], url_name="people_cycle_list")
@api_action("people.payment")
def cycle_list(request: HttpRequest) -> list[PaymentCycle]:
    """Payment cycles, newest month first."""
    return list(selectors.cycles()[:120])


@router.get("/cycles/{code}", response=CycleDetailOut, url_name="people_cycle_detail")
@api_action("people.payment")
def cycle_detail(request: HttpRequest, code: str, page: PageNumber = 1) -> dict[str, Any]:
    """A payment cycle and one page (100) of its lines, by pseudonym."""
    cycle = _cycle(code)
    lines = selectors.cycle_lines(cycle, page, principal=principal(request))
    return {"cycle": cycle, **lines.as_api("lines")}


@router.post("/cycles", response={201: CycleOut}, url_name="people_cycle_draft")
@api_action("people.payment")
def cycle_draft(request: HttpRequest, payload: CycleIn) -> Status[Any]:
    """Draft (or redraft) a month's payment list by the entitlement rules."""
    return Status(201, services.payment_cycle_draft(actor=principal(request), cycle=payload.cycle))


@router.post("/cycles/{code}/approval", response=CycleOut, url_name="people_cycle_approve")
@api_action("people.payment_approve")
def cycle_approve(request: HttpRequest, code: str) -> PaymentCycle:
    """Approve a drafted list: it is frozen, and the record commits to its lines."""
    return services.payment_cycle_approve(actor=principal(request), cycle=_cycle(code))


@router.post("/cycles/{code}/payments", response=RecordedOut, url_name="people_payments_record")
@api_action("people.payment")
def payments_record(request: HttpRequest, code: str, payload: PaymentsIn) -> dict[str, int]:
    """Record payments of an approved list (each a ledger record); all or none."""
    references = {p.participant: p.reference for p in payload.payments}
    if len(references) != len(payload.payments):
        raise ValidationError(
            _("A participant is listed twice: send each payment once."),
            fields={"payments": _("duplicate participant")},
        )
    count = services.payments_record(
        actor=principal(request), cycle=_cycle(code), references=references
    )
    return {"recorded": count}


@router.get("/aggregates", response=AggregatesOut, url_name="people_aggregates")
@api_action("people.aggregates")
def aggregates(request: HttpRequest) -> dict[str, Any]:
    """Counts by region and category, small counts suppressed exactly as on the figures page."""
    table = selectors.aggregates()
    return {**table, "categories": {k: str(v) for k, v in table["categories"].items()}}


# ---- import --------------------------------------------------------------------------------


@router.post(
    "/imports",
    response={200: ImportOut, 201: ImportOut, 422: ImportErrorOut},
    url_name="people_import",
)
@api_action("people.import")
def participants_import(
    request: HttpRequest, file: File[UploadedFile], dry_run: bool = False
) -> Status[Any]:
    """Import participants from a CSV or XLSX file (columns: docs/import.md). Every row is
    checked first; a file with any problem imports nothing, and the 422 lists each problem by
    row, column, value and reason. `dry_run=true` only checks. The rows are written as an
    import job run in this request (kept sealed, committed in batches so other writers wait
    at most one batch), so the answer is still the file's outcome."""
    actor, name = principal(request), file.name or ""
    skipped = 0  # rows of an export whose submissions were received before
    try:
        data = upload_content(file, importer.LAYOUT)
        if dry_run:
            rows = len(importer.participants_check(actor=actor, filename=name, data=data))
        else:
            done = jobs.job_run_here(
                actor=actor, kind=import_job.KIND, name=name, content=data, progress=_quiet
            )
            rows, skipped = done.get("count", 0), done.get("skipped", 0)
    except importer.ImportInvalid as exc:
        return Status(422, import_error(exc))
    except ValidationError as exc:  # refused while writing: a problem of the file as a whole
        refused = importer.ImportInvalid(problems_of(exc, 0, {}), exc.message, fields=exc.fields)
        return Status(422, import_error(refused))
    answer = {"rows": rows, "imported": not dry_run}
    if skipped:
        answer["skipped"] = skipped
    return Status(200 if dry_run else 201, answer)


def _quiet(phase: str, done: int, total: int) -> None:
    return None
