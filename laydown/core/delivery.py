"""Answers whose making is recorded (a vault read is a ledger record): recorded only if the
answer is delivered."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db import transaction

from laydown.core.errors import LaydownError

T = TypeVar("T")


def delivered(produce: Callable[[], T]) -> T:
    """Run `produce` (read the vault, render the page or validate the answer) in a transaction.

    If making the answer fails (a template error, an answer that does not fit its schema),
    the read records roll back with it: the ledger says data was read only when somebody got
    it. A refusal (PermissionDenied or a LaydownError) is raised by the checks before any
    read; what the checks recorded (the refusal itself) is kept.
    """
    refusal: Exception | None = None
    with transaction.atomic():
        try:
            return produce()
        except (PermissionDenied, LaydownError) as exc:
            refusal = exc
    raise refusal
