"""Demo data of humanitarian assistance: fictional places, three partners (one the ICRC),
about 40 distributions over five days, 300 households, six infrastructure projects, two
dialogue meetings with commitments and one planned UN visit.

Runs after the accounts demo (its organisations and the manager and partner users). Bulk
parts go through the same checks as the services and are appended as ledger batches.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator

from django.db import transaction

from laydown.access.permissions import Principal
from laydown.access.roles import OrgKind
from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.accounts.models import Organisation, User
from laydown.assistance import services
from laydown.assistance.models import Distribution, Household, PartnerProfile
from laydown.core import validators

# (pcode, name, level, parent, lat, lon) — a fictional country "XA".
PLACES = [
    ("XA01", "Northvale", "region", None, 40_600_000, 46_300_000),
    ("XA0101", "Riverbend", "district", "XA01", 40_700_000, 46_100_000),
    ("XA010101", "Millford", "settlement", "XA0101", 40_710_000, 46_120_000),
    ("XA010102", "Stonebridge", "settlement", "XA0101", 40_690_000, 46_060_000),
    ("XA010103", "Alderwick", "settlement", "XA0101", 40_740_000, 46_150_000),
    ("XA0102", "Highmoor", "district", "XA01", 40_800_000, 46_400_000),
    ("XA010201", "Fernhollow", "settlement", "XA0102", 40_820_000, 46_420_000),
    ("XA010202", "Greyhaven", "settlement", "XA0102", 40_780_000, 46_380_000),
    ("XA02", "Southmere", "region", None, 39_900_000, 46_700_000),
    ("XA0201", "Lakeshore", "district", "XA02", 39_950_000, 46_650_000),
    ("XA020101", "Reedmouth", "settlement", "XA0201", 39_960_000, 46_640_000),
    ("XA020102", "Willowby", "settlement", "XA0201", 39_930_000, 46_690_000),
]
SETTLEMENTS = [p[0] for p in PLACES if p[2] == "settlement"]

# (code, name, partner kind, sectors, contact)
PARTNERS = [
    (
        "icrc",
        "International Committee of the Red Cross (demo delegation)",
        "red_cross",
        ["food_security", "health", "wash", "protection"],
        "delegation office, +00 100 000",
    ),
    (
        "relief-red-cross",
        "Relief Red Cross Delegation",
        "red_cross",
        ["shelter_nfi", "food_security"],
        "operations desk, +00 100 200",
    ),
    (
        "open-hands",
        "Open Hands Relief (NGO)",
        "ngo",
        ["wash", "shelter_nfi", "multipurpose_cash", "early_recovery"],
        "field office, +00 100 300",
    ),
]

# (sector, activity, commodity, item, unit, quantity per person)
ACTIVITIES = [
    ("food_security", "General food distribution", "food", "wheat flour", "kg", 10),
    ("food_security", "General food distribution", "food", "food parcel", "kit", 1),
    ("wash", "Hygiene kit distribution", "nfi", "hygiene kit", "kit", 1),
    ("wash", "Water trucking", "water", "drinking water", "litre", 60),
    ("shelter_nfi", "Winterisation", "shelter", "shelter kit", "kit", 1),
    ("shelter_nfi", "NFI distribution", "nfi", "blankets", "piece", 2),
    ("health", "Mobile clinic", "health", "medical consultations", "consultation", 1),
    ("multipurpose_cash", "Multipurpose cash transfer", "cash", "cash grant", "usd", 40),
]

FIRST_NAMES = ["Anna", "Lev", "Mira", "Tarik", "Elif", "Davit", "Nora", "Ilya", "Sana", "Emil"]
LAST_NAMES = ["Hollis", "Varden", "Korsak", "Belmont", "Ashgrove", "Tamsin", "Rook", "Ferrow"]


def _principals() -> tuple[Principal, Principal]:
    manager = User.objects.get(username="manager")
    partner = User.objects.get(username="partner")
    return principal_for_user(manager), principal_for_user(partner)


def _partners() -> dict[str, Organisation]:
    for code, name, _kind, _sectors, _contact in PARTNERS:
        if not Organisation.objects.filter(code=code).exists():
            accounts.org_create(
                actor=accounts.SYSTEM, code=code, name=name, kind=OrgKind.HUMANITARIAN_PARTNER
            )
    if not Organisation.objects.filter(code="un-rco").exists():
        accounts.org_create(
            actor=accounts.SYSTEM,
            code="un-rco",
            name="UN Resident Coordinator's Office (demo)",
            kind=OrgKind.UN_OFFICE,
        )
    return {o.code: o for o in Organisation.objects.all()}


@transaction.atomic
def demo_load() -> Iterator[str]:
    if PartnerProfile.objects.exists():
        yield "Assistance demo data is loaded already; left as it is."
        return
    rng = random.Random(20_260_101)  # noqa: S311  (fictional demo figures, not secrets)
    manager, partner_user = _principals()
    orgs = _partners()
    today = validators.today()
    days = [today - dt.timedelta(days=n) for n in range(4, -1, -1)]  # the demo's five days
    for code, _name, kind, sectors, contact in PARTNERS:
        services.partner_profile_set(
            actor=manager,
            organisation=orgs[code],
            partner_kind=kind,
            sectors=sectors,
            contact=contact,
        )
    places = [
        services.place_check(
            {"pcode": p, "name": n, "level": lv, "parent": par, "lat_micro": la, "lon_micro": lo},
            pending={q[0]: q[2] for q in PLACES[:i]},
        )
        for i, (p, n, lv, par, la, lo) in enumerate(PLACES)
    ]
    services.places_append(actor=manager, rows=places)
    yield f"Assistance: {len(places)} fictional places (2 regions, 3 districts, 7 settlements)"
    yield from _households(rng, manager, partner_user, orgs, today)
    yield from _distributions(rng, manager, orgs, days)
    yield from _projects(rng, manager, orgs, days)
    yield from _dialogue(manager, orgs, days)
    yield from _visit(manager, orgs, today)


def _households(rng, manager, partner_user, orgs, today) -> Iterator[str]:  # type: ignore[no-untyped-def]
    checked = []
    for n in range(300):
        size = rng.randint(1, 7)
        head_sex = rng.choice("fm")
        members = [{"sex": head_sex, "age_group": rng.choice(["18-59", "18-59", "60+"])}]
        for _ in range(size - 1):
            members.append(
                {
                    "sex": rng.choice("fm"),
                    "age_group": rng.choice(["0-4", "5-17", "5-17", "18-59", "60+"]),
                }
            )
        if rng.random() < 0.1:
            members[0]["specific_needs"] = ["disability"]
        partner = "relief-red-cross" if n % 3 == 0 else ("icrc" if n % 3 == 1 else "open-hands")
        checked.append(
            services.household_check(
                organisation=orgs[partner],
                place=SETTLEMENTS[n % len(SETTLEMENTS)],
                head_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {n:03d}",
                phone=f"+00 555 {n:04d}",
                document=f"XA-ID-{100_000 + n}",
                members=members,
            )
        )
    services.household_register_checked(
        actor=manager,
        households=checked,
        legal_basis="vital_interest",
        purpose="humanitarian assistance: targeting, distribution and follow-up",
        retain_until=today + dt.timedelta(days=730),
    )
    yield "Assistance: 300 households registered (names, phones, documents in the vault only)"


def _distributions(rng, manager, orgs, days) -> Iterator[str]:  # type: ignore[no-untyped-def]
    rows = []
    for n in range(40):
        sector, activity, commodity, item, unit, per_person = ACTIVITIES[n % len(ACTIVITIES)]
        partner = PARTNERS[n % 3][0]
        reached = {
            "girls": rng.randint(10, 80),
            "boys": rng.randint(10, 80),
            "women": rng.randint(20, 120),
            "men": rng.randint(15, 100),
            "older_women": rng.randint(2, 30),
            "older_men": rng.randint(2, 25),
        }
        total = sum(reached.values())
        planned = total * per_person
        delivered = planned - rng.randint(0, planned // 10)
        extra = {}
        if n % 13 == 5:  # a few distributions reached more people than planned
            delivered = planned + planned // 20
            extra = {"over_delivery_reason": "more displaced families arrived on the day"}
        fields = {
            "sector": sector,
            "activity": activity,
            "commodity": commodity,
            "item": item,
            "unit": unit,
            "quantity_planned": planned,
            "quantity_delivered": delivered,
            "place": SETTLEMENTS[(n * 5) % len(SETTLEMENTS)],
            "date": days[n % 5],
            "reached_total": total,
            "reached_disabled": total // rng.randint(12, 25),
            **reached,
            **extra,
        }
        rows.append((orgs[partner], services.distribution_check(fields)))
    codes = services.distributions_append(actor=manager, rows=rows)
    first = Distribution.objects.get(code=codes[0])
    services.recipients_list(
        actor=manager,
        distribution=first,
        households=list(
            Household.objects.filter(organisation=first.organisation).values_list(
                "code", flat=True
            )[:12]
        ),
    )
    for household in list(first.recipients.values_list("household_id", flat=True))[:8]:
        services.receipt_record(
            actor=manager,
            distribution=first,
            household=household,
            receipt_kind="thumbprint",
            receipt_sha256=hashlib.sha256(f"demo thumbprint {household}".encode()).hexdigest(),
        )
    services.monitoring_note_add(
        actor=manager,
        distribution=first,
        satisfied_percent=86,
        note="Post-distribution monitoring: 86% satisfied; queues too long for older people.",
    )
    complaint = services.complaint_open(
        actor=manager,
        organisation=first.organisation,
        place=first.place_id,
        channel="hotline",
        description="Two families on the list were not called.",
        distribution=first,
    )
    services.complaint_follow_up(
        actor=manager,
        complaint=complaint,
        status="resolved",
        note="Both families received their share on the next day.",
    )
    yield f"Assistance: {len(codes)} distributions over five days, with a recipient list"


PROJECTS = [
    ("Millford water network repair", "water", "XA010101", 180_000, 100, "completed"),
    ("Riverbend substation", "power", "XA0101", 420_000, 65, "under_way"),
    ("Stonebridge–Alderwick road", "roads", "XA010102", 350_000, 40, "under_way"),
    ("Fernhollow housing repairs (40 homes)", "housing", "XA010201", 260_000, 20, "under_way"),
    ("Greyhaven health post", "health", "XA010202", 90_000, 0, "planned"),
    ("Reedmouth school roof and heating", "schools", "XA020101", 120_000, 85, "under_way"),
]


def _projects(rng, manager, orgs, days) -> Iterator[str]:  # type: ignore[no-untyped-def]
    for i, (name, sector, place, budget, percent, status) in enumerate(PROJECTS):
        project = services.project_create(
            actor=manager,
            organisation=orgs[PARTNERS[i % 3][0]],
            name=name,
            sector=sector,
            place=place,
            budget=budget,
            currency="USD",
            status="planned" if status == "planned" else "under_way",
            percent_complete=0,
        )
        if status == "planned":
            continue
        for step, day in ((percent // 2, days[0]), (percent, days[3])):
            services.project_progress(
                actor=manager,
                project=project,
                date=day,
                status=status if step == percent else "under_way",
                percent_complete=step,
                note=f"{step}% complete",
                photos=[hashlib.sha256(f"{project.code} {step}".encode()).hexdigest()],
            )
    yield "Assistance: six infrastructure projects with progress"


def _dialogue(manager, orgs, days) -> Iterator[str]:  # type: ignore[no-untyped-def]
    sides = [
        {
            "side": "government",
            "organisation": "District administration",
            "count": 3,
            "function": "deputy head of district",
        },
        {"side": "former_combatants", "organisation": "Veterans' council", "count": 2},
        {"side": "community", "organisation": "Village elders", "count": 4},
        {"side": "facilitator", "organisation": "Programme Operations Office", "count": 1},
    ]
    first = services.meeting_record(
        actor=manager,
        organisation=orgs["operator"],
        title="Reintegration round table",
        date=days[0],
        place="XA0101",
        topics=["livelihoods", "land access", "documents"],
        outcomes="Agreed on vocational training places and a land-plot register.",
        participants=sides,
        commitments=[
            {
                "text": "Open 60 vocational training places",
                "owner_side": "government",
                "owner": "District administration",
                "due": days[2],
            },
            {
                "text": "Publish the land-plot register",
                "owner_side": "government",
                "owner": "District administration",
                "due": days[4] + dt.timedelta(days=20),
            },
            {
                "text": "Nominate candidates for training",
                "owner_side": "former_combatants",
                "owner": "Veterans' council",
                "due": days[1],
            },
        ],
    )
    services.meeting_record(
        actor=manager,
        organisation=orgs["operator"],
        title="Community dialogue on returns",
        date=days[3],
        place="XA020101",
        topics=["returns", "housing repairs"],
        outcomes="Returns schedule drafted; repairs prioritised for older people.",
        participants=sides[1:],
        commitments=[
            {
                "text": "List houses needing repair",
                "owner_side": "community",
                "owner": "Village elders",
                "due": days[4] + dt.timedelta(days=7),
            },
        ],
    )
    done = first.commitments.get(owner_side="former_combatants")
    services.commitment_follow_up(
        actor=manager, commitment=done, status="done", note="List of 58 candidates received."
    )
    yield "Assistance: two dialogue meetings with commitments (one overdue)"


def _visit(manager, orgs, today) -> Iterator[str]:  # type: ignore[no-untyped-def]
    start = today + dt.timedelta(days=10)
    services.visit_propose(
        actor=manager,
        organisation=orgs["un-rco"],
        purpose="Monitoring of assistance delivery and reintegration dialogue",
        planned_start=start,
        planned_end=start + dt.timedelta(days=2),
        itinerary=[
            {"place": "XA010101", "date": start, "note": "distribution site and water network"},
            {"place": "XA0101", "date": start + dt.timedelta(days=1), "note": "round table"},
            {"place": "XA020101", "date": start + dt.timedelta(days=2), "note": "school"},
        ],
    )
    yield "Assistance: one planned UN monitoring visit"
