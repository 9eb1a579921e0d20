"""`laydown verify` against exported directories and the live server, and every tampering."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command

from laydown import tlog
from laydown.ledger import keys, selectors, services
from laydown.ledger.models import Record, Tile
from laydown.verify import main as verify_main

pytestmark = pytest.mark.django_db


def append(n: int, start: int = 0) -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": start + i}) for i in range(n)], actor="custodian:2"
    )


def export(directory: Path) -> Path:
    call_command("log", "export", str(directory))
    return directory.with_name(directory.name + ".records.jsonl")


def verify(directory: Path, *extra: str) -> int:
    return verify_main([str(directory), "--key", keys.log_verifier_key(), "--quiet", *extra])


def test_an_exported_log_verifies_with_its_bundle(export_dir: Path, capsys) -> None:
    append(1000)
    append(70, start=1000)
    bundle = export(export_dir)
    assert (export_dir / "checkpoint").read_bytes() == selectors.checkpoint_latest().note.encode()
    assert (export_dir / "tile/0/003").stat().st_size == 8192
    assert (export_dir / "tile/0/004.p/46").stat().st_size == 46 * 32
    assert (export_dir / "tile/1/000.p/4").exists()
    assert len(bundle.read_bytes().splitlines()) == 1070
    assert verify(export_dir, "--records", str(bundle)) == 0
    assert "OK: laydown" in capsys.readouterr().out


def test_verify_rejects_a_wrong_log_key(export_dir: Path, capsys) -> None:
    append(10)
    export(export_dir)
    _skey, other = tlog.generate_key(keys.log_signer().name)
    assert verify_main([str(export_dir), "--key", other, "--quiet"]) == 1
    assert "checkpoint" in capsys.readouterr().err


def test_verify_detects_a_tampered_tile(export_dir: Path, capsys) -> None:
    append(600)
    export(export_dir)
    tile = export_dir / "tile/0/001"
    data = bytearray(tile.read_bytes())
    data[100] ^= 1
    tile.write_bytes(bytes(data))
    assert verify(export_dir) == 1
    assert "tile/0/001" in capsys.readouterr().err


def test_verify_detects_a_tampered_partial_tile_at_the_right_edge(export_dir: Path, capsys) -> None:
    append(600)
    export(export_dir)
    tile = export_dir / "tile/0/002.p/88"
    data = bytearray(tile.read_bytes())
    data[-1] ^= 0x80
    tile.write_bytes(bytes(data))
    assert verify(export_dir) == 1
    assert "signed root" in capsys.readouterr().err


def test_verify_detects_a_tampered_checkpoint(export_dir: Path, capsys) -> None:
    append(50)
    export(export_dir)
    path = export_dir / "checkpoint"
    path.write_text(path.read_text().replace("\n50\n", "\n49\n"))
    assert verify(export_dir) == 1
    assert "checkpoint" in capsys.readouterr().err


def test_verify_names_the_first_tampered_record_of_a_bundle(export_dir: Path, capsys) -> None:
    append(300)
    bundle = export(export_dir)
    lines = bundle.read_bytes().splitlines(keepends=True)
    lines[123] = lines[123].replace(b'"n":123', b'"n":124')
    bundle.write_bytes(b"".join(lines))
    assert verify(export_dir, "--records", str(bundle)) == 1
    assert "record 123 (line 124)" in capsys.readouterr().err


def test_verify_detects_a_record_tampered_in_the_database(export_dir: Path, capsys) -> None:
    append(300)
    record = Record.objects.get(index=42)
    record.body = bytes(record.body).replace(b'"n":42', b'"n":43')
    record.save()
    bundle = export(export_dir)
    assert verify(export_dir, "--records", str(bundle)) == 1
    assert "record 42" in capsys.readouterr().err


def test_verify_detects_a_leaf_hash_tampered_in_the_database(export_dir: Path, capsys) -> None:
    append(300)
    tile = Tile.objects.get(level=0, index=0)
    data = bytearray(bytes(tile.hashes))
    data[32 * 7] ^= 1
    tile.hashes = bytes(data)
    tile.save()
    export(export_dir)
    assert verify(export_dir) == 1
    assert "tile" in capsys.readouterr().err


def test_verify_checks_consistency_with_an_earlier_checkpoint(
    export_dir: Path, tmp_path: Path
) -> None:
    append(100)
    earlier = tmp_path / "earlier-checkpoint"
    earlier.write_text(selectors.checkpoint_latest().note)
    append(500, start=100)
    export(export_dir)
    assert verify(export_dir, "--since", str(earlier)) == 0


def test_verify_detects_rewritten_history_against_an_earlier_checkpoint(
    export_dir: Path, tmp_path: Path, capsys
) -> None:
    append(100)
    # a checkpoint the operator signed for a different history of 100 records
    forged = [tlog.leaf_hash(b"other history %d" % i) for i in range(100)]
    cp = tlog.Checkpoint(origin=keys.log_signer().name, size=100, root_hash=tlog.root_hash(forged))
    earlier = tmp_path / "earlier-checkpoint"
    earlier.write_text(tlog.sign_note(cp.to_text(), [keys.log_signer()]))
    append(20, start=100)
    export(export_dir)
    assert verify(export_dir, "--since", str(earlier)) == 1
    assert "not an extension" in capsys.readouterr().err


def test_verify_detects_a_rollback_below_an_earlier_checkpoint(
    export_dir: Path, tmp_path: Path, capsys
) -> None:
    append(100)
    export(export_dir)
    append(1, start=100)
    earlier = tmp_path / "earlier-checkpoint"
    earlier.write_text(selectors.checkpoint_latest().note)
    assert verify(export_dir, "--since", str(earlier)) == 1
    assert "rolled back" in capsys.readouterr().err


def test_verify_requires_the_named_witnesses(export_dir: Path, capsys) -> None:
    append(10)
    export(export_dir)
    _skey, witness = tlog.generate_cosignature_key("witness.example/observers")
    assert verify(export_dir, "--witness-key", witness) == 1
    assert "witnesses" in capsys.readouterr().err
    assert verify(export_dir, "--witness-key", witness, "--quorum", "0") == 0


def test_verify_reads_the_log_from_the_live_server(live_server, capsys) -> None:
    append(700)
    assert verify_main([f"{live_server.url}/log", "--key", keys.log_verifier_key(), "--quiet"]) == 0
    assert "size 700" in capsys.readouterr().out


def test_laydown_verify_runs_without_django_settings(
    export_dir: Path, subprocess_env: dict[str, str], laydown_cmd: list[str]
) -> None:
    append(260)
    bundle = export(export_dir)
    env = {k: v for k, v in subprocess_env.items() if not k.startswith(("LAYDOWN_", "DJANGO_"))}
    env["PYTHONPATH"] = subprocess_env["PYTHONPATH"]
    result = subprocess.run(
        [
            *laydown_cmd,
            "verify",
            str(export_dir),
            "--key",
            keys.log_verifier_key(),
            "--records",
            str(bundle),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "size 260" in result.stdout


def test_verify_holds_one_tile_per_level_in_memory_not_the_whole_log(export_dir: Path) -> None:
    import tracemalloc

    from laydown.verify import Source, verify_log

    append(70_000)  # 274 leaf tiles, 2.2 MB of hashes
    bundle = export(export_dir)
    tracemalloc.start()
    try:
        with Source(str(export_dir)) as source:
            checkpoint = verify_log(source, keys.log_verifier_key(), bundle=bundle)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert checkpoint.size == 70_000
    assert peak < 1_500_000, f"verify held {peak:,} bytes"
