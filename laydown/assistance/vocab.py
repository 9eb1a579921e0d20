"""The vocabularies of humanitarian assistance (OCHA 5W conventions, IASC clusters).

Codes are what records and exports carry; labels are what pages show, translated.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from laydown.core import labels


class PartnerKind(models.TextChoices):
    UN_AGENCY = "un_agency", _("UN agency")
    RED_CROSS = "red_cross", _("Red Cross / Red Crescent")
    NGO = "ngo", _("NGO")
    GOVERNMENT = "government", _("Government")
    OTHER = "other", _("Other")


class Sector(models.TextChoices):
    FOOD_SECURITY = "food_security", _("Food security")
    WASH = "wash", _("Water, sanitation and hygiene")
    SHELTER_NFI = "shelter_nfi", _("Shelter and non-food items")
    HEALTH = "health", _("Health")
    PROTECTION = "protection", _("Protection")
    EDUCATION = "education", _("Education")
    NUTRITION = "nutrition", _("Nutrition")
    EARLY_RECOVERY = "early_recovery", _("Early recovery")
    MULTIPURPOSE_CASH = "multipurpose_cash", _("Multipurpose cash")


class Commodity(models.TextChoices):
    FOOD = "food", _("Food")
    NFI = "nfi", _("Non-food items")
    SHELTER = "shelter", _("Shelter")
    WATER = "water", _("Water")
    HEALTH = "health", _("Health")
    CASH = "cash", _("Cash")


class Unit(models.TextChoices):
    KG = "kg", _("kilograms")
    LITRE = "litre", _("litres")
    PIECE = "piece", _("pieces")
    KIT = "kit", _("kits")
    RATION = "ration", _("rations")
    CONSULTATION = "consultation", _("consultations")
    USD = "usd", _("US dollars")
    EUR = "eur", _("euros")
    LOCAL_CURRENCY = "local_currency", _("local currency units")


class PlaceLevel(models.TextChoices):
    REGION = "region", _("Region")
    DISTRICT = "district", _("District")
    SETTLEMENT = "settlement", _("Settlement")


PARENT_LEVEL = {PlaceLevel.DISTRICT: PlaceLevel.REGION, PlaceLevel.SETTLEMENT: PlaceLevel.DISTRICT}


class Sex(models.TextChoices):
    FEMALE = "f", _("female")
    MALE = "m", _("male")


class AgeGroup(models.TextChoices):
    """The age groups of OCHA's sex- and age-disaggregated data."""

    CHILD_0_4 = "0-4", _("0–4 years")
    CHILD_5_17 = "5-17", _("5–17 years")
    ADULT = "18-59", _("18–59 years")
    OLDER = "60+", _("60 years and older")


class SpecificNeed(models.TextChoices):
    DISABILITY = "disability", _("person with a disability")
    OLDER_AT_RISK = "older_at_risk", _("older person at risk")
    PREGNANT_LACTATING = "pregnant_lactating", _("pregnant or lactating")
    UNACCOMPANIED_CHILD = "unaccompanied_child", _("unaccompanied or separated child")
    SINGLE_CAREGIVER = "single_caregiver", _("single caregiver")
    SERIOUS_MEDICAL = "serious_medical", _("serious medical condition")


# People reached, disaggregated by sex and age (children 0-17, adults 18-59, older 60+).
REACHED_FIELDS = ("girls", "boys", "women", "men", "older_women", "older_men")
REACHED_LABELS = {
    "girls": _("girls (0–17)"),
    "boys": _("boys (0–17)"),
    "women": _("women (18–59)"),
    "men": _("men (18–59)"),
    "older_women": _("older women (60+)"),
    "older_men": _("older men (60+)"),
}


class ReceiptKind(models.TextChoices):
    SIGNATURE = "signature", _("signature")
    THUMBPRINT = "thumbprint", _("thumbprint")


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_progress", _("in progress")
    RESOLVED = "resolved", _("resolved")
    CLOSED = "closed", _("closed")


class ComplaintChannel(models.TextChoices):
    HOTLINE = "hotline", _("hotline")
    HELP_DESK = "help_desk", _("help desk at the distribution")
    COMPLAINT_BOX = "complaint_box", _("complaint box")
    MONITORING_VISIT = "monitoring_visit", _("post-distribution monitoring")
    OTHER = "other", _("other")


class ProjectSector(models.TextChoices):
    WATER = "water", _("Water")
    POWER = "power", _("Power")
    ROADS = "roads", _("Roads")
    HOUSING = "housing", _("Housing")
    HEALTH = "health", _("Health facilities")
    SCHOOLS = "schools", _("Schools")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    UNDER_WAY = "under_way", _("under way")
    SUSPENDED = "suspended", _("suspended")
    COMPLETED = "completed", _("completed")


class MeetingSide(models.TextChoices):
    GOVERNMENT = "government", _("Government")
    FORMER_COMBATANTS = "former_combatants", _("Former combatants' representatives")
    COMMUNITY = "community", _("Community")
    PROGRAMME = "programme", _("Programme")
    FACILITATOR = "facilitator", _("Facilitator / mediator")
    OBSERVER = "observer", _("Observer")


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("open")
    IN_PROGRESS = "in_progress", _("in progress")
    DONE = "done", _("done")
    DROPPED = "dropped", _("dropped")


CLOSED_COMMITMENTS = (CommitmentStatus.DONE, CommitmentStatus.DROPPED)


class VisitStatus(models.TextChoices):
    PROPOSED = "proposed", _("proposed")
    AGREED = "agreed", _("agreed")
    DONE = "done", _("done")
    POSTPONED = "postponed", _("postponed")


for _name, _choices in (
    ("partner_kind", PartnerKind),
    ("sector", Sector),
    ("commodity", Commodity),
    ("unit", Unit),
    ("place_level", PlaceLevel),
    ("sex", Sex),
    ("age_group", AgeGroup),
    ("specific_need", SpecificNeed),
    ("receipt_kind", ReceiptKind),
    ("complaint_status", ComplaintStatus),
    ("complaint_channel", ComplaintChannel),
    ("project_sector", ProjectSector),
    ("project_status", ProjectStatus),
    ("meeting_side", MeetingSide),
    ("commitment_status", CommitmentStatus),
    ("visit_status", VisitStatus),
):
    labels.register(f"assistance.{_name}", _choices)
