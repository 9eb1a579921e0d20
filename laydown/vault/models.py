"""The personal-data vault: per-subject keys and encrypted entries, kept out of the ledger.

A subject is a person known elsewhere only by a pseudonymous id. Each subject's data is
encrypted with a key of its own (AES-256-GCM), itself wrapped by the vault's master key.
Erasure destroys the subject's key: what remains (ledger records, pseudonyms) no longer
resolves to a person. These tables are not projections: the log never holds personal data.
"""

from __future__ import annotations

from django.db import models


class SubjectKey(models.Model):
    subject = models.CharField(max_length=40, primary_key=True)
    wrapped_key = models.BinaryField(null=True)  # None once erased
    created_at = models.DateTimeField()
    erased_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.subject


class Entry(models.Model):
    """One category of a subject's data (identity, contact, profile, health, photo...)."""

    subject = models.ForeignKey(SubjectKey, on_delete=models.CASCADE, related_name="entries")
    category = models.CharField(max_length=30)
    ciphertext = models.BinaryField()
    legal_basis = models.CharField(max_length=40)
    purpose = models.CharField(max_length=200)
    retain_until = models.DateField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "category"], name="vault_entry_unique")
        ]
        indexes = [models.Index(fields=["retain_until"])]

    def __str__(self) -> str:
        return f"{self.subject_id}/{self.category}"


class BlindIndex(models.Model):
    """Keyed hashes of normalised values (names, dates of birth, photo hashes) so duplicates
    can be found without decrypting anyone; erased with the subject."""

    subject = models.ForeignKey(SubjectKey, on_delete=models.CASCADE, related_name="blind_indexes")
    field = models.CharField(max_length=30)
    digest = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["field", "digest"])]

    def __str__(self) -> str:
        return f"{self.subject_id}/{self.field}"
