from __future__ import annotations

import io
import stat
from contextlib import redirect_stdout

import pytest
from django.core.management import call_command, get_commands, load_command_class

from laydown import cli
from laydown.ledger import keys


def test_every_laydown_command_is_documented() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli.main(["--help"]) == 0
    for name in cli.COMMANDS:
        assert name in out.getvalue()
    ours = {name: app for name, app in get_commands().items() if app.startswith("laydown")}
    assert {"keys", "log", "ledger", "demo"} <= set(ours)
    for name, app in ours.items():
        assert len(load_command_class(app, name).help) > 30, f"`laydown {name}` has no help"


def test_the_log_key_file_is_private_and_never_printed() -> None:
    path = keys.key_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    out = io.StringIO()
    call_command("keys", stdout=out)
    printed = out.getvalue().strip()
    assert printed == keys.log_verifier_key()
    assert "PRIVATE" not in printed
    secret = path.read_text().strip().split("+", 4)[4]  # PRIVATE+KEY+name+id+base64
    assert secret not in printed


def test_verify_without_a_key_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["verify", "somewhere"])
    assert exit_.value.code == 2
    assert "--key" in capsys.readouterr().err
