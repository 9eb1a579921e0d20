"""The legal bases for keeping personal data (GDPR article 6(1)): codes in the vault's entries,
translated labels on the pages that ask for one."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from laydown.core import labels


class LegalBasis(models.TextChoices):
    CONSENT = "consent", _("Consent")
    # Translators: GDPR article 6(1)(d): to protect someone's life.
    VITAL_INTEREST = "vital_interest", _("Vital interest")
    PUBLIC_INTEREST = "public_interest", _("Public interest")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
    LEGAL_OBLIGATION = "legal_obligation", _("Legal obligation")
    CONTRACT = "contract", _("Contract")


labels.register("vault.legal_basis", LegalBasis)
