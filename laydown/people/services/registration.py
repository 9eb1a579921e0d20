"""Registration of participants: identity in the vault, the participant in the ledger."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.core import validators
from laydown.people import checks, records
from laydown.people import permissions as perms
from laydown.people.matching import duplicates_find
from laydown.people.models import Participant
from laydown.people.normalise import name_key
from laydown.people.services.common import append_record, today_or, vault_put
from laydown.people.services.refusals import check_region
from laydown.people.vocab import Category, Sex

ADULT_AGE = 18


def new_pseudonym() -> str:
    while True:
        candidate = "p-" + secrets.token_hex(6)
        if not Participant.objects.filter(pk=candidate).exists():
            return candidate


@dataclass(frozen=True)
class Person:
    """What a registration form or import row gives, checked."""

    name: str
    born: dt.date | None
    birth_year: int
    sex: str
    category: str
    region: str
    dependants: int
    dependant_of: str
    is_child: bool


def person_check(
    *,
    name: object,
    born: object = None,
    age: object = None,
    sex: object,
    category: object,
    region: object,
    dependants: object = 0,
    dependant_of: object = "",
    today: dt.date | None = None,
) -> Person:
    """Validate a registration's fields (no permission, no database writes)."""
    day = today_or(today)
    clean_name = validators.text("name", name, max_length=200, required=True)
    if not name_key(clean_name):
        raise validators.refuse(
            "name", _("no letters"), _("The name has no letters in any known script.")
        )
    birth = checks.born(born, day)
    years = checks.age_on(birth, day) if birth else checks.age(age)
    category = validators.choice("category", category, Category.values)
    is_child = years < ADULT_AGE
    if is_child and category in (Category.COMBATANT, Category.ASSOCIATED):
        raise validators.refuse(
            "category",
            _("under 18"),
            _("Anyone under 18 is registered as a child (or a dependant), never as a combatant."),
        )
    if category == Category.CHILD and not is_child:
        raise validators.refuse(
            "category", _("18 or older"), _("Only people under 18 are registered as children.")
        )
    return Person(
        name=clean_name,
        born=birth,
        birth_year=birth.year if birth else day.year - years,
        sex=validators.choice("sex", sex, Sex.values),
        category=category,
        region=checks.region(region),
        dependants=checks.dependants(dependants),
        dependant_of=checks.dependant_of(category, dependant_of),
        is_child=is_child,
    )


def match_keys(person: Person, photo_sha256: str | None) -> dict[str, str]:
    """The normalised values whose keyed hashes find duplicates (vault blind indexes)."""
    key = name_key(person.name)
    keys = {"name_year": f"{key}|{person.birth_year}"}
    if person.born:
        keys["name_born"] = f"{key}|{person.born.isoformat()}"
    if photo_sha256:
        keys["photo"] = photo_sha256
    return keys


def participant_register(
    *,
    actor: Principal,
    person: Person,
    contact: Mapping[str, str] | None = None,
    photo: bytes | None = None,
    profile: Mapping[str, Any] | None = None,
    health: Mapping[str, Any] | None = None,
    today: dt.date | None = None,
) -> Participant:
    """Register a participant (fields checked by `person_check`); flags likely duplicates."""
    check_region(actor, perms.REGISTER.name, person.region, child=person.is_child)
    check_region(actor, perms.PERSONAL_DATA.name, person.region, child=person.is_child)
    if health:
        check_region(actor, perms.HEALTH.name, person.region, child=person.is_child)
    picture = checks.photo(photo)
    day = today_or(today)
    keys = match_keys(person, picture["sha256"] if picture else None)
    with transaction.atomic():
        pseudonym = new_pseudonym()
        append_record(
            records.REGISTERED.name,
            {
                "participant": pseudonym,
                "category": person.category,
                "is_child": person.is_child,
                "region": person.region,
                "dependants": person.dependants,
                "dependant_of": person.dependant_of or None,
            },
            actor,
        )
        for other, fields in duplicates_find(keys).items():
            append_record(
                records.DUPLICATE_FLAGGED.name,
                {"participant": pseudonym, "other": other, "matched": fields},
                actor,
            )
        entries: dict[str, Mapping[str, object] | None] = {
            "identity": identity_of(person),
            "contact": dict(contact or {}),
            "photo": picture,
            "profile": dict(profile or {}),
        }
        for category, data in entries.items():
            if data:
                vault_put(actor, pseudonym, category, data, day, keys)
        if health:
            vault_put(actor, pseudonym, "health", dict(health), day, keys)
    return Participant.objects.get(pk=pseudonym)


def identity_of(person: Person) -> dict[str, object]:
    return {
        "name": person.name,
        "born": person.born.isoformat() if person.born else None,
        "birth_year": person.birth_year,
        "sex": person.sex,
    }
