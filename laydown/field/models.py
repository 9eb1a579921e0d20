"""Devices enrolled for field capture, and the submissions they (or any API caller with an
`Idempotency-Key`) sent: one row per client-made id, so a retried upload finds the first one.

Both tables are projections of `field.*` records (records.py) but for what replay cannot
rebuild: a waiting submission's payload (which may hold personal data, sealed) is kept only here.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionStatus(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    NEEDS_REVIEW = "needs_review", _("needs review")
    SENT_BACK = "sent_back", _("sent back")
    REJECTED = "rejected", _("rejected")


class Decision(models.TextChoices):
    ACCEPT = "accept", _("accept")
    SEND_BACK = "send_back", _("send back to the clerk")
    REJECT = "reject", _("reject")


class Device(models.Model):
    """A tablet or phone enrolled for one user; its credential is an API token of that user."""

    public_id = models.CharField(max_length=16, unique=True)
    user = models.CharField(max_length=20)  # the user's pseudonym (replay rebuilds users)
    token = models.CharField(max_length=16, unique=True)  # the ApiToken's public id
    name = models.CharField(max_length=100)
    enrolled_at = models.DateTimeField()
    enrolled_by = models.CharField(max_length=100)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=100, blank=True)
    revoke_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-enrolled_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class Submission(models.Model):
    """One submission of a form, named by the id its device made (a UUID).

    The primary key is that id: two uploads of the same submission cannot both insert, whatever
    the timing (the second's transaction fails on the key and answers with the first's result).
    """

    id = models.UUIDField(primary_key=True)
    form = models.CharField(max_length=40)
    device = models.CharField(max_length=16, blank=True)  # Device.public_id, "" for plain API
    actor = models.CharField(max_length=100)
    device_at = models.DateTimeField(null=True, blank=True)  # the device's own clock
    received_at = models.DateTimeField()  # the server's clock: the record's time
    payload_sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=SubmissionStatus.choices)
    result = models.JSONField(default=dict)
    problem = models.JSONField(default=dict)  # {code, message, fields} of the refusal held
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=100, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    payload = models.TextField(blank=True)  # kept while it waits for review (sealed JSON)
    # Where it happens (FormKind.scope), for a held one: whose review queue it is in.
    site = models.CharField(max_length=40, blank=True)
    region = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.form} {self.id} ({self.status})"
