"""What outsiders verify with: the C2SP tlog-policy at /log/policy, consistency proofs between
two signed trees, the receipt's QR text, and pushes to witnesses no more often than declared."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from django.test import Client

from laydown import tlog
from laydown.ledger import keys, selectors, services, witnessing
from laydown.ledger.models import Record

pytestmark = pytest.mark.django_db


def test_the_policy_names_the_log_key_the_witnesses_and_the_quorum(
    client: Client, cosign: Any, collect: Any
) -> None:
    collect()
    cosign()
    answer = client.get("/log/policy")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/plain")
    policy = tlog.parse_policy(answer.content.decode())
    assert policy.logs == ((keys.log_verifier_key(), "http://testserver/log"),)
    assert [w.name for w in policy.witnesses] == ["witness.example/inproc"]
    assert policy.quorum == "witnesses" and policy.groups[0].threshold == 1
    checkpoint, cosigned = policy.verify_checkpoint(client.get("/log/checkpoint").content)
    assert cosigned == ["witness.example/inproc"] and checkpoint.size >= 1


def test_a_consistency_proof_between_two_signed_trees_verifies(client: Client) -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(300)], actor="c:1"
    )
    old = selectors.checkpoint_latest()
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(90)], actor="c:1"
    )
    new = selectors.checkpoint_latest()
    answer = client.get(f"/log/consistency/{old.size}/{new.size}")
    assert answer.status_code == 200 and "immutable" in answer["Cache-Control"]
    proof = [base64.b64decode(line) for line in answer.content.decode().splitlines()]
    tlog.verify_consistency(old.size, new.size, proof, old.root, new.root)
    assert client.get(f"/log/consistency/{new.size}/{old.size}").status_code == 404
    assert client.get(f"/log/consistency/1/{new.size + 1}").status_code == 404


def test_the_receipt_text_proves_the_record_with_the_standalone_engine() -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(40)], actor="c:1"
    )
    text = selectors.receipt_text(17, "https://laydown.example/log")
    assert text is not None and text.startswith("https://laydown.example/log/receipt#o=")
    receipt = tlog.audit.parse_receipt(text)
    assert (receipt.index, receipt.log_url) == (17, "https://laydown.example/log")
    tree = tlog.MemoryTree()
    leaves = Record.objects.order_by("index").values_list("leaf_hash", flat=True)
    tree.append_hashes([bytes(h) for h in leaves])
    assert receipt.leaf == tree.leaf_hash(17) and receipt.root == tree.root(receipt.size)
    assert selectors.receipt_text(10**9, "https://laydown.example/log") is None


def test_a_witness_is_pushed_no_more_often_than_the_declared_interval(
    cosign: Any, collect: Any, settings: Any
) -> None:
    collect()
    cosign()
    settings.LAYDOWN_WITNESS_MIN_INTERVAL = 3600
    collect()

    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError("the witness was contacted again within the interval")

    with httpx.Client(transport=httpx.MockTransport(never)) as client:
        results = witnessing.witness_push(client=client)
    assert [r.status for r in results] == ["later"]
    assert "next push in" in results[0].detail
