"""Every table is either rebuilt by `laydown ledger replay` or declared as left out, with why."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.core.management import call_command

from laydown.ledger import coverage, kinds


def _all_models() -> dict[str, type]:
    return {m._meta.label: m for m in apps.get_models(include_auto_created=True)}


def test_every_model_is_replayed_or_declared_as_left_out() -> None:
    coverage = kinds.replay_coverage()
    neither = sorted(set(_all_models()) - set(coverage.replayed) - set(coverage.not_replayed))
    assert not neither, (
        f"{', '.join(neither)}: neither rebuilt by replay nor declared as left out. Declare each "
        "in its app's records.py: kinds.register_reset(..., models=[...]) if its applies rebuild "
        "it from the log, or kinds.register_not_replayed({label: reason}) if not."
    )


def test_no_model_is_both_replayed_and_left_out() -> None:
    coverage = kinds.replay_coverage()
    assert not set(coverage.replayed) & set(coverage.not_replayed)


def test_every_declaration_names_a_model_or_a_column_of_a_replayed_model() -> None:
    models = _all_models()
    coverage = kinds.replay_coverage()
    assert set(coverage.replayed) <= set(models), "a replayed label names no installed model"
    for label, reason in coverage.not_replayed.items():
        assert len(reason) > 20, f"{label}: say why it is not replayed"
        app, model, *column = label.split(".")
        model_label = f"{app}.{model}"
        assert model_label in models, f"{label} names no installed model"
        if column:
            assert model_label in coverage.replayed, f"{label}: its table is not replayed at all"
            try:
                models[model_label]._meta.get_field(column[0])
            except FieldDoesNotExist as exc:
                raise AssertionError(f"{label} names no column of {model_label}") from exc


def test_declaring_a_model_twice_or_without_a_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        kinds.register_not_replayed({"accounts.User": "it is replayed, so this is a mistake"})
    with pytest.raises(ValueError, match="say why"):
        kinds.register_not_replayed({"test.Nothing": " "})


def test_docs_replay_md_is_what_laydown_ledger_coverage_prints(capsys) -> None:
    docs = Path(__file__).resolve().parents[3] / "docs" / "replay.md"
    call_command("ledger", "coverage")
    printed = capsys.readouterr().out
    assert printed == coverage.coverage_markdown()
    assert docs.read_text(encoding="utf-8") == printed, (
        "docs/replay.md is out of date: run `laydown ledger coverage > docs/replay.md`"
    )


def test_a_reset_may_truncate_only_tables_it_names_as_its_own() -> None:
    with pytest.raises(ValueError, match="among the reset's models"):
        kinds.register_reset(lambda: None, models=["arms.Item"], emptied=["arms.Site"])
    assert set(kinds.all_emptied()) <= set(kinds.replay_coverage().replayed)
