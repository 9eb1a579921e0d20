"""Writes, reads and erasure of personal data. Every call names its purpose and is recorded.

Callers (the people and assistance apps) pass the principal and the action of their own
permission matrix entry; the vault authorises it, so no read can bypass the check or the log.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of, authorize
from laydown.core import text
from laydown.core.errors import LaydownError, ValidationError
from laydown.ledger import services as ledger
from laydown.vault import crypto, records, scrub
from laydown.vault.models import BlindIndex, Entry, SubjectKey
from laydown.vault.vocab import LegalBasis

LEGAL_BASES = tuple(LegalBasis.values)
MAX_ENTRY_BYTES = 256 * 1024


class SubjectErased(LaydownError):
    code = "erased"


ErasureListener = Callable[[str, str, str], None]
_erasure_listeners: list[ErasureListener] = []


def erasure_listen(listener: ErasureListener) -> ErasureListener:
    """Call `listener(subject, reason, actor)` after each erasure, inside its transaction.

    The app that owns a subject (a participant, a household) learns of every erasure, whether
    asked for or made by the retention purge, and records it in its own ledger record, so its
    projection follows from the ledger alone and a replay reproduces it. Idempotent.
    """
    if listener not in _erasure_listeners:
        _erasure_listeners.append(listener)
    return listener


def _subject_key(subject: str, *, create: bool) -> tuple[SubjectKey, bytes]:
    row = SubjectKey.objects.select_for_update().filter(subject=subject).first()
    if row is None:
        if not create:
            raise ValidationError(
                _("No personal data for %(s)s.") % {"s": subject}, fields={"subject": _("unknown")}
            )
        key = os.urandom(32)
        row = SubjectKey.objects.create(
            subject=subject, wrapped_key=crypto.wrap(key, subject), created_at=timezone.now()
        )
        return row, key
    if row.wrapped_key is None:
        raise SubjectErased(_("The personal data of %(s)s was erased.") % {"s": subject})
    return row, crypto.unwrap(bytes(row.wrapped_key), subject)


def vault_terms_check(*, legal_basis: str, purpose: str, retain_until: dt.date) -> None:
    """Refuse (ValidationError naming the field) terms `vault_write` would refuse; callers
    check them before anything whose answer must not depend on them (a duplicate check)."""
    if legal_basis not in LEGAL_BASES:
        raise ValidationError(
            _("Legal basis %(b)r is not one of: %(all)s.")
            % {"b": legal_basis, "all": ", ".join(LEGAL_BASES)},
            fields={"legal_basis": _("unknown")},
        )
    if not purpose.strip():
        raise ValidationError(
            _("State the purpose of keeping this data."), fields={"purpose": _("required")}
        )
    text.bidi_controls_refuse(purpose, "purpose")
    if retain_until <= timezone.now().date():
        raise ValidationError(
            _("The retention date must be in the future."), fields={"retain_until": _("past")}
        )


def vault_write(
    *,
    principal: Principal,
    action: str,
    subject: str,
    category: str,
    data: Mapping[str, object],
    legal_basis: str,
    purpose: str,
    retain_until: dt.date,
    blind_indexes: Mapping[str, str] | None = None,
) -> None:
    """Encrypt and store one category of a subject's data (replacing what was there)."""
    authorize(principal, action)
    vault_terms_check(legal_basis=legal_basis, purpose=purpose, retain_until=retain_until)
    text.bidi_controls_refuse(dict(data), "data")
    plaintext = json.dumps(data, ensure_ascii=False, sort_keys=True).encode()
    if len(plaintext) > MAX_ENTRY_BYTES:
        raise ValidationError(_("The data is too large."), fields={"data": _("too large")})
    with transaction.atomic():
        row, key = _subject_key(subject, create=True)
        Entry.objects.update_or_create(
            subject=row,
            category=category,
            defaults={
                "ciphertext": crypto.seal(key, plaintext, f"{subject}|{category}".encode()),
                "legal_basis": legal_basis,
                "purpose": purpose.strip(),
                "retain_until": retain_until,
                "updated_at": timezone.now(),
            },
        )
        for field, value in (blind_indexes or {}).items():
            BlindIndex.objects.filter(subject=row, field=field).delete()
            BlindIndex.objects.create(subject=row, field=field, digest=crypto.blind(field, value))
        ledger.record_append(
            kind=records.WRITTEN.name,
            data={
                "subject": subject,
                "category": category,
                "legal_basis": legal_basis,
                "purpose": purpose.strip(),
                "retain_until": retain_until.isoformat(),
            },
            actor=actor_of(principal),
        )


def vault_read(
    *, principal: Principal, action: str, subject: str, categories: Iterable[str], purpose: str
) -> dict[str, dict[str, object]]:
    """Decrypt the given categories of a subject's data; the read is a ledger record."""
    authorize(principal, action)
    wanted = sorted(set(categories))
    if not purpose.strip():
        raise ValidationError(_("State why you read this data."), fields={"purpose": _("required")})
    with transaction.atomic():
        row, key = _subject_key(subject, create=False)
        out: dict[str, dict[str, object]] = {}
        for entry in Entry.objects.filter(subject=row, category__in=wanted):
            aad = f"{subject}|{entry.category}".encode()
            out[entry.category] = json.loads(crypto.unseal(key, bytes(entry.ciphertext), aad))
        ledger.record_append(
            kind=records.READ.name,
            data={"subject": subject, "categories": wanted, "purpose": purpose.strip()},
            actor=actor_of(principal),
        )
    return out


def vault_erase(*, principal: Principal, action: str, subject: str, reason: str) -> None:
    """Destroy the subject's key and ciphertexts; the pseudonymous records stay, unresolvable."""
    authorize(principal, action)
    with transaction.atomic():
        _erase(subject, reason, actor_of(principal))


def _erase(subject: str, reason: str, actor: str) -> None:
    row = SubjectKey.objects.select_for_update().filter(subject=subject).first()
    if row is None or row.wrapped_key is None:
        return
    Entry.objects.filter(subject=row).delete()
    BlindIndex.objects.filter(subject=row).delete()
    row.wrapped_key = None
    row.erased_at = timezone.now()
    row.save(update_fields=["wrapped_key", "erased_at"])
    _scrub_after_commit()
    ledger.record_append(
        kind=records.ERASED.name, data={"subject": subject, "reason": reason}, actor=actor
    )
    for listener in _erasure_listeners:
        listener(subject, reason, actor)


def _scrub_after_commit() -> None:
    """Once the erasure commits, scrub its bytes out of the database files (once per
    transaction however many subjects it erased)."""
    pending = transaction.get_connection().run_on_commit  # (savepoints, callback, robust)
    if not any(callback is scrub.vault_scrub for _sids, callback, _robust in pending):
        transaction.on_commit(scrub.vault_scrub)


def vault_purge_expired(*, today: dt.date | None = None) -> list[str]:
    """Delete entries past their retention date; erase subjects left with none. Returns them."""
    today = today or timezone.now().date()
    erased = []
    with transaction.atomic():
        expired = Entry.objects.filter(retain_until__lt=today)
        subjects = set(expired.values_list("subject_id", flat=True))
        expired.delete()
        if subjects:
            _scrub_after_commit()
        for subject in sorted(subjects):
            if not Entry.objects.filter(subject_id=subject).exists():
                _erase(subject, "retention period ended", "system")
                erased.append(subject)
    return erased
