"""The vault's tests run with a test-only action in the permission matrix."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from laydown.access.permissions import ACTIONS, define
from laydown.vault.tests.base import ACTION


@pytest.fixture(autouse=True)
def vault_action() -> Iterator[None]:
    """A test-only action in the matrix, removed afterwards so docs/permissions.md stays true."""
    define(ACTION, "Test action: personal data in the vault", ["registrar"])
    yield
    del ACTIONS[ACTION]
