"""Reads of the vault that are not reads of personal data (those are `services.vault_read`,
which records each one)."""

from __future__ import annotations

from laydown.vault import crypto
from laydown.vault.models import BlindIndex


def vault_matches(*, field: str, normalised_value: str) -> list[str]:
    """Subjects whose blind index for `field` equals that of `normalised_value`."""
    digest = crypto.blind(field, normalised_value)
    return sorted(
        BlindIndex.objects.filter(field=field, digest=digest).values_list("subject_id", flat=True)
    )
