"""Writes of monitoring visits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, authorize
from laydown.accounts.models import Organisation
from laydown.assistance import permissions, records
from laydown.assistance.files import DOCUMENT_KINDS, file_store
from laydown.assistance.models import Visit
from laydown.assistance.services.common import (
    VISIT_PREFIX,
    Data,
    allocate_codes,
    append_record,
    known_place,
)
from laydown.assistance.vocab import VisitStatus
from laydown.core import validators

VISIT_MOVES = {
    VisitStatus.PROPOSED: {VisitStatus.AGREED, VisitStatus.POSTPONED},
    VisitStatus.AGREED: {VisitStatus.DONE, VisitStatus.POSTPONED},
    VisitStatus.POSTPONED: {VisitStatus.PROPOSED, VisitStatus.AGREED},
    VisitStatus.DONE: {VisitStatus.DONE},  # findings and the report may be completed later
}


def _itinerary(value: Sequence[Mapping[str, Any]], start: dt.date, end: dt.date) -> list[Data]:
    stops = []
    for i, stop in enumerate(value):
        day = validators.date(f"itinerary.{i}.date", stop.get("date"))
        if not start <= day <= end:
            raise validators.refuse(
                f"itinerary.{i}.date",
                _("outside the visit"),
                _("Stop %(n)d is on %(d)s, outside the visit's dates.")
                % {"n": i + 1, "d": day.isoformat()},
            )
        stops.append(
            {
                "place": known_place(f"itinerary.{i}.place", stop.get("place")).pcode,
                "date": day.isoformat(),
                "note": validators.text(
                    f"itinerary.{i}.note", stop.get("note"), max_length=500, multiline=True
                ),
            }
        )
    return stops


def _visit_dates(start: object, end: object) -> tuple[dt.date, dt.date]:
    first = validators.date("planned_start", start)
    last = validators.date("planned_end", end)
    if last < first:
        raise validators.refuse(
            "planned_end", _("before the start"), _("The visit ends before it starts.")
        )
    return first, last


def visit_propose(
    *,
    actor: Principal,
    organisation: Organisation,
    purpose: str,
    planned_start: object,
    planned_end: object,
    itinerary: Sequence[Mapping[str, Any]] = (),
) -> Visit:
    authorize(actor, permissions.VISIT_MANAGE.name, organisation_id=organisation.pk)
    start, end = _visit_dates(planned_start, planned_end)
    data = {
        "organisation": organisation.code,
        "purpose": validators.text(
            "purpose", purpose, max_length=500, required=True, multiline=True
        ),
        "planned_start": start.isoformat(),
        "planned_end": end.isoformat(),
        "itinerary": _itinerary(itinerary, start, end),
    }
    with transaction.atomic():
        code = allocate_codes(VISIT_PREFIX)[0]
        append_record(records.VISIT_PROPOSED.name, {"visit": code, **data}, actor)
    return Visit.objects.get(code=code)


def visit_update(
    *,
    actor: Principal,
    visit: Visit,
    status: str,
    planned_start: object = None,
    planned_end: object = None,
    findings: str | None = None,
    report_summary: str | None = None,
    report: bytes | None = None,
    note: str = "",
) -> Visit:
    """Agree, postpone (with new dates) or close a visit with its findings and report."""
    authorize(actor, permissions.VISIT_MANAGE.name, organisation_id=visit.organisation_id)
    status = validators.choice("status", status, VisitStatus.values)
    if status not in VISIT_MOVES[VisitStatus(visit.status)]:
        raise validators.refuse(
            "status",
            _("not allowed now"),
            _("A %(old)s visit cannot become %(new)s.") % {"old": visit.status, "new": status},
        )
    start, end = _visit_dates(
        planned_start or visit.planned_start, planned_end or visit.planned_end
    )
    if status == VisitStatus.DONE and start > validators.today():
        raise validators.refuse(
            "status", _("not yet"), _("A visit that has not started cannot be done.")
        )
    data = {
        "visit": visit.code,
        "status": status,
        "planned_start": start.isoformat(),
        "planned_end": end.isoformat(),
        "findings": validators.text(
            "findings",
            visit.findings if findings is None else findings,
            max_length=20000,
            multiline=True,
        ),
        "report_summary": validators.text(
            "report_summary",
            visit.report_summary if report_summary is None else report_summary,
            max_length=5000,
            multiline=True,
        ),
        "report_sha256": visit.report_sha256,
        "note": validators.text("note", note, max_length=2000, multiline=True),
    }
    if status != VisitStatus.DONE and (data["findings"] or data["report_sha256"] or report):
        raise validators.refuse(
            "findings", _("not done"), _("Findings and a report come after the visit.")
        )
    if report:
        data["report_sha256"] = file_store(data=report, field="report", kinds=DOCUMENT_KINDS)
    with transaction.atomic():
        append_record(records.VISIT_UPDATED.name, data, actor)
    return Visit.objects.get(code=visit.code)
