"""The nonce count of HTTP Digest, tracked in the database so that every worker process sees
the same counts: a request whose `nc` is not above the last one accepted with its nonce is a
replay (or a copy of one), and is refused."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from laydown.openrosa.models import DigestNonce


def nonce_count_advance(*, key: str, issued: dt.datetime, count: int, lifetime: int) -> bool:
    """Accept `count` for the nonce `key` if it is above every count accepted with it before
    (True), else refuse it (False). Atomic across processes: the conditional UPDATE takes the
    row's lock and re-reads it (PostgreSQL) or runs alone (SQLite), and a second first use of
    the same nonce fails on the primary key. A nonce's first use purges the rows of nonces
    older than `lifetime` seconds."""
    if DigestNonce.objects.filter(key=key, count__lt=count).update(count=count):
        return True
    try:
        with transaction.atomic():
            DigestNonce.objects.create(key=key, count=count, issued_at=issued)
    except IntegrityError:
        return False  # the nonce was used before with this count or a higher one
    DigestNonce.objects.filter(
        issued_at__lt=timezone.now() - dt.timedelta(seconds=lifetime)
    ).delete()
    return True
