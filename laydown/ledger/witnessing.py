"""Pushing checkpoints to witnesses (C2SP tlog-witness) and keeping their cosignatures.

For each active witness, the latest checkpoint goes out with a consistency proof from the
size that witness last cosigned. A 409 tells us the witness's size: we retry once from there.
Verified cosignatures are appended to the stored checkpoint note; a refusal is kept on the
witness row and, when the status changes, recorded in the ledger for everybody to see.
"""

from __future__ import annotations

import contextlib
import fcntl
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from laydown import tlog
from laydown.ledger import records, selectors, services
from laydown.ledger.models import Checkpoint, LogWitness

PUSH_TIMEOUT = 10.0


@dataclass(frozen=True)
class PushResult:
    witness: str
    status: str  # ok, refused, unreachable, current, later (pushed too recently)
    detail: str = ""


def witness_add(*, actor: str, vkey: str, url: str) -> LogWitness:
    """Add (or re-activate) a witness by its cosignature verifier key and submission URL."""
    from laydown.core.errors import ValidationError

    try:
        verifier = tlog.new_verifier(vkey)
    except tlog.TlogError as exc:
        raise ValidationError(f"Witness key: {exc}", fields={"vkey": "invalid"}) from exc
    if verifier.alg != tlog.ALG_COSIGNATURE_V1:
        raise ValidationError(
            "Witness key must be a cosignature/v1 key (type 0x04).", fields={"vkey": "wrong type"}
        )
    if not url.startswith(("http://", "https://")):
        raise ValidationError("Witness URL must be http(s)://...", fields={"url": "invalid"})
    services.record_append(
        kind=records.WITNESS_ADDED.name,
        data={"name": verifier.name, "vkey": vkey, "url": url.rstrip("/")},
        actor=actor,
    )
    return LogWitness.objects.get(name=verifier.name)


def witness_push(*, client: httpx.Client | None = None) -> list[PushResult]:
    """Push the latest checkpoint to every active witness; return what each said."""
    latest = Checkpoint.objects.order_by("-size").first()
    if latest is None:
        return []
    own = client is None
    http = client or httpx.Client(timeout=PUSH_TIMEOUT)
    try:
        return [
            _push_one(http, witness, latest.size)
            for witness in LogWitness.objects.filter(active=True).order_by("name")
        ]
    finally:
        if own:
            http.close()


def _push_one(http: httpx.Client, witness: LogWitness, size: int) -> PushResult:
    checkpoint = Checkpoint.objects.get(size=size)
    if witness.name in checkpoint.cosigned_by:
        _set_status(witness, "ok", "")
        return PushResult(witness.name, "current")
    wait = _too_soon(witness)
    if wait:
        return PushResult(witness.name, "later", f"next push in {wait:.0f} s")
    old = witness.last_size
    for _attempt in range(2):
        if old > size:
            return _refused(witness, 409, f"the witness has cosigned size {old} > {size}", size)
        proof = (
            [] if old in (0, size) else tlog.tree_consistency_proof(old, size, selectors.tile_read)
        )
        # Other witnesses' cosignatures may ride along: a witness ignores unknown keys.
        body = tlog.format_add_checkpoint(old, proof, checkpoint.note)
        try:
            response = http.post(f"{witness.url}/add-checkpoint", content=body)
        except httpx.HTTPError as exc:
            return _set_status(witness, "unreachable", str(exc) or type(exc).__name__)
        if response.status_code == 409 and response.headers.get("content-type", "").startswith(
            tlog.SIZE_CONTENT_TYPE
        ):
            old = int(response.text.strip() or 0)
            continue
        if response.status_code == 200:
            return _accept(witness, checkpoint.size, response.text)
        return _refused(witness, response.status_code, response.text.strip(), size)
    return _refused(witness, 409, "the witness's size keeps changing", size)


def _too_soon(witness: LogWitness) -> float:
    """Seconds until this witness may be sent a checkpoint again: public witnesses ask a log
    to push no more often than an interval it declares (LAYDOWN_WITNESS_MIN_INTERVAL, 0: no
    limit). A witness that answered with an error is not kept waiting longer than that."""
    interval = settings.LAYDOWN_WITNESS_MIN_INTERVAL
    if not interval or witness.last_contact_at is None:
        return 0.0
    waited = (timezone.now() - witness.last_contact_at).total_seconds()
    return max(0.0, interval - waited)


def _accept(witness: LogWitness, size: int, lines: str) -> PushResult:
    try:
        cosignature_attach(witness=witness, size=size, lines=lines)
    except tlog.NoteError as exc:
        return _set_status(witness, "refused", f"bad cosignature: {exc}")
    return _set_status(witness, "ok", "")


def cosignature_attach(*, witness: LogWitness, size: int, lines: str) -> None:
    """Verify a witness's cosignature lines for checkpoint `size` and keep them with it.

    Raises tlog.NoteError if the lines hold no valid cosignature of this witness.
    """
    verifier = tlog.new_verifier(witness.vkey)
    with transaction.atomic():
        checkpoint = Checkpoint.objects.select_for_update().get(size=size)
        opened = tlog.open_note(checkpoint.note + lines, [verifier])
        cosig = next(s for s in opened.sigs if s.name == witness.name)
        checkpoint.note += cosig.line()
        checkpoint.cosigned_by = sorted({*checkpoint.cosigned_by, witness.name})
        checkpoint.cosignatures = len(checkpoint.cosigned_by)
        checkpoint.save(update_fields=["note", "cosigned_by", "cosignatures"])
        transaction.on_commit(selectors.checkpoint_served_forget)
        witness.last_size = size
        witness.save(update_fields=["last_size"])


def _refused(witness: LogWitness, status: int, reason: str, size: int) -> PushResult:
    changed = witness.last_status != "refused"
    result = _set_status(witness, "refused", f"{status}: {reason}"[:2000])
    if changed:
        services.record_append(
            kind=records.WITNESS_REFUSED.name,
            data={"witness": witness.name, "status": status, "size": size, "reason": reason[:500]},
            actor="system",
        )
    return result


def _set_status(witness: LogWitness, status: str, detail: str) -> PushResult:
    LogWitness.objects.filter(pk=witness.pk).update(
        last_status=status, last_error=detail, last_contact_at=timezone.now()
    )
    transaction.on_commit(selectors.checkpoint_served_forget)  # the pages show the status
    return PushResult(witness.name, status, detail)


# ---- pushing from the web process, after each commit ----------------------------------------

_wake = threading.Event()
_started = threading.Lock()
_thread: threading.Thread | None = None


def push_soon() -> None:
    """Wake the background pusher (started on first use); called after an append commits."""
    global _thread
    if not settings.LAYDOWN_WITNESS_AUTOPUSH or not LogWitness.objects.filter(active=True).exists():
        return
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_push_loop, name="witness-push", daemon=True)
            _thread.start()
    _wake.set()


@contextlib.contextmanager
def one_pusher_at_a_time() -> Iterator[None]:
    """Hold the data directory's push lock: the workers of `laydown serve` each push after
    their own commits, one at a time, and each reads the newest checkpoint only once it holds
    the lock. Two pushes at once could send a witness an older checkpoint after a newer one,
    which it refuses (and the refusal would be recorded in the ledger)."""
    with open(settings.DATA_DIR / "witness-push.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the process dies
        yield


def _push_loop() -> None:
    while True:
        _wake.wait()
        _wake.clear()
        try:
            with one_pusher_at_a_time():
                if LogWitness.objects.filter(active=True).exists():
                    witness_push()
        except Exception:  # noqa: BLE001 - keep pushing later; the status rows show failures
            import logging

            logging.getLogger(__name__).exception("pushing to witnesses failed")
        finally:
            close_old_connections()
