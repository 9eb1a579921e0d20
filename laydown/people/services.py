"""Writes of demobilization: registration, screening, appeals, duplicates, ID cards, support,
referrals and the data-subject rights.

Each service authorises (for the participant's region; children also need the child-protection
action), validates (a ValidationError names the field and the reason), then appends its ledger
records inside `transaction.atomic()`; the records' `apply` (records.py) changes the projection.
Personal data goes to the vault (laydown/vault) in the same transaction, never to the ledger.
A refused request for a participant is written to the refusal log (models.Refusal) before the
PermissionDenied propagates, outside the transaction that is rolled back.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.accounts.permissions import NotAuthenticated, Principal, authorize
from laydown.accounts.roles import Scope
from laydown.core.errors import ValidationError
from laydown.ledger import services as ledger
from laydown.ledger.models import Record
from laydown.people import permissions as perms
from laydown.people import records
from laydown.people.entitlements import RULES, instalment_amount, instalments_due
from laydown.people.models import (
    Appeal,
    CutOff,
    DuplicateFlag,
    Participant,
    PaymentCycle,
    PaymentLine,
    Referral,
    Refusal,
)
from laydown.people.normalise import name_key
from laydown.people.vocab import (
    QUESTIONS,
    AppealOutcome,
    Category,
    CycleStatus,
    Decision,
    DuplicateStatus,
    ReferralKind,
    ReferralStatus,
    Sex,
    Status,
)
from laydown.vault import services as vault

LEGAL_BASIS = "public_interest"
PURPOSE = "demobilization registration and reinsertion support"
RETENTION_YEARS = {"identity": 10, "contact": 5, "photo": 10, "profile": 5, "health": 3}
PERSONAL = ("identity", "contact", "photo", "profile")
ADULT_AGE = 18
MAX_PHOTO_BYTES = 150 * 1024  # a vault entry holds at most 256 KiB, base64 included
MAX_DEPENDANTS = 30
_REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_CYCLE = re.compile(r"^(20\d\d)-(0[1-9]|1[0-2])$")
ANSWERS = ("yes", "no", "unknown")


# ---- refusals ------------------------------------------------------------------------------


def refusal_record(*, principal: Principal, action: str, subject: str, reason: str) -> None:
    """Write a refused request to the refusal log (its own transaction: it must outlive the
    refused one)."""
    Refusal.objects.create(
        at=timezone.now(),
        actor=principal.pseudonym or "anonymous",
        action=action,
        subject=subject,
        reason=reason[:500],
    )


def _refused(principal: Principal, action: str, subject: str, message: str) -> PermissionDenied:
    refusal_record(principal=principal, action=action, subject=subject, reason=message)
    return PermissionDenied(message)


def check_access(principal: Principal, action: str, participant: Participant) -> None:
    """Authorise `action` on `participant`, or record the refusal and raise PermissionDenied.

    The message names neither the participant's region nor whether they are under 18: a
    refused caller must not learn either (pages and the API answer 404 instead, see
    `selectors.participant_for`)."""
    scope = Scope(region=participant.region)
    try:
        authorize(principal, action, scope=scope)
        if participant.is_child:
            authorize(principal, perms.CHILD.name, scope=scope)
    except NotAuthenticated:
        raise
    except PermissionDenied:
        message = _(
            "Refused: your roles do not allow “%(action)s” for this participant. This request "
            "was recorded."
        ) % {"action": action}
        raise _refused(principal, action, participant.pk, message) from None


def _check_region(principal: Principal, action: str, region: str, *, child: bool) -> None:
    scope = Scope(region=region)
    try:
        authorize(principal, action, scope=scope)
        if child:
            authorize(principal, perms.CHILD.name, scope=scope)
    except NotAuthenticated:
        raise
    except PermissionDenied as exc:
        message = _("Refused for region %(region)s: %(detail)s This request was recorded.") % {
            "region": region,
            "detail": exc,
        }
        raise _refused(principal, action, "", message) from None


def _check_not_erased(principal: Principal, action: str, participant: Participant) -> None:
    if participant.erased_at is not None:
        message = _(
            "The personal data of %(p)s was erased on %(date)s at the person's request or at "
            "the end of its retention period; it cannot be read or changed. This request was "
            "recorded."
        ) % {"p": participant.pk, "date": participant.erased_at.date().isoformat()}
        raise _refused(principal, action, participant.pk, message)


# ---- small helpers -------------------------------------------------------------------------


def _actor(principal: Principal) -> str:
    return principal.pseudonym or "system"


def _append(kind: str, data: Mapping[str, Any], principal: Principal) -> Record:
    return ledger.record_append(kind=kind, data=data, actor=_actor(principal))


def _refuse(field: str, reason: str, message: str) -> ValidationError:
    return ValidationError(message, fields={field: reason})


def _text(field: str, value: object, *, max_length: int, required: bool = False) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise _refuse(field, _("required"), _("%(field)s is required.") % {"field": field})
    if len(text) > max_length:
        raise _refuse(
            field,
            _("too long"),
            _("%(field)s is longer than %(max)d characters.") % {"field": field, "max": max_length},
        )
    return text


def _choice(field: str, value: object, choices: Iterable[str]) -> str:
    allowed = list(choices)
    if value not in allowed:
        raise _refuse(
            field,
            _("unknown value"),
            _("%(field)s must be one of: %(all)s.") % {"field": field, "all": ", ".join(allowed)},
        )
    return str(value)


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.now().date()


def _retain(category: str, today: dt.date) -> dt.date:
    return today.replace(year=today.year + RETENTION_YEARS[category], month=1, day=1)


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def image_kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None


def new_pseudonym() -> str:
    while True:
        candidate = "p-" + secrets.token_hex(6)
        if not Participant.objects.filter(pk=candidate).exists():
            return candidate


# ---- registration --------------------------------------------------------------------------


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
    day = _today(today)
    clean_name = _text("name", name, max_length=200, required=True)
    if not name_key(clean_name):
        raise _refuse("name", _("no letters"), _("The name has no letters in any known script."))
    birth = _born(born, day)
    years = age_on(birth, day) if birth else _age(age)
    category = _choice("category", category, Category.values)
    is_child = years < ADULT_AGE
    if is_child and category in (Category.COMBATANT, Category.ASSOCIATED):
        raise _refuse(
            "category",
            _("under 18"),
            _("Anyone under 18 is registered as a child (or a dependant), never as a combatant."),
        )
    if category == Category.CHILD and not is_child:
        raise _refuse(
            "category", _("18 or older"), _("Only people under 18 are registered as children.")
        )
    return Person(
        name=clean_name,
        born=birth,
        birth_year=birth.year if birth else day.year - years,
        sex=_choice("sex", sex, Sex.values),
        category=category,
        region=_region(region),
        dependants=_dependants(dependants),
        dependant_of=_dependant_of(category, dependant_of),
        is_child=is_child,
    )


def _dependants(value: object) -> int:
    try:
        count = int(str(value if value not in (None, "") else 0))
    except ValueError:
        raise _refuse("dependants", _("not a number"), _("Dependants must be a number.")) from None
    if not 0 <= count <= MAX_DEPENDANTS:
        raise _refuse("dependants", _("out of range"), _("Dependants must be between 0 and 30."))
    return count


def _born(value: object, day: dt.date) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise _refuse(
                "born", _("not a date"), _("The date of birth must look like 1990-04-02.")
            ) from None
    if not day.replace(year=day.year - 120) <= value <= day:
        raise _refuse("born", _("out of range"), _("The date of birth is not plausible."))
    return value


def _age(value: object) -> int:
    if value in (None, ""):
        raise _refuse(
            "born", _("required"), _("Give the date of birth, or the age if it is not known.")
        )
    try:
        years = int(str(value))
    except ValueError:
        raise _refuse("age", _("not a number"), _("The age must be a whole number.")) from None
    if not 0 <= years <= 120:
        raise _refuse("age", _("out of range"), _("The age must be between 0 and 120."))
    return years


def _region(value: object) -> str:
    region = _text("region", value, max_length=40, required=True).lower()
    if not _REGION.match(region):
        raise _refuse(
            "region", _("bad code"), _("The region is a code of letters, digits and dashes.")
        )
    return region


def _dependant_of(category: str, value: object) -> str:
    pseudonym = _text("dependant_of", value, max_length=24)
    if category != Category.DEPENDANT:
        return ""
    if not pseudonym:
        raise _refuse(
            "dependant_of",
            _("required"),
            _("A dependant is registered with the pseudonym of the participant they depend on."),
        )
    if not Participant.objects.filter(pk=pseudonym).exclude(category=Category.DEPENDANT).exists():
        raise _refuse("dependant_of", _("unknown"), _("No participant %(p)s.") % {"p": pseudonym})
    return pseudonym


def _photo(data: bytes | None) -> dict[str, str] | None:
    if not data:
        return None
    kind = image_kind(data)
    if kind is None:
        raise _refuse("photo", _("not an image"), _("The photo must be a JPEG or PNG image."))
    if len(data) > MAX_PHOTO_BYTES:
        raise _refuse("photo", _("too large"), _("The photo must be at most 150 KB."))
    return {
        "mime": kind,
        "sha256": hashlib.sha256(data).hexdigest(),
        "data": base64.b64encode(data).decode(),
    }


def match_keys(person: Person, photo_sha256: str | None) -> dict[str, str]:
    """The normalised values whose keyed hashes find duplicates (vault blind indexes)."""
    key = name_key(person.name)
    keys = {"name_year": f"{key}|{person.birth_year}"}
    if person.born:
        keys["name_born"] = f"{key}|{person.born.isoformat()}"
    if photo_sha256:
        keys["photo"] = photo_sha256
    return keys


def duplicates_find(keys: Mapping[str, str], *, exclude: str = "") -> dict[str, list[str]]:
    """Earlier registrations matching any key: pseudonym -> the fields that matched."""
    found: dict[str, list[str]] = {}
    for field in sorted(keys):
        for subject in vault.vault_matches(field=field, normalised_value=keys[field]):
            if subject != exclude:
                found.setdefault(subject, []).append(field)
    void = set(
        Participant.objects.filter(pk__in=found, status=Status.DUPLICATE).values_list(
            "pk", flat=True
        )
    )
    return {p: fields for p, fields in sorted(found.items()) if p not in void}


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
    _check_region(actor, perms.REGISTER.name, person.region, child=person.is_child)
    _check_region(actor, perms.PERSONAL_DATA.name, person.region, child=person.is_child)
    if health:
        _check_region(actor, perms.HEALTH.name, person.region, child=person.is_child)
    picture = _photo(photo)
    day = _today(today)
    keys = match_keys(person, picture["sha256"] if picture else None)
    with transaction.atomic():
        pseudonym = new_pseudonym()
        _append(
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
            _append(
                records.DUPLICATE_FLAGGED.name,
                {"participant": pseudonym, "other": other, "matched": fields},
                actor,
            )
        entries: dict[str, Mapping[str, object] | None] = {
            "identity": _identity(person),
            "contact": dict(contact or {}),
            "photo": picture,
            "profile": dict(profile or {}),
        }
        for category, data in entries.items():
            if data:
                _vault_put(actor, pseudonym, category, data, day, keys)
        if health:
            _vault_put(actor, pseudonym, "health", dict(health), day, keys)
    return Participant.objects.get(pk=pseudonym)


def _vault_put(
    actor: Principal,
    pseudonym: str,
    category: str,
    data: Mapping[str, object],
    day: dt.date,
    keys: Mapping[str, str],
) -> None:
    indexes = {
        "identity": {k: v for k, v in keys.items() if k != "photo"},
        "photo": {k: v for k, v in keys.items() if k == "photo"},
    }.get(category)
    vault.vault_write(
        principal=actor,
        action=perms.HEALTH.name if category == "health" else perms.PERSONAL_DATA.name,
        subject=pseudonym,
        category=category,
        data=data,
        legal_basis=LEGAL_BASIS,
        purpose=PURPOSE,
        retain_until=_retain(category, day),
        blind_indexes=indexes,
    )


# ---- personal data -------------------------------------------------------------------------


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
    _check_not_erased(actor, perms.PERSONAL_DATA.name, participant)
    try:
        return vault.vault_read(
            principal=actor,
            action=perms.HEALTH.name if "health" in wanted else perms.PERSONAL_DATA.name,
            subject=participant.pk,
            categories=wanted,
            purpose=purpose,
        )
    except vault.SubjectErased as exc:  # erased by the retention purge, not yet in the projection
        raise _refused(actor, perms.PERSONAL_DATA.name, participant.pk, str(exc)) from None


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
    _check_not_erased(actor, perms.REGISTER.name, participant)
    reason = _text("reason", reason, max_length=500, required=True)
    day = _today(today)
    changes: dict[str, object] = {}
    if region is not None and _region(region) != participant.region:
        changes["region"] = _region(region)
        _check_region(actor, perms.REGISTER.name, _region(region), child=participant.is_child)
    if dependants is not None and _dependants(dependants) != participant.dependants:
        changes["dependants"] = _dependants(dependants)
    person = _corrected_person(participant, identity, day) if identity else None
    picture = _photo(photo)
    with transaction.atomic():
        written: list[str] = []
        keys: dict[str, str] = {}
        if person is not None or picture is not None:
            keys = _corrected_keys(actor, participant, person, picture)
        for category, data in (
            ("identity", _identity(person) if person else None),
            ("contact", contact),
            ("profile", profile),
            ("health", health),
            ("photo", picture),
        ):
            if data:
                _vault_put(actor, participant.pk, category, dict(data), day, keys)
                written.append(category)
        if not written and not changes:
            raise _refuse(
                "reason", _("nothing"), _("Nothing to correct: change at least one field.")
            )
        _append(
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


def _identity(person: Person) -> dict[str, object]:
    return {
        "name": person.name,
        "born": person.born.isoformat() if person.born else None,
        "birth_year": person.birth_year,
        "sex": person.sex,
    }


def participant_erase(*, actor: Principal, participant: Participant, reason: str) -> Participant:
    """Erase a participant's personal data: the vault destroys their key; the pseudonymous
    records stay, and no longer resolve to anyone."""
    check_access(actor, perms.ERASE.name, participant)
    reason = _text("reason", reason, max_length=500, required=True)
    if participant.erased_at is not None:
        raise _refuse("participant", _("erased"), _("This participant's data is already erased."))
    with transaction.atomic():
        vault.vault_erase(
            principal=actor, action=perms.ERASE.name, subject=participant.pk, reason=reason
        )  # its listener, `vault_erased`, appends people.erased
        vault_erased(participant.pk, reason, _actor(actor))  # in case the vault held nothing
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


# ---- duplicates ----------------------------------------------------------------------------


def duplicate_decide(
    *, actor: Principal, flag: DuplicateFlag, decision: str, reason: str
) -> DuplicateFlag:
    """A manager decides a suspected duplicate: `distinct` people, or the `same` person (the
    later registration becomes void)."""
    check_access(actor, perms.DECIDE.name, flag.participant)
    decision = _choice("decision", decision, [DuplicateStatus.DISTINCT, DuplicateStatus.SAME])
    reason = _text("reason", reason, max_length=500, required=True)
    with transaction.atomic():
        flag = DuplicateFlag.objects.select_for_update().get(pk=flag.pk)
        if flag.status != DuplicateStatus.OPEN:
            raise _refuse("flag", _("decided"), _("This suspected duplicate is already decided."))
        _append(
            records.DUPLICATE_DECIDED.name,
            {"flag": flag.pk, "decision": decision, "reason": reason},
            actor,
        )
    return DuplicateFlag.objects.get(pk=flag.pk)


def _refuse_if_duplicate_open(participant: Participant) -> None:
    if participant.duplicate_flags.filter(status=DuplicateStatus.OPEN).exists():
        raise _refuse(
            "participant",
            _("possible duplicate"),
            _("%(p)s may be registered twice: a manager must decide first.")
            % {"p": participant.pk},
        )


# ---- eligibility ---------------------------------------------------------------------------


def cut_off_set(*, actor: Principal, date: dt.date) -> CutOff:
    """Set the programme's cut-off date (needs a programme-wide grant)."""
    authorize(actor, perms.DECIDE.name, scope=Scope())
    with transaction.atomic():
        _append(records.CUT_OFF_SET.name, {"date": date.isoformat()}, actor)
    return CutOff.objects.get(id=1)


def suggested_decision(answers: Mapping[str, str]) -> str:
    """The screening rule: joined before the cut-off, and at least two of the four other
    verification questions answered yes."""
    others = [answers.get(q) == "yes" for q in QUESTIONS if q != "before_cut_off"]
    if answers.get("before_cut_off") == "yes" and sum(others) >= 2:
        return Decision.ELIGIBLE
    return Decision.INELIGIBLE


def participant_screen(
    *,
    actor: Principal,
    participant: Participant,
    answers: Mapping[str, str],
    decision: str,
    reason: str = "",
    joined_on: dt.date | None = None,
) -> Participant:
    """Record a screening: answers, the rule's suggestion and the registrar's decision (a
    decision against the suggestion needs a reason)."""
    check_access(actor, perms.SCREEN.name, participant)
    clean = _answers(answers, joined_on)
    decision = _choice("decision", decision, Decision.values)
    reason = _text("reason", reason, max_length=500)
    suggested = suggested_decision(clean)
    if decision != suggested and not reason:
        raise _refuse(
            "reason",
            _("required"),
            _("The decision differs from the rule's suggestion (%(s)s): give the reason.")
            % {"s": suggested},
        )
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.status != Status.REGISTERED:
            raise _refuse(
                "participant",
                _("wrong status"),
                _("Only registered participants are screened; %(p)s is %(s)s.")
                % {"p": participant.pk, "s": participant.get_status_display()},
            )
        _refuse_if_duplicate_open(participant)
        _append(
            records.SCREENED.name,
            {
                "participant": participant.pk,
                "answers": clean,
                "suggested": suggested,
                "decision": decision,
                "reason": reason,
            },
            actor,
        )
    return Participant.objects.get(pk=participant.pk)


def _answers(answers: Mapping[str, str], joined_on: dt.date | None) -> dict[str, str]:
    clean = {q: _choice(q, answers.get(q, "unknown") or "unknown", ANSWERS) for q in QUESTIONS}
    cut_off = CutOff.objects.filter(id=1).first()
    if joined_on is not None and cut_off is not None:
        clean["before_cut_off"] = "yes" if joined_on <= cut_off.date else "no"
    return clean


def appeal_lodge(*, actor: Principal, participant: Participant, grounds: str) -> Appeal:
    check_access(actor, perms.REGISTER.name, participant)
    grounds = _text("grounds", grounds, max_length=1000, required=True)
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.status != Status.INELIGIBLE:
            raise _refuse(
                "participant",
                _("wrong status"),
                _("Only a decision of ineligibility can be appealed."),
            )
        rec = _append(
            records.APPEAL_LODGED.name, {"participant": participant.pk, "grounds": grounds}, actor
        )
    return Appeal.objects.get(pk=records.code_of("AP", rec))


def appeal_decide(*, actor: Principal, appeal: Appeal, outcome: str, reason: str) -> Appeal:
    check_access(actor, perms.DECIDE.name, appeal.participant)
    outcome = _choice("outcome", outcome, AppealOutcome.values)
    reason = _text("reason", reason, max_length=500, required=True)
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        if appeal.outcome:
            raise _refuse("appeal", _("decided"), _("This appeal is already decided."))
        _append(
            records.APPEAL_DECIDED.name,
            {"appeal": appeal.pk, "outcome": outcome, "reason": reason},
            actor,
        )
    return Appeal.objects.get(pk=appeal.pk)


def participant_revoke(*, actor: Principal, participant: Participant, reason: str) -> Participant:
    check_access(actor, perms.DECIDE.name, participant)
    reason = _text("reason", reason, max_length=500, required=True)
    with transaction.atomic():
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        if participant.status != Status.ELIGIBLE:
            raise _refuse(
                "participant",
                _("wrong status"),
                _("Only an eligible participant's eligibility can be revoked."),
            )
        _append(records.REVOKED.name, {"participant": participant.pk, "reason": reason}, actor)
    return Participant.objects.get(pk=participant.pk)


# ---- ID cards ------------------------------------------------------------------------------


def id_cards_issue(*, actor: Principal, participants: Iterable[Participant]) -> int:
    """Issue ID cards to eligible participants without open duplicate flags; one batch."""
    chosen = list(participants)
    for participant in chosen:
        check_access(actor, perms.REGISTER.name, participant)
        if participant.status != Status.ELIGIBLE:
            raise _refuse(
                "participant",
                _("not eligible"),
                _("%(p)s is not eligible: no ID card.") % {"p": participant.pk},
            )
        _refuse_if_duplicate_open(participant)
    with transaction.atomic():
        entries = [(records.ID_CARD_ISSUED.name, {"participant": p.pk}) for p in chosen]
        ledger.record_append_batch(entries=entries, actor=_actor(actor))
    return len(chosen)


# ---- support -------------------------------------------------------------------------------


def _cycle_code(value: str) -> str:
    if not _CYCLE.match(value or ""):
        raise _refuse("cycle", _("bad month"), _("A cycle is a month, like 2026-11."))
    return value


def payment_lines(cycle: str) -> list[list[Any]]:
    """[pseudonym, instalment, amount] for each eligible adult with an ID card and
    instalments left, counting those in other approved cycles."""
    paid: dict[str, int] = {}
    for pseudonym in (
        PaymentLine.objects.filter(cycle__status=CycleStatus.APPROVED)
        .exclude(cycle=cycle)
        .values_list("participant", flat=True)
    ):
        paid[pseudonym] = paid.get(pseudonym, 0) + 1
    lines = []
    eligible = Participant.objects.filter(
        status=Status.ELIGIBLE, is_child=False, erased_at__isnull=True
    ).exclude(id_card_number="")
    for p in eligible.values("pseudonym", "category", "dependants").order_by("pseudonym"):
        amount = instalment_amount(category=p["category"], dependants=p["dependants"])
        done = paid.get(p["pseudonym"], 0)
        if amount and instalments_due(category=p["category"], paid=done):
            lines.append([p["pseudonym"], done + 1, amount])
    return lines


def payment_cycle_draft(*, actor: Principal, cycle: str) -> PaymentCycle:
    """Draft (or redraft) a month's payment list by the entitlement rules."""
    authorize(actor, perms.PAYMENT.name)
    code = _cycle_code(cycle)
    with transaction.atomic():
        existing = PaymentCycle.objects.select_for_update().filter(pk=code).first()
        if existing and existing.status == CycleStatus.APPROVED:
            raise _refuse(
                "cycle", _("frozen"), _("The list of %(c)s is approved and frozen.") % {"c": code}
            )
        _append(records.CYCLE_DRAFTED.name, {"cycle": code, "lines": payment_lines(code)}, actor)
    return PaymentCycle.objects.get(pk=code)


def payment_cycle_approve(*, actor: Principal, cycle: PaymentCycle) -> PaymentCycle:
    """Approve and freeze a cycle's list; the record commits to its lines by a digest."""
    authorize(actor, perms.PAYMENT_APPROVE.name)
    with transaction.atomic():
        cycle = PaymentCycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != CycleStatus.DRAFT:
            raise _refuse("cycle", _("frozen"), _("This list is already approved."))
        lines = list(cycle.lines.order_by("participant").values_list("key", "instalment", "amount"))
        digest = hashlib.sha256(repr(lines).encode()).hexdigest()
        _append(
            records.CYCLE_APPROVED.name,
            {"cycle": cycle.pk, "lines": len(lines), "total": cycle.total, "digest": digest},
            actor,
        )
    return PaymentCycle.objects.get(pk=cycle.pk)


def payments_record(*, actor: Principal, cycle: PaymentCycle, references: Mapping[str, str]) -> int:
    """Record payments of an approved cycle: pseudonym -> payment reference; one record each."""
    authorize(actor, perms.PAYMENT.name)
    with transaction.atomic():
        cycle = PaymentCycle.objects.select_for_update().get(pk=cycle.pk)
        if cycle.status != CycleStatus.APPROVED:
            raise _refuse("cycle", _("not approved"), _("Payments follow an approved list only."))
        lines = {
            line.participant_id: line
            for line in cycle.lines.filter(participant__in=list(references))
        }
        entries = []
        for pseudonym, reference in references.items():
            line = lines.get(pseudonym)
            if line is None:
                raise _refuse(
                    "participant",
                    _("not on the list"),
                    _("%(p)s is not on the list of %(c)s.") % {"p": pseudonym, "c": cycle.pk},
                )
            if line.paid_at is not None:
                raise _refuse(
                    "participant", _("paid"), _("%(p)s is already paid.") % {"p": pseudonym}
                )
            ref = _text("reference", reference, max_length=100, required=True)
            entries.append(
                (
                    records.PAID.name,
                    {
                        "cycle": cycle.pk,
                        "participant": pseudonym,
                        "amount": line.amount,
                        "reference": ref,
                    },
                )
            )
        ledger.record_append_batch(entries=entries, actor=_actor(actor))
    return len(entries)


# ---- referrals -----------------------------------------------------------------------------


def referral_create(
    *,
    actor: Principal,
    participant: Participant,
    kind: str,
    service: str,
    note: str = "",
    follow_up_due: dt.date | None = None,
) -> Referral:
    check_access(actor, perms.REFERRAL.name, participant)
    kind = _choice("kind", kind, ReferralKind.values)
    service = _text("service", service, max_length=200, required=True)
    note = _text("note", note, max_length=1000)
    with transaction.atomic():
        rec = _append(
            records.REFERRED.name,
            {
                "participant": participant.pk,
                "kind": kind,
                "service": service,
                "note": note,
                "follow_up_due": follow_up_due.isoformat() if follow_up_due else None,
            },
            actor,
        )
    return Referral.objects.get(pk=records.code_of("RF", rec))


def referral_follow_up(
    *,
    actor: Principal,
    referral: Referral,
    status: str,
    note: str = "",
    next_due: dt.date | None = None,
) -> Referral:
    check_access(actor, perms.REFERRAL.name, referral.participant)
    status = _choice("status", status, ReferralStatus.values)
    note = _text("note", note, max_length=1000)
    with transaction.atomic():
        _append(
            records.FOLLOWED_UP.name,
            {
                "referral": referral.pk,
                "status": status,
                "note": note,
                "next_due": next_due.isoformat() if next_due else None,
            },
            actor,
        )
    return Referral.objects.get(pk=referral.pk)


__all__ = [
    "RULES",
    "Person",
    "appeal_decide",
    "appeal_lodge",
    "check_access",
    "cut_off_set",
    "duplicate_decide",
    "duplicates_find",
    "id_cards_issue",
    "participant_correct",
    "participant_erase",
    "participant_register",
    "participant_revoke",
    "participant_screen",
    "payment_cycle_approve",
    "payment_cycle_draft",
    "payments_record",
    "person_check",
    "personal_data_read",
    "referral_create",
    "referral_follow_up",
    "refusal_record",
    "vault_erased",
]
