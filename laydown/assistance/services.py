"""Writes of humanitarian assistance.

Each service authorises (own organisation for partner staff: `organisation_id=` of the record
acted on), validates (raising a ValidationError that names the field and the reason), then
appends its ledger record inside `transaction.atomic()`; the record's `apply` (records.py)
changes the projection. A refused call appends nothing and changes nothing. The importers
(imports.py) call the same `*_check` functions and append the same record kinds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from laydown.accounts.models import Organisation
from laydown.accounts.permissions import CROSS_ORG_ROLES, Principal, authorize
from laydown.accounts.roles import OrgKind
from laydown.assistance import checks, permissions, records
from laydown.assistance.models import (
    CodeCounter,
    Commitment,
    Complaint,
    Distribution,
    DistributionRecipient,
    Household,
    Meeting,
    PartnerProfile,
    Place,
    Project,
    Visit,
)
from laydown.assistance.vocab import (
    PARENT_LEVEL,
    REACHED_FIELDS,
    AgeGroup,
    CommitmentStatus,
    Commodity,
    ComplaintChannel,
    ComplaintStatus,
    MeetingSide,
    PartnerKind,
    PlaceLevel,
    ProjectSector,
    ProjectStatus,
    ReceiptKind,
    Sector,
    Sex,
    SpecificNeed,
    Unit,
    VisitStatus,
)
from laydown.core.errors import ValidationError
from laydown.ledger import services as ledger
from laydown.ledger.models import Record
from laydown.vault import crypto as vault_crypto
from laydown.vault import services as vault
from laydown.vault.models import Entry as VaultEntry

refuse = checks.refuse
Data = dict[str, Any]

DISTRIBUTION_PREFIX, COMPLAINT_PREFIX, PROJECT_PREFIX = "DI", "CO", "PR"
MEETING_PREFIX, COMMITMENT_PREFIX, VISIT_PREFIX = "DM", "CM", "MV"
MAX_MEMBERS = 40
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_QUANTITY = 10**12
VAULT_CATEGORY = "household_identity"
VISIT_MOVES = {
    VisitStatus.PROPOSED: {VisitStatus.AGREED, VisitStatus.POSTPONED},
    VisitStatus.AGREED: {VisitStatus.DONE, VisitStatus.POSTPONED},
    VisitStatus.POSTPONED: {VisitStatus.PROPOSED, VisitStatus.AGREED},
    VisitStatus.DONE: {VisitStatus.DONE},  # findings and the report may be completed later
}


class DuplicateSuspected(ValidationError):
    """The household matches earlier ones: a programme manager may register it with a reason."""

    code = "duplicate"

    def __init__(self, message: str, *, households: list[str]) -> None:
        super().__init__(message, fields={"head_name": _("possible duplicate")})
        self.households = households


def _actor(principal: Principal) -> str:
    return principal.pseudonym or "system"


def _append(kind: str, data: Mapping[str, Any], actor: Principal) -> Record:
    return ledger.record_append(kind=kind, data=data, actor=_actor(actor))


def allocate_codes(prefix: str, count: int = 1) -> list[str]:
    """The next `count` codes of `prefix`, gap-free. Call inside the transaction that appends
    the records using them: the counter row stays locked until it commits; `apply` advances it.
    """
    CodeCounter.objects.get_or_create(prefix=prefix)
    last = CodeCounter.objects.select_for_update().get(prefix=prefix).last
    return [f"{prefix}-{n:06d}" for n in range(last + 1, last + count + 1)]


def _partner(field: str, organisation: Organisation) -> Organisation:
    if organisation.kind != OrgKind.HUMANITARIAN_PARTNER:
        raise refuse(
            field,
            _("not a humanitarian partner"),
            _("%(org)s is not a humanitarian partner organisation.") % {"org": organisation.name},
        )
    return organisation


def _place(field: str, value: object) -> Place:
    pcode = "" if value is None else str(getattr(value, "pcode", value)).strip().upper()
    place = Place.objects.filter(pcode=pcode).first()
    if place is None:
        raise refuse(
            field,
            _("unknown place"),
            _("%(field)s: there is no place with P-code %(pcode)r.")
            % {"field": field, "pcode": pcode},
        )
    return place


IMAGE_KINDS = ("jpeg", "png", "webp")
DOCUMENT_KINDS = (*IMAGE_KINDS, "pdf")


def file_kind(data: bytes) -> str | None:
    """What the bytes are, by their signature: jpeg, png, webp, pdf, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    return None


def file_check(*, data: bytes, field: str = "photo", kinds: Sequence[str] = IMAGE_KINDS) -> None:
    """Refuse, naming `field`, an empty file, one over 10 MB, or one not of `kinds`."""
    if not data or len(data) > MAX_PHOTO_BYTES:
        raise refuse(
            field,
            _("empty or too large"),
            _("The file is %(size)d bytes; it must be 1 byte to 10 MB.") % {"size": len(data)},
        )
    if file_kind(data) not in kinds:
        raise refuse(
            field,
            _("wrong type"),
            _("The file is not one of: %(kinds)s.")
            % {"kinds": ", ".join(k.upper() for k in kinds)},
        )


def file_store(*, data: bytes, field: str = "photo", kinds: Sequence[str] = IMAGE_KINDS) -> str:
    """Keep a photo or document apart from the log, named by its SHA-256; return the hash.

    Refuses, naming `field`, an empty file, one over 10 MB, or one whose content is not of
    `kinds` (checked by its signature, whatever its name says).
    """
    file_check(data=data, field=field, kinds=kinds)
    digest = hashlib.sha256(data).hexdigest()
    path = file_path(digest)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(path)
    return digest


def file_path(digest: str) -> Path:
    return Path(settings.DATA_DIR) / "assistance" / "files" / digest[:2] / digest


# ---- partners ------------------------------------------------------------------------------


def partner_profile_set(
    *,
    actor: Principal,
    organisation: Organisation,
    partner_kind: str,
    sectors: Sequence[str],
    contact: str = "",
) -> PartnerProfile:
    authorize(actor, permissions.PARTNER_MANAGE.name, organisation_id=organisation.pk)
    _partner("organisation", organisation)
    data = {
        "organisation": organisation.code,
        "partner_kind": checks.choice("partner_kind", partner_kind, PartnerKind.values),
        "sectors": checks.choices("sectors", list(sectors), Sector.values),
        "contact": checks.text("contact", contact, max_length=200),
    }
    with transaction.atomic():
        _append(records.PARTNER_PROFILE_SET.name, data, actor)
    return PartnerProfile.objects.get(organisation=organisation)


# ---- places --------------------------------------------------------------------------------


def place_check(fields: Mapping[str, Any], *, pending: Mapping[str, str] | None = None) -> Data:
    """Clean place fields. `pending`: P-code -> level of places created earlier in a batch."""
    pcode = checks.text("pcode", fields.get("pcode"), max_length=20, required=True).upper()
    if not checks.PCODE.match(pcode):
        raise refuse(
            "pcode",
            _("not a P-code"),
            _("P-code %(p)r: two letters (the country) then letters and digits, as AZ0101.")
            % {"p": pcode},
        )
    level = checks.choice("level", fields.get("level"), PlaceLevel.values)
    parent = checks.text("parent", fields.get("parent"), max_length=20).upper() or None
    pending = pending or {}
    if pcode in pending or Place.objects.filter(pcode=pcode).exists():
        raise refuse("pcode", _("taken"), _("P-code %(p)r exists already.") % {"p": pcode})
    if level == PlaceLevel.REGION:
        if parent:
            raise refuse("parent", _("not allowed"), _("A region has no parent place."))
    else:
        wanted = PARENT_LEVEL[PlaceLevel(level)]
        parent_level = pending.get(parent or "") or (
            Place.objects.filter(pcode=parent).values_list("level", flat=True).first()
        )
        if parent_level != wanted:
            raise refuse(
                "parent",
                _("wrong parent"),
                _("The parent of a %(level)s must be an existing %(wanted)s; %(p)r is not.")
                % {"level": level, "wanted": wanted, "p": parent or ""},
            )
    lat = checks.optional_integer(
        "lat_micro", fields.get("lat_micro"), minimum=-90_000_000, maximum=90_000_000
    )
    lon = checks.optional_integer(
        "lon_micro", fields.get("lon_micro"), minimum=-180_000_000, maximum=180_000_000
    )
    if (lat is None) != (lon is None):
        raise refuse("lon_micro", _("half a position"), _("Give both coordinates or neither."))
    return {
        "pcode": pcode,
        "name": checks.text("name", fields.get("name"), max_length=120, required=True),
        "level": level,
        "parent": parent,
        "lat_micro": lat,
        "lon_micro": lon,
    }


def place_create(
    *,
    actor: Principal,
    pcode: str,
    name: str,
    level: str,
    parent: str | None = None,
    lat_micro: int | None = None,
    lon_micro: int | None = None,
) -> Place:
    authorize(actor, permissions.PLACE_MANAGE.name)
    fields = {"pcode": pcode, "name": name, "level": level, "parent": parent}
    data = place_check({**fields, "lat_micro": lat_micro, "lon_micro": lon_micro})
    with transaction.atomic():
        _append(records.PLACE_CREATED.name, data, actor)
    return Place.objects.get(pcode=data["pcode"])


# ---- households ----------------------------------------------------------------------------


def _normalised(value: str) -> str:
    folded = unicodedata.normalize("NFKC", value).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", folded).split())


def member_check(index: int, member: Mapping[str, Any]) -> Data:
    field = f"members.{index}"
    return {
        "sex": checks.choice(f"{field}.sex", member.get("sex"), Sex.values),
        "age_group": checks.choice(f"{field}.age_group", member.get("age_group"), AgeGroup.values),
        "specific_needs": checks.choices(
            f"{field}.specific_needs", member.get("specific_needs") or [], SpecificNeed.values
        ),
    }


@dataclass(frozen=True)
class HouseholdInput:
    """A household checked and ready to register (personal data for the vault apart)."""

    record: Data
    personal: dict[str, str]
    blind: dict[str, str]


def household_check(
    *,
    organisation: Organisation,
    place: object,
    head_name: str,
    phone: str = "",
    document: str = "",
    members: Sequence[Mapping[str, Any]],
    override_reason: str = "",
) -> HouseholdInput:
    _partner("organisation", organisation)
    place_row = _place("place", place)
    name = checks.text("head_name", head_name, max_length=200, required=True)
    phone = checks.text("phone", phone, max_length=40)
    if phone and not re.fullmatch(r"\+?[\d\s()-]{5,40}", phone):
        raise refuse("phone", _("not a phone number"), _("The phone number has letters in it."))
    document = checks.text("document", document, max_length=60)
    if not members or len(members) > MAX_MEMBERS:
        raise refuse(
            "members",
            _("1 to 40 members"),
            _("A household has 1 to %(max)d members, the head first.") % {"max": MAX_MEMBERS},
        )
    clean = [member_check(i, m) for i, m in enumerate(members)]
    blind = {"head": f"{_normalised(name)}|{place_row.pcode}"}
    if document:
        blind["document"] = _normalised(document)
    if phone:
        blind["phone"] = re.sub(r"\D", "", phone)
    record = {
        "organisation": organisation.code,
        "place": place_row.pcode,
        "members": clean,
        "duplicate_of": [],
        "override_reason": checks.text("override_reason", override_reason, max_length=500),
    }
    personal = {"head_name": name, "phone": phone, "document": document}
    return HouseholdInput(record=record, personal=personal, blind=blind)


def household_duplicates(blind: Mapping[str, str]) -> list[str]:
    """Households whose head (name at the place), document or phone match these."""
    found: set[str] = set()
    for field, value in blind.items():
        found.update(vault.vault_matches(field=f"household_{field}", normalised_value=value))
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


def _duplicate_refusal(actor: Principal, matches: list[str]) -> DuplicateSuspected:
    shown, elsewhere = duplicates_shown(actor, matches)
    return DuplicateSuspected(duplicate_message(shown, elsewhere), households=shown)


def household_register(
    *,
    actor: Principal,
    organisation: Organisation,
    place: object,
    head_name: str,
    members: Sequence[Mapping[str, Any]],
    legal_basis: str,
    purpose: str,
    retain_until: dt.date,
    phone: str = "",
    document: str = "",
    override_reason: str = "",
) -> Household:
    """Register a household: its members in the ledger, its personal data in the vault."""
    authorize(actor, permissions.HOUSEHOLD_REGISTER.name, organisation_id=organisation.pk)
    checked = household_check(
        organisation=organisation,
        place=place,
        head_name=head_name,
        phone=phone,
        document=document,
        members=members,
        override_reason=override_reason,
    )
    with transaction.atomic():
        codes = household_register_checked(
            actor=actor,
            households=[checked],
            legal_basis=legal_basis,
            purpose=purpose,
            retain_until=retain_until,
        )
    return Household.objects.get(code=codes[0])


def household_register_checked(
    *,
    actor: Principal,
    households: Sequence[HouseholdInput],
    legal_basis: str,
    purpose: str,
    retain_until: dt.date,
) -> list[str]:
    """Write checked households: vault entries first, then one batch of ledger records.

    Call inside a transaction. Refuses suspected duplicates (against the vault and within the
    batch) unless the household carries an override reason, which only managers may give.
    """
    seen: dict[tuple[str, str], str] = {}
    entries, codes = [], []
    for checked in households:
        code = "h-" + secrets.token_hex(6)
        matches = household_duplicates(checked.blind)
        matches += [seen[(f, v)] for f, v in checked.blind.items() if (f, v) in seen]
        record = {"household": code, **checked.record, "duplicate_of": sorted(set(matches))}
        if matches and not record["override_reason"]:
            raise _duplicate_refusal(actor, sorted(set(matches)))
        if record["override_reason"]:
            authorize(actor, permissions.DUPLICATE_OVERRIDE.name)
        vault.vault_write(
            principal=actor,
            action=permissions.HOUSEHOLD_REGISTER.name,
            subject=code,
            category=VAULT_CATEGORY,
            data=checked.personal,
            legal_basis=legal_basis,
            purpose=purpose,
            retain_until=retain_until,
            blind_indexes={f"household_{f}": v for f, v in checked.blind.items()},
        )
        seen.update({(f, v): code for f, v in checked.blind.items()})
        entries.append((records.HOUSEHOLD_REGISTERED.name, record))
        codes.append(code)
    ledger.record_append_batch(entries=entries, actor=_actor(actor))
    return codes


def household_personal_data(
    *, actor: Principal, household: Household, purpose: str
) -> dict[str, object]:
    """The household's names, phone and document; the read is a ledger record with its purpose."""
    authorize(
        actor, permissions.HOUSEHOLD_PERSONAL_DATA.name, organisation_id=household.organisation_id
    )
    if not (purpose or "").strip():
        raise refuse(
            "purpose",
            _("required"),
            _("State why you need this household's personal data; the reason is recorded."),
        )
    data = vault.vault_read(
        principal=actor,
        action=permissions.HOUSEHOLD_PERSONAL_DATA.name,
        subject=household.code,
        categories=[VAULT_CATEGORY],
        purpose=checks.text("purpose", purpose, max_length=200, required=True),
    )
    return data.get(VAULT_CATEGORY, {})


# ---- distributions -------------------------------------------------------------------------


def distribution_check(fields: Mapping[str, Any]) -> Data:
    """Clean the 5W fields of a distribution (all but organisation and code)."""
    data: Data = {
        "sector": checks.choice("sector", fields.get("sector"), Sector.values),
        "activity": checks.text("activity", fields.get("activity"), max_length=200, required=True),
        "commodity": checks.choice("commodity", fields.get("commodity"), Commodity.values),
        "item": checks.text("item", fields.get("item"), max_length=120, required=True),
        "unit": checks.choice("unit", fields.get("unit"), Unit.values),
        "place": _place("place", fields.get("place")).pcode,
        "date": checks.date("date", fields.get("date"), not_future=True).isoformat(),
    }
    for name in ("quantity_planned", "quantity_delivered"):
        data[name] = checks.integer(name, fields.get(name), maximum=MAX_QUANTITY)
    reason = checks.text("over_delivery_reason", fields.get("over_delivery_reason"), max_length=500)
    if data["quantity_delivered"] > data["quantity_planned"] and not reason:
        raise refuse(
            "over_delivery_reason",
            _("required when delivered exceeds planned"),
            _(
                "%(delivered)d %(unit)s delivered is more than the %(planned)d planned: say why "
                "in over_delivery_reason, or correct the quantities."
            )
            % {
                "delivered": data["quantity_delivered"],
                "planned": data["quantity_planned"],
                "unit": data["unit"],
            },
        )
    data["over_delivery_reason"] = reason
    for name in REACHED_FIELDS:
        data[name] = checks.integer(name, fields.get(name) or 0)
    added = sum(data[name] for name in REACHED_FIELDS)
    total = fields.get("reached_total")
    data["reached_total"] = added if total in (None, "") else checks.integer("reached_total", total)
    if data["reached_total"] != added:
        raise refuse(
            "reached_total",
            _("does not add up"),
            _(
                "People reached (%(total)d) must equal girls + boys + women + men + older women "
                "+ older men (%(sum)d): correct the total or the disaggregation."
            )
            % {"total": data["reached_total"], "sum": added},
        )
    data["reached_disabled"] = checks.integer(
        "reached_disabled", fields.get("reached_disabled") or 0
    )
    if data["reached_disabled"] > data["reached_total"]:
        raise refuse(
            "reached_disabled",
            _("more than reached"),
            _("People with disabilities reached (%(d)d) cannot exceed all people reached (%(t)d).")
            % {"d": data["reached_disabled"], "t": data["reached_total"]},
        )
    return data


def distribution_record(
    *, actor: Principal, organisation: Organisation, **fields: Any
) -> Distribution:
    authorize(actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=organisation.pk)
    _partner("organisation", organisation)
    data = distribution_check(fields)
    with transaction.atomic():
        code = allocate_codes(DISTRIBUTION_PREFIX)[0]
        entry = {"distribution": code, "organisation": organisation.code, **data}
        _append(records.DISTRIBUTION_RECORDED.name, entry, actor)
    return Distribution.objects.get(code=code)


def distributions_append(
    *, actor: Principal, rows: Sequence[tuple[Organisation, Data]]
) -> list[str]:
    """Record checked distributions (from `distribution_check`) in one ledger batch.

    The importer and the demo use it; call it inside the caller's transaction so the batch and
    everything checked before it commit together.
    """
    for organisation, _data in rows:
        authorize(actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=organisation.pk)
        _partner("organisation", organisation)
    codes = allocate_codes(DISTRIBUTION_PREFIX, len(rows)) if rows else []
    entries = [
        (
            records.DISTRIBUTION_RECORDED.name,
            {"distribution": code, "organisation": org.code, **data},
        )
        for code, (org, data) in zip(codes, rows, strict=True)
    ]
    ledger.record_append_batch(entries=entries, actor=_actor(actor))
    return codes


def places_append(*, actor: Principal, rows: Sequence[Data]) -> list[str]:
    """Record checked places (from `place_check`, parents first) in one ledger batch."""
    authorize(actor, permissions.PLACE_MANAGE.name)
    entries = [(records.PLACE_CREATED.name, dict(row)) for row in rows]
    ledger.record_append_batch(entries=entries, actor=_actor(actor))
    return [row["pcode"] for row in rows]


def distribution_correct(
    *, actor: Principal, distribution: Distribution, reason: str, **fields: Any
) -> Distribution:
    """Correct a distribution's figures; fields not given keep their values."""
    authorize(
        actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=distribution.organisation_id
    )
    current = {name: getattr(distribution, name) for name in records.DISTRIBUTION_FIELDS}
    current.update(place=distribution.place_id, date=distribution.date)
    data = distribution_check({**current, **fields})
    reason = checks.text("reason", reason, max_length=500, required=True)
    with transaction.atomic():
        Distribution.objects.select_for_update().get(code=distribution.code)
        entry = {"distribution": distribution.code, **data, "reason": reason}
        _append(records.DISTRIBUTION_CORRECTED.name, entry, actor)
    return Distribution.objects.get(code=distribution.code)


def recipients_list(
    *, actor: Principal, distribution: Distribution, households: Sequence[str]
) -> int:
    """Put households on the recipient list; returns how many were added."""
    authorize(
        actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=distribution.organisation_id
    )
    wanted = sorted({h.strip() for h in households if h.strip()})
    known = set(
        Household.objects.filter(
            code__in=wanted, organisation_id=distribution.organisation_id
        ).values_list("code", flat=True)
    )
    unknown = [h for h in wanted if h not in known]
    if unknown or not wanted:
        raise refuse(
            "households",
            _("unknown household"),
            _("Not households of this partner: %(codes)s.") % {"codes": ", ".join(unknown) or "—"},
        )
    listed = set(
        DistributionRecipient.objects.filter(distribution=distribution).values_list(
            "household_id", flat=True
        )
    )
    new = [h for h in wanted if h not in listed]
    if new:
        with transaction.atomic():
            data = {"distribution": distribution.code, "households": new}
            _append(records.RECIPIENTS_LISTED.name, data, actor)
    return len(new)


def receipt_record(
    *,
    actor: Principal,
    distribution: Distribution,
    household: str,
    receipt_kind: str,
    photo: bytes | None = None,
    receipt_sha256: str = "",
) -> DistributionRecipient:
    """A household received its share: its photo is kept encrypted with the household."""
    authorize(
        actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=distribution.organisation_id
    )
    row = DistributionRecipient.objects.filter(
        distribution=distribution, household_id=household
    ).first()
    if row is None:
        raise refuse(
            "household",
            _("not on the list"),
            _("Household %(h)s is not on this distribution's recipient list.") % {"h": household},
        )
    if row.received_at is not None:
        raise refuse("household", _("already received"), _("This receipt is recorded already."))
    kind = checks.choice("receipt_kind", receipt_kind, ReceiptKind.values)
    if photo:
        file_check(data=photo, field="photo")
        digest = hashlib.sha256(photo).hexdigest()
    else:
        digest = checks.sha256("receipt_sha256", receipt_sha256)
    data = {
        "distribution": distribution.code,
        "household": household,
        "receipt_kind": kind,
        "receipt_sha256": digest,
    }
    with transaction.atomic():
        if photo:
            _receipt_photo_store(
                actor=actor, distribution=distribution.code, household=household, photo=photo
            )
        _append(records.RECEIPT_RECORDED.name, data, actor)
    row.refresh_from_db()
    return row


def receipt_category(distribution: str) -> str:
    return f"receipt-{distribution}"


def receipt_photo_path(household: str, distribution: str) -> Path:
    return Path(settings.DATA_DIR) / "assistance" / "receipts" / household / distribution


def _receipt_aad(household: str, distribution: str) -> bytes:
    return f"receipt|{household}|{distribution}".encode()


def _receipt_photo_store(
    *, actor: Principal, distribution: str, household: str, photo: bytes
) -> None:
    """Keep a receipt photo (a signature or thumbprint: maybe biometric) with the household.

    The photo is encrypted with a key of its own, kept in the vault under the household as
    category `receipt-<distribution>` with the household's legal basis and retention; erasing
    or purging the household destroys the key (and the file, once the erasure is committed).
    """
    identity = VaultEntry.objects.filter(subject_id=household, category=VAULT_CATEGORY).first()
    if identity is None:
        raise refuse(
            "household",
            _("no personal data"),
            _("Household %(h)s has no personal data kept: its receipt photo cannot be kept.")
            % {"h": household},
        )
    key = os.urandom(32)
    vault.vault_write(
        principal=actor,
        action=permissions.DISTRIBUTION_RECORD.name,
        subject=household,
        category=receipt_category(distribution),
        data={
            "key": key.hex(),
            "sha256": hashlib.sha256(photo).hexdigest(),
            "kind": file_kind(photo) or "",
        },
        legal_basis=identity.legal_basis,
        purpose=identity.purpose,
        retain_until=identity.retain_until,
    )
    path = receipt_photo_path(household, distribution)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(vault_crypto.seal(key, photo, _receipt_aad(household, distribution)))
    partial.replace(path)


def receipt_photo(
    *, actor: Principal, distribution: Distribution, household: Household, purpose: str
) -> bytes:
    """The photo of a household's receipt; the read is a vault record with its purpose."""
    authorize(
        actor, permissions.HOUSEHOLD_PERSONAL_DATA.name, organisation_id=household.organisation_id
    )
    category = receipt_category(distribution.code)
    data = vault.vault_read(
        principal=actor,
        action=permissions.HOUSEHOLD_PERSONAL_DATA.name,
        subject=household.code,
        categories=[category],
        purpose=checks.text("purpose", purpose, max_length=200, required=True),
    ).get(category)
    path = receipt_photo_path(household.code, distribution.code)
    if not data or not path.exists():
        raise refuse("household", _("no photo"), _("No photo of this receipt is kept."))
    key = bytes.fromhex(str(data["key"]))
    return vault_crypto.unseal(
        key, path.read_bytes(), _receipt_aad(household.code, distribution.code)
    )


def receipt_photos_forget(subject: str, _reason: str, _actor_name: str) -> None:
    """After a household's erasure commits, delete its receipt photos (their keys are gone)."""
    if not re.fullmatch(r"h-[0-9a-f]+", subject):
        return
    folder = Path(settings.DATA_DIR) / "assistance" / "receipts" / subject
    transaction.on_commit(lambda: shutil.rmtree(folder, ignore_errors=True))


def monitoring_note_add(
    *,
    actor: Principal,
    distribution: Distribution,
    note: str,
    satisfied_percent: int | None = None,
) -> None:
    authorize(
        actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=distribution.organisation_id
    )
    data = {
        "distribution": distribution.code,
        "note": checks.text("note", note, max_length=5000, required=True),
        "satisfied_percent": checks.optional_integer(
            "satisfied_percent", satisfied_percent, minimum=0, maximum=100
        ),
    }
    with transaction.atomic():
        _append(records.MONITORING_NOTE_ADDED.name, data, actor)


def complaint_open(
    *,
    actor: Principal,
    organisation: Organisation,
    place: object,
    channel: str,
    description: str,
    distribution: Distribution | None = None,
) -> Complaint:
    authorize(actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=organisation.pk)
    _partner("organisation", organisation)
    if distribution is not None and distribution.organisation_id != organisation.pk:
        raise refuse(
            "distribution", _("another partner's"), _("The distribution is another partner's.")
        )
    data = {
        "organisation": organisation.code,
        "distribution": distribution.code if distribution else None,
        "place": _place("place", place).pcode,
        "channel": checks.choice("channel", channel, ComplaintChannel.values),
        "description": checks.text("description", description, max_length=5000, required=True),
    }
    with transaction.atomic():
        code = allocate_codes(COMPLAINT_PREFIX)[0]
        _append(records.COMPLAINT_OPENED.name, {"complaint": code, **data}, actor)
    return Complaint.objects.get(code=code)


def complaint_follow_up(
    *, actor: Principal, complaint: Complaint, status: str, note: str
) -> Complaint:
    authorize(
        actor, permissions.DISTRIBUTION_RECORD.name, organisation_id=complaint.organisation_id
    )
    if complaint.status == ComplaintStatus.CLOSED:
        raise refuse("status", _("closed"), _("The complaint is closed."))
    data = {
        "complaint": complaint.code,
        "status": checks.choice("status", status, ComplaintStatus.values),
        "note": checks.text("note", note, max_length=5000, required=True),
    }
    with transaction.atomic():
        _append(records.COMPLAINT_FOLLOWED_UP.name, data, actor)
    return Complaint.objects.get(code=complaint.code)


# ---- infrastructure projects ---------------------------------------------------------------


def _photos(value: Sequence[str], *, more: int = 0) -> list[str]:
    if len(value) + more > 20:
        raise refuse("photos", _("too many"), _("At most 20 photos per progress report."))
    return [checks.sha256("photos", v) for v in value]


def project_create(
    *,
    actor: Principal,
    organisation: Organisation,
    name: str,
    sector: str,
    place: object,
    budget: int,
    currency: str,
    status: str = ProjectStatus.PLANNED,
    percent_complete: int = 0,
) -> Project:
    authorize(actor, permissions.PROJECT_MANAGE.name, organisation_id=organisation.pk)
    _partner("organisation", organisation)
    currency = checks.text("currency", currency, max_length=3, required=True).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise refuse("currency", _("not ISO 4217"), _("Currency: three letters, as USD or EUR."))
    data = {
        "organisation": organisation.code,
        "name": checks.text("name", name, max_length=200, required=True),
        "sector": checks.choice("sector", sector, ProjectSector.values),
        "place": _place("place", place).pcode,
        "budget": checks.integer("budget", budget, maximum=MAX_QUANTITY),
        "currency": currency,
        "status": checks.choice("status", status, ProjectStatus.values),
        "percent_complete": checks.integer("percent_complete", percent_complete, maximum=100),
    }
    with transaction.atomic():
        code = allocate_codes(PROJECT_PREFIX)[0]
        _append(records.PROJECT_CREATED.name, {"project": code, **data}, actor)
    return Project.objects.get(code=code)


def project_update(
    *,
    actor: Principal,
    project: Project,
    reason: str,
    name: str | None = None,
    sector: str | None = None,
    place: object = None,
    budget: int | None = None,
    currency: str | None = None,
) -> Project:
    """Change a project's name, sector, place, budget or currency; fields not given are kept.

    Status and percent complete change only through `project_progress`, which keeps their
    history.
    """
    authorize(actor, permissions.PROJECT_MANAGE.name, organisation_id=project.organisation_id)
    currency = checks.text(
        "currency", project.currency if currency is None else currency, max_length=3, required=True
    ).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise refuse("currency", _("not ISO 4217"), _("Currency: three letters, as USD or EUR."))
    data = {
        "project": project.code,
        "name": checks.text(
            "name", project.name if name is None else name, max_length=200, required=True
        ),
        "sector": checks.choice(
            "sector", project.sector if sector is None else sector, ProjectSector.values
        ),
        "place": _place("place", project.place_id if place is None else place).pcode,
        "budget": checks.integer(
            "budget", project.budget if budget is None else budget, maximum=MAX_QUANTITY
        ),
        "currency": currency,
        "reason": checks.text("reason", reason, max_length=500, required=True),
    }
    with transaction.atomic():
        Project.objects.select_for_update().get(code=project.code)
        _append(records.PROJECT_UPDATED.name, data, actor)
    return Project.objects.get(code=project.code)


def project_progress(
    *,
    actor: Principal,
    project: Project,
    date: object,
    status: str,
    percent_complete: int,
    note: str = "",
    photos: Sequence[str] = (),
    photo_files: Sequence[bytes] = (),
) -> Project:
    """Record a project's status and percent complete on a date, with photos.

    `photos` are SHA-256 of photos kept apart already; `photo_files` are the bytes of new ones
    (JPEG, PNG or WebP), stored by hash once everything else is valid.
    """
    authorize(actor, permissions.PROJECT_MANAGE.name, organisation_id=project.organisation_id)
    percent = checks.integer("percent_complete", percent_complete, maximum=100)
    status = checks.choice("status", status, ProjectStatus.values)
    if status == ProjectStatus.COMPLETED and percent != 100:
        raise refuse(
            "percent_complete",
            _("not 100"),
            _("A completed project is 100%% complete; it says %(p)d%%.") % {"p": percent},
        )
    data: Data = {
        "project": project.code,
        "date": checks.date("date", date, not_future=True).isoformat(),
        "status": status,
        "percent_complete": percent,
        "note": checks.text("note", note, max_length=5000),
        "photos": _photos(photos, more=len(photo_files)),
    }
    stored = [file_store(data=f, field="photos") for f in photo_files]
    data["photos"] = [*data["photos"], *stored]
    with transaction.atomic():
        _append(records.PROJECT_PROGRESSED.name, data, actor)
    return Project.objects.get(code=project.code)


# ---- dialogue ------------------------------------------------------------------------------


def _participant(i: int, p: Mapping[str, Any]) -> Data:
    field = f"participants.{i}"
    return {
        "side": checks.choice(f"{field}.side", p.get("side"), MeetingSide.values),
        "organisation": checks.text(
            f"{field}.organisation", p.get("organisation"), max_length=200, required=True
        ),
        "count": checks.integer(f"{field}.count", p.get("count", 1), minimum=1, maximum=500),
        "function": checks.text(f"{field}.function", p.get("function"), max_length=200),
    }


def _commitment(c: Mapping[str, Any], meeting_date: dt.date, prefix: str = "") -> Data:
    """Clean a commitment's fields, each error naming `prefix` + the field."""
    due = checks.date(f"{prefix}due", c.get("due"))
    if due < meeting_date:
        raise refuse(
            f"{prefix}due", _("before the meeting"), _("A commitment is due after its meeting.")
        )
    return {
        "text": checks.text(f"{prefix}text", c.get("text"), max_length=500, required=True),
        "owner_side": checks.choice(f"{prefix}owner_side", c.get("owner_side"), MeetingSide.values),
        "owner": checks.text(f"{prefix}owner", c.get("owner"), max_length=200, required=True),
        "due": due.isoformat(),
    }


def meeting_record(
    *,
    actor: Principal,
    organisation: Organisation,
    title: str,
    date: object,
    place: object,
    topics: Sequence[str],
    outcomes: str,
    participants: Sequence[Mapping[str, Any]],
    commitments: Sequence[Mapping[str, Any]] = (),
) -> Meeting:
    authorize(actor, permissions.DIALOGUE_MANAGE.name)
    day = checks.date("date", date, not_future=True)
    clean_topics = [checks.text("topics", t, max_length=200, required=True) for t in topics]
    if not clean_topics:
        raise refuse("topics", _("required"), _("Name at least one topic."))
    if not participants:
        raise refuse("participants", _("required"), _("Name at least one side that took part."))
    data = {
        "organisation": organisation.code,
        "title": checks.text("title", title, max_length=200, required=True),
        "date": day.isoformat(),
        "place": _place("place", place).pcode,
        "topics": clean_topics,
        "outcomes": checks.text("outcomes", outcomes, max_length=10000),
        "participants": [_participant(i, p) for i, p in enumerate(participants)],
    }
    promised = [_commitment(c, day, f"commitments.{i}.") for i, c in enumerate(commitments)]
    with transaction.atomic():
        code = allocate_codes(MEETING_PREFIX)[0]
        numbers = allocate_codes(COMMITMENT_PREFIX, len(promised)) if promised else []
        data["commitments"] = [
            {"commitment": n, **c} for n, c in zip(numbers, promised, strict=True)
        ]
        _append(records.MEETING_RECORDED.name, {"meeting": code, **data}, actor)
    return Meeting.objects.get(code=code)


def commitment_add(
    *,
    actor: Principal,
    meeting: Meeting,
    text: str,
    owner_side: str,
    owner: str,
    due: object,
) -> Commitment:
    """Add a commitment made at `meeting` (one forgotten, or agreed in its follow-up)."""
    authorize(actor, permissions.DIALOGUE_MANAGE.name)
    fields = {"text": text, "owner_side": owner_side, "owner": owner, "due": due}
    clean = _commitment(fields, meeting.date)
    with transaction.atomic():
        code = allocate_codes(COMMITMENT_PREFIX)[0]
        data = {"commitment": code, "meeting": meeting.code, **clean}
        _append(records.COMMITMENT_ADDED.name, data, actor)
    return Commitment.objects.get(code=code)


def commitment_follow_up(
    *, actor: Principal, commitment: Commitment, status: str, note: str
) -> Commitment:
    authorize(actor, permissions.DIALOGUE_MANAGE.name)
    data = {
        "commitment": commitment.code,
        "status": checks.choice("status", status, CommitmentStatus.values),
        "note": checks.text("note", note, max_length=5000, required=True),
    }
    with transaction.atomic():
        _append(records.COMMITMENT_FOLLOWED_UP.name, data, actor)
    return Commitment.objects.get(code=commitment.code)


# ---- monitoring visits ---------------------------------------------------------------------


def _itinerary(value: Sequence[Mapping[str, Any]], start: dt.date, end: dt.date) -> list[Data]:
    stops = []
    for i, stop in enumerate(value):
        day = checks.date(f"itinerary.{i}.date", stop.get("date"))
        if not start <= day <= end:
            raise refuse(
                f"itinerary.{i}.date",
                _("outside the visit"),
                _("Stop %(n)d is on %(d)s, outside the visit's dates.")
                % {"n": i + 1, "d": day.isoformat()},
            )
        stops.append(
            {
                "place": _place(f"itinerary.{i}.place", stop.get("place")).pcode,
                "date": day.isoformat(),
                "note": checks.text(f"itinerary.{i}.note", stop.get("note"), max_length=500),
            }
        )
    return stops


def _visit_dates(start: object, end: object) -> tuple[dt.date, dt.date]:
    first = checks.date("planned_start", start)
    last = checks.date("planned_end", end)
    if last < first:
        raise refuse("planned_end", _("before the start"), _("The visit ends before it starts."))
    return first, last


def visit_propose(
    *,
    actor: Principal,
    organisation: Organisation,
    purpose: str,
    planned_start: object,
    planned_end: object,
    itinerary: Sequence[Mapping[str, Any]] = (),
) -> Visit:
    authorize(actor, permissions.VISIT_MANAGE.name, organisation_id=organisation.pk)
    start, end = _visit_dates(planned_start, planned_end)
    data = {
        "organisation": organisation.code,
        "purpose": checks.text("purpose", purpose, max_length=500, required=True),
        "planned_start": start.isoformat(),
        "planned_end": end.isoformat(),
        "itinerary": _itinerary(itinerary, start, end),
    }
    with transaction.atomic():
        code = allocate_codes(VISIT_PREFIX)[0]
        _append(records.VISIT_PROPOSED.name, {"visit": code, **data}, actor)
    return Visit.objects.get(code=code)


def visit_update(
    *,
    actor: Principal,
    visit: Visit,
    status: str,
    planned_start: object = None,
    planned_end: object = None,
    findings: str | None = None,
    report_summary: str | None = None,
    report: bytes | None = None,
    note: str = "",
) -> Visit:
    """Agree, postpone (with new dates) or close a visit with its findings and report."""
    authorize(actor, permissions.VISIT_MANAGE.name, organisation_id=visit.organisation_id)
    status = checks.choice("status", status, VisitStatus.values)
    if status not in VISIT_MOVES[VisitStatus(visit.status)]:
        raise refuse(
            "status",
            _("not allowed now"),
            _("A %(old)s visit cannot become %(new)s.") % {"old": visit.status, "new": status},
        )
    start, end = _visit_dates(
        planned_start or visit.planned_start, planned_end or visit.planned_end
    )
    if status == VisitStatus.DONE and start > checks.today():
        raise refuse("status", _("not yet"), _("A visit that has not started cannot be done."))
    data = {
        "visit": visit.code,
        "status": status,
        "planned_start": start.isoformat(),
        "planned_end": end.isoformat(),
        "findings": checks.text(
            "findings", visit.findings if findings is None else findings, max_length=20000
        ),
        "report_summary": checks.text(
            "report_summary",
            visit.report_summary if report_summary is None else report_summary,
            max_length=5000,
        ),
        "report_sha256": visit.report_sha256,
        "note": checks.text("note", note, max_length=2000),
    }
    if status != VisitStatus.DONE and (data["findings"] or data["report_sha256"] or report):
        raise refuse("findings", _("not done"), _("Findings and a report come after the visit."))
    if report:
        data["report_sha256"] = file_store(data=report, field="report", kinds=DOCUMENT_KINDS)
    with transaction.atomic():
        _append(records.VISIT_UPDATED.name, data, actor)
    return Visit.objects.get(code=visit.code)
