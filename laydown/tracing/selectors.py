"""Tracing's reads: markings of a thing, recovery (the formation only for those allowed), search
across serials, markings, headstamps and packaging, the vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from laydown.access.permissions import Principal, is_allowed
from laydown.access.roles import Scope
from laydown.arms import selectors as arms
from laydown.arms.models import AmmoLot, Item, Site
from laydown.arms.normalise import normalise_serial
from laydown.tracing import permissions
from laydown.tracing.models import LotMarking, Marking, Recovery, Term, TracingRequest
from laydown.tracing.records import term_key
from laydown.tracing.vocab import TAMPERED, TermKind, TermStatus


def allowed_at(principal: Principal | None, action: str, site: Site) -> bool:
    return principal is not None and is_allowed(
        principal, action, scope=Scope(site=site.code, region=site.region)
    )


def markings_of(tag: str) -> list[Marking]:
    return list(Marking.objects.filter(tag=tag))


def lot_markings_of(tag: str) -> list[LotMarking]:
    return list(LotMarking.objects.filter(tag=tag))


@dataclass(frozen=True)
class RecoveryView:
    recovery: Recovery
    formation: str | None  # None: the viewer may not see it


def recovery_of(tag: str, principal: Principal | None, site: Site) -> RecoveryView | None:
    row = Recovery.objects.filter(tag=tag).first()
    if row is None:
        return None
    visible = allowed_at(principal, permissions.PROVENANCE_READ.name, site)
    return RecoveryView(row, row.formation if visible else None)


# ---- search ---------------------------------------------------------------------------------


def marking_matcher(wanted: str) -> Q:
    """Items with a marking whose normalised text contains `wanted` (for the registry's search)."""
    return Q(tag__in=Marking.objects.filter(text_normalised__contains=wanted).values("tag"))


def lot_search(principal: Principal | None, text: str, limit: int = 200) -> list[AmmoLot]:
    """Lots whose lot number, headstamp, label or packing list contains `text`."""
    wanted = normalise_serial(text)
    if not wanted:
        return []
    tags = LotMarking.objects.filter(text_normalised__contains=wanted).values("tag")
    rows = AmmoLot.objects.filter(arms.site_filter(principal)).filter(
        Q(tag__in=tags) | Q(lot_number__icontains=text.strip())
    )
    return list(rows.select_related("site").order_by("-tag")[:limit])


def matching_markings(tags: list[str], text: str) -> dict[str, list[Marking]]:
    """For each tag, the markings that match `text` (to show why an item was found)."""
    wanted = normalise_serial(text)
    out: dict[str, list[Marking]] = {}
    if wanted:
        for m in Marking.objects.filter(tag__in=tags, text_normalised__contains=wanted):
            out.setdefault(m.tag, []).append(m)
    return out


def tampered(principal: Principal | None) -> QuerySet[Item]:
    """Items with an obliterated, partly obliterated or altered marking."""
    tags = Marking.objects.filter(state__in=TAMPERED).values("tag")
    return Item.objects.filter(arms.site_filter(principal), tag__in=tags)


# ---- the vocabulary -------------------------------------------------------------------------


def canonical(kind: str, value: str) -> str:
    """The approved name of `value` ("ak47" -> "AK-47"; itself when unknown)."""
    term = Term.objects.filter(kind=kind, key=term_key(value)).first()
    if term is not None and term.status == TermStatus.ALIAS and term.canonical:
        return term.canonical
    if term is not None and term.status == TermStatus.APPROVED:
        return term.value
    return value


def equivalents(field: str, value: str) -> list[str]:
    """Every name of the same make or model as `value` (for the registry's filters)."""
    if field not in (TermKind.MAKE, TermKind.MODEL, TermKind.CALIBRE):
        return []
    name = canonical(field, value)
    rows = Term.objects.filter(
        Q(value=name) | Q(canonical=name),
        kind=field,
        status__in=(TermStatus.APPROVED, TermStatus.ALIAS),
    )
    return [t.value for t in rows]


@dataclass
class Entry:
    term: Term
    aliases: list[str]


def vocabulary(kind: str = "") -> list[Entry]:
    rows = Term.objects.filter(status__in=(TermStatus.APPROVED, TermStatus.ALIAS))
    if kind:
        rows = rows.filter(kind=kind)
    approved: dict[tuple[str, str], Entry] = {}
    aliases: list[Term] = []
    for term in rows.order_by("kind", "value"):
        if term.status == TermStatus.APPROVED:
            approved[(term.kind, term.value)] = Entry(term, [])
        else:
            aliases.append(term)
    for alias in aliases:
        entry = approved.get((alias.kind, alias.canonical))
        if entry is not None:
            entry.aliases.append(alias.value)
    return list(approved.values())


def proposed() -> list[Term]:
    return list(Term.objects.filter(status=TermStatus.PROPOSED).order_by("kind", "value"))


def unlisted(principal: Principal | None, limit: int = 50) -> list[tuple[str, str, int]]:
    """(kind, value, items) of makes, models and calibres in use that the vocabulary lacks."""
    known = set(Term.objects.values_list("kind", "key"))
    out = []
    items = Item.objects.filter(arms.site_filter(principal))
    for kind in ("make", "model", "calibre"):
        counted = items.exclude(**{kind: ""}).values(kind).annotate(n=Count("tag")).order_by("-n")
        for row in counted[:500]:
            if (kind, term_key(row[kind])) not in known:
                out.append((kind, row[kind], row["n"]))
    out.sort(key=lambda r: -r[2])
    return out[:limit]


def suggestions(principal: Principal | None, site: str = "") -> dict[str, list[str]]:
    """For the registration form: approved names and their other names, then the values typed
    recently at `site` that the vocabulary lacks (so the next clerk types them the same way)."""
    out: dict[str, list[str]] = {k: [] for k in TermKind.values}
    for term in Term.objects.filter(status__in=(TermStatus.APPROVED, TermStatus.ALIAS)).order_by(
        "value"
    ):
        out[term.kind].append(term.value)
    if site:
        recent = Item.objects.filter(arms.site_filter(principal), site_id=site).order_by("-tag")[
            :200
        ]
        for kind in TermKind.values:
            seen = set(out[kind])
            for value in recent.values_list(kind, flat=True):
                if value and value not in seen:
                    seen.add(value)
                    out[kind].append(value)
    return out


def requests_list(limit: int = 100) -> list[TracingRequest]:
    return list(requests_query()[:limit])


def requests_query() -> QuerySet[TracingRequest]:
    """Every tracing request exported (who, to whom, why, which tags)."""
    return TracingRequest.objects.all()
