from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from laydown import tlog
from laydown.access.permissions import Principal
from laydown.arms import services as arms
from laydown.arms.models import Item
from laydown.core.errors import ValidationError
from laydown.ledger import keys, selectors
from laydown.verification import sampling, services
from laydown.verification import selectors as verification
from laydown.verification.models import FollowUp, InspectionStatus
from laydown.verify import main as verify_main

pytestmark = pytest.mark.django_db


@pytest.fixture
def stock(collect) -> list[Item]:
    return [collect() for _ in range(40)]


def plan(manager, observer, percent: int = 10):
    return services.inspection_plan(
        actor=manager,
        sites=["depot-a"],
        planned_for=dt.date(2026, 11, 30),
        team=[observer.principal.pseudonym],
        sample_percent=percent,
    )


def test_the_sample_is_fixed_by_public_inputs_and_anyone_recomputes_it(
    manager, make_observer, stock, cosign, tmp_path: Path, capsys
) -> None:
    observer = make_observer()
    cosign()
    inspection = plan(manager, observer)
    opened = services.inspection_open(
        actor=observer.principal, code=inspection.code, nonce="nordland-2026-11-30-7f3a"
    )
    assert opened.status == InspectionStatus.OPEN
    assert len(opened.sample) == 4 and opened.inventory_size == 40
    inventory = verification.inventory_at(opened.checkpoint_size, ["depot-a"])
    assert sampling.inventory_digest(inventory.items) == opened.inventory_sha256
    # the same public inputs give the same sample, through the command observers run
    (tmp_path / "inventory.txt").write_text("\n".join(inventory.items) + "\n")
    args = ["sample", "--root", opened.checkpoint_root, "--nonce", opened.nonce, "--percent", "10"]
    assert sampling.main([*args, str(tmp_path / "inventory.txt")]) == 0
    printed = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("#")]
    assert printed == opened.sample
    # another nonce gives another sample
    other = sampling.draw(
        sampling.sample_seed(bytes.fromhex(opened.checkpoint_root), "x" * 8), inventory.items, 4
    )
    assert other != opened.sample


def test_items_added_after_the_checkpoint_are_never_sampled(
    manager, make_observer, stock, cosign, collect
) -> None:
    observer = make_observer()
    cosign()
    late = {collect().tag for _ in range(10)}
    inspection = plan(manager, observer, percent=100)
    opened = services.inspection_open(
        actor=observer.principal, code=inspection.code, nonce="n" * 12
    )
    assert len(opened.sample) == 40
    assert not late & set(opened.sample)


def test_an_inspection_needs_a_witnessed_checkpoint(manager, make_observer, stock) -> None:
    observer = make_observer()
    inspection = plan(manager, observer)
    with pytest.raises(ValidationError, match="witness"):
        services.inspection_open(actor=observer.principal, code=inspection.code, nonce="n" * 12)


def test_a_site_outside_the_accreditation_is_refused(manager, make_observer, stock, cosign) -> None:
    observer = make_observer(accredited=("depot-b",))
    cosign()
    inspection = plan(manager, observer)
    size = selectors.log_size()
    with pytest.raises(PermissionDenied, match="accreditation"):
        services.inspection_open(actor=observer.principal, code=inspection.code, nonce="n" * 12)
    assert selectors.log_size() == size


def run_inspection(manager, observer, cosign):
    cosign()
    inspection = plan(manager, observer)
    opened = services.inspection_open(
        actor=observer.principal, code=inspection.code, nonce="n" * 12
    )
    first, *rest = opened.sample
    services.inspection_record(
        actor=observer.principal,
        code=opened.code,
        tag=first,
        result="mismatch",
        mismatches=["condition"],
        notes="rusted bolt; recorded as serviceable",
    )
    for tag in rest:
        services.inspection_record(
            actor=observer.principal, code=opened.code, tag=tag, result="found"
        )
    return services.inspection_close(actor=observer.principal, code=opened.code)


def test_closing_writes_the_report_and_opens_a_follow_up_per_discrepancy(
    manager, make_observer, stock, cosign
) -> None:
    observer = make_observer()
    closed = run_inspection(manager, observer, cosign)
    assert closed.status == InspectionStatus.CLOSED
    assert closed.report.startswith("Laydown inspection report\n")
    assert f"item {closed.sample[0]} mismatch condition" in closed.report
    assert list(FollowUp.objects.values_list("tag", "status")) == [(closed.sample[0], "open")]


def test_closing_with_unrecorded_items_names_them(manager, make_observer, stock, cosign) -> None:
    observer = make_observer()
    cosign()
    inspection = plan(manager, observer)
    opened = services.inspection_open(
        actor=observer.principal, code=inspection.code, nonce="n" * 12
    )
    with pytest.raises(ValidationError, match=opened.sample[0]):
        services.inspection_close(actor=observer.principal, code=opened.code)


def test_a_report_signed_offline_with_the_accredited_key_is_kept_once(
    manager, make_observer, stock, cosign
) -> None:
    observer = make_observer()
    closed = run_inspection(manager, observer, cosign)
    signed = tlog.sign_note(closed.report, [observer.signer])
    done = services.inspection_sign(
        actor=observer.principal, code=closed.code, signed_report=signed
    )
    assert done.status == InspectionStatus.SIGNED and done.signed_report == signed
    with pytest.raises(ValidationError, match="signed already"):
        services.inspection_sign(actor=observer.principal, code=closed.code, signed_report=signed)


def test_a_report_signed_with_a_wrong_key_or_altered_is_refused(
    manager, make_observer, stock, cosign
) -> None:
    observer = make_observer()
    closed = run_inspection(manager, observer, cosign)
    skey, _ = tlog.generate_key(observer.signer.name)
    wrong = tlog.sign_note(closed.report, [tlog.new_signer(skey)])
    with pytest.raises(ValidationError, match="accredited key"):
        services.inspection_sign(actor=observer.principal, code=closed.code, signed_report=wrong)
    altered = tlog.sign_note(closed.report.replace("mismatch", "found"), [observer.signer])
    with pytest.raises(ValidationError, match="not this report"):
        services.inspection_sign(actor=observer.principal, code=closed.code, signed_report=altered)


def test_a_revoked_accreditation_cannot_sign(manager, make_observer, stock, cosign) -> None:
    observer = make_observer()
    closed = run_inspection(manager, observer, cosign)
    services.accreditation_revoke(
        actor=manager, code=observer.accreditation.code, reason="delegation recalled"
    )
    signed = tlog.sign_note(closed.report, [observer.signer])
    with pytest.raises(PermissionDenied, match="accreditation"):
        services.inspection_sign(actor=observer.principal, code=closed.code, signed_report=signed)


def test_a_monitored_destruction_disposes_items_and_observers_countersign(
    manager, make_observer, stock
) -> None:
    observer = make_observer()
    tags = [item.tag for item in stock[:3]]
    event = services.destruction_plan(
        actor=manager,
        site="depot-a",
        method="cutting",
        items=tags,
        observers=[observer.principal.pseudonym],
    )
    photo = "a" * 64
    done = services.destruction_record(
        actor=manager, code=event.code, before_photos=[photo], after_photos=["b" * 64]
    )
    assert set(Item.objects.filter(tag__in=tags).values_list("status", flat=True)) == {"disposed"}
    signed = tlog.sign_note(done.statement, [observer.signer])
    services.destruction_countersign(
        actor=observer.principal, code=event.code, signed_statement=signed
    )
    with pytest.raises(ValidationError, match="already"):
        services.destruction_countersign(
            actor=observer.principal, code=event.code, signed_statement=signed
        )
    # destroyed items can no longer move
    with pytest.raises(ValidationError):
        arms.dispose(
            actor=manager, site=stock[0].site, method="smelting", items=tags[:1], witnesses=["u-x"]
        )


def test_an_item_bundle_verifies_offline_and_tampering_is_caught(
    manager, make_observer, stock, cosign, tmp_path: Path
) -> None:
    cosign()
    tag = stock[5].tag
    auditor = Principal(
        user_id=9, pseudonym="u-auditor", organisation_id=1, grants=(("auditor", "programme"),)
    )
    bundle = verification.item_bundle(auditor, tag)
    assert bundle is not None and len(bundle["records"]) >= 1
    path = tmp_path / "item.json"
    path.write_text(json.dumps(bundle))
    assert verify_main([str(path), "--key", keys.log_verifier_key(), "--quiet"]) == 0
    bundle["records"][0]["record"] = bundle["records"][0]["record"].replace(
        "Kalashnikov", "Izhmash"
    )
    path.write_text(json.dumps(bundle))
    assert verify_main([str(path), "--key", keys.log_verifier_key(), "--quiet"]) == 1
