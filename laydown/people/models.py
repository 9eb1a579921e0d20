"""Demobilization's projection tables: participants by pseudonym, never by name.

Every row here except `Refusal` is written by an `apply` function in records.py and by nothing
else, so `laydown ledger replay` rebuilds these tables exactly. Keys are natural (pseudonyms,
cycle codes) or derived from the record's log index ("RF-123"), never auto-increments, so a
replay reproduces them. Names, dates of birth, sex, contacts, photos, profiles and health live
in the vault (laydown/vault), encrypted per person; nothing here identifies anyone alone.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from laydown.people.vocab import (
    AppealOutcome,
    Category,
    CycleStatus,
    Decision,
    DuplicateStatus,
    ReferralKind,
    ReferralStatus,
    Status,
)

PSEUDONYM = 100
CODE = 24


class Participant(models.Model):
    pseudonym = models.CharField(max_length=CODE, primary_key=True)  # "p-" + 12 hex digits
    category = models.CharField(max_length=12, choices=Category.choices)
    is_child = models.BooleanField(default=False)  # under 18 at registration
    region = models.SlugField(max_length=40)
    dependants = models.PositiveSmallIntegerField(default=0)
    dependant_of = models.CharField(max_length=CODE, blank=True)  # a participant's pseudonym
    status = models.CharField(max_length=20, choices=Status.choices)
    registered_at = models.DateTimeField()
    registered_by = models.CharField(max_length=PSEUDONYM)
    status_reason = models.CharField(max_length=500, blank=True)  # revocation, duplicate ...
    id_card_number = models.CharField(max_length=CODE, blank=True)
    id_card_issued_at = models.DateTimeField(null=True)
    erased_at = models.DateTimeField(null=True)  # personal data destroyed in the vault

    class Meta:
        ordering = ["pseudonym"]
        indexes = [
            models.Index(fields=["region", "status", "pseudonym"], name="people_region_status"),
            models.Index(fields=["status", "pseudonym"], name="people_status"),
            models.Index(fields=["registered_at"], name="people_registered_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(dependants__lte=30), name="people_participant_dependants"
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym


class Screening(models.Model):
    code = models.CharField(max_length=CODE, primary_key=True)  # "SC-<record index>"
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="screenings"
    )
    answers = models.JSONField(default=dict)  # question code -> "yes" / "no" / "unknown"
    suggested = models.CharField(max_length=12, choices=Decision.choices)
    decision = models.CharField(max_length=12, choices=Decision.choices)
    reason = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()
    by = models.CharField(max_length=PSEUDONYM)

    class Meta:
        ordering = ["at", "code"]

    def __str__(self) -> str:
        return self.code


class Appeal(models.Model):
    code = models.CharField(max_length=CODE, primary_key=True)  # "AP-<record index>"
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="appeals")
    grounds = models.CharField(max_length=1000)
    lodged_at = models.DateTimeField()
    lodged_by = models.CharField(max_length=PSEUDONYM)
    outcome = models.CharField(max_length=10, choices=AppealOutcome.choices, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True)
    decided_by = models.CharField(max_length=PSEUDONYM, blank=True)

    class Meta:
        ordering = ["lodged_at", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant"], condition=Q(outcome=""), name="people_appeal_one_open"
            )
        ]

    def __str__(self) -> str:
        return self.code


class DuplicateFlag(models.Model):
    code = models.CharField(max_length=CODE, primary_key=True)  # "DU-<record index>-<n>"
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="duplicate_flags"
    )
    other = models.CharField(max_length=CODE)  # the earlier registration's pseudonym
    matched = models.JSONField(default=list)  # ["name_born", "photo"]
    status = models.CharField(max_length=10, choices=DuplicateStatus.choices)
    flagged_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True)
    decided_by = models.CharField(max_length=PSEUDONYM, blank=True)

    class Meta:
        ordering = ["flagged_at", "code"]
        indexes = [models.Index(fields=["status", "flagged_at"], name="people_dup_status")]

    def __str__(self) -> str:
        return self.code

    def matched_display(self) -> str:
        """What matched, in the reader's language (the codes are kept in `matched`)."""
        return ", ".join(str(MATCHED_LABELS.get(code, code)) for code in self.matched)


# The keys a registration is matched on (people.services.registration.match_keys).
MATCHED_LABELS = {
    "name_year": _("name and year of birth"),
    "name_born": _("name and date of birth"),
    "photo": _("photo"),
}


class CutOff(models.Model):
    """The programme's cut-off date: membership after it does not make anyone eligible."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    date = models.DateField()
    set_at = models.DateTimeField()
    set_by = models.CharField(max_length=PSEUDONYM)

    def __str__(self) -> str:
        return self.date.isoformat()


class PaymentCycle(models.Model):
    code = models.CharField(max_length=CODE, primary_key=True)  # the month, "2026-11"
    status = models.CharField(max_length=10, choices=CycleStatus.choices)
    drafted_at = models.DateTimeField()
    drafted_by = models.CharField(max_length=PSEUDONYM)
    approved_at = models.DateTimeField(null=True)
    approved_by = models.CharField(max_length=PSEUDONYM, blank=True)
    total = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-code"]

    def __str__(self) -> str:
        return self.code


class PaymentLine(models.Model):
    key = models.CharField(max_length=60, primary_key=True)  # "<cycle>:<pseudonym>"
    cycle = models.ForeignKey(PaymentCycle, on_delete=models.CASCADE, related_name="lines")
    participant = models.ForeignKey(Participant, on_delete=models.PROTECT, related_name="+")
    instalment = models.PositiveSmallIntegerField()
    amount = models.PositiveIntegerField()
    paid_at = models.DateTimeField(null=True)
    paid_by = models.CharField(max_length=PSEUDONYM, blank=True)
    reference = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["cycle", "participant"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "participant"], name="people_line_unique")
        ]
        indexes = [models.Index(fields=["participant", "paid_at"], name="people_line_paid")]

    def __str__(self) -> str:
        return self.key


class Referral(models.Model):
    code = models.CharField(max_length=CODE, primary_key=True)  # "RF-<record index>"
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="referrals")
    kind = models.CharField(max_length=15, choices=ReferralKind.choices)
    service = models.CharField(max_length=200)  # the provider, e.g. "Vocational school North"
    status = models.CharField(max_length=10, choices=ReferralStatus.choices)
    note = models.CharField(max_length=1000, blank=True)
    referred_at = models.DateTimeField()
    referred_by = models.CharField(max_length=PSEUDONYM)
    follow_up_due = models.DateField(null=True)

    class Meta:
        ordering = ["referred_at", "code"]

    def __str__(self) -> str:
        return self.code


class FollowUp(models.Model):
    code = models.CharField(max_length=CODE, primary_key=True)  # "FU-<record index>"
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="follow_ups")
    status = models.CharField(max_length=10, choices=ReferralStatus.choices)
    note = models.CharField(max_length=1000, blank=True)
    at = models.DateTimeField()
    by = models.CharField(max_length=PSEUDONYM)

    class Meta:
        ordering = ["at", "code"]

    def __str__(self) -> str:
        return self.code


class Refusal(models.Model):
    """A refused request for a participant's data: an access log, not a projection.

    Refusals are not ledger records: they change nothing, and letting every refused request
    grow the append-only public log would let any account inflate it at will.
    """

    at = models.DateTimeField()
    actor = models.CharField(max_length=PSEUDONYM)
    action = models.CharField(max_length=60)
    subject = models.CharField(max_length=CODE, blank=True)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.actor} {self.action}"
