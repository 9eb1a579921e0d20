"""Two witnesses as real processes on loopback: cosigning, a restart, and a rewritten history."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from laydown import tlog
from laydown.ledger import keys, selectors, services, witnessing
from laydown.ledger.models import Checkpoint, LogHead, LogWitness, Record
from laydown.testing.ledger import record_forge
from laydown.testing.witness import WitnessProcess
from laydown.verify import main as verify_main

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def two_witnesses(tmp_path: Path) -> Iterator[list[WitnessProcess]]:
    witnesses = [
        WitnessProcess(tmp_path / "w1", "witness.example/nordland"),
        WitnessProcess(tmp_path / "w2", "witness.example/un-office"),
    ]
    for w in witnesses:
        w.start()
        witnessing.witness_add(actor="system", vkey=w.vkey, url=w.url)
    yield witnesses
    for w in witnesses:
        w.stop()


def append(n: int) -> None:
    services.record_append_batch(entries=[("test.sample", {"n": i}) for i in range(n)], actor="s")


def statuses() -> dict[str, str]:
    return {r.witness: r.status for r in witnessing.witness_push()}


def verify(directory: Path, *extra: str) -> int:
    return verify_main([str(directory), "--key", keys.log_verifier_key(), "--quiet", *extra])


def rewrite_record(index: int) -> None:
    """What a dishonest operator with database access would do: rewrite, rehash, re-sign."""
    leaves, tiles = record_forge(index)
    # The app now refuses to append to this (issue 17, item 11), so the operator also re-signs
    # the newest checkpoint with the log key and rewrites the log head's right edge.
    with pytest.raises(services.LogIntegrityError):
        append(1)
    size, root = len(leaves), tlog.root_hash(leaves)
    signer = keys.log_signer()
    note = tlog.sign_note(tlog.Checkpoint(signer.name, size, root).to_text(), [signer])
    Checkpoint.objects.filter(size=size).update(root=root, note=note)
    LogHead.objects.filter(id=1).update(
        root=root,
        edge=tlog.join_edge(tlog.edge_append(0, [], leaves)),
        edge_tiles=services._edge_tiles_digest(size, tiles),
    )


@override_settings(LAYDOWN_WITNESS_AUTOPUSH=False, LAYDOWN_WITNESS_QUORUM=2)
def test_witnesses_cosign_survive_a_restart_and_refuse_a_rewritten_history(
    two_witnesses: list[WitnessProcess], tmp_path: Path
) -> None:
    w1, w2 = two_witnesses
    base = selectors.log_size()  # the two witness_added records
    append(300)
    assert statuses() == {"witness.example/nordland": "ok", "witness.example/un-office": "ok"}
    served = selectors.checkpoint_public()
    assert served.size == base + 300
    call_command("log", "export", str(tmp_path / "log1"))
    args = ["--witness-key", w1.vkey, "--witness-key", w2.vkey]
    assert verify(tmp_path / "log1", *args) == 0
    saved = tmp_path / "saved-checkpoint"
    saved.write_text(served.note)

    # One witness goes down: the newest checkpoint lacks its cosignature, so the policy
    # (2 of 2) keeps serving the older, fully witnessed one.
    w1.stop()
    append(200)
    assert statuses() == {
        "witness.example/nordland": "unreachable",
        "witness.example/un-office": "ok",
    }
    assert selectors.checkpoint_public().size == base + 300

    # Restarted, it remembers what it cosigned (state on disk) and catches up from there.
    w1.start()
    probe = httpx.post(
        f"{w1.url}/add-checkpoint", content=tlog.format_add_checkpoint(0, [], served.note)
    )
    assert (probe.status_code, probe.text) == (409, f"{base + 300}\n")
    assert statuses()["witness.example/nordland"] == "ok"
    assert selectors.checkpoint_public().size == base + 500

    # The operator rewrites record 3 and signs a new checkpoint over the forged history.
    rewrite_record(3)
    append(1)
    assert statuses() == {
        "witness.example/nordland": "refused",
        "witness.example/un-office": "refused",
    }
    refusals = Record.objects.filter(kind="ledger.witness_refused")
    assert sorted(r.data["status"] for r in refusals) == [422, 422]
    assert set(LogWitness.objects.values_list("last_status", flat=True)) == {"refused"}
    assert selectors.checkpoint_public().size == base + 500  # nothing forged gets witnessed

    # Anyone holding the saved checkpoint sees the fork in the newest state of the log.
    with override_settings(LAYDOWN_WITNESS_QUORUM=0):
        call_command("log", "export", str(tmp_path / "log2"))
    assert verify(tmp_path / "log2", "--since", str(saved)) == 1

    # And the public page says the witnesses refused.
    page = Client().get("/")
    assert page.status_code == 200
    assert b"refused" in page.content
