"""Reads of humanitarian assistance.

`visible(principal, rows)` is the one place that limits partner staff (and observers) to
their own organisation's records; admins, managers and auditors see every organisation's.
Dialogue meetings and monitoring visits concern the whole programme: every reader sees them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Count, Max, Min, Model, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from laydown.access.permissions import CROSS_ORG_ROLES, Principal, is_allowed
from laydown.access.roles import OrgKind
from laydown.accounts.models import Organisation
from laydown.assistance.models import (
    Commitment,
    Complaint,
    Distribution,
    Household,
    Meeting,
    PartnerProfile,
    Place,
    Project,
    Visit,
)
from laydown.assistance.vocab import CLOSED_COMMITMENTS, REACHED_FIELDS, VisitStatus
from laydown.core import validators
from laydown.vault import selectors as vault_selectors

M = TypeVar("M", bound=Model)


def sees_all(principal: Principal) -> bool:
    return bool(principal.roles() & CROSS_ORG_ROLES) or principal.pseudonym == "system"


def visible(principal: Principal, rows: QuerySet[M]) -> QuerySet[M]:
    if sees_all(principal):
        return rows
    return rows.filter(organisation_id=principal.organisation_id)


# ---- partners and places -------------------------------------------------------------------


def partner_list(principal: Principal) -> QuerySet[Organisation]:
    rows = Organisation.objects.filter(kind=OrgKind.HUMANITARIAN_PARTNER).select_related(
        "partner_profile"
    )
    if not sees_all(principal):
        rows = rows.filter(pk=principal.organisation_id or -1)
    return rows.order_by("name")


def project_owner_choices(principal: Principal) -> list[tuple[str, str]]:
    """Who a project may belong to: the partners one may act for, and the operator itself."""
    operators: list[tuple[str, str]] = []
    if sees_all(principal):
        rows = Organisation.objects.filter(kind=OrgKind.OPERATOR).order_by("name")
        operators = [(o.code, o.name) for o in rows]
    elif principal.organisation_id is not None:
        own = Organisation.objects.filter(pk=principal.organisation_id, kind=OrgKind.OPERATOR)
        operators = [(o.code, o.name) for o in own]
    return partner_choices(principal) + operators


def partner_get(principal: Principal, code: str) -> Organisation | None:
    return partner_list(principal).filter(code=code).first()


def partner_choices(principal: Principal) -> list[tuple[str, str]]:
    return [(o.code, o.name) for o in partner_list(principal)]


def profile_of(organisation: Organisation) -> PartnerProfile | None:
    return PartnerProfile.objects.filter(organisation=organisation).first()


def place_list(*, level: str | None = None, parent: str | None = None) -> QuerySet[Place]:
    rows = Place.objects.select_related("parent")
    if level:
        rows = rows.filter(level=level)
    if parent:
        rows = rows.filter(parent_id=parent)
    return rows.order_by("pcode")


def place_get(pcode: str) -> Place | None:
    return Place.objects.select_related("parent__parent").filter(pcode=pcode).first()


def place_choices() -> list[tuple[str, str]]:
    return [(p.pcode, f"{'  ' * depth}{p.name} ({p.pcode})") for p, depth in _place_tree()]


def _place_tree() -> Iterator[tuple[Place, int]]:
    children: dict[str | None, list[Place]] = {}
    for place in Place.objects.order_by("pcode"):
        children.setdefault(place.parent_id, []).append(place)

    def walk(parent: str | None, depth: int) -> Iterator[tuple[Place, int]]:
        for place in children.get(parent, []):
            yield place, depth
            yield from walk(place.pcode, depth + 1)

    yield from walk(None, 0)


def place_and_below(pcode: str) -> list[str]:
    """The P-code and those of every place under it."""
    found, frontier = [pcode], [pcode]
    while frontier:
        frontier = list(Place.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        found += frontier
    return found


# ---- households ----------------------------------------------------------------------------


def household_list(principal: Principal, *, place: str = "") -> QuerySet[Household]:
    rows = visible(principal, Household.objects.select_related("place", "organisation"))
    if place:
        rows = rows.filter(place_id__in=place_and_below(place))
    return rows.order_by("-registered_at", "code")


def household_get(principal: Principal, code: str) -> Household | None:
    rows = visible(principal, Household.objects.select_related("place", "organisation"))
    return rows.prefetch_related("members").filter(code=code).first()


# ---- distributions -------------------------------------------------------------------------


@dataclass(frozen=True)
class DistributionFilters:
    partner: str = ""
    sector: str = ""
    commodity: str = ""
    place: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> DistributionFilters:
        def day(name: str) -> dt.date | None:
            try:
                return validators.date(name, query.get(name, ""))
            except Exception:  # noqa: BLE001  (a bad filter value is ignored, not an error)
                return None

        return cls(
            partner=query.get("partner", "").strip(),
            sector=query.get("sector", "").strip(),
            commodity=query.get("commodity", "").strip(),
            place=query.get("place", "").strip().upper(),
            date_from=day("date_from"),
            date_to=day("date_to"),
        )

    def as_query(self) -> dict[str, str]:
        values = {
            "partner": self.partner,
            "sector": self.sector,
            "commodity": self.commodity,
            "place": self.place,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in values.items() if v}


def distribution_list(
    principal: Principal, filters: DistributionFilters | None = None
) -> QuerySet[Distribution]:
    f = filters or DistributionFilters()
    rows = visible(principal, Distribution.objects.select_related("organisation", "place"))
    if f.partner:
        rows = rows.filter(organisation__code=f.partner)
    if f.sector:
        rows = rows.filter(sector=f.sector)
    if f.commodity:
        rows = rows.filter(commodity=f.commodity)
    if f.place:
        rows = rows.filter(place_id__in=place_and_below(f.place))
    if f.date_from:
        rows = rows.filter(date__gte=f.date_from)
    if f.date_to:
        rows = rows.filter(date__lte=f.date_to)
    return rows.order_by("-date", "-code")


def distribution_get(principal: Principal, code: str) -> Distribution | None:
    rows = visible(principal, Distribution.objects.select_related("organisation", "place"))
    return rows.filter(code=code).first()


def complaint_list(principal: Principal, *, status: str = "") -> QuerySet[Complaint]:
    rows = visible(principal, Complaint.objects.select_related("organisation", "place"))
    return rows.filter(status=status) if status else rows


def complaint_get(principal: Principal, code: str) -> Complaint | None:
    return complaint_list(principal).filter(code=code).first()


# ---- the 5W aggregate (exports and reports) ------------------------------------------------

FIVE_W_KEYS = (
    "date",
    "place__parent__parent__pcode",
    "place__parent__parent__name",
    "place__parent__pcode",
    "place__parent__name",
    "place__pcode",
    "place__name",
    "organisation__code",
    "organisation__name",
    "organisation__partner_profile__partner_kind",
    "sector",
    "activity",
    "commodity",
    "item",
    "unit",
)
FIVE_W_SUMS = (
    "quantity_planned",
    "quantity_delivered",
    *REACHED_FIELDS,
    "reached_total",
    "reached_disabled",
)


def five_w_rows(
    principal: Principal, filters: DistributionFilters | None = None
) -> Iterator[dict[str, Any]]:
    """Distributions summed per day, settlement, partner, sector, activity and item.

    Only aggregate figures: no household, no person. Streamed in chunks.
    """
    rows = (
        distribution_list(principal, filters)
        .order_by()
        .values(*FIVE_W_KEYS)
        .annotate(distributions=Count("code"), **{name: Sum(name) for name in FIVE_W_SUMS})
        .order_by(*FIVE_W_KEYS)
    )
    for row in rows.iterator(chunk_size=2000):
        yield _levels(row)


def _levels(row: dict[str, Any]) -> dict[str, Any]:
    """Name the administrative levels whatever level the distribution's place is at."""
    chain = [
        (row["place__parent__parent__pcode"], row["place__parent__parent__name"]),
        (row["place__parent__pcode"], row["place__parent__name"]),
        (row["place__pcode"], row["place__name"]),
    ]
    chain = [link for link in chain if link[0]]
    chain += [("", "")] * (3 - len(chain))
    (adm1, adm1_name), (adm2, adm2_name), (loc, loc_name) = chain
    return {
        "date": row["date"].isoformat(),
        "adm1_code": adm1,
        "adm1_name": adm1_name,
        "adm2_code": adm2,
        "adm2_name": adm2_name,
        "loc_code": loc,
        "loc_name": loc_name,
        "org_code": row["organisation__code"],
        "org_name": row["organisation__name"],
        "org_type": row["organisation__partner_profile__partner_kind"] or "",
        "sector": row["sector"],
        "activity": row["activity"],
        "commodity": row["commodity"],
        "item": row["item"],
        "unit": row["unit"],
        "distributions": row["distributions"],
        **{name: row[name] for name in FIVE_W_SUMS},
        "reached_f": row["girls"] + row["women"] + row["older_women"],
        "reached_m": row["boys"] + row["men"] + row["older_men"],
    }


def reached_by(principal: Principal, key: str) -> list[dict[str, Any]]:
    """People reached and distributions by `key` (sector, organisation__name, place__name...)."""
    sums = {name: Sum(name) for name in (*REACHED_FIELDS, "reached_total", "reached_disabled")}
    rows = distribution_list(principal).order_by().values(key)
    return list(rows.annotate(distributions=Count("code"), **sums).order_by(key))


# ---- projects, dialogue, visits ------------------------------------------------------------


def project_list(principal: Principal, *, sector: str = "", status: str = "") -> QuerySet[Project]:
    rows = visible(principal, Project.objects.select_related("organisation", "place"))
    if sector:
        rows = rows.filter(sector=sector)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("code")


def project_get(principal: Principal, code: str) -> Project | None:
    rows = visible(principal, Project.objects.select_related("organisation", "place"))
    return rows.prefetch_related("progress").filter(code=code).first()


def meeting_list() -> QuerySet[Meeting]:
    rows = Meeting.objects.select_related("place", "organisation")
    return rows.annotate(commitment_count=Count("commitments")).order_by("-date", "-code")


def meeting_get(code: str) -> Meeting | None:
    rows = Meeting.objects.select_related("place", "organisation")
    return rows.prefetch_related("participants", "commitments").filter(code=code).first()


def commitment_get(code: str) -> Commitment | None:
    return Commitment.objects.select_related("meeting").filter(code=code).first()


def commitments_overdue(today: dt.date | None = None) -> QuerySet[Commitment]:
    today = today or validators.today()
    return (
        Commitment.objects.select_related("meeting")
        .filter(due__lt=today)
        .exclude(status__in=CLOSED_COMMITMENTS)
        .order_by("due", "code")
    )


def commitment_list(*, status: str = "", overdue: bool = False) -> QuerySet[Commitment]:
    rows = commitments_overdue() if overdue else Commitment.objects.select_related("meeting")
    return rows.filter(status=status) if status else rows.order_by("due", "code")


def visit_list(*, status: str = "") -> QuerySet[Visit]:
    rows = Visit.objects.select_related("organisation").order_by("-planned_start", "-code")
    return rows.filter(status=status) if status else rows


def visit_get(code: str) -> Visit | None:
    return (
        Visit.objects.select_related("organisation")
        .prefetch_related("updates")
        .filter(code=code)
        .first()
    )


def assistance_summary(principal: Principal) -> dict[str, Any]:
    """The figures of the dashboard, situation report and public page's assistance section."""
    distributions = distribution_list(principal)
    span = distributions.aggregate(first=Min("date"), last=Max("date"))
    today = validators.today()
    commitments = Commitment.objects.all()
    return {
        "reached_by_sector": reached_by(principal, "sector"),
        "reached_by_partner": reached_by(principal, "organisation__name"),
        "reached_by_place": reached_by(principal, "place__name"),
        "distributions_by_day": list(
            distributions.order_by()
            .values("date")
            .annotate(distributions=Count("code"), reached=Sum("reached_total"))
            .order_by("date")
        ),
        "first_date": span["first"],
        "last_date": span["last"],
        "projects": list(
            project_list(principal).values("code", "name", "sector", "status", "percent_complete")
        ),
        "commitments": commitments.count(),
        "commitments_kept": commitments.filter(status="done").count(),
        "commitments_overdue": commitments_overdue(today).count(),
        "visits_planned": Visit.objects.filter(
            status__in=[VisitStatus.PROPOSED, VisitStatus.AGREED]
        ).count(),
        "visits_done": Visit.objects.filter(status=VisitStatus.DONE).count(),
        "visits_coming": list(
            Visit.objects.filter(status__in=[VisitStatus.PROPOSED, VisitStatus.AGREED])
            .order_by("planned_start", "code")
            .values(
                "code",
                "organisation__name",
                "purpose",
                "planned_start",
                "planned_end",
                "status",
            )
        ),
        "households": visible(principal, Household.objects.all()).count(),
        "open_complaints": complaint_list(principal).filter(~Q(status="closed")).count(),
    }


# ---- choices and rights for the pages ------------------------------------------------------


def organisation_choices(principal: Principal) -> list[tuple[str, str]]:
    """Organisations the principal may act for: all for cross-organisation roles, else its own."""
    rows = Organisation.objects.order_by("name")
    if not sees_all(principal):
        rows = rows.filter(pk=principal.organisation_id or -1)
    return [(o.code, o.name) for o in rows]


def may(principal: Principal, action: str, organisation_id: int | None = None) -> bool:
    """Whether the principal may do `action` on a record of `organisation_id`."""
    return is_allowed(principal, action, organisation_id=organisation_id)


def commitment_history(code: str) -> Commitment | None:
    rows = Commitment.objects.select_related("meeting").prefetch_related("updates")
    return rows.filter(code=code).first()


def complaint_detail(principal: Principal, code: str) -> Complaint | None:
    rows = complaint_list(principal).select_related("distribution")
    return rows.prefetch_related("follow_ups").filter(code=code).first()


def recipients_waiting(distribution: Distribution) -> list[str]:
    """Households on the distribution's recipient list whose receipt is not recorded yet."""
    rows = distribution.recipients.filter(received_at=None).order_by("household_id")
    return list(rows.values_list("household_id", flat=True))


# ---- suspected duplicate households ----------------------------------------------------------


def household_duplicates(blind: Mapping[str, str]) -> list[str]:
    """Households whose head (name at the place), document or phone match these."""
    found: set[str] = set()
    for field, value in blind.items():
        found.update(
            vault_selectors.vault_matches(field=f"household_{field}", normalised_value=value)
        )
    return sorted(found)


def duplicates_shown(actor: Principal, matches: Sequence[str]) -> tuple[list[str], bool]:
    """Of the matching household codes, those the actor may see; and whether others matched.

    Partner staff see the codes of their own organisation's households only: a match in
    another organisation is only said to exist, so that a phone, document or name cannot be
    used to learn who is another partner's beneficiary, or under which code.
    """
    codes = sorted(set(matches))
    if actor.roles() & CROSS_ORG_ROLES or actor.pseudonym == "system":
        return codes, False
    elsewhere = set(
        Household.objects.filter(code__in=codes)
        .exclude(organisation_id=actor.organisation_id or -1)
        .values_list("code", flat=True)
    )
    return [c for c in codes if c not in elsewhere], bool(elsewhere)


def duplicate_message(shown: Sequence[str], elsewhere: bool) -> str:
    parts = []
    if shown:
        parts.append(
            _(
                "This household matches %(codes)s (same head at the place, document or phone). "
                "Check it is not registered already; if it is a different household, a "
                "programme manager can register it with a reason."
            )
            % {"codes": ", ".join(shown)}
        )
    if elsewhere:
        parts.append(
            _(
                "A possible duplicate is registered by another organisation; a programme "
                "manager must decide, and can register it with a reason."
            )
        )
    return " ".join(parts)
