"""Organisations, users, role grants and API tokens.

Organisations, users, grants and tokens are projections of ledger records (see records.py):
replay rebuilds them. A user's credentials (password hash, TOTP devices) are secrets and stay
out of the log. Other records name users by their pseudonym only; `accounts.user_created`
alone holds the username and e-mail, which a replay needs to give the account back.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown.access.roles import OrgKind, Role
from laydown.accounts import totp


def new_pseudonym() -> str:
    return "u-" + secrets.token_hex(6)


class Organisation(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=OrgKind.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True
    )
    # The id that ledger records use for this user: random, stable, reveals nothing.
    pseudonym = models.CharField(max_length=20, unique=True, default=new_pseudonym)
    # The language the user reads Laydown in (a code of settings.LANGUAGES); empty: the browser's.
    language = models.CharField(max_length=10, blank=True, default="")
    # The name colleagues know the user by (one field: names do not split alike everywhere).
    # Shown only to who may see it (accounts.selectors.PeopleDirectory, docs/security.md).
    name = models.CharField(max_length=150, blank=True, default="")

    def __str__(self) -> str:
        return self.username

    def get_full_name(self) -> str:
        return self.name


class RoleGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(max_length=30, choices=Role.choices)
    scope = models.CharField(max_length=80)
    granted_at = models.DateTimeField()
    granted_by = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "scope"], name="accounts_grant_unique")
        ]

    def __str__(self) -> str:
        return f"{self.role} @ {self.scope}"


class ApiToken(models.Model):
    """A bearer token for integrations, stored as its SHA-256; the secret is shown once."""

    public_id = models.CharField(max_length=16, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="tokens")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    actions = models.JSONField(default=list)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class SealedTOTPDevice(TOTPDevice):  # type: ignore[misc]  # django-otp has no type hints
    """django-otp's TOTP device whose seed is sealed at rest (see laydown.accounts.totp)."""

    objects: ClassVar[models.Manager[SealedTOTPDevice]]  # typed for mypy; django-otp's manager

    class Meta:
        proxy = True
        verbose_name = "TOTP device (sealed seed)"

    @property
    def bin_key(self) -> bytes:
        return totp.seed_open(self.key, user_id=self.user_id)


class SignInThrottle(models.Model):
    """Failed sign-ins counted per bucket: `address:<ip>`, `account:<user id>` or
    `device:<user id>` (tries from a browser the user signed in from before). Never keyed by
    what was typed: a username that names no account counts only against the address."""

    bucket = models.CharField(max_length=80, primary_key=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField()
    wait_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["last_failure_at"])]

    def __str__(self) -> str:
        return self.bucket


class ProgrammeProfile(models.Model):
    """Who runs the programme and how it presents itself: one row (pk 1), set by
    `accounts.programme_profile_set` records. Receipts, ID cards, the situation report and the
    public page show its name, logo and classification marking."""

    name = models.CharField(max_length=200)
    operator = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    classification = models.CharField(max_length=100, blank=True)  # e.g. RESTRICTED
    default_language = models.CharField(max_length=10)
    languages = models.JSONField(default=list)  # language codes offered
    time_zone = models.CharField(max_length=64)
    regions = models.JSONField(default=list)  # [{"code", "name", "pcode"}]
    logo = models.CharField(max_length=64, blank=True)  # SHA-256 of the logo file, if any
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name
