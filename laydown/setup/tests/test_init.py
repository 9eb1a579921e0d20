"""`laydown init` and `laydown token create`, run as an operator runs them: in a child process
on an empty data directory."""

from __future__ import annotations

import re
from pathlib import Path

from laydown.testing.cli import run_laydown

PASSWORD = "Kestrel-Harbour-Lantern-42"


def _init(tmp_path: Path, *extra: str):  # type: ignore[no-untyped-def]
    return run_laydown(
        tmp_path,
        "init",
        "--org",
        "ddr-commission",
        "--org-name",
        "National DDR Commission",
        "--admin",
        "amina",
        *extra,
        LAYDOWN_NEW_PASSWORD=PASSWORD,
    )


def test_init_makes_a_programme_from_an_empty_data_directory_once(tmp_path: Path) -> None:
    done = _init(tmp_path)
    assert done.returncode == 0, done.stderr
    assert re.search(r"secret: [A-Z2-7]{32}", done.stdout)
    assert "otpauth://totp/" in done.stdout
    assert "/setup/" in done.stdout  # says what to do next
    data = tmp_path / "data"
    assert (data / "log.key").exists() and (data / "vault.key").exists()
    assert (data / "openrosa.key").exists()
    again = _init(tmp_path)
    assert again.returncode != 0
    assert "runs once" in again.stderr
    check = run_laydown(tmp_path, "ledger", "replay", "--check")
    assert check.returncode == 0, check.stderr


def test_init_refuses_a_weak_password_and_creates_nobody(tmp_path: Path) -> None:
    weak = run_laydown(
        tmp_path,
        "init",
        "--org",
        "ops",
        "--org-name",
        "Ops",
        "--admin",
        "amina",
        LAYDOWN_NEW_PASSWORD="amina",
    )
    assert weak.returncode != 0
    assert _init(tmp_path).returncode == 0  # nothing of the refused run is in the way


def test_token_create_prints_a_secret_once_for_allowed_actions_only(tmp_path: Path) -> None:
    assert _init(tmp_path).returncode == 0
    made = run_laydown(
        tmp_path, "token", "create", "amina", "--actions", "arms.site_manage", "--expires", "30d"
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().startswith("ldt_")
    assert "shown once" in made.stderr
    refused = run_laydown(
        tmp_path, "token", "create", "amina", "--actions", "arms.custody", "--expires", "30d"
    )
    assert refused.returncode != 0 and "not yours: arms.custody" in refused.stderr
    bad_date = run_laydown(
        tmp_path, "token", "create", "amina", "--actions", "arms.read", "--expires", "soon"
    )
    assert bad_date.returncode != 0 and "YYYY-MM-DD" in bad_date.stderr
