"""Writes of infrastructure projects and their progress."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, records
from laydown.assistance.files import file_store
from laydown.assistance.models import Project
from laydown.assistance.services.common import (
    MAX_QUANTITY,
    PROJECT_PREFIX,
    Data,
    allocate_codes,
    append_record,
    known_place,
    project_owner_check,
)
from laydown.assistance.vocab import ProjectSector, ProjectStatus
from laydown.core import validators


def _photos(value: Sequence[str], *, more: int = 0) -> list[str]:
    if len(value) + more > 20:
        raise validators.refuse(
            "photos", _("too many"), _("At most 20 photos per progress report.")
        )
    return [validators.sha256("photos", v) for v in value]


def project_create(
    *,
    actor: Principal,
    organisation: Organisation,
    name: str,
    sector: str,
    place: object,
    budget: int,
    currency: str,
    status: str = ProjectStatus.PLANNED,
    percent_complete: int = 0,
) -> Project:
    authorize(actor, permissions.PROJECT_MANAGE.name, organisation_id=organisation.pk)
    project_owner_check("organisation", organisation)
    currency = validators.text("currency", currency, max_length=3, required=True).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise validators.refuse(
            "currency", _("not ISO 4217"), _("Currency: three letters, as USD or EUR.")
        )
    data = {
        "organisation": organisation.code,
        "name": validators.text("name", name, max_length=200, required=True),
        "sector": validators.choice("sector", sector, ProjectSector.values),
        "place": known_place("place", place).pcode,
        "budget": validators.integer("budget", budget, maximum=MAX_QUANTITY),
        "currency": currency,
        "status": validators.choice("status", status, ProjectStatus.values),
        "percent_complete": validators.integer("percent_complete", percent_complete, maximum=100),
    }
    with transaction.atomic():
        code = allocate_codes(PROJECT_PREFIX)[0]
        append_record(records.PROJECT_CREATED.name, {"project": code, **data}, actor)
    return Project.objects.get(code=code)


def project_update(
    *,
    actor: Principal,
    project: Project,
    reason: str,
    name: str | None = None,
    sector: str | None = None,
    place: object = None,
    budget: int | None = None,
    currency: str | None = None,
) -> Project:
    """Change a project's name, sector, place, budget or currency; fields not given are kept.

    Status and percent complete change only through `project_progress`, which keeps their
    history.
    """
    authorize(actor, permissions.PROJECT_MANAGE.name, organisation_id=project.organisation_id)
    currency = validators.text(
        "currency", project.currency if currency is None else currency, max_length=3, required=True
    ).upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise validators.refuse(
            "currency", _("not ISO 4217"), _("Currency: three letters, as USD or EUR.")
        )
    data = {
        "project": project.code,
        "name": validators.text(
            "name", project.name if name is None else name, max_length=200, required=True
        ),
        "sector": validators.choice(
            "sector", project.sector if sector is None else sector, ProjectSector.values
        ),
        "place": known_place("place", project.place_id if place is None else place).pcode,
        "budget": validators.integer(
            "budget", project.budget if budget is None else budget, maximum=MAX_QUANTITY
        ),
        "currency": currency,
        "reason": validators.text("reason", reason, max_length=500, required=True, multiline=True),
    }
    with transaction.atomic():
        Project.objects.select_for_update().get(code=project.code)
        append_record(records.PROJECT_UPDATED.name, data, actor)
    return Project.objects.get(code=project.code)


def project_progress(
    *,
    actor: Principal,
    project: Project,
    date: object,
    status: str,
    percent_complete: int,
    note: str = "",
    photos: Sequence[str] = (),
    photo_files: Sequence[bytes] = (),
) -> Project:
    """Record a project's status and percent complete on a date, with photos.

    `photos` are SHA-256 of photos kept apart already; `photo_files` are the bytes of new ones
    (JPEG, PNG or WebP), stored by hash once everything else is valid.
    """
    authorize(actor, permissions.PROJECT_MANAGE.name, organisation_id=project.organisation_id)
    percent = validators.integer("percent_complete", percent_complete, maximum=100)
    status = validators.choice("status", status, ProjectStatus.values)
    if status == ProjectStatus.COMPLETED and percent != 100:
        raise validators.refuse(
            "percent_complete",
            _("not 100"),
            _("A completed project is 100%% complete; it says %(p)d%%.") % {"p": percent},
        )
    data: Data = {
        "project": project.code,
        "date": validators.date("date", date, not_future=True).isoformat(),
        "status": status,
        "percent_complete": percent,
        "note": validators.text("note", note, max_length=5000, multiline=True),
        "photos": _photos(photos, more=len(photo_files)),
    }
    stored = [file_store(data=f, field="photos") for f in photo_files]
    data["photos"] = [*data["photos"], *stored]
    with transaction.atomic():
        append_record(records.PROJECT_PROGRESSED.name, data, actor)
    return Project.objects.get(code=project.code)
