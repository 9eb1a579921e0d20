"""Vocabularies of demobilization: categories, statuses, decisions, referral kinds."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from laydown.core import labels


class Category(models.TextChoices):
    COMBATANT = "combatant", _("Combatant")
    ASSOCIATED = "associated", _("Person associated with an armed force or group")
    DEPENDANT = "dependant", _("Dependant")
    CHILD = "child", _("Child (under 18)")


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered, not screened")
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")
    APPEALED = "appealed", _("Appeal pending")
    REVOKED = "revoked", _("Eligibility revoked")
    DUPLICATE = "duplicate", _("Duplicate registration")
    CHILD_PROTECTION = "child_protection", _("In the child-protection workflow")


class Sex(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")
    OTHER = "x", _("Other / not stated")


class Decision(models.TextChoices):
    ELIGIBLE = "eligible", _("Eligible")
    INELIGIBLE = "ineligible", _("Not eligible")


class AppealOutcome(models.TextChoices):
    UPHELD = "upheld", _("Upheld: eligible")
    REJECTED = "rejected", _("Rejected: not eligible")


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("Awaiting a decision")
    DISTINCT = "distinct", _("Different people")
    SAME = "same", _("Same person: the later registration is void")


class CycleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved (frozen)")


class ReferralKind(models.TextChoices):
    EDUCATION = "education", _("Education and training")
    JOBS = "jobs", _("Jobs and livelihoods")
    HEALTH = "health", _("Health")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial support")


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", _("Referred")
    ACCEPTED = "accepted", _("Accepted by the service")
    COMPLETED = "completed", _("Completed")
    DROPPED = "dropped", _("Dropped out")


# Verification questions asked at screening (IDDRS 4.20): codes in records, text on pages.
QUESTIONS: dict[str, Any] = {  # code -> lazy text
    # Translators: "unit" is a military unit (of an armed group).
    "names_unit": _("Can the person name their unit and its commander?"),
    "weapon_handling": _("Can the person strip and assemble a weapon?"),
    "handed_in": _(
        "Did the person hand in a weapon or ammunition (or come with a group that did)?"
    ),
    "on_group_list": _("Is the person on the list of members the group handed over?"),
    "before_cut_off": _("Did the person join before the programme's cut-off date?"),
}

ANSWERS: dict[str, Any] = {"yes": _("Yes"), "no": _("No"), "unknown": _("Unknown")}

# The columns of the demobilization figures (people.selectors.FIGURES).
FIGURES: dict[str, Any] = {
    "registered": _("Registered"),
    "screened": _("Screened"),
    "eligible": _("Eligible"),
    "id_cards": _("ID cards issued"),
    "paid": _("Support paid"),
}

labels.register("people.category", Category)
labels.register("people.status", Status)
labels.register("people.sex", Sex)
labels.register("people.decision", Decision)
labels.register("people.appeal_outcome", AppealOutcome)
labels.register("people.duplicate_status", DuplicateStatus)
labels.register("people.cycle_status", CycleStatus)
labels.register("people.referral_kind", ReferralKind)
labels.register("people.referral_status", ReferralStatus)
labels.register("people.question", QUESTIONS)
labels.register("people.answer", ANSWERS)
labels.register("people.figure", FIGURES)

# The participant's personal data in the vault (laydown.people.services): its categories, the
# fields of each, and the purposes the system itself records with a write or a read.
labels.register(
    "people.vault_category",
    {
        "identity": _("Identity"),
        "contact": _("Contact"),
        "photo": _("Photo"),
        "profile": _("Profile"),
        "health": _("Health"),
    },
)
labels.register(
    "people.personal_field",
    {
        "name": _("Full name"),
        "born": _("Date of birth"),
        "birth_year": _("Year of birth"),
        "sex": _("Sex"),
        "phone": _("Phone"),
        "village": _("Village or town"),
        "education": _("Education"),
        "skills": _("Skills"),
        "specific_needs": _("Specific needs"),
        "sha256": _("SHA-256 of the photo"),
        "note": _("Note"),
    },
)
labels.register_values("people.personal_field", {"sex": "people.sex", "born": labels.DATE})
labels.register(
    "people.purpose",
    {
        "demobilization registration and reinsertion support": _(
            "demobilization registration and reinsertion support"
        ),
        "correction at the person's request": _("correction at the person's request"),
        "ID card": _("ID card"),
        "data-subject access request": _("data-subject access request"),
    },
)
