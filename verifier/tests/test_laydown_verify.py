"""laydown-verify, installed in a fresh virtual environment without Django, against a static
log: the whole log, a receipt, the monitor, and every refusal with its reason."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from laydown.testing.tlogdir import StaticLog, fresh_venv

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fresh_venv(tmp_path_factory.mktemp("venv") / "env")


def run(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "laydown_verify", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def keys(log: StaticLog) -> list[str]:
    return ["--key", log.vkey, *(a for k in log.witness_vkeys for a in ("--witness-key", k))]


def test_the_fresh_environment_has_no_django_and_needs_only_cryptography(python: Path) -> None:
    probe = subprocess.run(
        [str(python), "-c", "import django"], capture_output=True, text=True, check=False
    )
    assert probe.returncode == 1 and "No module named 'django'" in probe.stderr
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json"], capture_output=True, text=True
    )
    names = {p["name"].lower() for p in json.loads(listed.stdout)}
    assert "laydown-verify" in names and "cryptography" in names
    assert not names & {"django", "laydown", "httpx", "rich"}
    shared = subprocess.run(
        [str(python), "-c", "import laydown_verify.tlog as t; print(t.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "site-packages/laydown_verify/tlog" in shared.stdout


def test_it_verifies_a_whole_log_and_consistency_with_a_saved_checkpoint(
    python: Path, tmp_path: Path
) -> None:
    log = StaticLog(tmp_path / "log")
    log.grow(700)
    saved = tmp_path / "saved"
    saved.write_text(log.note)
    log.grow(300)
    done = run(python, str(log.out), *keys(log), "--since", str(saved))
    assert done.returncode == 0, done.stderr
    assert "size 1000" in done.stdout and "consistent with" in done.stdout


def test_a_receipt_is_proven_and_says_what_is_not(python: Path, tmp_path: Path) -> None:
    log = StaticLog(tmp_path / "log")
    log.grow(600)
    receipt = log.receipt(517)
    log.grow(100)
    done = run(python, "--receipt", receipt, *keys(log))
    assert done.returncode == 0, done.stderr
    assert "record 517 is in the log" in done.stdout
    assert "the log of 600 records the receipt was printed with" in done.stdout
    assert "Not proven: what the record says" in done.stdout


def test_a_tampered_proof_tile_is_refused(python: Path, tmp_path: Path) -> None:
    log = StaticLog(tmp_path / "log")
    log.grow(600)
    tile = log.out / "tile/0/001"
    data = bytearray(tile.read_bytes())
    data[40] ^= 1  # a sibling hash on record 260's path, not its own leaf
    tile.write_bytes(bytes(data))
    done = run(python, "--receipt", log.receipt(260), *keys(log))
    assert done.returncode == 1
    assert "FAIL: receipt: the log's tiles do not prove record 260" in done.stderr
    whole = run(python, str(log.out), *keys(log))
    assert whole.returncode == 1 and "tile/0/001" in whole.stderr


def test_a_wrong_witness_key_is_refused(python: Path, tmp_path: Path) -> None:
    log = StaticLog(tmp_path / "log")
    log.grow(10)
    other = StaticLog(tmp_path / "other")
    wrong = ["--key", log.vkey, "--witness-key", log.witness_vkeys[0]]
    wrong += ["--witness-key", other.witness_vkeys[1]]
    for args in ([str(log.out), *wrong], ["--receipt", log.receipt(3), *wrong]):
        done = run(python, *args)
        assert done.returncode == 1
        assert "cosigned by 1 of the witnesses, 2 needed" in done.stderr
        assert "witness.two.example" in done.stderr


def test_a_rolled_back_checkpoint_is_refused(python: Path, tmp_path: Path) -> None:
    log = StaticLog(tmp_path / "log")
    log.grow(300)
    saved = tmp_path / "saved"
    saved.write_text(log.note)
    receipt = log.receipt(299)
    log.rollback(200)  # the log shows an older tree
    done = run(python, str(log.out), *keys(log), "--since", str(saved))
    assert done.returncode == 1
    assert "size 300 is larger than the current 200: the log was rolled back" in done.stderr
    done = run(python, "--receipt", receipt, *keys(log))
    assert done.returncode == 1
    assert "record 299 is not in the log, which has 200 records" in done.stderr


def test_a_receipt_of_a_record_not_in_the_log_is_refused(python: Path, tmp_path: Path) -> None:
    log = StaticLog(tmp_path / "log")
    log.grow(50)
    forged = log.receipt(7).replace("&h=", "&h=A", 1)
    forged = forged[: forged.index("&h=") + 3] + "B" * 43 + forged[forged.index("&n=") :]
    done = run(python, "--receipt", forged, *keys(log))
    assert done.returncode == 1
    assert "the receipt's record is not in the log" in done.stderr


def test_the_monitor_follows_growth_and_names_a_fork_and_a_shrink(
    python: Path, tmp_path: Path
) -> None:
    log = StaticLog(tmp_path / "log")
    log.grow(100)
    state = tmp_path / "state.json"
    monitor = ["monitor", str(log.out), *keys(log), "--state", str(state), "--once"]
    assert run(python, *monitor).returncode == 0
    log.grow(50)
    done = run(python, *monitor)
    assert done.returncode == 0 and "size 150" in done.stdout
    saved = state.read_text()
    log.rollback(120)
    done = run(python, *monitor)
    assert done.returncode == 1 and "FAIL: shrink:" in done.stderr
    forked = StaticLog(tmp_path / "forked")
    forked.signer, forked.origin, forked.witness_signers = (
        log.signer,
        log.origin,
        log.witness_signers,
    )
    forked.grow([b"other %d" % i for i in range(160)])  # the same keys, another history
    state.write_text(saved)
    done = run(python, "monitor", str(forked.out), *keys(log), "--state", str(state), "--once")
    assert done.returncode == 1 and "FAIL: fork:" in done.stderr


def test_the_monitor_names_a_bad_signature_and_a_stalled_log(python: Path, tmp_path: Path) -> None:
    log = StaticLog(tmp_path / "log")
    log.grow(5)
    state = tmp_path / "state.json"
    monitor = ["monitor", str(log.out), *keys(log), "--state", str(state), "--once"]
    assert run(python, *monitor).returncode == 0
    done = run(python, *monitor, "--stall-after", "0")
    assert done.returncode == 1 and "FAIL: stalled:" in done.stderr
    (log.out / "checkpoint").write_text(log.signed(cosigners=1))
    done = run(python, *monitor)
    assert done.returncode == 1 and "FAIL: bad signature:" in done.stderr


def test_a_pinned_policy_gives_the_keys_and_the_quorum(python: Path, tmp_path: Path) -> None:
    from laydown import tlog

    log = StaticLog(tmp_path / "log")
    log.grow(20)
    names = ("one", "two")
    witnesses = [(n, k, "") for n, k in zip(names, log.witness_vkeys, strict=True)]
    policy = tmp_path / "policy"
    policy.write_text(tlog.format_policy(tlog.policy_for(log.vkey, "", witnesses, 2)))
    done = run(python, str(log.out), "--policy", str(policy))
    assert done.returncode == 0, done.stderr
    log.publish_with(cosigners=1)
    done = run(python, str(log.out), "--policy", str(policy))
    assert done.returncode == 1 and "cosigned by 1 of the witnesses, 2 needed" in done.stderr
