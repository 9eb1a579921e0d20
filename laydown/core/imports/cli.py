"""What the import commands share: progress bars per phase and problems listed one a line."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from laydown.core.errors import ValidationError
from laydown.core.imports.checking import Progress as ProgressCallback
from laydown.core.imports.problems import ImportRefused

R = TypeVar("R")


def import_run(
    command: BaseCommand,
    path: Path,
    labels: Mapping[str, str],
    call: Callable[[ProgressCallback], R],
) -> R:
    """Run `call(progress)` under a progress bar per phase (`labels`: phase -> label). A
    refused file becomes a CommandError, every problem written to standard error first."""
    with Progress(
        "{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(labels.get(phase, phase), total=total)
            bar.update(tasks[phase], completed=done)

        try:
            return call(progress)
        except ImportRefused as exc:
            bar.stop()
            if all(p.row == 0 for p in exc.problems):  # the file as a whole: its reason
                raise CommandError(f"{path}: {exc.message}") from exc
            for problem in exc.problems:
                command.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problems in {path}; nothing was imported."
            ) from exc
        except ValidationError as exc:
            raise CommandError(exc.message) from exc


def file_read(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; a CommandError if it cannot be read or is larger than `max_bytes`
    (checked before it is read)."""
    try:
        if path.stat().st_size > max_bytes:
            raise CommandError(
                f"{path} is larger than {max_bytes // 2**20} MB: split it into smaller files."
            )
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from exc
