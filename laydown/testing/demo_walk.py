"""The demo walk: every page (and API read) for the objects of the demo programme, as every demo
user allowed to see it, looking for server errors.

Every object of every kind would be ~2,000 objects x 11 users; the walk samples instead: for each
kind, the first and the last object and one of each state it can be in (`sample`), so a page that
breaks only for a revoked participant, a received shipment or a lost item is still visited (and
for participants, one with each thing their page may show: a duplicate flag, an appeal ...). Each
parameterised URL of the site needs an entry in `DEMO_KWARGS` (a test fails when one is missing),
so a new page is walked as soon as it exists. Nothing here runs in production.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.db import models
from django.test import Client
from django.urls import reverse

from laydown.access.roles import Role
from laydown.accounts import services as accounts
from laydown.accounts.models import ApiToken, Organisation, User
from laydown.arms.models import AmmoLot, Container, Item, Materiel, Shipment, Site, StockCheck
from laydown.assistance.models import (
    Commitment,
    Complaint,
    Distribution,
    Household,
    Meeting,
    PartnerProfile,
    Project,
    Visit,
)
from laydown.ledger.models import Record
from laydown.people.models import Appeal, PaymentCycle, Referral
from laydown.testing import PASSWORD
from laydown.testing.shapes import PEOPLE, sample
from laydown.testing.walk import (
    PARTICIPANT_PAGES,
    Endpoint,
    SignedInAgain,
    collect,
    expected_allowed,
)
from laydown.verification.models import Accreditation, DestructionEvent, Inspection

Kwargs = dict[str, Any]


def _with(
    queryset: Callable[[], models.QuerySet[Any]], key: str, *states: str
) -> Callable[[], list[Kwargs]]:
    return lambda: sample(queryset(), key, *states)


SITES = _with(Site.objects.all, "code", "kind", "status")
ITEMS = _with(Item.objects.all, "tag", "status", "category")
LOTS = _with(AmmoLot.objects.all, "tag", "status")
MATERIEL = _with(Materiel.objects.all, "tag")
CONTAINERS = _with(Container.objects.all, "code")
SHIPMENTS = _with(Shipment.objects.all, "code", "status")
STOCK_CHECKS = _with(StockCheck.objects.all, "code", "status")
INSPECTIONS = _with(Inspection.objects.all, "code", "status")
DESTRUCTIONS = _with(DestructionEvent.objects.all, "code", "status")
DISTRIBUTIONS = _with(Distribution.objects.all, "code", "sector")
COMPLAINTS = _with(Complaint.objects.all, "code", "status")
HOUSEHOLDS = _with(Household.objects.all, "code")
PROJECTS = _with(Project.objects.all, "code", "status")
MEETINGS = _with(Meeting.objects.all, "code")
COMMITMENTS = _with(Commitment.objects.all, "code", "status")
VISITS = _with(Visit.objects.all, "code", "status")


CYCLES = _with(PaymentCycle.objects.all, "code", "status")
APPEALS = _with(Appeal.objects.all, "code")
REFERRALS = _with(Referral.objects.all, "code", "status")
USERS = _with(User.objects.all, "user_id")
ACCREDITATIONS = _with(Accreditation.objects.all, "code")
TOKENS = _with(ApiToken.objects.all, "public_id")


def _partners() -> list[Kwargs]:
    codes = PartnerProfile.objects.values_list("organisation__code", flat=True)
    return [{"code": code} for code in codes]


def _organisations() -> list[Kwargs]:
    return [{"code": code} for code in Organisation.objects.values_list("code", flat=True)]


def _tiles() -> list[Kwargs]:
    return [{"path": "0/000"}, {"path": "1/000"}, {"path": "data/000"}]


def _proofs() -> list[Kwargs]:
    last = Record.objects.count() - 1
    return [{"index": 0}, {"index": max(last, 0)}]


def _exports() -> list[Kwargs]:
    from laydown.reports import exports

    return [{"dataset": d, "fmt": f} for d in exports.DATASETS for f in exports.FORMATS]


def _inspection_texts() -> list[Kwargs]:
    return [
        {**k, "part": part} for k in INSPECTIONS() for part in ("report", "signed", "inventory")
    ]


def _field_forms() -> list[Kwargs]:
    from laydown.field import kinds

    return [{"form": kind.name} for kind in kinds.all_kinds()]


NONE: Callable[[], list[Kwargs]] = list  # no demo object of the kind (import jobs)

# What to fill in for each parameterised URL, from the demo's own objects.
DEMO_KWARGS: dict[str, Callable[[], list[Kwargs]]] = {
    "ledger:tile": _tiles,
    "ledger:proof": _proofs,
    "ledger:consistency": lambda: [{"old": 1, "new": Record.objects.count()}],
    "accounts:programme_logo": NONE,
    "accounts:token_revoke": TOKENS,
    **{
        f"accounts:{name}": USERS
        for name in ("user_detail", "user_active", "user_grant", "user_revoke")
    },
    "accounts:user_second_factor_reset": USERS,
    **{
        f"arms:{name}": SITES
        for name in (
            "site",
            "item_new",
            "lot_new",
            "materiel_new",
            "shipment_new",
            "stock_check_new",
            "disposal_new",
        )
    },
    **{
        f"arms:{name}": SITES
        for name in ("site_edit", "site_status", "site_delete", "site_people", "container_new")
    },
    **{
        f"arms:{name}": CONTAINERS
        for name in (
            "container",
            "container_seal",
            "seal_break",
            "container_edit",
            "container_status",
            "container_delete",
        )
    },
    **{
        f"arms:{name}": ITEMS
        for name in (
            "item",
            "item_receipt",
            "item_book",
            "item_remove",
            "item_return",
            "item_lost",
            "item_correct",
        )
    },
    "arms:lot": LOTS,
    "arms:lot_lost": LOTS,
    "arms:lot_correct": LOTS,
    "arms:materiel": MATERIEL,
    "arms:materiel_correct": MATERIEL,
    "arms:shipment": SHIPMENTS,
    "arms:shipment_receive": SHIPMENTS,
    "arms:stock_check": STOCK_CHECKS,
    "arms:stock_check_count": STOCK_CHECKS,
    **{
        f"arms:{stem}_template": lambda: [{"fmt": "csv"}, {"fmt": "xlsx"}]
        for stem in ("import", "lot_import", "materiel_import")
    },
    **{
        f"arms:{stem}_{page}": NONE
        for stem in ("import", "lot_import", "materiel_import")
        for page in ("progress", "job")
    },
    "jobs:export_download": NONE,
    "people:import_progress": NONE,
    "people:import_job": NONE,
    "assistance:import_progress": NONE,
    "assistance:import_job": NONE,
    "verification:inspection": INSPECTIONS,
    "verification:accreditation_revoke": ACCREDITATIONS,
    "tracing:item_markings": ITEMS,
    "tracing:lot_markings": LOTS,
    "tracing:recovery": ITEMS,
    "tracing:photo": NONE,
    "tracing:import_template": lambda: [{"fmt": "csv"}, {"fmt": "xlsx"}],
    "tracing:import_progress": NONE,
    "tracing:import_job": NONE,
    "setup:workbook_job": NONE,
    "setup:workbook_progress": NONE,
    "api:tracing_markings_get": ITEMS,
    "field:app_form": _field_forms,
    "field:device_revoke": NONE,
    "field:review_detail": NONE,  # the demo holds no device nor submission
    "api:field_submission_detail": NONE,
    "api:field_review_detail": NONE,
    "verification:inspection_findings": INSPECTIONS,
    "verification:inspection_text": _inspection_texts,
    "verification:destruction": DESTRUCTIONS,
    "verification:item_bundle": ITEMS,
    **{
        f"assistance:{name}": DISTRIBUTIONS
        for name in (
            "distribution_detail",
            "distribution_correct",
            "distribution_receipt",
            "distribution_recipients",
            "monitoring_note_new",
        )
    },
    "assistance:complaint_detail": COMPLAINTS,
    "assistance:complaint_follow_up": COMPLAINTS,
    "assistance:household_detail": HOUSEHOLDS,
    "assistance:household_personal_data": HOUSEHOLDS,
    "assistance:partner_edit": _partners,
    "assistance:project_detail": PROJECTS,
    "assistance:project_edit": PROJECTS,
    "assistance:project_progress": PROJECTS,
    "assistance:meeting_detail": MEETINGS,
    "assistance:commitment_new": MEETINGS,
    "assistance:commitment_follow_up": COMMITMENTS,
    "assistance:visit_detail": VISITS,
    "assistance:visit_update": VISITS,
    "people:cycle": CYCLES,
    "people:cycle_approve": CYCLES,
    "people:appeal_decide": APPEALS,
    "people:follow_up": REFERRALS,
    **{f"people:{name}": PEOPLE for name in ("person", *PARTICIPANT_PAGES)},
    "reports:export": _exports,
    "api:organisation_detail": _organisations,
    "api:arms_item_get": ITEMS,
    "api:arms_lot_get": LOTS,
    "api:arms_materiel_get": MATERIEL,
    "api:arms_site_get": SITES,
    "api:arms_shipment_get": SHIPMENTS,
    **{
        f"api:people_{name}": PEOPLE
        for name in ("participant_detail", "personal_data", "card", "access_report")
    },
    "api:people_cycle_detail": CYCLES,
    **{
        f"api:assistance_{name}": DISTRIBUTIONS
        for name in ("distribution_detail", "recipient_list", "note_list")
    },
    "api:assistance_complaint_detail": COMPLAINTS,
    "api:assistance_household_detail": HOUSEHOLDS,
    "api:assistance_household_personal_data": HOUSEHOLDS,
    "api:assistance_project_detail": PROJECTS,
    "api:assistance_meeting_detail": MEETINGS,
    "api:assistance_visit_detail": VISITS,
    "api:verification_inspection_detail": INSPECTIONS,
    "api:verification_item_bundle": ITEMS,
    "api:verification_destruction_detail": DESTRUCTIONS,
}


def walked(endpoints: Iterable[Endpoint]) -> list[Endpoint]:
    """The endpoints the demo walk requests: pages, and the API's reads (no API write)."""
    return [e for e in endpoints if not e.is_api or e.method == "GET"]


def urls_of(endpoint: Endpoint) -> list[str]:
    if not endpoint.parameters:
        return [reverse(endpoint.name)]
    return [reverse(endpoint.name, kwargs=kwargs) for kwargs in DEMO_KWARGS[endpoint.name]()]


def _status(client: Client, url: str) -> int:
    """The status of GET `url`, a streamed answer read to its end (it may fail half-way)."""
    response = client.get(url)  # a POST-only page answers 405
    if response.streaming:
        for _chunk in response.streaming_content:  # type: ignore[attr-defined]
            pass
    return int(response.status_code)


def server_errors(
    client: Client, user: User | None, walker: str, urls: dict[Endpoint, list[str]]
) -> tuple[list[str], int]:
    """Request every URL the walker may see as `user`; each answer of 500 or more, and the
    number of requests made."""
    errors, requests = [], 0
    sign_in = SignedInAgain(client, user)
    for endpoint, endpoint_urls in urls.items():
        if endpoint.action is None or not expected_allowed(endpoint.action, walker):
            continue
        for url in endpoint_urls:
            sign_in()  # as afresh each time: a sign-out page must not end the walk
            requests += 1
            try:
                status = _status(client, url)
            except Exception as exc:  # noqa: BLE001  (report every URL, not just the first)
                errors.append(f"{walker}: GET {url} ({endpoint.name}) raised {exc!r}")
                continue
            if status >= 500:
                errors.append(f"{walker}: GET {url} ({endpoint.name}) answered {status}")
    return errors, requests


# Pages a browser walk skips: the log's tiles and proofs, downloads, the sign-out button's URL.
NOT_PAGES = ("ledger:tile", "ledger:proof", "reports:export", "accounts:sign_out")
DOWNLOADS = (".json", ".csv", ".xlsx", ".txt", ".geojson", ".hxl", ".pdf")


def demo_pages() -> list[str]:
    """Every page of the site a browser shows, parameterised ones for the first demo object of
    each sample (URLs answering something else than a page are skipped by the walker)."""
    endpoints, _problems = collect()
    paths = []
    for endpoint in endpoints:
        if endpoint.is_api or endpoint.name in NOT_PAGES:
            continue
        samples = DEMO_KWARGS[endpoint.name]()[:1] if endpoint.parameters else [{}]
        paths += [reverse(endpoint.name, kwargs=kwargs) for kwargs in samples]
    return [p for p in paths if not p.endswith(DOWNLOADS) and "/export" not in p]


# What the demo left, kept by the first test of the run that loads it (demo_in_database).
_DEMO: dict[str, Any] = {}
# Tables the demo does not write: Django's own, filled by `migrate` (and again after each flush).
_NOT_DEMO = frozenset({"django_content_type", "auth_permission"})


def demo_in_database(witnesses: Path) -> list[str]:
    """The demo programme in this test's (empty) database, its witnesses' state in `witnesses`;
    returns what the demo printed.

    Loading it (`laydown.demo.load.demo_load`) costs half a minute of CPU, and several modules
    walk it: the first test of the run that asks loads it, and keeps every row it left in the
    model tables and its witnesses' directories; the next ones get those rows copied back, in
    a second, so each walks the demo as `demo_load` made it, row for row. Call it with access
    to the database, inside a transaction or not (the copy is written in one)."""
    from django.db import connection, transaction
    from django.test import override_settings

    from laydown.demo.load import demo_load
    from laydown.testing import FAST_HASHERS
    from laydown.verification import demo as verification_demo

    tables = sorted(
        set(connection.introspection.django_table_names(only_existing=True)) - _NOT_DEMO
    )
    filled = [t for t in tables if _has_rows(connection, t)]
    assert not filled, f"the demo goes into an empty database; rows already in {filled}"
    if not _DEMO:
        kept = Path(tempfile.mkdtemp(prefix="laydown-demo-witnesses-"))
        with (
            override_settings(PASSWORD_HASHERS=FAST_HASHERS),
            pytest.MonkeyPatch.context() as patch,
        ):
            patch.setattr(verification_demo, "witness_dir", lambda name: witnesses / name)
            printed = list(demo_load())
        shutil.copytree(witnesses, kept, dirs_exist_ok=True)
        _DEMO.update(printed=printed, rows=_rows_of(connection, tables), witnesses=kept)
        return list(printed)
    with transaction.atomic():
        _rows_put(connection, _DEMO["rows"])
        _caches_forget()
    shutil.copytree(_DEMO["witnesses"], witnesses, dirs_exist_ok=True)
    return list(_DEMO["printed"])


def demo_with_everyone(witnesses: Path) -> User:
    """The demo in the database (`demo_in_database`) and a user, everyone, who holds every role
    programme-wide, so that every page shows all it can."""
    demo_in_database(witnesses)
    user = accounts.user_create(
        actor=accounts.SYSTEM, username="everyone", password=PASSWORD, organisation="operator"
    )
    for role in Role.values:
        accounts.role_grant(actor=accounts.SYSTEM, user=user, role=role, scope="programme")
    return user


def _has_rows(connection: Any, table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is not None


def _rows_of(connection: Any, tables: list[str]) -> dict[str, Any]:
    """Every row of `tables`, as stored: PostgreSQL's COPY text; SQLite's values as they are
    (`+column` has no declared type, so no converter turns a text into a date)."""
    rows: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for table in tables:
            name = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {name} TO STDOUT") as copy:
                    data = b"".join(bytes(chunk) for chunk in copy)
                if data:
                    rows[table] = data
                continue
            cursor.execute(f"PRAGMA table_info({name})")
            columns = [connection.ops.quote_name(c[1]) for c in cursor.fetchall()]
            raw = connection.connection.execute(
                f"SELECT {', '.join('+' + c for c in columns)} FROM {name}"  # noqa: S608
            )
            if found := raw.fetchall():
                rows[table] = (columns, found)
    return rows


def _rows_put(connection: Any, rows: dict[str, Any]) -> None:
    """Write back what `_rows_of` read, and set PostgreSQL's sequences past the ids written.
    Foreign keys are checked at commit (Django declares them deferrable)."""
    from django.apps import apps
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for table, data in rows.items():
            name = connection.ops.quote_name(table)
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {name} FROM STDIN") as copy:
                    copy.write(data)
                continue
            columns, found = data
            marks = ", ".join("?" * len(columns))
            connection.connection.executemany(
                f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
                found,
            )
        models = apps.get_models(include_auto_created=True)
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _caches_forget() -> None:
    """What a commit of the demo makes this process forget: the served checkpoint and the
    kept API tokens."""
    from laydown.accounts import token_cache
    from laydown.ledger import selectors

    selectors.checkpoint_served_forget()
    token_cache.access_changed()


@contextmanager
def demo_loaded_once(django_db_blocker: Any, witnesses: Path) -> Iterator[list[str]]:
    """The demo (demo_in_database) in a transaction rolled back after a module's last test (a
    module-scoped fixture's body; each test runs in a savepoint inside it, as Django's
    setUpTestData does); yields what the demo printed."""
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield demo_in_database(witnesses)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
