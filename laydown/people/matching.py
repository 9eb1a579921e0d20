"""Reads that find suspected duplicate participants by the vault's blind indexes."""

from __future__ import annotations

from collections.abc import Mapping

from laydown.people.models import Participant
from laydown.people.vocab import Status
from laydown.vault import selectors as vault_selectors


def duplicates_find(keys: Mapping[str, str], *, exclude: str = "") -> dict[str, list[str]]:
    """Earlier registrations matching any key: pseudonym -> the fields that matched."""
    found: dict[str, list[str]] = {}
    for field in sorted(keys):
        for subject in vault_selectors.vault_matches(field=field, normalised_value=keys[field]):
            if subject != exclude:
                found.setdefault(subject, []).append(field)
    void = set(
        Participant.objects.filter(pk__in=found, status=Status.DUPLICATE).values_list(
            "pk", flat=True
        )
    )
    return {p: fields for p, fields in sorted(found.items()) if p not in void}
