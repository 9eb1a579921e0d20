"""c2sp.org/tlog-policy: parse, format, quorum, and refusals naming the bad line."""

from __future__ import annotations

import pytest

from laydown import tlog


def keys() -> tuple[str, list[str], list[tlog.Signer], tlog.Signer]:
    skey, vkey = tlog.generate_key("log.example/log")
    witnesses = [tlog.generate_cosignature_key(f"w{i}.example") for i in range(3)]
    signers = [tlog.new_cosignature_signer(s) for s, _ in witnesses]
    return vkey, [v for _, v in witnesses], signers, tlog.new_signer(skey)


def test_a_policy_round_trips_and_needs_its_quorum() -> None:
    vkey, wkeys, wsigners, log = keys()
    policy = tlog.policy_for(
        vkey, "https://log.example/log", [(f"w{i}", k, "") for i, k in enumerate(wkeys)], 2
    )
    text = tlog.format_policy(policy)
    assert text.splitlines()[-2:] == ["group witnesses 2 w0 w1 w2", "quorum witnesses"]
    assert tlog.parse_policy(text) == policy
    checkpoint = tlog.Checkpoint("log.example/log", 1, b"\x01" * 32).to_text()
    note = tlog.sign_note(checkpoint, [log])
    with pytest.raises(tlog.PolicyError, match="quorum 'witnesses'.*not by w0, w1, w2"):
        policy.verify_checkpoint(note)
    cp, cosigned = policy.verify_checkpoint(tlog.add_signatures(note, wsigners[1:]))
    assert (cp.size, cosigned) == (1, ["w1", "w2"])


def test_no_witness_gives_quorum_none() -> None:
    vkey, *_ = keys()
    assert tlog.format_policy(tlog.policy_for(vkey, "", [], 1)) == f"log {vkey}\nquorum none\n"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("quorum none\nquorum none\n", "exactly one quorum line; this one has two"),
        ("log x\n", "invalid verifier key"),
        ("quorum w9\n", "names no witness or group"),
        ("frobnicate\nquorum none\n", "not a policy line"),
        ("group g 1 w9\nquorum g\n", "'w9' is not defined on an earlier line"),
        ("quorum none\x01\n", "invalid character 0x01"),
    ],
)
def test_a_bad_policy_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(tlog.PolicyError, match=reason):
        tlog.parse_policy(text)


def test_a_witness_must_have_a_cosignature_key() -> None:
    vkey, *_ = keys()
    with pytest.raises(tlog.PolicyError, match="cosignature/v1 key"):
        tlog.parse_policy(f"witness w {vkey}\nquorum w\n")
