"""Reads of demobilization: lists, a person's file, duplicates, cycles, aggregates.

List selectors narrow rows to what the principal's grants cover: participants of the regions
of its `people.read` grants, and children only where it also holds `people.child_protection`.
Reads of personal data go through `services.personal_data_read`, which records each one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import segno
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from laydown.access.permissions import ACTIONS, Principal, grants_for, is_allowed
from laydown.access.roles import PROGRAMME, Scope
from laydown.arms.models import AmmoLot, Item, Materiel
from laydown.core.errors import ValidationError
from laydown.core.paging import Page, paginate
from laydown.ledger.models import Record
from laydown.people import permissions as perms
from laydown.people import services
from laydown.people.entitlements import instalment_amount, instalments_due
from laydown.people.models import (
    CutOff,
    DuplicateFlag,
    Participant,
    PaymentCycle,
    PaymentLine,
    Refusal,
)
from laydown.people.vocab import Category, CycleStatus, DuplicateStatus, Status

SMALL = 5  # counts below this are shown as "<5"


def _regions(principal: Principal, action: str) -> tuple[bool, list[str]]:
    scopes = {scope for _role, scope in grants_for(principal, ACTIONS[action])}
    return PROGRAMME in scopes, [s.partition(":")[2] for s in scopes if s.startswith("region:")]


def visible(principal: Principal) -> Q:
    """Participants `principal` may list: its regions; children only with child protection."""
    everywhere, regions = _regions(principal, perms.READ.name)
    adults = Q() if everywhere else Q(region__in=regions)
    child_everywhere, child_regions = _regions(principal, perms.CHILD.name)
    children = Q() if child_everywhere else Q(region__in=child_regions)
    if not (child_everywhere or child_regions):
        children = Q(pk__in=[])
    return (adults & Q(is_child=False)) | (adults & children & Q(is_child=True))


def participant_search(
    *,
    principal: Principal,
    region: str = "",
    category: str = "",
    status: str = "",
    pseudonym: str = "",
    page: int = 1,
    per_page: int = 50,
) -> Page:
    rows = participant_rows(
        principal=principal, region=region, category=category, status=status, pseudonym=pseudonym
    )
    return paginate(rows.order_by("pseudonym"), page, per_page)


def participant_rows(
    *,
    principal: Principal,
    region: str = "",
    category: str = "",
    status: str = "",
    pseudonym: str = "",
) -> QuerySet[Participant]:
    """The participants the principal may see that match every given filter, unordered."""
    rows = Participant.objects.filter(visible(principal))
    if region:
        rows = rows.filter(region=region)
    if category:
        rows = rows.filter(category=category)
    if status:
        rows = rows.filter(status=status)
    if pseudonym:
        rows = rows.filter(pseudonym__startswith=pseudonym.strip().lower())
    return rows


def regions(principal: Principal) -> list[str]:
    return list(
        Participant.objects.filter(visible(principal))
        .values_list("region", flat=True)
        .distinct()
        .order_by("region")
    )


def participant_get(pseudonym: str) -> Participant | None:
    """The participant, whoever asks: callers then `services.check_access`, which records
    refusals (so a refused reader learns only that it was refused, and it is on record)."""
    return Participant.objects.filter(pk=pseudonym).first()


def participant_for(*, principal: Principal, pseudonym: str, action: str) -> Participant:
    """The participant, if `principal` may do `action` on them; else Http404, exactly as for a
    pseudonym that does not exist (so a refused caller learns nothing about them: not that
    they exist, nor their region, nor that they are under 18). A refusal is still recorded
    in the refusal log. An anonymous caller gets NotAuthenticated."""
    participant = participant_get(pseudonym)
    if participant is None:
        raise Http404(no_participant_message())
    try:
        services.check_access(principal, action, participant)
    except PermissionDenied:
        raise Http404(no_participant_message()) from None
    return participant


def no_participant_message() -> str:
    return _("No participant you may see.")


@dataclass
class HandIn:
    tag: str
    kind: str
    description: str
    collected_at: Any
    site: str


def hand_ins(pseudonym: str) -> list[HandIn]:
    """Weapons, ammunition lots and materiel the registry says this person handed in."""
    out = [
        HandIn(i.tag, "item", f"{i.make} {i.model} {i.serial}".strip(), i.collected_at, i.site_id)
        for i in Item.objects.filter(handed_in_by=pseudonym).order_by("tag")
    ]
    out += [
        HandIn(
            lot.tag,
            "lot",
            f"{lot.type} {lot.calibre} x{lot.quantity} {lot.unit}",
            lot.collected_at,
            lot.collected_site_id,
        )
        for lot in AmmoLot.objects.filter(handed_in_by=pseudonym).order_by("tag")
    ]
    out += [
        HandIn(m.tag, "materiel", m.description, m.collected_at, m.site_id)
        for m in Materiel.objects.filter(handed_in_by=pseudonym).order_by("tag")
    ]
    return out


@dataclass
class PersonFile:
    participant: Participant
    screenings: list[Any]
    appeals: list[Any]
    flags: list[Any]
    referrals: list[Any]
    payments: list[Any]
    hand_ins: list[HandIn]
    dependants: list[str] = field(default_factory=list)
    flags_elsewhere: int = 0  # suspected duplicates with participants the reader may not see


def person_file(participant: Participant, principal: Principal | None = None) -> PersonFile:
    """Everything the projection holds about one participant (no personal data).

    For a `principal`, suspected duplicates with a participant it may not see (another region)
    are counted, not named: their pseudonym would tell a registrar that someone of that name
    is registered elsewhere. A programme manager decides them."""
    p = participant
    flags = list(
        DuplicateFlag.objects.filter(Q(participant=p) | Q(other=p.pk)).order_by("flagged_at")
    )
    shown = flags
    if principal is not None:
        others = {f.other for f in flags} | {f.participant_id for f in flags}
        seen = set(
            Participant.objects.filter(visible(principal), pk__in=others).values_list(
                "pk", flat=True
            )
        )
        shown = [f for f in flags if f.other in seen and f.participant_id in seen]
    return PersonFile(
        participant=p,
        screenings=list(p.screenings.all()),
        appeals=list(p.appeals.all()),
        flags=shown,
        flags_elsewhere=len(flags) - len(shown),
        referrals=list(p.referrals.prefetch_related("follow_ups")),
        payments=list(PaymentLine.objects.filter(participant=p).select_related("cycle")),
        hand_ins=hand_ins(p.pk),
        dependants=list(Participant.objects.filter(dependant_of=p.pk).values_list("pk", flat=True)),
    )


def duplicates_open(principal: Principal) -> QuerySet[DuplicateFlag]:
    """The open duplicate flags of participants the principal may see."""
    rows = DuplicateFlag.objects.filter(status=DuplicateStatus.OPEN).select_related("participant")
    ids = Participant.objects.filter(visible(principal)).values("pk")
    return rows.filter(participant__in=ids)


def cut_off() -> CutOff | None:
    return CutOff.objects.filter(id=1).first()


def cycles() -> QuerySet[PaymentCycle]:
    return PaymentCycle.objects.all()


def payment_lines(cycle: str) -> list[list[Any]]:
    """[pseudonym, instalment, amount] for each eligible adult with an ID card and
    instalments left, counting those in other approved cycles."""
    paid: dict[str, int] = {}
    for pseudonym in (
        PaymentLine.objects.filter(cycle__status=CycleStatus.APPROVED)
        .exclude(cycle=cycle)
        .values_list("participant", flat=True)
    ):
        paid[pseudonym] = paid.get(pseudonym, 0) + 1
    lines = []
    eligible = Participant.objects.filter(
        status=Status.ELIGIBLE, is_child=False, erased_at__isnull=True
    ).exclude(id_card_number="")
    for p in eligible.values("pseudonym", "category", "dependants").order_by("pseudonym"):
        amount = instalment_amount(category=p["category"], dependants=p["dependants"])
        done = paid.get(p["pseudonym"], 0)
        if amount and instalments_due(category=p["category"], paid=done):
            lines.append([p["pseudonym"], done + 1, amount])
    return lines


def cycle_lines(cycle: PaymentCycle, page: int = 1, *, principal: Principal) -> Page:
    """One page of a cycle's lines: those of participants in `principal`'s payment scope."""
    everywhere, regions = _regions(principal, perms.PAYMENT.name)
    rows = cycle.lines.order_by("participant")
    if not everywhere:
        rows = rows.filter(participant__region__in=regions)
    return paginate(rows, page, 100)


def refusals(principal: Principal) -> QuerySet[Refusal]:
    """Refused requests about participants in `principal`'s scope (programme-wide: all)."""
    everywhere, regions = _regions(principal, perms.REFUSALS.name)
    rows = Refusal.objects.all()
    if not everywhere:
        rows = rows.filter(subject__in=Participant.objects.filter(region__in=regions).values("pk"))
    return rows


# ---- ID card and access report (these read the vault: each read is recorded) ---------------


def qr_svg(text: str) -> str:
    """An inline SVG QR code (no script, no external file: it passes the CSP)."""
    return str(segno.make(text, error="m").svg_inline(scale=4, border=2))


def id_card(*, actor: Principal, participant: Participant) -> dict[str, Any]:
    """What an ID card shows: name, photo, pseudonym, card number, QR code; never the armed
    group (it is not even read)."""
    services.check_access(actor, perms.REGISTER.name, participant)
    if not participant.id_card_number:
        raise ValidationError(
            _("No ID card was issued to %(p)s.") % {"p": participant.pk},
            fields={"participant": "no card"},
        )
    data = services.personal_data_read(
        actor=actor, participant=participant, categories=["identity", "photo"], purpose="ID card"
    )
    photo = data.get("photo") or {}
    identity = data.get("identity", {})
    qr_text = f"LAYDOWN:{participant.id_card_number}:{participant.pk}"
    return {
        "participant": participant,
        "name": identity.get("name", ""),
        "born": str(identity.get("born") or identity.get("birth_year") or ""),
        "photo_mime": photo.get("mime", ""),
        "photo_base64": photo.get("data", ""),
        "photo_uri": f"data:{photo['mime']};base64,{photo['data']}" if photo else "",
        "qr_text": qr_text,
        "qr": qr_svg(qr_text),
        "valid_until": id_card_expiry(participant),
    }


def id_card_expiry(participant: Participant) -> dt.date | None:
    """The last day the card is valid: LAYDOWN_ID_CARD_VALID_DAYS after its issue."""
    if participant.id_card_issued_at is None:
        return None
    days = settings.LAYDOWN_ID_CARD_VALID_DAYS
    return (participant.id_card_issued_at + dt.timedelta(days=days)).date()


def access_report(*, actor: Principal, participant: Participant) -> dict[str, Any]:
    """The data-subject access report: the personal data held, the pseudonymous file, and
    every write, read and erasure of the personal data recorded in the ledger."""
    services.check_access(actor, perms.SUBJECT_ACCESS.name, participant)
    categories = ["identity", "contact", "photo", "profile"]
    if _may(actor, perms.HEALTH.name, participant):
        categories.append("health")
    personal = services.personal_data_read(
        actor=actor,
        participant=participant,
        categories=categories,
        purpose="data-subject access request",
    )
    if "photo" in personal:  # the report names the photo; the card page shows it
        personal["photo"] = {"sha256": personal["photo"].get("sha256", "")}
    return {
        "personal": personal,
        "file": person_file(participant, actor),
        "history": vault_history(participant.pk, since=participant.registered_at),
    }


def _may(actor: Principal, action: str, participant: Participant) -> bool:
    return is_allowed(actor, action, scope=Scope(region=participant.region))


def vault_history(pseudonym: str, *, since: Any) -> list[dict[str, Any]]:
    """Vault records (written, read, erased) naming `pseudonym`: when, who, what, why.

    Scans the vault records since the registration; fine for one person's request.
    """
    out = []
    rows = Record.objects.filter(
        kind__in=["vault.written", "vault.read", "vault.erased"], at__gte=since
    ).order_by("index")
    for record in rows.iterator(chunk_size=2000):
        data = record.data
        if data.get("subject") == pseudonym:
            out.append(
                {
                    "index": record.index,
                    "kind": record.kind,
                    "at": record.at,
                    "actor": record.actor,
                    **data,
                    # what and why, whichever kind of record it is (an erasure has a reason)
                    "what": data.get("category") or ", ".join(data.get("categories") or []),
                    "why": data.get("purpose") or data.get("reason") or "",
                }
            )
    return out


# ---- aggregates ----------------------------------------------------------------------------

FIGURES = ("registered", "screened", "eligible", "id_cards", "paid")


def suppress(count: int) -> str:
    return "<5" if 0 < count < SMALL else str(count)


def aggregates() -> dict[str, Any]:
    """Counts by region and category, without personal data; cells under 5 suppressed, plus
    a second cell in any column where one suppressed cell could be recovered from the total."""
    rows = (
        Participant.objects.exclude(status=Status.DUPLICATE)
        .values("region", "category")
        .annotate(
            registered=Count("pk"),
            screened=Count(
                "pk", filter=~Q(status__in=[Status.REGISTERED, Status.CHILD_PROTECTION])
            ),
            eligible=Count("pk", filter=Q(status=Status.ELIGIBLE)),
            id_cards=Count("pk", filter=~Q(id_card_number="")),
        )
        .order_by("region", "category")
    )
    paid_counts = {
        (r, c): n
        for r, c, n in PaymentLine.objects.filter(paid_at__isnull=False)
        .values("participant__region", "participant__category")
        .annotate(n=Count("participant", distinct=True))
        .values_list("participant__region", "participant__category", "n")
    }
    table = [{**row, "paid": paid_counts.get((row["region"], row["category"]), 0)} for row in rows]
    totals = {f: sum(r[f] for r in table) for f in FIGURES}
    shown = [{k: (suppress(v) if k in FIGURES else v) for k, v in r.items()} for r in table]
    for f in FIGURES:
        hidden = [i for i, r in enumerate(shown) if r[f] == "<5"]
        if len(hidden) == 1 and totals[f] >= SMALL:
            others = [i for i, r in enumerate(table) if table[i][f] and i not in hidden]
            if others:
                smallest = min(others, key=lambda i: table[i][f])
                shown[smallest][f] = "x"  # suppressed so the first cannot be recovered
    return {
        "rows": shown,
        "totals": {f: suppress(n) for f, n in totals.items()},
        "categories": dict(Category.choices),
    }
