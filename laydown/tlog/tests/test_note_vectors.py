"""signed_notes.json: every case, byte for byte where a key is given."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from laydown.tlog import (
    Checkpoint,
    CosignatureSigner,
    CosignatureVerifier,
    InvalidSignatureError,
    KeyFormatError,
    NoteError,
    Signer,
    UnverifiedNoteError,
    Verifier,
    add_signatures,
    cosignature_message,
    cosignature_timestamp,
    leaf_hash,
    new_signer,
    new_verifier,
    open_checkpoint,
    open_note,
    parse_checkpoint,
    root_hash,
    sign_checkpoint,
    sign_note,
)

from .conftest import load_json


@pytest.fixture(scope="module")
def doc() -> Any:
    return load_json("signed_notes.json")


def _case(doc: Any, name: str) -> Any:
    (case,) = [c for c in doc["cases"] if c["name"] == name]
    return case


def _text(note: str) -> str:
    return note[: note.rindex("\n\n") + 1]


def test_the_c2sp_example_note_verifies(doc: Any) -> None:
    c = _case(doc, "c2sp-signed-note-example")
    note = open_note(c["note"], [new_verifier(c["vkey"])])
    assert note.text == "This is an example message.\n"
    assert [s.name for s in note.sigs] == ["example.com/foo"]
    assert note.sigs[0].key_id == 0x530D903A
    assert note.unverified_sigs == []


def test_signing_the_peter_neumann_text_reproduces_the_note_byte_for_byte(doc: Any) -> None:
    c = _case(doc, "sumdb-note-peterneumann")
    signer = new_signer(c["skey"])
    assert signer.verifier_key() == c["vkey"]
    assert signer.signer_key() == c["skey"]
    assert sign_note(_text(c["note"]), [signer]) == c["note"]
    assert sign_note(_text(c["note"]), [signer]).encode() == c["note"].encode("utf-8")
    assert open_note(c["note"].encode(), [new_verifier(c["vkey"])]).text == _text(c["note"])


def test_a_note_with_two_signatures_verifies_with_either_or_both_keys(doc: Any) -> None:
    c = _case(doc, "sumdb-note-two-signatures")
    peter, enoch = (new_verifier(v) for v in c["vkeys"])
    both = open_note(c["note"], [peter, enoch])
    assert [s.name for s in both.sigs] == ["PeterNeumann", "EnochRoot"]
    only_peter = open_note(c["note"], [peter])
    assert [s.name for s in only_peter.sigs] == ["PeterNeumann"]
    assert [s.name for s in only_peter.unverified_sigs] == ["EnochRoot"]
    only_enoch = open_note(c["note"], [enoch])
    assert [s.name for s in only_enoch.unverified_sigs] == ["PeterNeumann"]


def test_enoch_root_is_the_key_of_the_all_zero_seed_and_adding_it_rebuilds_the_note(
    doc: Any,
) -> None:
    c = _case(doc, "sumdb-note-two-signatures")
    enoch = Signer("EnochRoot", bytes(32))
    assert enoch.verifier_key() == c["vkeys"][1]
    peter_only = c["note"].split("\u2014 EnochRoot")[0]
    assert add_signatures(peter_only, [enoch]) == c["note"]


def test_a_note_signed_only_by_unknown_keys_is_unverified(doc: Any) -> None:
    c = _case(doc, "sumdb-note-two-signatures")
    _, other = generate_pair("someone.example/else")
    with pytest.raises(UnverifiedNoteError):
        open_note(c["note"], [other])
    with pytest.raises(UnverifiedNoteError):
        open_note(c["note"], [])


def generate_pair(name: str) -> tuple[Signer, Verifier]:
    signer = Signer(name, Ed25519PrivateKey.generate())
    return signer, new_verifier(signer.verifier_key())


def test_it_rejects_the_corrupted_signature_of_a_known_key(doc: Any) -> None:
    c = _case(doc, "sumdb-note-bad-signature")
    with pytest.raises(InvalidSignatureError) as info:
        open_note(c["note"], [new_verifier(c["vkey"])])
    assert "PeterNeumann+c74f20a3" in str(info.value)


def test_it_rejects_every_malformed_note_including_invalid_utf8(doc: Any) -> None:
    c = _case(doc, "sumdb-note-malformed")
    verifier = new_verifier(c["vkey"])
    bad: list[bytes | str] = list(c["notes"])
    bad += [bytes.fromhex(h) for h in c["notes_invalid_utf8_hex"]]
    assert len(bad) == 7
    for msg in bad:
        with pytest.raises(NoteError) as info:
            open_note(msg, [verifier])
        assert type(info.value) is NoteError


def test_the_sigsum_checkpoint_verifies_with_the_vkey_derived_from_the_log_key(
    doc: Any,
) -> None:
    c = _case(doc, "sigsum-checkpoint-litewitness")
    pub = bytes.fromhex(c["log_public_key_hex"])
    origin = "sigsum.org/v1/tree/" + hashlib.sha256(pub).hexdigest()
    derived = Verifier(origin, pub)
    assert derived.vkey == c["vkey_derived"]
    cp, note = open_checkpoint(c["note"], [derived], origin=origin)
    assert cp == Checkpoint(origin, 1, b"\x2a" + bytes(31))
    assert note.sigs[0].name == origin


def test_the_cosignature_example_line_parses_to_its_key_id_and_timestamp(doc: Any) -> None:
    ex = doc["cosignature_parse_example"]
    name, b64 = ex["signature_line"].removeprefix("\u2014 ").split(" ")
    raw = base64.b64decode(b64)
    assert name == "witness.example.com/w1"
    assert len(raw) == ex["decoded"]["length"]
    assert raw[:4].hex() == ex["decoded"]["key_id_hex"]
    assert cosignature_timestamp(raw) == ex["decoded"]["timestamp"]
    assert cosignature_timestamp(raw[4:]) == ex["decoded"]["timestamp"]
    assert len(raw) - 12 == ex["decoded"]["ed25519_sig_len"]
    cp_text = (
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )
    msg = cosignature_message(ex["decoded"]["timestamp"], cp_text.encode())
    assert msg.decode() == ex["signed_message_for_checkpoint"]


def test_the_generated_cosigned_checkpoint_is_reproduced_byte_for_byte(doc: Any) -> None:
    g = doc["generated_checkpoint_with_cosignature"]
    log_seed = hashlib.sha256(b"tlog-research log key seed").digest()
    witness_seed = hashlib.sha256(b"tlog-research witness key seed").digest()
    assert log_seed.hex() == g["log_seed_hex"]
    assert witness_seed.hex() == g["witness_seed_hex"]
    log = Signer("example.org/registry-test-log", log_seed)
    witness = CosignatureSigner(
        "example.org/witness-test", witness_seed, clock=lambda: g["cosignature_timestamp"]
    )
    assert log.verifier_key() == g["log_vkey"]
    assert witness.verifier_key() == g["witness_vkey_type04"]
    inputs = load_json("merkle_roots.json")["leaf_inputs_hex"]
    leaves = [leaf_hash(bytes.fromhex(x)) for x in inputs]
    cp = Checkpoint("example.org/registry-test-log", 8, root_hash(leaves))
    assert (
        cosignature_message(g["cosignature_timestamp"], cp.to_text().encode()).decode()
        == (g["cosigned_message"])
    )
    assert sign_checkpoint(cp, [log, witness]) == g["checkpoint"]
    assert add_signatures(sign_checkpoint(cp, log), [witness]) == g["checkpoint"]

    wv = new_verifier(g["witness_vkey_type04"])
    assert isinstance(wv, CosignatureVerifier)
    got, note = open_checkpoint(g["checkpoint"], [new_verifier(g["log_vkey"]), wv])
    assert got == cp
    assert [(s.name, s.timestamp) for s in note.sigs] == [
        ("example.org/registry-test-log", None),
        ("example.org/witness-test", g["cosignature_timestamp"]),
    ]
    assert parse_checkpoint(note.text) == cp


def test_the_witness_key_is_not_a_valid_plain_ed25519_key_under_the_same_id(doc: Any) -> None:
    g = doc["generated_checkpoint_with_cosignature"]
    vkey = g["witness_vkey_type04"]
    name, kid, b64 = vkey.split("+", 2)
    as01 = base64.b64encode(b"\x01" + base64.b64decode(b64)[1:]).decode()
    with pytest.raises(KeyFormatError):
        new_verifier(f"{name}+{kid}+{as01}")
