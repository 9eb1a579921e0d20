"""The data-subject rights: reading, correcting and erasing a participant's personal data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of
from laydown.core import validators
from laydown.ledger import services as ledger
from laydown.people import checks, records
from laydown.people import permissions as perms
from laydown.people.models import Participant
from laydown.people.services.common import append_record, today_or, vault_put
from laydown.people.services.refusals import check_access, check_not_erased, check_region, refused
from laydown.people.services.registration import Person, identity_of, match_keys, person_check
from laydown.people.vocab import Sex
from laydown.vault import services as vault


def personal_data_read(
    *,
    actor: Principal,
    participant: Participant,
    categories: Iterable[str],
    purpose: str,
) -> dict[str, dict[str, object]]:
    """Decrypt some of a participant's vault categories; the read is recorded with `purpose`."""
    wanted = sorted(set(categories))
    check_access(actor, perms.PERSONAL_DATA.name, participant)
    if "health" in wanted:
        check_access(actor, perms.HEALTH.name, participant)
    check_not_erased(actor, perms.PERSONAL_DATA.name, participant)
    try:
        return vault.vault_read(
            principal=actor,
            action=perms.HEALTH.name if "health" in wanted else perms.PERSONAL_DATA.name,
            subject=participant.pk,
            categories=wanted,
            purpose=purpose,
        )
    except vault.SubjectErased as exc:  # erased by the retention purge, not yet in the projection
        raise refused(actor, perms.PERSONAL_DATA.name, participant.pk, str(exc)) from None


def participant_correct(
    *,
    actor: Principal,
    participant: Participant,
    reason: str,
    identity: Mapping[str, object] | None = None,
    contact: Mapping[str, str] | None = None,
    profile: Mapping[str, Any] | None = None,
    health: Mapping[str, Any] | None = None,
    photo: bytes | None = None,
    dependants: object = None,
    region: str | None = None,
    today: dt.date | None = None,
) -> Participant:
    """Correct a participant's data (the data subject's right to rectification).

    `identity` is the whole corrected identity (name, born or age, sex); the duplicate keys are
    recomputed from it. Non-personal changes (region, dependants) are in the record; personal
    ones are vault writes, and the record names only their categories.
    """
    check_access(actor, perms.REGISTER.name, participant)
    check_access(actor, perms.PERSONAL_DATA.name, participant)
    if health:
        check_access(actor, perms.HEALTH.name, participant)
    check_not_erased(actor, perms.REGISTER.name, participant)
    reason = validators.text("reason", reason, max_length=500, required=True, multiline=True)
    day = today_or(today)
    changes: dict[str, object] = {}
    if region is not None and checks.region(region) != participant.region:
        changes["region"] = checks.region(region)
        check_region(actor, perms.REGISTER.name, checks.region(region), child=participant.is_child)
    if dependants is not None and checks.dependants(dependants) != participant.dependants:
        changes["dependants"] = checks.dependants(dependants)
    person = _corrected_person(participant, identity, day) if identity else None
    picture = checks.photo(photo)
    with transaction.atomic():
        written: list[str] = []
        keys: dict[str, str] = {}
        if person is not None or picture is not None:
            keys = _corrected_keys(actor, participant, person, picture)
        for category, data in (
            ("identity", identity_of(person) if person else None),
            ("contact", contact),
            ("profile", profile),
            ("health", health),
            ("photo", picture),
        ):
            if data:
                vault_put(actor, participant.pk, category, dict(data), day, keys)
                written.append(category)
        if not written and not changes:
            raise validators.refuse(
                "reason", _("nothing"), _("Nothing to correct: change at least one field.")
            )
        append_record(
            records.CORRECTED.name,
            {"participant": participant.pk, "changes": changes, "vault": written, "reason": reason},
            actor,
        )
    return Participant.objects.get(pk=participant.pk)


def _corrected_person(
    participant: Participant, identity: Mapping[str, object], day: dt.date
) -> Person:
    return person_check(
        name=identity.get("name"),
        born=identity.get("born"),
        age=identity.get("age"),
        sex=identity.get("sex"),
        category=participant.category,
        region=participant.region,
        dependants=participant.dependants,
        dependant_of=participant.dependant_of,
        today=day,
    )


def _corrected_keys(
    actor: Principal,
    participant: Participant,
    person: Person | None,
    picture: Mapping[str, str] | None,
) -> dict[str, str]:
    """The duplicate keys after the correction (reads what is not being replaced)."""
    missing = [c for c, new in (("identity", person), ("photo", picture)) if new is None]
    current = (
        personal_data_read(
            actor=actor,
            participant=participant,
            categories=missing,
            purpose="correction at the person's request",
        )
        if missing
        else {}
    )
    if person is None:
        old = current.get("identity", {})
        born = old.get("born")
        person = Person(
            name=str(old.get("name") or ""),
            born=dt.date.fromisoformat(str(born)) if born else None,
            birth_year=int(str(old.get("birth_year") or 0)),
            sex=str(old.get("sex") or Sex.OTHER),
            category=participant.category,
            region=participant.region,
            dependants=participant.dependants,
            dependant_of=participant.dependant_of,
            is_child=participant.is_child,
        )
    photo = picture or current.get("photo") or {}
    return match_keys(person, str(photo.get("sha256") or "") or None)


def participant_erase(*, actor: Principal, participant: Participant, reason: str) -> Participant:
    """Erase a participant's personal data: the vault destroys their key; the pseudonymous
    records stay, and no longer resolve to anyone."""
    check_access(actor, perms.ERASE.name, participant)
    reason = validators.text("reason", reason, max_length=500, required=True, multiline=True)
    if participant.erased_at is not None:
        raise validators.refuse(
            "participant", _("erased"), _("This participant's data is already erased.")
        )
    with transaction.atomic():
        vault.vault_erase(
            principal=actor, action=perms.ERASE.name, subject=participant.pk, reason=reason
        )  # its listener, `vault_erased`, appends people.erased
        vault_erased(participant.pk, reason, actor_of(actor))  # in case the vault held nothing
    return Participant.objects.get(pk=participant.pk)


def vault_erased(subject: str, reason: str, actor: str) -> None:
    """The vault destroyed `subject`'s key (on request, or by `laydown vault purge-expired`):
    if the subject is a participant not yet marked erased, append `people.erased`, whose apply
    marks it. Registered with `vault.erasure_listen` (apps.py); runs in the vault's transaction.
    """
    if Participant.objects.filter(pk=subject, erased_at__isnull=True).exists():
        ledger.record_append(
            kind=records.ERASED.name, data={"participant": subject, "reason": reason}, actor=actor
        )
