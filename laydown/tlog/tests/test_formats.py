"""tlog-proof documents, checkpoints, keys and note edge cases."""

from __future__ import annotations

import base64
import subprocess
import sys

import pytest

import laydown.tlog as tlog
from laydown.tlog import (
    TLOG_PROOF_HEADER,
    Checkpoint,
    CheckpointError,
    CosignatureSigner,
    CosignatureVerifier,
    InvalidSignatureError,
    KeyFormatError,
    MemoryTree,
    NoteError,
    ProofError,
    Signer,
    TlogError,
    TlogProof,
    TlogProofError,
    UnverifiedNoteError,
    add_signatures,
    format_tlog_proof,
    generate_cosignature_key,
    generate_key,
    leaf_hash,
    new_cosignature_signer,
    new_signer,
    new_verifier,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    parse_tlog_proof,
    sign_checkpoint,
    sign_note,
    verify_tlog_proof,
)

ORIGIN = "example.org/test-log"


@pytest.fixture(scope="module")
def log() -> tuple[Signer, MemoryTree, str]:
    skey, _ = generate_key(ORIGIN)
    signer = new_signer(skey)
    tree = MemoryTree()
    tree.append(f"entry {i}".encode() for i in range(1000))
    note = sign_checkpoint(Checkpoint(ORIGIN, tree.size, tree.root()), signer)
    return signer, tree, note


def test_a_tlog_proof_round_trips_and_verifies(log: tuple[Signer, MemoryTree, str]) -> None:
    signer, tree, note = log
    proof = tree.inclusion_proof(737)
    text = format_tlog_proof(737, proof, note, extra=b"context")
    lines = text.split("\n")
    assert lines[0] == TLOG_PROOF_HEADER == "c2sp.org/tlog-proof@v1"
    assert lines[1] == "extra " + base64.b64encode(b"context").decode()
    assert lines[2] == "index 737"
    assert lines[3 : 3 + len(proof)] == [base64.b64encode(h).decode() for h in proof]
    assert lines[3 + len(proof)] == ""
    assert text.endswith("\n\n" + note)
    assert parse_tlog_proof(text) == TlogProof(737, tuple(proof), note, b"context")
    cp = verify_tlog_proof(text, leaf_hash(b"entry 737"), [signer.verifier()], origin=ORIGIN)
    assert cp.size == 1000
    no_extra = format_tlog_proof(737, proof, note)
    assert no_extra.split("\n")[1] == "index 737"
    assert parse_tlog_proof(no_extra).extra is None
    assert parse_tlog_proof(format_tlog_proof(0, [], note, b"")).extra == b""


def test_a_tlog_proof_for_another_leaf_or_key_or_origin_is_rejected(
    log: tuple[Signer, MemoryTree, str],
) -> None:
    signer, tree, note = log
    text = format_tlog_proof(5, tree.inclusion_proof(5), note)
    with pytest.raises(ProofError):
        verify_tlog_proof(text, leaf_hash(b"entry 6"), [signer.verifier()])
    _, other = generate_key(ORIGIN)
    with pytest.raises(UnverifiedNoteError):
        verify_tlog_proof(text, leaf_hash(b"entry 5"), [new_verifier(other)])
    with pytest.raises(CheckpointError):
        verify_tlog_proof(text, leaf_hash(b"entry 5"), [signer.verifier()], origin="other")
    tampered = text.replace("index 5\n", "index 4\n")
    with pytest.raises(ProofError):
        verify_tlog_proof(tampered, leaf_hash(b"entry 5"), [signer.verifier()])


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace(TLOG_PROOF_HEADER, "c2sp.org/tlog-proof@v2"),
        lambda t: t.replace("index 5", "index 05"),
        lambda t: t.replace("index 5", "index -5"),
        lambda t: t.replace("index 5", "index  5"),
        lambda t: t.replace("index 5\n", ""),
        lambda t: t.replace("index 5\n", "index 5\nnot base64!\n"),
        lambda t: t.replace("index 5\n", "index 5\nAAAA\n"),
        lambda t: t.replace("index 5\n", "extra ???\nindex 5\n"),
        lambda t: t.replace("index 5\n", "index 5\nextra AAAA\n"),
        lambda t: t[: t.index("\n\n")],
        lambda t: t[: t.index("\n\n") + 2],
    ],
)
def test_it_rejects_a_malformed_tlog_proof(
    log: tuple[Signer, MemoryTree, str], mutate: object
) -> None:
    _, tree, note = log
    text = format_tlog_proof(5, tree.inclusion_proof(5), note)
    assert callable(mutate)
    with pytest.raises(TlogProofError):
        parse_tlog_proof(mutate(text))


def test_checkpoints_round_trip_with_extensions() -> None:
    cp = Checkpoint("example.com/log", 20852163, bytes(range(32)), ("ext one", "x"))
    assert parse_checkpoint(cp.to_text()) == cp
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert parse_checkpoint(text).to_text() == text
    assert parse_checkpoint("o\n0\n" + base64.b64encode(bytes(32)).decode() + "\n").size == 0


@pytest.mark.parametrize(
    "text",
    [
        "o\n1\n" + "A" * 43 + "=",  # no final newline
        "o\n1\n",
        "\n1\n" + "A" * 43 + "=\n",
        "o\n01\n" + "A" * 43 + "=\n",
        "o\n+1\n" + "A" * 43 + "=\n",
        "o\n1_0\n" + "A" * 43 + "=\n",
        "o\n\u0661\n" + "A" * 43 + "=\n",
        "o\n18446744073709551616\n" + "A" * 43 + "=\n",
        "o\n1\n" + "A" * 42 + "==\n",
        "o\n1\n" + "A" * 43 + "B\n",
        "o\n1\n" + "A" * 43 + "=\n\n",
        "o\n1\n" + "A" * 43 + "=\next\n\n",
        "o\t\n1\n" + "A" * 43 + "=\n",
    ],
)
def test_it_rejects_a_malformed_checkpoint(text: str) -> None:
    with pytest.raises(CheckpointError):
        parse_checkpoint(text)


def test_to_text_refuses_a_checkpoint_it_could_not_parse_back() -> None:
    for cp in [
        Checkpoint("", 1, bytes(32)),
        Checkpoint("a\nb", 1, bytes(32)),
        Checkpoint("o", -1, bytes(32)),
        Checkpoint("o", 1, bytes(31)),
        Checkpoint("o", 1, bytes(32), ("",)),
    ]:
        with pytest.raises(CheckpointError):
            cp.to_text()


def test_cosignatures_sign_and_verify_with_the_clock_timestamp() -> None:
    skey, vkey = generate_cosignature_key("witness.example/w1")
    assert base64.b64decode(skey.split("+", 4)[4])[0] == 0x04
    cosigner = new_cosignature_signer(skey, clock=lambda: 1_700_000_123)
    assert isinstance(new_signer(skey), CosignatureSigner)
    verifier = new_verifier(vkey)
    assert isinstance(verifier, CosignatureVerifier)
    log_signer = Signer(ORIGIN, bytes(range(32)))
    cp = Checkpoint(ORIGIN, 3, bytes(32))
    note = sign_checkpoint(cp, log_signer)
    cosigned = add_signatures(note, [cosigner])
    got, opened = open_checkpoint(cosigned, [log_signer.verifier(), verifier])
    assert got == cp
    assert opened.sigs[1].timestamp == 1_700_000_123
    # the cosignature covers the checkpoint; moving it to another checkpoint fails
    other = sign_checkpoint(Checkpoint(ORIGIN, 4, bytes(32)), log_signer)
    moved = other + cosigned.splitlines(keepends=True)[-1]
    with pytest.raises(InvalidSignatureError):
        open_note(moved, [verifier])
    with pytest.raises(CheckpointError):
        sign_note("not a checkpoint\n", [cosigner])
    with pytest.raises(KeyFormatError):
        new_cosignature_signer(generate_key("plain")[0])


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a3",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+0xc74f20+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T",
        "PeterNeumann+c74f20a3+Ahpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_it_rejects_a_bad_verifier_key(vkey: str) -> None:
    with pytest.raises(KeyFormatError):
        new_verifier(vkey)


@pytest.mark.parametrize(
    "skey",
    [
        "PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF",
        "PRIVATE+KEX+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
        "PRIVATE+KEY+PeterNeumann+c74f20a3+BYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz",
    ],
)
def test_it_rejects_a_bad_signer_key(skey: str) -> None:
    with pytest.raises(KeyFormatError):
        new_signer(skey)


def test_generated_keys_sign_and_verify_and_round_trip() -> None:
    skey, vkey = generate_key("example.com/k")
    signer = new_signer(skey)
    assert signer.verifier_key() == vkey
    assert new_verifier(vkey).vkey == vkey
    note = sign_note("hello\n", [signer])
    assert open_note(note, [new_verifier(vkey)]).text == "hello\n"
    with pytest.raises(NoteError):
        sign_note("no newline", [signer])
    with pytest.raises(NoteError):
        sign_note("bell\a\n", [signer])


def test_note_edge_cases_follow_go_sumdb_note() -> None:
    signer = Signer("k", bytes(32))
    verifier = signer.verifier()
    note = sign_note("a\n\nb\n", [signer])
    assert open_note(note, [verifier]).text == "a\n\nb\n"
    # duplicate lines are dropped; an unknown line with the same name is ignored
    dup = note + note.splitlines(keepends=True)[-1]
    assert len(open_note(dup, [verifier]).sigs) == 1
    stranger = Signer("k", bytes(range(32)))
    both = add_signatures(note, [stranger])
    opened = open_note(both, [verifier])
    assert len(opened.sigs) == 1 and len(opened.unverified_sigs) == 1
    with pytest.raises(NoteError):
        open_note(note.replace("\u2014", "-"), [verifier])
    with pytest.raises(NoteError):
        open_note(note[:-1] + "\r\n", [verifier])
    too_many = "x\n\n" + "".join(f"\u2014 n{i} AAAAAAA=\n" for i in range(101))
    with pytest.raises(NoteError):
        open_note(too_many, [verifier])
    sixteen = add_signatures(note, [Signer(f"w{i}", bytes([i]) * 32) for i in range(15)])
    assert len(open_note(sixteen, [verifier]).unverified_sigs) == 15
    assert len(open_note(note, [verifier, signer.verifier()]).sigs) == 1


def test_every_error_derives_from_tlog_error() -> None:
    for name in tlog.__all__:
        obj = getattr(tlog, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, TlogError)
    assert issubclass(tlog.UnverifiedNoteError, tlog.NoteError)
    assert issubclass(tlog.InvalidSignatureError, tlog.NoteError)


def test_importing_the_library_does_not_import_django() -> None:
    code = "import sys, laydown.tlog; sys.exit(1 if 'django' in sys.modules else 0)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False)
    assert result.returncode == 0, result.stderr.decode()
