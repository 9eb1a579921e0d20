"""The signed-in home page: for each role the user holds, its day's tasks with their counts,
each linking to the records behind it. Reads only; counts are limited to what the user may see
(the sites, regions or organisation of its grants), as the lists they link to are.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.access.roles import Role
from laydown.access.web import may_open
from laydown.arms.models import Container, Item, Shipment, Site, StockCheck
from laydown.arms.selectors import site_filter
from laydown.arms.vocab import SealStatus, ShipmentStatus, StockCheckStatus
from laydown.assistance import selectors as assistance
from laydown.assistance.models import Complaint, Distribution
from laydown.assistance.vocab import ComplaintStatus
from laydown.field import selectors as field
from laydown.people import selectors as people
from laydown.people.models import Appeal, Participant
from laydown.people.vocab import Status
from laydown.verification.models import FollowUp, Inspection, InspectionStatus

__all__ = ["Section", "Task", "home_sections"]


@dataclass(frozen=True)
class Task:
    label: str
    url: str
    count: int | None = None  # None: a link without a figure


@dataclass(frozen=True)
class Section:
    role: str  # the role's label
    tasks: list[Task]


def _url(name: str, query: dict[str, str] | None = None, **kwargs: str) -> str:
    return reverse(name, kwargs=kwargs or None) + (f"?{urlencode(query)}" if query else "")


def _scoped_sites(principal: Principal) -> list[Site]:
    return list(Site.objects.filter(site_filter(principal, "code")).order_by("code"))


def _clerk(principal: Principal) -> list[Task]:
    today = timezone.localdate()
    sites = [s for s in _scoped_sites(principal) if s.kind == "collection_point"]
    tasks = [
        Task(
            _("Register a hand-in at %(site)s") % {"site": s.name},
            _url("arms:item_new", code=s.code),
        )
        for s in sites[:3]
    ]
    intake = Item.objects.filter(site_filter(principal, "collected_site"), collected_at__date=today)
    query = {"collected_from": today.isoformat(), "collected_to": today.isoformat()}
    tasks.append(Task(_("Weapons registered today"), _url("arms:items", query), intake.count()))
    tasks.append(Task(_("Outbox"), _url("field:outbox")))  # what this device has not sent yet
    return tasks


def _supervisor(principal: Principal) -> list[Task]:
    """A field supervisor: the review queue of their sites, their users' devices, and the
    collection points they may register at themselves."""
    held = field.review_queue(principal=principal)
    devices = field.devices_list(principal).filter(revoked_at=None)
    sites = [s for s in _scoped_sites(principal) if s.kind == "collection_point"]
    return [
        Task(_("Submissions waiting for review"), _url("field:review_list"), held.count()),
        Task(_("Devices enrolled"), _url("field:devices"), devices.count()),
        *(
            Task(
                _("Register a hand-in at %(site)s") % {"site": s.name},
                _url("arms:item_new", code=s.code),
            )
            for s in sites[:3]
        ),
    ]


def _custodian(principal: Principal) -> list[Task]:
    scope = site_filter(principal, "to_site")
    incoming = Shipment.objects.filter(scope, status=ShipmentStatus.DISPATCHED)
    tasks = [
        Task(
            _("Incoming shipment %(code)s from %(site)s")
            % {"code": s.code, "site": s.from_site_id},
            _url("arms:shipment", code=s.code),
        )
        for s in incoming.order_by("dispatched_at")[:5]
    ]
    tasks.insert(
        0, Task(_("Incoming shipments to receive"), _url("arms:shipments"), incoming.count())
    )
    unsealed = (
        Container.objects.filter(site_filter(principal))
        .filter(items__isnull=False)
        .exclude(seals__status=SealStatus.APPLIED)
        .distinct()
    )
    tasks.append(
        Task(_("Containers holding weapons without a seal"), _url("arms:sites"), unsealed.count())
    )
    planned = StockCheck.objects.filter(site_filter(principal), status=StockCheckStatus.PLANNED)
    tasks += [
        Task(
            _("Stock check %(code)s to count") % {"code": c.code},
            _url("arms:stock_check_count", code=c.code),
        )
        for c in planned.order_by("code")[:5]
    ]
    return tasks


def _manager(principal: Principal) -> list[Task]:
    shipments = Shipment.objects.filter(
        site_filter(principal, "to_site"), status=ShipmentStatus.DISCREPANCY
    )
    follow_ups = FollowUp.objects.filter(status="open")
    return [
        Task(_("Dashboard"), _url("reports:dashboard")),
        Task(
            _("Shipments received with discrepancies"),
            _url("arms:shipments", {"status": ShipmentStatus.DISCREPANCY}),
            shipments.count(),
        ),
        Task(
            _("Inspection discrepancies still open"),
            _url("verification:index"),
            follow_ups.count(),
        ),
    ]


def _observer(principal: Principal) -> list[Task]:
    active = Inspection.objects.filter(
        status__in=[InspectionStatus.PLANNED, InspectionStatus.OPEN, InspectionStatus.CLOSED]
    )
    tasks = [Task(_("Inspections not yet signed"), _url("verification:index"), active.count())]
    tasks += [
        Task(
            _("Inspection %(code)s (%(status)s)")
            % {"code": i.code, "status": i.get_status_display()},
            _url("verification:inspection", code=i.code),
        )
        for i in active.order_by("code")[:5]
    ]
    return tasks


def _registrar(principal: Principal) -> list[Task]:
    visible = people.visible(principal)
    waiting = Participant.objects.filter(visible, status=Status.REGISTERED)
    appeals = Appeal.objects.filter(outcome="", participant__in=Participant.objects.filter(visible))
    return [
        Task(_("Register a participant"), _url("people:register")),
        Task(
            _("Participants waiting for screening"),
            _url("people:list", {"status": Status.REGISTERED}),
            waiting.count(),
        ),
        Task(
            _("Appeals to decide"),
            _url("people:list", {"status": Status.APPEALED}),
            appeals.count(),
        ),
    ]


def _child_protection(principal: Principal) -> list[Task]:
    children = Participant.objects.filter(people.visible(principal), is_child=True)
    return [
        Task(
            _("Children in the child-protection workflow"),
            _url("people:list", {"status": Status.CHILD_PROTECTION}),
            children.filter(status=Status.CHILD_PROTECTION).count(),
        )
    ]


def _partner(principal: Principal) -> list[Task]:
    distributions = assistance.visible(principal, Distribution.objects.all())
    complaints = assistance.visible(principal, Complaint.objects.all()).filter(
        status__in=[ComplaintStatus.OPEN, ComplaintStatus.IN_PROGRESS]
    )
    return [
        Task(_("Record a distribution"), _url("assistance:distribution_new")),
        Task(_("Distributions"), _url("assistance:distributions"), distributions.count()),
        Task(
            _("Complaints open or in progress"),
            _url("assistance:complaints", {"status": ComplaintStatus.OPEN}),
            complaints.count(),
        ),
    ]


def _auditor(principal: Principal) -> list[Task]:
    return [
        Task(_("Dashboard"), _url("reports:dashboard")),
        Task(_("Situation report"), _url("reports:sitrep")),
        Task(_("Public figures and the signed checkpoint"), _url("reports:transparency")),
    ]


def _admin(principal: Principal) -> list[Task]:
    return [
        Task(_("Users"), _url("accounts:users")),
        Task(_("Organisations"), _url("accounts:organisations")),
    ]


SECTIONS = {
    Role.ADMIN: _admin,
    Role.PROGRAMME_MANAGER: _manager,
    Role.COLLECTION_CLERK: _clerk,
    Role.SUPERVISOR: _supervisor,
    Role.CUSTODIAN: _custodian,
    Role.REGISTRAR: _registrar,
    Role.CHILD_PROTECTION: _child_protection,
    Role.OBSERVER: _observer,
    Role.PARTNER_STAFF: _partner,
    Role.AUDITOR: _auditor,
}


def home_sections(principal: Principal) -> list[Section]:
    """One section per role `principal` holds, in the order of the roles."""
    held = principal.roles()
    sections = []
    for role, tasks_of in SECTIONS.items():
        if role in held:
            tasks = [t for t in tasks_of(principal) if may_open(principal, t.url)]
            sections.append(Section(str(role.label), tasks))
    return sections
