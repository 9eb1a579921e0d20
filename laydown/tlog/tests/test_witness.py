"""C2SP tlog-witness add-checkpoint: every status code exactly as the specification says."""

from __future__ import annotations

import base64

import pytest

from laydown import tlog

LOG = "example.org/witnessed-log"


class MemoryState:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[int, bytes]] = {}

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        return self.rows.get(origin)

    def compare_and_set(
        self, origin: str, old_size: int, checkpoint: tlog.Checkpoint, note: str
    ) -> int | None:
        stored = self.rows.get(origin, (0, b""))[0]
        if stored != old_size:
            return stored
        self.rows[origin] = (checkpoint.size, checkpoint.root_hash)
        return None


@pytest.fixture
def log() -> tuple[tlog.Signer, tlog.MemoryTree]:
    skey, _vkey = tlog.generate_key(LOG)
    tree = tlog.MemoryTree()
    tree.append(b"record %d" % i for i in range(1000))
    return tlog.new_signer(skey), tree


@pytest.fixture
def witness(log) -> tlog.Witness:
    signer, _tree = log
    skey, _ = tlog.generate_cosignature_key("witness.example/w1")
    return tlog.Witness(
        tlog.new_cosignature_signer(skey), {LOG: [signer.verifier()]}, MemoryState()
    )


def signed(signer: tlog.Signer, tree: tlog.MemoryTree, size: int) -> str:
    cp = tlog.Checkpoint(origin=LOG, size=size, root_hash=tree.root(size))
    return tlog.sign_note(cp.to_text(), [signer])


def add(witness: tlog.Witness, old: int, proof: list[bytes], note: str) -> tlog.WitnessResponse:
    return witness.add_checkpoint(tlog.format_add_checkpoint(old, proof, note))


def test_a_first_checkpoint_is_cosigned_and_the_cosignature_verifies(witness, log) -> None:
    signer, tree = log
    note = signed(signer, tree, 100)
    response = add(witness, 0, [], note)
    assert response.status == 200
    assert response.body.decode().startswith("— witness.example/w1 ")
    opened = tlog.open_note(note + response.body.decode(), [witness.signer.verifier()])
    assert opened.sigs[0].timestamp is not None


def test_growth_is_cosigned_with_a_consistency_proof(witness, log) -> None:
    signer, tree = log
    assert add(witness, 0, [], signed(signer, tree, 100)).status == 200
    proof = tree.consistency_proof(100, 700)
    assert add(witness, 100, proof, signed(signer, tree, 700)).status == 200
    assert witness.state.latest(LOG) == (700, tree.root(700))


def test_a_wrong_old_size_is_409_with_the_witness_size(witness, log) -> None:
    signer, tree = log
    add(witness, 0, [], signed(signer, tree, 100))
    response = add(witness, 50, tree.consistency_proof(50, 200), signed(signer, tree, 200))
    assert (response.status, response.body, response.content_type) == (
        409,
        b"100\n",
        "text/x.tlog.size",
    )


def test_a_bad_consistency_proof_is_422_and_nothing_is_stored(witness, log) -> None:
    signer, tree = log
    add(witness, 0, [], signed(signer, tree, 100))
    proof = tree.consistency_proof(100, 200)
    proof[0] = bytes(32)
    assert add(witness, 100, proof, signed(signer, tree, 200)).status == 422
    assert witness.state.latest(LOG) == (100, tree.root(100))


def test_a_forked_history_is_refused(witness, log) -> None:
    signer, tree = log
    add(witness, 0, [], signed(signer, tree, 100))
    fork = tlog.MemoryTree()
    fork.append(b"rewritten %d" % i for i in range(300))
    note = tlog.sign_note(
        tlog.Checkpoint(origin=LOG, size=300, root_hash=fork.root()).to_text(), [signer]
    )
    assert add(witness, 100, fork.consistency_proof(100, 300), note).status == 422
    same_size = tlog.sign_note(
        tlog.Checkpoint(origin=LOG, size=100, root_hash=fork.root(100)).to_text(), [signer]
    )
    assert add(witness, 100, [], same_size).status == 409


def test_old_size_above_the_checkpoint_size_is_400(witness, log) -> None:
    signer, tree = log
    assert add(witness, 200, [], signed(signer, tree, 100)).status == 400


def test_an_unknown_origin_is_404(witness) -> None:
    skey, _ = tlog.generate_key("other.example/log")
    cp = tlog.Checkpoint(origin="other.example/log", size=1, root_hash=bytes(32))
    note = tlog.sign_note(cp.to_text(), [tlog.new_signer(skey)])
    assert add(witness, 0, [], note).status == 404


def test_a_wrong_log_signature_is_403(witness, log) -> None:
    _signer, tree = log
    skey, _ = tlog.generate_key(LOG)  # same origin, another key
    assert add(witness, 0, [], signed(tlog.new_signer(skey), tree, 10)).status == 403


@pytest.mark.parametrize(
    "body",
    [
        b"old 0\nnot base64!\n\n",
        b"old 01\n\n",
        b"old -1\n\n",
        b"new 0\n\n",
        b"old 0\n",
        b"\xff\xfe",
        ("old 5\n" + (base64.b64encode(bytes(32)).decode() + "\n") * 64 + "\n").encode(),
        ("old 5\n" + base64.b64encode(bytes(31)).decode() + "\n\n").encode(),
    ],
)
def test_malformed_requests_are_400(witness, log, body: bytes) -> None:
    signer, tree = log
    note = signed(signer, tree, 10).encode()
    assert witness.add_checkpoint(body + note).status == 400


def test_a_non_empty_proof_from_size_zero_is_refused(witness, log) -> None:
    signer, tree = log
    assert add(witness, 0, [bytes(32)], signed(signer, tree, 10)).status == 422


def test_the_request_format_round_trips() -> None:
    body = tlog.format_add_checkpoint(7, [b"\x01" * 32, b"\x02" * 32], "o\n1\nAA==\n\n— o x\n")
    request = tlog.parse_add_checkpoint(body)
    assert (request.old_size, request.proof) == (7, [b"\x01" * 32, b"\x02" * 32])
    assert request.checkpoint == "o\n1\nAA==\n\n— o x\n"
