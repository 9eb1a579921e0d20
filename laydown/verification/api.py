"""Verification in the API: inspections from plan to signed report, observers'
accreditations, monitored destruction events and offline item bundles.

Every operation wears `@api_action(...)` under its route, parses, calls one service or
selector, and returns a schema. The services check what the matrix cannot: that an observer
is on the inspection's team and holds a valid accreditation for its sites (403 otherwise),
and that a signed note verifies with the accredited key. Observers sign offline
(`laydown observer sign`); the API receives the signed note's text, never a key.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from laydown.accounts import api_selectors as accounts
from laydown.accounts.api_auth import api_action, principal
from laydown.core.api_types import IsoDate
from laydown.core.errors import ValidationError
from laydown.verification import selectors, services
from laydown.verification.models import Accreditation, DestructionEvent, Inspection

router = Router(tags=["verification"])


# ---- schemas -------------------------------------------------------------------------------


class InspectionOut(Schema):
    code: str
    sites: list[str]
    planned_for: dt.date
    team: list[str]
    sample_percent: int | None
    sample_count: int | None
    status: str
    opened_by: str
    checkpoint_size: int | None


class FindingOut(Schema):
    tag: str
    result: str
    mismatches: list[str]
    counted: int | None
    notes: str
    photos: list[str]
    record_index: int


class FollowUpOut(Schema):
    tag: str
    summary: str
    status: str
    resolution: str


class InspectionDetailOut(InspectionOut):
    checkpoint_root: str
    checkpoint_note: str
    nonce: str
    inventory_sha256: str
    inventory_size: int
    sample: list[str] = Field(description="item tags, in draw order")
    lots: list[str] = Field(description="lot tags at the sites, all counted")
    report: str = Field(description="the text observers sign, once the inspection is closed")
    signed_report: str
    signed_by: str
    findings: list[FindingOut]
    follow_ups: list[FollowUpOut]


class PlanIn(Schema):
    sites: list[str]
    planned_for: IsoDate
    team: list[str] = Field(description="the observers' pseudonyms")
    sample_percent: int | None = Field(None, description="give this or sample_count")
    sample_count: int | None = None


class OpenIn(Schema):
    nonce: str = Field(description="8 to 200 characters that only you chose")


class FindingIn(Schema):
    tag: str
    result: str = Field(description="found, not_found or mismatch")
    mismatches: list[str] = Field([], description="serial, markings, condition, location, count")
    counted: int | None = Field(None, description="the physical count of a lot")
    notes: str = ""
    photos: list[str] = []


class SignedReportIn(Schema):
    signed_report: str = Field(description="the report signed with `laydown observer sign`")


class AccreditationOut(Schema):
    code: str
    observer: str
    organisation: str
    vkey: str
    sites: list[str]
    valid_from: dt.date
    valid_until: dt.date
    revoked_at: dt.datetime | None
    revoked_reason: str


class AccreditationIn(Schema):
    observer: str = Field(description="the observer's pseudonym")
    vkey: str = Field(description="the verifier key from `laydown observer keygen`")
    sites: list[str] = Field([], description="site codes; none means every site")
    valid_from: IsoDate
    valid_until: IsoDate


class RevokeIn(Schema):
    reason: str


class DestructionOut(Schema):
    code: str
    site: str
    method: str
    items: list[str]
    lots: list[str]
    observers: list[str]
    before_photos: list[str]
    after_photos: list[str]
    status: str
    disposal: str
    statement: str = Field(description="the text observers countersign, once it took place")
    countersignatures: list[dict[str, str]]


class CountersignIn(Schema):
    signed_statement: str = Field(description="the statement signed with `laydown observer sign`")


# ---- helpers -------------------------------------------------------------------------------


def _inspection(code: str) -> Inspection:
    found = selectors.inspection_get(code)
    if found is None:
        raise Http404(_("No inspection %(c)s.") % {"c": code})
    return found


def _destruction(code: str) -> DestructionEvent:
    found = DestructionEvent.objects.filter(code=code).first()
    if found is None:
        raise Http404(_("No destruction event %(c)s.") % {"c": code})
    return found


# ---- inspections ---------------------------------------------------------------------------


@router.get("/inspections", response=list[InspectionOut], url_name="verification_inspection_list")
@api_action("verification.read")
def inspection_list(request: HttpRequest) -> list[Inspection]:
    """Inspections, latest planned first."""
    return selectors.inspections()


@router.post("/inspections", response={201: InspectionOut}, url_name="verification_inspection_plan")
@api_action("verification.inspection_plan")
def inspection_plan(request: HttpRequest, payload: PlanIn) -> Status[Any]:
    """Plan an inspection: sites, date, team, and a sample percentage or count."""
    return Status(201, services.inspection_plan(actor=principal(request), **payload.dict()))


@router.get(
    "/inspections/{code}",
    response=InspectionDetailOut,
    url_name="verification_inspection_detail",
)
@api_action("verification.read")
def inspection_detail(request: HttpRequest, code: str) -> Inspection:
    """An inspection with its checkpoint, sample, findings, report and follow-ups."""
    return _inspection(code)


@router.post(
    "/inspections/{code}/open",
    response=InspectionDetailOut,
    url_name="verification_inspection_open",
)
@api_action("verification.inspect")
def inspection_open(request: HttpRequest, code: str, payload: OpenIn) -> Inspection:
    """Open with your nonce: the sample is drawn from it and the newest cosigned checkpoint."""
    services.inspection_open(
        actor=principal(request), code=_inspection(code).code, **payload.dict()
    )
    return _inspection(code)


@router.post(
    "/inspections/{code}/findings",
    response=InspectionDetailOut,
    url_name="verification_inspection_finding",
)
@api_action("verification.inspect")
def inspection_finding(request: HttpRequest, code: str, payload: FindingIn) -> Inspection:
    """Record what you found for a sampled item or a lot (lots need the physical count)."""
    services.inspection_record(
        actor=principal(request), code=_inspection(code).code, **payload.dict()
    )
    return _inspection(code)


class FindingsIn(Schema):
    findings: list[FindingIn] = Field(description="every finding of a walk, saved together")


@router.post(
    "/inspections/{code}/findings/batch",
    response=InspectionDetailOut,
    url_name="verification_inspection_findings",
)
@api_action("verification.inspect")
def inspection_findings(request: HttpRequest, code: str, payload: FindingsIn) -> Inspection:
    """Record many findings in one request, as one batch of records. Every line is checked
    first; if any is refused nothing is saved and the 422 names each line's field as
    `TAG.field`."""
    services.inspection_record_many(
        actor=principal(request),
        code=_inspection(code).code,
        findings=[services.FindingIn(**f.dict()) for f in payload.findings],
    )
    return _inspection(code)


@router.post(
    "/inspections/{code}/close",
    response=InspectionDetailOut,
    url_name="verification_inspection_close",
)
@api_action("verification.inspect")
def inspection_close(request: HttpRequest, code: str) -> Inspection:
    """Close once every sampled item and lot has a finding; the report to sign is fixed."""
    services.inspection_close(actor=principal(request), code=_inspection(code).code)
    return _inspection(code)


@router.post(
    "/inspections/{code}/sign",
    response=InspectionDetailOut,
    url_name="verification_inspection_sign",
)
@api_action("verification.inspect")
def inspection_sign(request: HttpRequest, code: str, payload: SignedReportIn) -> Inspection:
    """Keep the report signed offline with your accredited key (the signature is checked)."""
    services.inspection_sign(
        actor=principal(request),
        code=_inspection(code).code,
        signed_report=payload.signed_report,
    )
    return _inspection(code)


@router.get("/items/{tag}/bundle", response=dict[str, Any], url_name="verification_item_bundle")
@api_action("verification.item_bundle")
def item_bundle(request: HttpRequest, tag: str) -> dict[str, object]:
    """An item's or lot's records with inclusion proofs and the cosigned checkpoint; check it
    offline with `laydown verify BUNDLE.json --key ...`."""
    bundle = selectors.item_bundle(principal(request), tag)
    if bundle is None:
        raise Http404(_("No records for %(t)s.") % {"t": tag})
    return bundle


# ---- accreditations ------------------------------------------------------------------------


@router.get(
    "/accreditations",
    response=list[AccreditationOut],
    url_name="verification_accreditation_list",
)
@api_action("verification.read")
def accreditation_list(request: HttpRequest, observer: str = "") -> list[Accreditation]:
    """Accreditations (revoked ones too), of one observer if `observer` names a pseudonym."""
    if observer:
        return selectors.accreditations_of(observer)
    return list(Accreditation.objects.order_by("-valid_until", "code"))


@router.post(
    "/accreditations",
    response={201: AccreditationOut},
    url_name="verification_accreditation_grant",
)
@api_action("verification.accredit")
def accreditation_grant(request: HttpRequest, payload: AccreditationIn) -> Status[Any]:
    """Accredit an observer for some sites and a period, with the key they sign with."""
    observer = accounts.user_by_pseudonym(payload.observer)
    if observer is None:
        raise ValidationError(
            _("No user with pseudonym %(p)s.") % {"p": payload.observer},
            fields={"observer": _("unknown user")},
        )
    accreditation = services.accreditation_grant(
        actor=principal(request), observer=observer, **payload.dict(exclude={"observer"})
    )
    return Status(201, accreditation)


@router.post(
    "/accreditations/{code}/revoke",
    response=AccreditationOut,
    url_name="verification_accreditation_revoke",
)
@api_action("verification.accredit")
def accreditation_revoke(request: HttpRequest, code: str, payload: RevokeIn) -> Accreditation:
    if not Accreditation.objects.filter(code=code).exists():
        raise Http404(_("No accreditation %(c)s.") % {"c": code})
    services.accreditation_revoke(actor=principal(request), code=code, reason=payload.reason)
    return Accreditation.objects.get(code=code)


# ---- destruction ---------------------------------------------------------------------------


@router.get(
    "/destructions", response=list[DestructionOut], url_name="verification_destruction_list"
)
@api_action("verification.read")
def destruction_list(request: HttpRequest) -> list[DestructionEvent]:
    return selectors.destruction_events()


@router.get(
    "/destructions/{code}",
    response=DestructionOut,
    url_name="verification_destruction_detail",
)
@api_action("verification.read")
def destruction_detail(request: HttpRequest, code: str) -> DestructionEvent:
    return _destruction(code)


@router.post(
    "/destructions/{code}/countersign",
    response=DestructionOut,
    url_name="verification_destruction_countersign",
)
@api_action("verification.countersign")
def destruction_countersign(
    request: HttpRequest, code: str, payload: CountersignIn
) -> DestructionEvent:
    """Countersign a destruction you witnessed, with the statement signed offline."""
    services.destruction_countersign(
        actor=principal(request),
        code=_destruction(code).code,
        signed_statement=payload.signed_statement,
    )
    return _destruction(code)
