"""The administrator's checklist 'before your first day': what is done, read from every app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from laydown.access.roles import OrgKind, Role
from laydown.accounts.models import Organisation, RoleGrant, User
from laydown.accounts.programme import programme_profile
from laydown.arms.models import Site
from laydown.arms.vocab import SiteKind, SiteStatus
from laydown.assistance.models import Place
from laydown.ledger.models import LogWitness
from laydown.verification.models import Accreditation


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str
    url: str
    required: bool = True


def checklist() -> list[Step]:
    profile = programme_profile()
    open_sites = Site.objects.filter(status=SiteStatus.OPEN)
    points = open_sites.filter(kind=SiteKind.COLLECTION_POINT).count()
    depots = open_sites.filter(kind=SiteKind.STORAGE_DEPOT).annotate(n=Count("containers"))
    depots_ready = depots.filter(n__gt=0).count()
    clerks = RoleGrant.objects.filter(role=Role.COLLECTION_CLERK, user__is_active=True).count()
    custodians = RoleGrant.objects.filter(role=Role.CUSTODIAN, user__is_active=True).count()
    supervisors = RoleGrant.objects.filter(role=Role.SUPERVISOR, user__is_active=True).count()
    admins = (
        RoleGrant.objects.filter(role=Role.ADMIN, user__is_active=True)
        .values("user")
        .distinct()
        .count()
    )
    witnesses = LogWitness.objects.filter(active=True)
    witnessed = witnesses.filter(last_status="ok").count()
    delegations = Organisation.objects.filter(
        kind__in=[OrgKind.OBSERVER_DELEGATION, OrgKind.UN_OFFICE]
    ).count()
    accredited = Accreditation.objects.filter(revoked_at=None).count()
    places = Place.objects.count()
    return [
        Step(
            "profile",
            _("The programme's profile"),
            profile is not None,
            _("Name, operator, logo, classification marking, languages, time zone.")
            if profile is None
            else _("%(name)s, run by %(operator)s.")
            % {"name": profile.name, "operator": profile.operator.name},
            reverse("accounts:programme"),
        ),
        Step(
            "regions",
            _("Regions with their P-codes"),
            bool(profile and profile.regions),
            _("%(n)d regions named in the profile.")
            % {"n": len(profile.regions) if profile else 0},
            reverse("accounts:programme"),
        ),
        Step(
            "places",
            _("Places (P-codes) for assistance"),
            places > 0,
            _("%(n)d places.") % {"n": places},
            reverse("assistance:import"),
            required=False,
        ),
        Step(
            "collection_points",
            _("Collection points"),
            points > 0,
            _("%(n)d open collection points.") % {"n": points},
            reverse("arms:site_new"),
        ),
        Step(
            "depots",
            _("A storage depot with containers"),
            depots_ready > 0,
            _("%(ready)d of %(all)d open depots have containers.")
            % {"ready": depots_ready, "all": depots.count()},
            reverse("arms:sites"),
        ),
        Step(
            "staff",
            _("Clerks and custodians, with their sites"),
            clerks > 0 and custodians > 0,
            _(
                "%(clerks)d clerk and %(custodians)d custodian grants. Import many at once with "
                "the set-up workbook."
            )
            % {"clerks": clerks, "custodians": custodians},
            reverse("setup:workbook"),
        ),
        Step(
            "supervisors",
            _("Field supervisors, with their sites"),
            supervisors > 0,
            _(
                "%(n)d field supervisor grants. A field supervisor enrols the tablets of the "
                "clerks at their sites and works their review queue; without one, a programme "
                "manager does."
            )
            % {"n": supervisors},
            reverse("setup:workbook"),
            required=False,
        ),
        Step(
            "second_admin",
            _("A second administrator"),
            admins > 1,
            _("%(n)d administrators: with one, a lost phone locks everybody out.") % {"n": admins},
            reverse("accounts:users"),
            required=False,
        ),
        Step(
            "witness",
            _("A witness of the log"),
            witnesses.exists(),
            _("%(n)d witnesses, %(ok)d cosigning.") % {"n": witnesses.count(), "ok": witnessed},
            reverse("verification:witnesses"),
        ),
        Step(
            "observers",
            _("An observer delegation, accredited"),
            accredited > 0,
            _("%(d)d delegations, %(a)d accreditations in force.")
            % {"d": delegations, "a": accredited},
            reverse("verification:accreditations"),
            required=False,
        ),
        Step(
            "users",
            _("Everybody's accounts"),
            User.objects.filter(is_active=True).count() > admins,
            _("%(n)d active users.") % {"n": User.objects.filter(is_active=True).count()},
            reverse("accounts:users"),
        ),
    ]
