"""The verification part of the demo: two witnesses, accredited observers, a signed inspection
with one discrepancy, and a monitored destruction.

The witnesses are real tlog-witnesses with their own keys and state in the data directory
(`<data dir>/witnesses/<name>`); `make demo` serves them with `laydown witness serve` beside the
app. Here they are reached in-process, so loading the demo needs no open port. The observers'
private keys are in `<data dir>/observers/`, so a demo user can sign with `laydown observer sign`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
from django.conf import settings
from django.utils import timezone

from laydown import tlog
from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.arms import photos as arms_photos
from laydown.arms.models import AmmoLot, Item
from laydown.core.png import png
from laydown.ledger import clock, keys, witnessing
from laydown.ledger.models import LogWitness
from laydown.verification import services
from laydown.verification.models import Inspection
from laydown.verification.witness_server import LOGS_FILE, load_witness, witness_init

WITNESSES = [
    ("nordland", "witness.nordland.example/w1", 7381),
    ("un-office", "witness.un.example/w1", 7382),
]
OBSERVERS = ["observer", "un-observer"]


def witness_dir(name: str) -> Path:
    return Path(settings.DATA_DIR) / "witnesses" / name


def _witnesses() -> list[str]:
    lines = []
    for name, key_name, port in WITNESSES:
        directory = witness_dir(name)
        if witness_init(directory, key_name):
            (directory / LOGS_FILE).write_text(keys.log_verifier_key() + "\n")
        witness = load_witness(directory)
        if not LogWitness.objects.filter(name=key_name).exists():
            witnessing.witness_add(
                actor="system", vkey=witness.signer.verifier_key(), url=f"http://127.0.0.1:{port}"
            )
        lines.append(f"  {key_name} at http://127.0.0.1:{port} (state in {directory})")
    return lines


def cosign_in_process() -> None:
    """Push the newest checkpoint to the demo witnesses without opening a port."""
    by_url = {
        f"http://127.0.0.1:{port}": load_witness(witness_dir(name)) for name, _k, port in WITNESSES
    }

    def handle(request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.host}:{request.url.port}"
        answer = by_url[origin].add_checkpoint(request.content)
        return httpx.Response(
            answer.status, content=answer.body, headers={"content-type": answer.content_type}
        )

    with httpx.Client(transport=httpx.MockTransport(handle)) as client:
        witnessing.witness_push(client=client)


def _observer(username: str, today: dt.date) -> tuple[User, tlog.Signer]:
    user = User.objects.get(username=username)
    path = Path(settings.DATA_DIR) / "observers" / f"{username}.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        skey, _vkey = tlog.generate_key(f"{user.organisation.code}.example/{username}")  # type: ignore[union-attr]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(skey + "\n")
    signer = tlog.new_signer(path.read_text().strip())
    manager = principal_for_user(User.objects.get(username="manager"))
    services.accreditation_grant(
        actor=manager,
        observer=user,
        vkey=signer.verifier_key(),
        sites=["depot-central", "depot-south"],
        valid_from=today - dt.timedelta(days=7),
        valid_until=today + dt.timedelta(days=90),
    )
    return user, signer


def demo_load() -> Iterator[str]:
    if Inspection.objects.exists():
        yield "Verification demo data present; left as it is."
        return
    lines = _witnesses()
    now = timezone.now()
    today = timezone.localdate(now)
    manager = principal_for_user(User.objects.get(username="manager"))
    observers = [_observer(name, today) for name in OBSERVERS]
    cosign_in_process()
    with clock.simulated(now - dt.timedelta(minutes=4)):
        inspection = _inspection(manager, observers, today)
        destruction = _destruction(manager, observers)
    cosign_in_process()
    yield "Witnesses (run by `make demo` with `laydown witness serve`):"
    yield from lines
    yield (
        f"Inspection {inspection.code} of depot-central by observers of Nordland and the UN, "
        f"signed, with one discrepancy; destruction {destruction} countersigned. Observer "
        f"keys for `laydown observer sign`: {Path(settings.DATA_DIR) / 'observers'}/"
    )


def _inspection(manager, observers, today: dt.date) -> Inspection:  # type: ignore[no-untyped-def]
    (lead, signer), (second, _s) = observers
    lead_p = principal_for_user(lead)
    planned = services.inspection_plan(
        actor=manager,
        sites=["depot-central"],
        planned_for=today,
        team=[lead.pseudonym, second.pseudonym],
        sample_percent=5,
    )
    opened = services.inspection_open(
        actor=lead_p, code=planned.code, nonce="nordland-and-un-joint-visit-" + today.isoformat()
    )
    for n, tag in enumerate(opened.sample):
        mismatch = n == 0
        services.inspection_record(
            actor=lead_p,
            code=opened.code,
            tag=tag,
            result="mismatch" if mismatch else "found",
            mismatches=["condition"] if mismatch else [],
            notes="Recorded serviceable; the bolt is missing." if mismatch else "",
        )
    quantities = dict(AmmoLot.objects.filter(tag__in=opened.lots).values_list("tag", "quantity"))
    for tag in opened.lots:
        services.inspection_record(
            actor=lead_p, code=opened.code, tag=tag, result="found", counted=quantities[tag]
        )
    closed = services.inspection_close(actor=lead_p, code=opened.code)
    signed = tlog.sign_note(closed.report, [signer])
    return services.inspection_sign(actor=lead_p, code=closed.code, signed_report=signed)


def _destruction(manager, observers) -> str:  # type: ignore[no-untyped-def]
    tags = list(
        Item.objects.filter(site_id="depot-central", status="in_storage", condition="unserviceable")
        .order_by("tag")
        .values_list("tag", flat=True)[:12]
    )
    event = services.destruction_plan(
        actor=manager,
        site="depot-central",
        method="cutting",
        items=tags,
        observers=[user.pseudonym for user, _s in observers],
    )
    before = arms_photos.photo_store(data=_png(b"before"))
    after = arms_photos.photo_store(data=_png(b"after"))
    done = services.destruction_record(
        actor=manager, code=event.code, before_photos=[before], after_photos=[after]
    )
    for user, signer in observers:
        services.destruction_countersign(
            actor=principal_for_user(user),
            code=event.code,
            signed_statement=tlog.sign_note(done.statement, [signer]),
        )
    return event.code


def _png(label: bytes) -> bytes:
    """A tiny valid PNG (1x1 pixel) standing in for a photo in the demo."""
    return png(1, 1, label[:1] * 3, text=b"demo\x00" + label)
