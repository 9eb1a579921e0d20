"""Demo step: about 400 fictional participants (names in Latin, Cyrillic and Armenian script),
their screening, ID cards for the eligible, a few suspected duplicates and one payment cycle.

Besides the random ones, every demo holds one participant of each kind a person page shows
differently (the demo walk visits one of each, laydown/testing/demo_walk.py): duplicates decided
and one awaiting a decision (`DUPLICATES`), an appeal decided and one pending, a referral
followed up, a dependant registered with the participant they depend on (`DEPENDANT`).

Every name here is invented by combining common given names and surnames at random; any
resemblance to a real person is chance.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from django.db import transaction
from django.utils import timezone

from laydown.access.permissions import Principal
from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.core.png import png
from laydown.people import services
from laydown.people.models import DuplicateFlag, Participant
from laydown.people.vocab import QUESTIONS

COUNT = 400
REGIONS = ("north", "south", "east", "west", "central")
GIVEN = {
    "latin": ["Aram", "Davit", "Narek", "Gor", "Tigran", "Anahit", "Lilit", "Mariam", "Karen",
              "Samvel", "Elmar", "Rashad", "Leyla", "Nigar", "Orkhan", "Farid", "Sevda", "Tural"],
    "cyrillic": ["Арам", "Давид", "Нарек", "Тигран", "Анаит", "Лилит", "Мариам", "Карен",
                 "Самвел", "Эльмар", "Рашад", "Лейла", "Нигяр", "Орхан", "Фарид", "Севда"],
    "armenian": ["Արամ", "Դավիթ", "Նարեկ", "Գոռ", "Տիգրան", "Անահիտ", "Լիլիթ", "Մարիամ",
                 "Կարեն", "Սամվել", "Արմեն", "Հասմիկ", "Գայանե", "Վարդան"],
}  # fmt: skip
FAMILY = {
    "latin": ["Petrosyan", "Hakobyan", "Sargsyan", "Mkrtchyan", "Grigoryan", "Aliyev",
              "Mammadov", "Hasanov", "Huseynova", "Karapetyan", "Avetisyan", "Guliyeva"],
    "cyrillic": ["Петросян", "Акопян", "Саргсян", "Мкртчян", "Григорян", "Алиев", "Мамедов",
                 "Гасанов", "Гусейнова", "Карапетян", "Аветисян", "Кулиева"],
    "armenian": ["Պետրոսյան", "Հակոբյան", "Սարգսյան", "Մկրտչյան", "Գրիգորյան", "Կարապետյան",
                 "Ավետիսյան", "Մանուկյան", "Խաչատրյան", "Հովհաննիսյան"],
}  # fmt: skip
SKILLS = ["driving", "masonry", "farming", "mechanics", "tailoring", "IT", "cooking", "welding"]
SERVICES = {
    "education": "Regional vocational college",
    "jobs": "Public employment office",
    "health": "District health centre",
    "psychosocial": "Community counselling service",
}
# People registered twice, the second time in another script: flagged, then decided, except
# the last pair's flag, left awaiting a decision (the duplicates list shows it).
DUPLICATES = [
    ("Aram Petrosyan", "Արամ Պետրոսյան"),
    ("Tigran Sargsyan", "Тигран Саргсян"),
    ("Lilit Hakobyan", "Լիլիթ Հակոբյան"),
    ("Karen Grigoryan", "Карен Григорян"),
]
# A dependant, registered with the first participant as the one they depend on.
DEPENDANT = "Ruzanna Petrosyan"  # a given name no other demo name has: it matches nobody


def placeholder_png(seed: int) -> bytes:
    """A valid 2x2 PNG whose colour depends on `seed`: a stand-in for a portrait."""
    return png(2, 2, bytes([seed % 256, (seed // 256) % 256, (seed * 7) % 256]) * 4)


def demo_names(count: int = COUNT, seed: int = 20261127) -> list[str]:
    """`count` fictional full names, a third in each script (deterministic)."""
    rng = random.Random(seed)  # noqa: S311  (demo data, not secrets)
    scripts = list(GIVEN)
    return [
        f"{rng.choice(GIVEN[s])} {rng.choice(FAMILY[s])}"
        for s in (scripts[i % len(scripts)] for i in range(count))
    ]


def demo_load(count: int = COUNT) -> Iterator[str]:
    if Participant.objects.exists():
        yield "Demobilization: demo participants already loaded."
        return
    child_officer = User.objects.get(username="childprotection")  # the accounts demo's users
    registrar = principal_for_user(User.objects.get(username="registrar"))
    manager = principal_for_user(User.objects.get(username="manager"))
    children = principal_for_user(child_officer)
    rng = random.Random(4)  # noqa: S311  (demo data, not secrets)
    today = timezone.now().date()
    with transaction.atomic():
        services.cut_off_set(actor=manager, date=today - dt.timedelta(days=90))
        people = _register(registrar, children, rng, today, count)
        _screen(registrar, manager, people, rng)
        _support(registrar, manager, rng, today)
    yield f"Demobilization: {len(people)} fictional participants."


def _register(
    registrar: Principal, children: Principal, rng: random.Random, today: dt.date, count: int
) -> list[Participant]:
    people = []
    for i, name in enumerate(demo_names(count)):
        is_child = i % 40 == 7
        years = rng.randint(13, 17) if is_child else rng.randint(19, 55)
        born = dt.date(today.year - years, rng.randint(1, 12), rng.randint(1, 28))
        people.append(_one(registrar, children, rng, today, name, born, i, is_child=is_child))
    people.append(
        _one(registrar, children, rng, today, DEPENDANT, dt.date(1990, 5, 5), 3000,
             dependant_of=people[0].pk)
    )  # fmt: skip
    for n, (first, second) in enumerate(DUPLICATES):  # the same person, twice, two scripts
        born = dt.date(1980 + n, 3, 3)
        people.append(_one(registrar, children, rng, today, first, born, 1000 + n))
        people.append(_one(registrar, children, rng, today, second, born, 2000 + n))
    return people


def _one(
    registrar: Principal,
    children: Principal,
    rng: random.Random,
    today: dt.date,
    name: str,
    born: dt.date,
    seed: int,
    *,
    is_child: bool = False,
    dependant_of: str = "",
) -> Participant:
    if dependant_of:
        category = "dependant"
    else:
        category = "child" if is_child else ("associated" if seed % 5 == 0 else "combatant")
    person = services.person_check(
        name=name,
        born=born,
        sex=rng.choice("mmmf"),
        category=category,
        region=REGIONS[seed % len(REGIONS)],
        dependants=0 if is_child or dependant_of else rng.randint(0, 5),
        dependant_of=dependant_of,
        today=today,
    )
    return services.participant_register(
        actor=children if is_child else registrar,
        person=person,
        photo=placeholder_png(seed),
        contact={"phone": f"+000 {rng.randint(100000, 999999)}"},
        profile={
            "education": rng.choice(["none", "primary", "secondary", "vocational"]),
            "skills": rng.sample(SKILLS, 2),
            "aspirations": rng.choice(["own business", "farming", "study", "employment"]),
        },
        today=today,
    )


def _screen(
    registrar: Principal, manager: Principal, people: list[Participant], rng: random.Random
) -> None:
    undecided = DuplicateFlag.objects.get(participant=people[-1])  # the last pair's, left open
    for flag in DuplicateFlag.objects.exclude(pk=undecided.pk):
        same = "name_born" in flag.matched or "photo" in flag.matched
        services.duplicate_decide(
            actor=manager,
            flag=flag,
            decision="same" if same else "distinct",
            reason="same person, photos compared" if same else "different people, photos compared",
        )
    for p in Participant.objects.filter(status="registered").exclude(duplicate_flags=undecided):
        answers = {q: ("yes" if rng.random() < 0.85 else "no") for q in QUESTIONS}
        suggested = services.suggested_decision(answers)
        services.participant_screen(
            actor=registrar, participant=p, answers=answers, decision=suggested
        )
    eligible = list(Participant.objects.filter(status="eligible"))
    services.id_cards_issue(actor=registrar, participants=eligible)
    ineligible = list(Participant.objects.filter(status="ineligible")[:2])
    for n, participant in enumerate(ineligible):  # the first decided, the second pending
        appeal = services.appeal_lodge(
            actor=registrar, participant=participant, grounds="commander's testimony available"
        )
        if n == 0:
            services.appeal_decide(
                actor=manager, appeal=appeal, outcome="upheld", reason="testimony confirmed"
            )


def _support(registrar: Principal, manager: Principal, rng: random.Random, today: dt.date) -> None:
    cycle = services.payment_cycle_draft(actor=manager, cycle=today.strftime("%Y-%m"))
    cycle = services.payment_cycle_approve(actor=manager, cycle=cycle)
    lines = list(cycle.lines.values_list("participant", flat=True))
    paid = {p: f"MT-{rng.randint(10**7, 10**8)}" for p in lines[: int(len(lines) * 0.9)]}
    services.payments_record(actor=registrar, cycle=cycle, references=paid)
    for n, p in enumerate(Participant.objects.filter(status="eligible")[:40]):
        kind = rng.choice(list(SERVICES))
        referral = services.referral_create(
            actor=registrar,
            participant=p,
            kind=kind,
            service=SERVICES[kind],
            follow_up_due=today + dt.timedelta(days=30),
        )
        if n == 0:
            services.referral_follow_up(
                actor=registrar, referral=referral, status="accepted", note="enrolled for March"
            )
