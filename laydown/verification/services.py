"""Writes of verification: accreditations, inspections, reports, destruction monitoring.

Observers sign with keys that never reach the server: `laydown observer keygen` makes a
signed-note key on their machine, `laydown observer sign REPORT` signs (offline), or the
inspection page signs in the browser with WebCrypto Ed25519 (static/verification/sign.js: the
key file is read locally or kept in the browser as a non-extractable key); either way the
service checks the signature against the key of a valid accreditation and keeps the signed note.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laydown import tlog
from laydown.access.permissions import Principal, actor_of, authorize
from laydown.access.roles import OrgKind, Role
from laydown.accounts.models import User
from laydown.arms import services as arms
from laydown.arms.models import Site
from laydown.core.errors import ValidationError
from laydown.ledger import selectors as ledger
from laydown.ledger import services as ledger_services
from laydown.ledger import witnessing
from laydown.ledger.models import LogWitness
from laydown.verification import records, sampling, selectors
from laydown.verification.models import (
    Accreditation,
    DestructionEvent,
    FindingResult,
    FollowUp,
    Inspection,
    InspectionStatus,
)
from laydown.verification.permissions import WITNESS_MANAGE

MISMATCH_FIELDS = ("serial", "markings", "condition", "location", "count")
OBSERVER_ORG_KINDS = (OrgKind.OBSERVER_DELEGATION, OrgKind.UN_OFFICE)


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError(message, fields={field: message})


def _code(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(3).upper()}"


def _append(kind: str, data: dict[str, object], actor: Principal) -> None:
    ledger_services.record_append(kind=kind, data=data, actor=actor_of(actor))


def _check_sites(codes: Sequence[str]) -> list[str]:
    codes = sorted(set(codes))
    known = set(Site.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise _refuse("sites", _("Unknown sites: %(s)s.") % {"s": ", ".join(unknown)})
    return codes


def _signed_note_verifier(vkey: str) -> tlog.Verifier:
    try:
        verifier = tlog.new_verifier(vkey)
    except tlog.TlogError as exc:
        raise _refuse("vkey", _("Not a verifier key: %(e)s") % {"e": exc}) from exc
    if verifier.alg != tlog.ALG_ED25519:
        raise _refuse("vkey", _("Use an Ed25519 key made by `laydown observer keygen`."))
    return verifier


# ---- accreditation -------------------------------------------------------------------------


def accreditation_grant(
    *,
    actor: Principal,
    observer: User,
    vkey: str,
    sites: Sequence[str],
    valid_from: dt.date,
    valid_until: dt.date,
) -> Accreditation:
    authorize(actor, "verification.accredit")
    if not observer.grants.filter(role=Role.OBSERVER).exists():
        raise _refuse("observer", _("%(u)s does not hold the observer role.") % {"u": observer})
    if observer.organisation is None or observer.organisation.kind not in OBSERVER_ORG_KINDS:
        raise _refuse("observer", _("Observers belong to an observer delegation or a UN office."))
    _signed_note_verifier(vkey)
    if valid_until < valid_from:
        raise _refuse("valid_until", _("The accreditation ends before it begins."))
    code = _code("ACC")
    with transaction.atomic():
        _append(
            records.ACCREDITED.name,
            {
                "accreditation": code,
                "observer": observer.pseudonym,
                "organisation": observer.organisation.code,
                "vkey": vkey,
                "sites": _check_sites(sites),
                "valid_from": valid_from.isoformat(),
                "valid_until": valid_until.isoformat(),
            },
            actor,
        )
    return Accreditation.objects.get(code=code)


def accreditation_revoke(*, actor: Principal, code: str, reason: str) -> None:
    authorize(actor, "verification.accredit")
    if not reason.strip():
        raise _refuse("reason", _("Say why the accreditation is revoked."))
    with transaction.atomic():
        if not Accreditation.objects.filter(code=code, revoked_at=None).exists():
            raise _refuse("accreditation", _("No active accreditation %(c)s.") % {"c": code})
        _append(
            records.ACCREDITATION_REVOKED.name,
            {"accreditation": code, "reason": reason.strip()},
            actor,
        )


def active_accreditation(observer: str, sites: Sequence[str]) -> Accreditation:
    """The observer's accreditation valid today for every one of `sites`, or PermissionDenied."""
    today = timezone.now().date()
    for accreditation in Accreditation.objects.filter(
        observer=observer, revoked_at=None, valid_from__lte=today, valid_until__gte=today
    ):
        if not accreditation.sites or set(sites) <= set(accreditation.sites):
            return accreditation
    raise PermissionDenied(
        _("You hold no valid accreditation for %(s)s today.") % {"s": ", ".join(sites)}
    )


# ---- inspections ---------------------------------------------------------------------------


def inspection_plan(
    *,
    actor: Principal,
    sites: Sequence[str],
    planned_for: dt.date,
    team: Sequence[str],
    sample_percent: int | None = None,
    sample_count: int | None = None,
) -> Inspection:
    authorize(actor, "verification.inspection_plan")
    if (sample_percent is None) == (sample_count is None):
        raise _refuse("sample", _("Give either a sample percentage or a sample count."))
    if sample_percent is not None and not 1 <= sample_percent <= 100:
        raise _refuse("sample_percent", _("A percentage is between 1 and 100."))
    if sample_count is not None and not 1 <= sample_count <= 100_000:
        raise _refuse("sample_count", _("A count is between 1 and 100,000."))
    team = sorted(set(team))
    if not team:
        raise _refuse("team", _("Name at least one observer."))
    accredited = set(
        Accreditation.objects.filter(observer__in=team, revoked_at=None).values_list(
            "observer", flat=True
        )
    )
    strangers = [p for p in team if p not in accredited]
    if strangers:
        raise _refuse(
            "team",
            _("Not an accredited observer: %(p)s. Choose the team among the observers.")
            % {"p": ", ".join(strangers)},
        )
    code = _code("INS")
    with transaction.atomic():
        _append(
            records.PLANNED.name,
            {
                "inspection": code,
                "sites": _check_sites(sites),
                "planned_for": planned_for.isoformat(),
                "team": team,
                "sample_percent": sample_percent,
                "sample_count": sample_count,
            },
            actor,
        )
    return Inspection.objects.get(code=code)


def _inspection(code: str, status: str, actor: Principal) -> Inspection:
    inspection = Inspection.objects.select_for_update().filter(code=code).first()
    if inspection is None:
        raise _refuse("inspection", _("No inspection %(c)s.") % {"c": code})
    if actor.pseudonym not in inspection.team:
        raise PermissionDenied(_("You are not on the team of inspection %(c)s.") % {"c": code})
    if inspection.status != status:
        raise _refuse(
            "inspection",
            _("Inspection %(c)s is %(s)s, not %(w)s.")
            % {"c": code, "s": inspection.status, "w": status},
        )
    return inspection


def _cosigned_checkpoint() -> ledger.SignedCheckpoint:
    checkpoint = ledger.checkpoint_public()
    if not LogWitness.objects.filter(active=True).exists():
        raise _refuse(
            "checkpoint",
            _("No witness is configured: an inspection needs a checkpoint cosigned by witnesses."),
        )
    if checkpoint.size == 0:
        raise _refuse("checkpoint", _("No checkpoint has been cosigned by the witnesses yet."))
    return checkpoint


def inspection_open(*, actor: Principal, code: str, nonce: str) -> Inspection:
    """Fix the inventory at the newest cosigned checkpoint and draw the sample from the nonce."""
    authorize(actor, "verification.inspect")
    nonce = nonce.strip()
    if not 8 <= len(nonce) <= 200:
        raise _refuse("nonce", _("The nonce is 8 to 200 characters that only you chose."))
    with transaction.atomic():
        inspection = _inspection(code, InspectionStatus.PLANNED, actor)
        active_accreditation(actor.pseudonym or "", inspection.sites)
        checkpoint = _cosigned_checkpoint()
        inventory = selectors.inventory_at(checkpoint.size, inspection.sites)
        size = sampling.sample_size(
            len(inventory.items),
            percent=inspection.sample_percent,
            count=inspection.sample_count,
        )
        sample = sampling.draw(sampling.sample_seed(checkpoint.root, nonce), inventory.items, size)
        _append(
            records.OPENED.name,
            {
                "inspection": code,
                "checkpoint_size": checkpoint.size,
                "checkpoint_root": checkpoint.root.hex(),
                "checkpoint_note": checkpoint.note,
                "nonce": nonce,
                "inventory_sha256": sampling.inventory_digest(inventory.items),
                "inventory_size": len(inventory.items),
                "sample": sample,
                "lots": inventory.lots,
            },
            actor,
        )
    return Inspection.objects.get(code=code)


@dataclass(frozen=True)
class FindingIn:
    """One finding as an observer enters it: the sampled item or counted lot, and what was seen."""

    tag: str
    result: str
    mismatches: Sequence[str] = ()
    counted: int | None = None
    notes: str = ""
    photos: Sequence[str] = ()


def _finding_check(finding: FindingIn, inspection: Inspection) -> dict[str, object]:
    """The record data of one finding, or a ValidationError naming its field."""
    tag, mismatches = finding.tag, finding.mismatches
    if finding.result not in FindingResult.values:
        raise _refuse(
            "result", _("Result is one of: %(r)s.") % {"r": ", ".join(FindingResult.values)}
        )
    wrong = [m for m in mismatches if m not in MISMATCH_FIELDS]
    if wrong or (finding.result == FindingResult.MISMATCH) != bool(mismatches):
        raise _refuse(
            "mismatches",
            _("A mismatch names what differs (%(f)s); other results name nothing.")
            % {"f": ", ".join(MISMATCH_FIELDS)},
        )
    if len(finding.notes) > 2000:
        raise _refuse("notes", _("Notes are at most 2,000 characters."))
    is_lot = tag in inspection.lots
    if tag not in inspection.sample and not is_lot:
        raise _refuse("tag", _("%(t)s is not in this inspection's sample.") % {"t": tag})
    if is_lot and (finding.counted is None or finding.counted < 0):
        raise _refuse("counted", _("Give the physical count of lot %(t)s.") % {"t": tag})
    return {
        "inspection": inspection.code,
        "tag": tag,
        "result": finding.result,
        "mismatches": sorted(mismatches),
        "counted": finding.counted if is_lot else None,
        "notes": finding.notes.strip(),
        "photos": list(finding.photos),
    }


def inspection_record(
    *,
    actor: Principal,
    code: str,
    tag: str,
    result: str,
    mismatches: Sequence[str] = (),
    counted: int | None = None,
    notes: str = "",
    photos: Sequence[str] = (),
) -> None:
    """Record one finding (as `inspection_record_many` with one line)."""
    try:
        inspection_record_many(
            actor=actor,
            code=code,
            findings=[FindingIn(tag, result, tuple(mismatches), counted, notes, tuple(photos))],
        )
    except FindingsRefused as exc:
        raise exc.problems[tag] from None


class FindingsRefused(ValidationError):
    """Some lines of a batch of findings were refused: `problems` maps each tag to its error.
    Nothing of the batch was written."""

    def __init__(self, problems: dict[str, ValidationError]) -> None:
        first = next(iter(problems.values()))
        message = _("Lines to correct: %(n)d. Nothing was saved.") % {"n": len(problems)}
        super().__init__(
            message if len(problems) > 1 else first.message,
            fields={f"{tag}.{f}": r for tag, e in problems.items() for f, r in e.fields.items()},
        )
        self.problems = problems


def inspection_record_many(*, actor: Principal, code: str, findings: Sequence[FindingIn]) -> int:
    """Record the findings of a walk through a depot in one go: every line is checked first and
    all refusals are reported together (FindingsRefused); if none, the findings are appended as
    one batch of records under one checkpoint. Returns how many were recorded."""
    authorize(actor, "verification.inspect")
    if not findings:
        raise _refuse("findings", _("Enter at least one finding."))
    tags = [f.tag for f in findings]
    if len(set(tags)) != len(tags):
        raise _refuse("findings", _("Each item or lot appears once in a batch of findings."))
    with transaction.atomic():
        inspection = _inspection(code, InspectionStatus.OPEN, actor)
        entries: list[ledger_services.Entry] = []
        problems: dict[str, ValidationError] = {}
        for finding in findings:
            try:
                entries.append((records.FINDING.name, _finding_check(finding, inspection)))
            except ValidationError as exc:
                problems[finding.tag] = exc
        if problems:
            raise FindingsRefused(problems)
        ledger_services.record_append_batch(entries=entries, actor=actor_of(actor))
    return len(entries)


def inspection_close(*, actor: Principal, code: str) -> Inspection:
    authorize(actor, "verification.inspect")
    with transaction.atomic():
        inspection = _inspection(code, InspectionStatus.OPEN, actor)
        done = set(inspection.findings.values_list("tag", flat=True))
        missing = [t for t in [*inspection.sample, *inspection.lots] if t not in done]
        if missing:
            raise _refuse(
                "findings",
                _("Record a finding for each sampled item and lot first; missing: %(m)s.")
                % {"m": ", ".join(missing[:20])},
            )
        _append(
            records.CLOSED.name,
            {
                "inspection": code,
                "report": selectors.report_text(inspection),
                "follow_ups": selectors.discrepancies(inspection),
            },
            actor,
        )
    return Inspection.objects.get(code=code)


def _check_signed(signed: str, accreditation: Accreditation, text: str, what: str) -> None:
    verifier = tlog.new_verifier(accreditation.vkey)
    try:
        note = tlog.open_note(signed, [verifier])
    except tlog.NoteError as exc:
        raise _refuse(
            "signature",
            _("The %(w)s is not signed with your accredited key (%(e)s).") % {"w": what, "e": exc},
        ) from exc
    if note.text != text:
        raise _refuse("signature", _("The signed text is not this %(w)s.") % {"w": what})


def inspection_sign(*, actor: Principal, code: str, signed_report: str) -> Inspection:
    """Keep the report signed offline with the observer's accredited key."""
    authorize(actor, "verification.inspect")
    with transaction.atomic():
        inspection = Inspection.objects.select_for_update().filter(code=code).first()
        if inspection is not None and inspection.status == InspectionStatus.SIGNED:
            raise _refuse("inspection", _("This report is signed already."))
        inspection = _inspection(code, InspectionStatus.CLOSED, actor)
        accreditation = active_accreditation(actor.pseudonym or "", inspection.sites)
        _check_signed(signed_report, accreditation, inspection.report, _("report"))
        _append(
            records.SIGNED.name,
            {
                "inspection": code,
                "signed_report": signed_report,
                "accreditation": accreditation.code,
            },
            actor,
        )
    return Inspection.objects.get(code=code)


def follow_up_resolve(*, actor: Principal, code: str, tag: str, resolution: str) -> None:
    authorize(actor, "verification.follow_up")
    if not resolution.strip():
        raise _refuse("resolution", _("Say how the discrepancy was resolved."))
    with transaction.atomic():
        if not FollowUp.objects.filter(inspection_id=code, tag=tag, status="open").exists():
            raise _refuse("follow_up", _("No open follow-up for %(t)s.") % {"t": tag})
        _append(
            records.FOLLOW_UP_RESOLVED.name,
            {"inspection": code, "tag": tag, "resolution": resolution.strip()},
            actor,
        )


# ---- destruction monitoring ----------------------------------------------------------------


def destruction_plan(
    *,
    actor: Principal,
    site: str,
    method: str,
    items: Sequence[str] = (),
    lots: Sequence[str] = (),
    observers: Sequence[str],
) -> DestructionEvent:
    authorize(actor, "verification.destruction")
    if not observers:
        raise _refuse("observers", _("A monitored destruction needs at least one observer."))
    for observer in observers:
        active_accreditation(observer, [site])
    code = _code("DES")
    with transaction.atomic():
        _append(
            records.DESTRUCTION_PLANNED.name,
            {
                "destruction": code,
                "site": _check_sites([site])[0],
                "method": method,
                "items": sorted(set(items)),
                "lots": sorted(set(lots)),
                "observers": sorted(set(observers)),
            },
            actor,
        )
    return DestructionEvent.objects.get(code=code)


def statement_text(event: DestructionEvent, disposal: str) -> str:
    return (
        "Laydown destruction statement\n"
        f"event {event.code}\nsite {event.site}\nmethod {event.method}\n"
        f"disposal {disposal}\n"
        f"items {' '.join(event.items) or '-'}\nlots {' '.join(event.lots) or '-'}\n"
        f"observers {' '.join(event.observers)}\n"
    )


def destruction_record(
    *, actor: Principal, code: str, before_photos: Sequence[str], after_photos: Sequence[str]
) -> DestructionEvent:
    """Dispose of the listed items and lots (arms registry) and fix the statement to sign."""
    authorize(actor, "verification.destruction")
    if not before_photos or not after_photos:
        raise _refuse("photos", _("Attach photos from before and after the destruction."))
    with transaction.atomic():
        event = DestructionEvent.objects.select_for_update().filter(code=code).first()
        if event is None or event.status != "planned":
            raise _refuse("destruction", _("No planned destruction %(c)s.") % {"c": code})
        disposal = arms.dispose(
            actor=actor,
            site=Site.objects.get(code=event.site),
            method=event.method,
            items=event.items,
            lots=event.lots,
            witnesses=event.observers,
            reference=event.code,
        )
        _append(
            records.DESTRUCTION_DONE.name,
            {
                "destruction": code,
                "disposal": disposal.code,
                "before_photos": list(before_photos),
                "after_photos": list(after_photos),
                "statement": statement_text(event, disposal.code),
            },
            actor,
        )
    return DestructionEvent.objects.get(code=code)


def destruction_countersign(*, actor: Principal, code: str, signed_statement: str) -> None:
    authorize(actor, "verification.countersign")
    with transaction.atomic():
        event = DestructionEvent.objects.select_for_update().filter(code=code).first()
        if event is None or event.status != "done":
            raise _refuse("destruction", _("Destruction %(c)s has not taken place.") % {"c": code})
        if actor.pseudonym not in event.observers:
            raise PermissionDenied(_("Only observers who were present countersign."))
        if any(c["observer"] == actor.pseudonym for c in event.countersignatures):
            raise _refuse("destruction", _("You countersigned this destruction already."))
        accreditation = active_accreditation(actor.pseudonym or "", [event.site])
        _check_signed(signed_statement, accreditation, event.statement, _("statement"))
        _append(records.COUNTERSIGNED.name, {"destruction": code, "note": signed_statement}, actor)


# ---- witnesses of the log ------------------------------------------------------------------


def witness_add(*, actor: Principal, vkey: str, url: str) -> LogWitness:
    """Add (or re-activate) a witness by its cosignature verifier key and submission URL; the
    ledger records it (`ledger.witness_added`). `laydown log witness-add` does the same."""
    authorize(actor, WITNESS_MANAGE.name)
    with transaction.atomic():
        return witnessing.witness_add(actor=actor_of(actor), vkey=vkey.strip(), url=url.strip())


def witnesses_push(*, actor: Principal) -> list[witnessing.PushResult]:
    """Push the newest checkpoint to every active witness now (the worker does it on its own)."""
    authorize(actor, WITNESS_MANAGE.name)
    return witnessing.witness_push()
