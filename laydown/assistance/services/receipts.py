"""Receipts of distributions, with their photos kept encrypted with the household."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.assistance import permissions, records
from laydown.assistance.files import file_check
from laydown.assistance.models import Distribution, DistributionRecipient, Household
from laydown.assistance.services.common import VAULT_CATEGORY, append_record
from laydown.assistance.vocab import ReceiptKind
from laydown.core import validators
from laydown.core.files import write_whole
from laydown.vault import crypto as vault_crypto
from laydown.vault import services as vault
from laydown.vault.models import Entry as VaultEntry


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
        raise validators.refuse(
            "household",
            _("not on the list"),
            _("Household %(h)s is not on this distribution's recipient list.") % {"h": household},
        )
    if row.received_at is not None:
        raise validators.refuse(
            "household", _("already received"), _("This receipt is recorded already.")
        )
    kind = validators.choice("receipt_kind", receipt_kind, ReceiptKind.values)
    if photo:
        file_check(data=photo, field="photo")
        digest = hashlib.sha256(photo).hexdigest()
    else:
        digest = validators.sha256("receipt_sha256", receipt_sha256)
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
        append_record(records.RECEIPT_RECORDED.name, data, actor)
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
        raise validators.refuse(
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
            "kind": validators.file_kind(photo) or "",
        },
        legal_basis=identity.legal_basis,
        purpose=identity.purpose,
        retain_until=identity.retain_until,
    )
    sealed = vault_crypto.seal(key, photo, _receipt_aad(household, distribution))
    write_whole(receipt_photo_path(household, distribution), sealed)


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
        purpose=validators.text("purpose", purpose, max_length=200, required=True),
    ).get(category)
    path = receipt_photo_path(household.code, distribution.code)
    if not data or not path.exists():
        raise validators.refuse("household", _("no photo"), _("No photo of this receipt is kept."))
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
