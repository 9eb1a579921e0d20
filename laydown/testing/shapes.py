"""The demo walks' samples: for a kind of object, a few rows that between them show every value
of the fields that change its pages (`sample`); participants with what changes their person
page (`participants`, `PEOPLE`). Used by the demo walk (demo_walk) and the language walk
(languages); imports no app but the models it samples. Nothing here runs in production.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Exists, OuterRef, Q

from laydown.people.models import (
    Appeal,
    DuplicateFlag,
    FollowUp,
    Participant,
    PaymentLine,
    Referral,
)

Kwargs = dict[str, Any]


def sample(queryset: models.QuerySet[Any], key: str, *states: str) -> list[Kwargs]:
    """`{key: value}` for the first and last row of `queryset` and, for each value that a field
    (or annotation) in `states` takes in it, a row that has that value.

    Rows are chosen greedily, the one that shows the most values not yet shown first, so a few
    rows cover every value whatever the order of the keys (random, for pseudonyms): no value is
    left to chance, and no row is requested twice."""
    field = "pk" if key == "user_id" else key
    rows = list(queryset.order_by("pk").values_list(field, *states))
    if not rows:
        return []

    def shows(row: tuple[Any, ...]) -> set[tuple[int, Any]]:
        return set(enumerate(row[1:]))

    picked = [rows[0], rows[-1]]
    unshown = set().union(*map(shows, rows)) - shows(rows[0]) - shows(rows[-1])
    while unshown:
        best = max(rows, key=lambda row: len(shows(row) & unshown))
        picked.append(best)
        unshown -= shows(best)
    return [{key: value} for value in dict.fromkeys(row[0] for row in picked)]


# What changes a participant's person page beside their status, age and category (annotations
# of `participants`, each a boolean).
PARTICIPANT_SHAPES = (
    *("flagged", "flag_open", "appealed", "appeal_open", "referred", "followed_up", "paid"),
    *("carded", "supports", "depends", "erased"),
)


def participants() -> models.QuerySet[Participant]:
    """Participants with what changes their person page (people/person.html) beside their
    status, age and category: a suspected duplicate (either side, awaiting a decision or not),
    an appeal (pending or decided), a referral, its follow-up, a payment, an ID card, dependants,
    the participant they depend on, personal data erased."""
    mine = OuterRef("pk")
    flags = DuplicateFlag.objects.filter(Q(participant=mine) | Q(other=mine))
    return Participant.objects.annotate(
        flagged=Exists(flags),
        flag_open=Exists(flags.filter(status="open")),
        appealed=Exists(Appeal.objects.filter(participant=mine)),
        appeal_open=Exists(Appeal.objects.filter(participant=mine, outcome="")),
        referred=Exists(Referral.objects.filter(participant=mine)),
        followed_up=Exists(FollowUp.objects.filter(referral__participant=mine)),
        paid=Exists(PaymentLine.objects.filter(participant=mine)),
        carded=~Q(id_card_number=""),
        supports=Exists(Participant.objects.filter(dependant_of=mine)),
        depends=~Q(dependant_of=""),
        erased=Q(erased_at__isnull=False),
    )


def people_sampled() -> list[Kwargs]:
    """`{"pseudonym": ...}` of participants that between them show every status, age, category
    and shape (`PARTICIPANT_SHAPES`)."""
    shown = ("status", "is_child", "category", *PARTICIPANT_SHAPES)
    return sample(participants(), "pseudonym", *shown)


PEOPLE: Callable[[], list[Kwargs]] = people_sampled
