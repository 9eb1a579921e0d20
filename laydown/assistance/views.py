"""Assistance pages: each parses input, calls one service or selector, renders.

Records of another organisation look absent to partner staff: selectors return None and the
page answers 404, exactly as for a code that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page as CountedPage
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from laydown.access.web import principal_of, requires
from laydown.accounts.models import Organisation
from laydown.assistance import exports, import_job, imports, selectors, services
from laydown.assistance.forms import (
    CommitmentFollowUpForm,
    CommitmentForm,
    ComplaintFollowUpForm,
    ComplaintForm,
    CorrectionForm,
    DistributionForm,
    HouseholdForm,
    ImportForm,
    MeetingForm,
    MonitoringNoteForm,
    PartnerForm,
    ProgressForm,
    ProjectEditForm,
    ProjectForm,
    PurposeForm,
    ReceiptForm,
    RecipientsForm,
    VisitForm,
    VisitUpdateForm,
    show_service_error,
)
from laydown.assistance.vocab import Commodity, ComplaintStatus, PlaceLevel, Sector
from laydown.core import listing, paging, validators
from laydown.core.delivery import delivered
from laydown.core.errors import ValidationError
from laydown.core.imports.uploads import upload_content
from laydown.jobs import services as jobs
from laydown.jobs.models import ImportJob, JobState
from laydown.jobs.runner import job_refusal
from laydown.jobs.selectors import job_of
from laydown.jobs.web import job_page, progress_answer, skipped_note

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: HttpRequest, rows: Any) -> CountedPage[Any]:
    return paging.page_of(request, rows, PAGE_SIZE)


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _table(
    request: HttpRequest, template: str, rows: Any, spec: ListSpec, **context: Any
) -> HttpResponse:
    """A list page: its rows sorted, counted, paged or exported (laydown.core.listing)."""
    return listing.table(
        request,
        template,
        rows,
        name=spec.name,
        sorts=spec.sorts,
        default=spec.default,
        columns=spec.columns,
        row=spec.row,
        context=context,
        per_page=PAGE_SIZE,
    )


@dataclass(frozen=True)
class ListSpec:
    name: str
    sorts: dict[str, str]
    default: str
    columns: tuple[str, ...]
    row: Callable[[Any], list[Any]]


DISTRIBUTIONS = ListSpec(
    "distributions",
    {
        "code": "code",
        "date": "date",
        "partner": "organisation__name",
        "place": "place__name",
        "sector": "sector",
        "reached": "reached_total",
    },
    "-date",
    (
        "code",
        "date",
        "partner",
        "place",
        "sector",
        "commodity",
        "item",
        "quantity_planned",
        "quantity_delivered",
        "unit",
        "reached_total",
    ),
    lambda d: [
        d.code,
        _iso(d.date),
        d.organisation.code,
        d.place_id,
        d.sector,
        d.commodity,
        d.item,
        d.quantity_planned,
        d.quantity_delivered,
        d.unit,
        d.reached_total,
    ],
)
HOUSEHOLDS = ListSpec(
    "households",
    {
        "code": "code",
        "partner": "organisation__name",
        "place": "place__name",
        "size": "size",
        "registered": "registered_at",
    },
    "-registered",
    ("code", "partner", "place", "size", "registered_at"),
    lambda h: [h.code, h.organisation.code, h.place_id, h.size, _iso(h.registered_at)],
)
PLACES = ListSpec(
    "places",
    {"pcode": "pcode", "name": "name", "level": "level"},
    "pcode",
    ("pcode", "name", "level", "parent", "lat_micro", "lon_micro"),
    lambda p: [p.pcode, p.name, p.level, p.parent_id or "", p.lat_micro, p.lon_micro],
)
PARTNERS = ListSpec(
    "partners",
    {"name": "name"},
    "name",
    ("code", "name"),
    lambda o: [o.code, o.name],
)
PROJECTS = ListSpec(
    "projects",
    {
        "code": "code",
        "name": "name",
        "sector": "sector",
        "partner": "organisation__name",
        "budget": "budget",
        "status": "status",
        "complete": "percent_complete",
    },
    "code",
    ("code", "name", "sector", "partner", "place", "budget", "currency", "status", "complete"),
    lambda p: [
        p.code,
        p.name,
        p.sector,
        p.organisation.code,
        p.place_id,
        p.budget,
        p.currency,
        p.status,
        p.percent_complete,
    ],
)
MEETINGS = ListSpec(
    "meetings",
    {"date": "date", "title": "title", "place": "place__name"},
    "-date",
    ("code", "date", "title", "place", "commitments"),
    lambda m: [m.code, _iso(m.date), m.title, m.place_id, m.commitment_count],
)
VISITS = ListSpec(
    "visits",
    {
        "code": "code",
        "organisation": "organisation__name",
        "planned": "planned_start",
        "status": "status",
    },
    "-planned",
    ("code", "organisation", "purpose", "planned_start", "planned_end", "status"),
    lambda v: [
        v.code,
        v.organisation.code,
        v.purpose,
        _iso(v.planned_start),
        _iso(v.planned_end),
        v.status,
    ],
)
COMMITMENTS = ListSpec(
    "commitments",
    {"code": "code", "owner": "owner", "due": "due", "status": "status", "meeting": "meeting_id"},
    "due",
    ("code", "text", "owner", "owner_side", "due", "status", "meeting"),
    lambda c: [c.code, c.text, c.owner, c.owner_side, _iso(c.due), c.status, c.meeting_id],
)
COMPLAINTS = ListSpec(
    "complaints",
    {
        "code": "code",
        "partner": "organisation__name",
        "place": "place__name",
        "status": "status",
        "opened": "opened_at",
    },
    "-opened",
    ("code", "partner", "place", "channel", "status", "opened_at"),
    lambda c: [c.code, c.organisation.code, c.place_id, c.channel, c.status, _iso(c.opened_at)],
)


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _found(row: Any) -> Any:
    if row is None:
        raise Http404(_("No such record, or not one of your organisation's."))
    return row


def _organisation(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


Done = tuple[str, str]  # the success message and the URL to go to


def _submit(
    request: HttpRequest,
    form: Any,
    act: Callable[[Any], Done],
    template: str = "assistance/form.html",
    **context: Any,
) -> HttpResponse:
    """Validate `form`; if it is valid, `act` calls one service. A refusal is shown next to
    the field it names and the page answers 400; nothing is written."""
    if form.is_valid():
        try:
            message, url = act(form)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, message)
            return redirect(url)
    status = 400 if form.errors else 200
    return render(request, template, {"form": form, **context}, status=status)


def _detail(kind: str, code: str) -> str:
    return reverse(f"assistance:{kind}_detail", args=[code])


def _heading(title: str, row: Any = None, *, multipart: bool = False) -> dict[str, Any]:
    """The context of the shared form page: its title and the record it acts on."""
    return {"title": title, "row": row, "multipart": multipart}


def _choices(request: HttpRequest) -> dict[str, list[tuple[str, str]]]:
    principal = principal_of(request)
    return {
        "partner": selectors.partner_choices(principal),
        "organisation": selectors.organisation_choices(principal),
        "place": selectors.place_choices(),
    }


@requires("assistance.read")
def index(request: HttpRequest) -> HttpResponse:
    summary = selectors.assistance_summary(principal_of(request))
    return render(request, "assistance/index.html", {"summary": summary})


# ---- distributions -------------------------------------------------------------------------


@requires("assistance.read")
def distribution_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    filters = selectors.DistributionFilters.from_query(request.GET)
    return _table(
        request,
        "assistance/distribution_list.html",
        selectors.distribution_list(principal, filters),
        DISTRIBUTIONS,
        filters=filters,
        partners=selectors.partner_choices(principal),
        sectors=Sector.choices,
        commodities=Commodity.choices,
        places=selectors.place_choices(),
    )


def _distribution_form(request: HttpRequest, form_class: type = DistributionForm, **kw: Any) -> Any:
    principal = principal_of(request)
    return form_class(
        _posted(request),
        partners=selectors.partner_choices(principal),
        places=selectors.place_choices(),
        **kw,
    )


@requires("assistance.distribution_record")
def distribution_new(request: HttpRequest) -> HttpResponse:
    form = _distribution_form(request)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        organisation = _organisation(fields.pop("partner"))
        try:
            row = services.distribution_record(
                actor=principal_of(request), organisation=organisation, **fields
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Distribution %(code)s recorded.") % {"code": row.code})
            return redirect("assistance:distribution_detail", code=row.code)
    status = 400 if form.errors else 200
    return render(request, "assistance/distribution_form.html", {"form": form}, status=status)


@requires("assistance.read")
def distribution_detail(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.distribution_get(principal_of(request), code))
    context = {
        "distribution": row,
        "recipients": row.recipients.all(),
        "notes": row.notes.all(),
        "complaints": row.complaints.all(),
        "waiting": selectors.recipients_waiting(row),
    }
    return render(request, "assistance/distribution_detail.html", context)


@requires("assistance.distribution_record")
def distribution_correct(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.distribution_get(principal_of(request), code))
    fields = set(CorrectionForm.base_fields) - {"partner", "place", "reason"}  # not corrected
    initial = {name: getattr(row, name) for name in fields}
    initial.update(place=row.place_id, reason="")
    form = _distribution_form(request, CorrectionForm, initial=initial)
    if form.is_valid():
        try:
            services.distribution_correct(
                actor=principal_of(request), distribution=row, **form.cleaned_data
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Distribution %(code)s corrected.") % {"code": code})
            return redirect("assistance:distribution_detail", code=code)
    context = {"form": form, "distribution": row}
    status = 400 if form.errors else 200
    return render(request, "assistance/distribution_form.html", context, status=status)


@requires("assistance.distribution_record")
def distribution_receipt(request: HttpRequest, code: str) -> HttpResponse:
    principal = principal_of(request)
    row = _found(selectors.distribution_get(principal, code))
    form = ReceiptForm(
        _posted(request), request.FILES or None, households=selectors.recipients_waiting(row)
    )

    def act(f: Any) -> Done:
        fields = f.service_fields()
        services.receipt_record(actor=principal, distribution=row, **fields)
        message = _("Receipt of household %(h)s recorded.") % {"h": fields["household"]}
        return message, _detail("distribution", code)

    context = _heading(_("Record a receipt"), row, multipart=True)
    return _submit(request, form, act, **context)


# ---- households ----------------------------------------------------------------------------


@requires("assistance.read")
def household_list(request: HttpRequest) -> HttpResponse:
    place = request.GET.get("place", "").strip().upper()
    rows = selectors.household_list(principal_of(request), place=place)
    return _table(
        request,
        "assistance/household_list.html",
        rows,
        HOUSEHOLDS,
        place=place,
        places=selectors.place_choices(),
    )


@requires("assistance.household_register")
def household_new(request: HttpRequest) -> HttpResponse:
    form = _distribution_form(request, HouseholdForm)
    if form.is_valid():
        fields = dict(form.cleaned_data)
        try:
            members = imports.parse_members(";".join(fields.pop("members").splitlines()))
            row = services.household_register(
                actor=principal_of(request),
                organisation=_organisation(fields.pop("partner")),
                members=members,
                **fields,
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Household %(code)s registered.") % {"code": row.code})
            return redirect("assistance:household_detail", code=row.code)
    status = 400 if form.errors else 200
    return render(request, "assistance/household_form.html", {"form": form}, status=status)


@requires("assistance.read")
def household_detail(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.household_get(principal_of(request), code))
    context = {"household": row, "members": row.members.all(), "purpose_form": PurposeForm()}
    return render(request, "assistance/household_detail.html", context)


@requires("assistance.household_personal_data")
def household_personal_data(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.household_get(principal_of(request), code))
    form = PurposeForm(_posted(request))

    def page() -> HttpResponse:
        personal = None
        if form.is_valid():
            personal = services.household_personal_data(
                actor=principal_of(request), household=row, purpose=form.cleaned_data["purpose"]
            )
        context = {"household": row, "purpose_form": form, "personal": personal}
        status = 400 if form.errors else 200
        return render(request, "assistance/household_personal.html", context, status=status)

    try:
        return delivered(page)  # the vault read is recorded only if the page is delivered
    except ValidationError as exc:
        show_service_error(form, exc)
    context = {"household": row, "purpose_form": form, "personal": None}
    return render(request, "assistance/household_personal.html", context, status=400)


# ---- import and export ---------------------------------------------------------------------


@requires("assistance.import")
def import_file(request: HttpRequest) -> HttpResponse:
    """Take the file and queue it as a job (a households file sealed: it holds names and
    phones); show its outcome at once if it is already over, else follow it on its page."""
    form = ImportForm(_posted(request), request.FILES or None)
    if form.is_valid():
        try:
            job = _import_submit(request, form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            return _import_outcome(request, job, form)
    return _import_page(request, form, [], status=400 if form.errors else 200)


def _import_submit(request: HttpRequest, data: dict[str, Any]) -> ImportJob:
    upload, params = data["file"], {}
    content = upload_content(upload, imports.layout_of(data["kind"]))
    if data["kind"] == "households":
        if not data["retain_until"]:
            raise ValidationError(
                _("Households: give the date until which their personal data is kept."),
                fields={"retain_until": _("required")},
            )
        params = import_job.household_params(
            legal_basis=data["legal_basis"],
            purpose=data["purpose"],
            retain_until=data["retain_until"],
        )
    return jobs.import_submit(
        actor=principal_of(request),
        kind=import_job.KIND_OF[data["kind"]],
        name=upload.name,
        content=content,
        params=params,
    )


def _import_page(
    request: HttpRequest, form: ImportForm, problems: list[imports.Problem], status: int
) -> HttpResponse:
    context = {"form": form, "result": {"problems": problems}}
    return render(request, "assistance/import.html", context, status=status)


def _import_outcome(
    request: HttpRequest, job: ImportJob, form: ImportForm | None = None
) -> HttpResponse:
    if job.state == JobState.DONE:
        count = job.result.get("count", 0)
        messages.success(request, _("%(n)d rows imported.") % {"n": count})
        skipped_note(request, job)
        return redirect("assistance:import")
    if job.state == JobState.REFUSED:
        refusal = job_refusal(job)
        form = form or ImportForm()
        if form.is_bound:
            form.add_error(None, refusal.message)
        else:
            messages.error(request, refusal.message)
        return _import_page(request, form, refusal.problems, status=400)
    return redirect("assistance:import_job", job=str(job.id))


def _import_job_of(request: HttpRequest, job: str) -> ImportJob | None:
    actor = principal_of(request)
    for kind in import_job.KIND_OF.values():
        found = job_of(actor, job, kind)
        if found is not None:
            return found
    return None


@requires("assistance.import")
def import_job_page(request: HttpRequest, job: str) -> HttpResponse:
    """A queued or running import, followed until it ends; then its outcome."""
    found = _import_job_of(request, job)
    return job_page(request, found, template="assistance/import_job.html", outcome=_import_outcome)


@requires("assistance.import")
def import_progress(request: HttpRequest, job: str) -> JsonResponse:
    """How far the import `job` is (see laydown.jobs.selectors.job_progress)."""
    return progress_answer(_import_job_of(request, job))


def _rows(request: HttpRequest) -> Any:
    filters = selectors.DistributionFilters.from_query(request.GET)
    return selectors.five_w_rows(principal_of(request), filters)


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires("assistance.export")
def export_csv(request: HttpRequest) -> HttpResponse:
    lines = exports.csv_lines(_rows(request))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return _attachment(response, "5w.csv")  # type: ignore[arg-type]


@requires("assistance.export")
def export_hxl(request: HttpRequest) -> HttpResponse:
    lines = exports.csv_lines(_rows(request), hxl=True)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return _attachment(response, "5w-hxl.csv")  # type: ignore[arg-type]


@requires("assistance.export")
def export_xlsx(request: HttpRequest) -> HttpResponse:
    response = StreamingHttpResponse(exports.xlsx_chunks(_rows(request)), content_type=XLSX)
    return _attachment(response, "5w.xlsx")  # type: ignore[arg-type]


# ---- places, partners, projects, dialogue, visits ------------------------------------------


@requires("assistance.read")
def place_list(request: HttpRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    rows = selectors.place_list(level=level if level in PlaceLevel.values else None)
    return _table(
        request,
        "assistance/place_list.html",
        rows,
        PLACES,
        levels=PlaceLevel.choices,
        level=level,
    )


@requires("assistance.read")
def partner_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.partner_list(principal_of(request))
    return _table(request, "assistance/partner_list.html", rows, PARTNERS)


@requires("assistance.read")
def project_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.project_list(
        principal_of(request),
        sector=request.GET.get("sector", ""),
        status=request.GET.get("status", ""),
    )
    return _table(request, "assistance/project_list.html", rows, PROJECTS)


@requires("assistance.read")
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.project_get(principal_of(request), code))
    context = {"project": row, "progress": row.progress.all()}
    return render(request, "assistance/project_detail.html", context)


@requires("assistance.read")
def meeting_list(request: HttpRequest) -> HttpResponse:
    rows, overdue = selectors.meeting_list(), selectors.commitments_overdue()
    return _table(request, "assistance/meeting_list.html", rows, MEETINGS, overdue=overdue)


@requires("assistance.read")
def meeting_detail(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.meeting_get(code))
    context = {"meeting": row, "today": validators.today()}
    return render(request, "assistance/meeting_detail.html", context)


@requires("assistance.read")
def visit_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.visit_list(status=request.GET.get("status", ""))
    return _table(request, "assistance/visit_list.html", rows, VISITS)


@requires("assistance.read")
def visit_detail(request: HttpRequest, code: str) -> HttpResponse:
    principal = principal_of(request)
    row = _found(selectors.visit_get(code))
    can_update = selectors.may(principal, "assistance.visit_manage", row.organisation_id)
    context = {"visit": row, "can_update": can_update}
    return render(request, "assistance/visit_detail.html", context)


# ---- infrastructure projects: create, change, progress -------------------------------------


@requires("assistance.project_manage")
def project_new(request: HttpRequest) -> HttpResponse:
    choices = {
        **_choices(request),
        "partner": selectors.project_owner_choices(principal_of(request)),
    }
    form = ProjectForm(_posted(request), choices=choices)

    def act(f: Any) -> Done:
        fields = dict(f.cleaned_data)
        organisation = _organisation(fields.pop("partner"))
        row = services.project_create(
            actor=principal_of(request), organisation=organisation, **fields
        )
        return _("Project %(code)s created.") % {"code": row.code}, _detail("project", row.code)

    return _submit(request, form, act, **_heading(_("New infrastructure project")))


@requires("assistance.project_manage")
def project_edit(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.project_get(principal_of(request), code))
    initial = {f: getattr(row, f) for f in ("name", "sector", "budget", "currency")}
    initial["place"] = row.place_id
    form = ProjectEditForm(_posted(request), initial=initial, choices=_choices(request))

    def act(f: Any) -> Done:
        services.project_update(actor=principal_of(request), project=row, **f.cleaned_data)
        return _("Project %(code)s changed.") % {"code": code}, _detail("project", code)

    return _submit(request, form, act, **_heading(_("Change the project"), row))


@requires("assistance.project_manage")
def project_progress(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.project_get(principal_of(request), code))
    initial = {"date": validators.today(), "status": row.status}
    initial["percent_complete"] = row.percent_complete
    form = ProgressForm(_posted(request), request.FILES or None, initial=initial)

    def act(f: Any) -> Done:
        services.project_progress(actor=principal_of(request), project=row, **f.service_fields())
        return _("Progress of %(code)s recorded.") % {"code": code}, _detail("project", code)

    context = _heading(_("Record progress"), row, multipart=True)
    return _submit(request, form, act, **context)


# ---- dialogue: meetings, commitments, follow-up --------------------------------------------


@requires("assistance.dialogue_manage")
def meeting_new(request: HttpRequest) -> HttpResponse:
    form = MeetingForm(_posted(request), choices=_choices(request))

    def act(f: Any) -> Done:
        fields = dict(f.cleaned_data)
        organisation = _organisation(fields.pop("organisation"))
        row = services.meeting_record(
            actor=principal_of(request), organisation=organisation, **fields
        )
        return _("Meeting %(code)s recorded.") % {"code": row.code}, _detail("meeting", row.code)

    return _submit(request, form, act, **_heading(_("Record a dialogue meeting")))


@requires("assistance.dialogue_manage")
def commitment_new(request: HttpRequest, code: str) -> HttpResponse:
    meeting = _found(selectors.meeting_get(code))
    form = CommitmentForm(_posted(request))

    def act(f: Any) -> Done:
        row = services.commitment_add(
            actor=principal_of(request), meeting=meeting, **f.cleaned_data
        )
        return _("Commitment %(c)s added.") % {"c": row.code}, _detail("meeting", code)

    return _submit(request, form, act, **_heading(_("Add a commitment"), meeting))


@requires("assistance.read")
def commitment_list(request: HttpRequest) -> HttpResponse:
    overdue = bool(request.GET.get("overdue"))
    status = request.GET.get("status", "")
    rows = selectors.commitment_list(status=status, overdue=overdue)
    return _table(request, "assistance/commitment_list.html", rows, COMMITMENTS, overdue=overdue)


@requires("assistance.dialogue_manage")
def commitment_follow_up(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.commitment_history(code))
    form = CommitmentFollowUpForm(_posted(request), initial={"status": row.status})

    def act(f: Any) -> Done:
        services.commitment_follow_up(actor=principal_of(request), commitment=row, **f.cleaned_data)
        message = _("Commitment %(c)s followed up.") % {"c": code}
        return message, _detail("meeting", row.meeting_id)

    context = _heading(_("Follow up a commitment"), row)
    context["history"] = row.updates.all()
    return _submit(request, form, act, **context)


# ---- monitoring visits: propose, then agree, postpone, close with findings -----------------


@requires("assistance.visit_manage")
def visit_new(request: HttpRequest) -> HttpResponse:
    form = VisitForm(_posted(request), choices=_choices(request))

    def act(f: Any) -> Done:
        fields = dict(f.cleaned_data)
        organisation = _organisation(fields.pop("organisation"))
        row = services.visit_propose(
            actor=principal_of(request), organisation=organisation, **fields
        )
        return _("Visit %(code)s proposed.") % {"code": row.code}, _detail("visit", row.code)

    return _submit(request, form, act, **_heading(_("Propose a monitoring visit")))


@requires("assistance.visit_manage")
def visit_update(request: HttpRequest, code: str) -> HttpResponse:
    principal = principal_of(request)
    row = _found(selectors.visit_get(code))
    if not selectors.may(principal, "assistance.visit_manage", row.organisation_id):
        raise PermissionDenied(_("Only the visiting organisation or a manager changes a visit."))
    form = VisitUpdateForm(_posted(request), request.FILES or None)

    def act(f: Any) -> Done:
        services.visit_update(actor=principal, visit=row, **f.service_fields())
        return _("Visit %(code)s updated.") % {"code": code}, _detail("visit", code)

    context = _heading(_("Update the visit"), row, multipart=True)
    return _submit(request, form, act, **context)


# ---- partners ------------------------------------------------------------------------------


@requires("assistance.partner_manage")
def partner_edit(request: HttpRequest, code: str) -> HttpResponse:
    organisation = _found(selectors.partner_get(principal_of(request), code))
    profile = selectors.profile_of(organisation)
    initial = {"partner_kind": profile.partner_kind, "sectors": profile.sectors} if profile else {}
    form = PartnerForm(
        _posted(request), initial={**initial, "contact": getattr(profile, "contact", "")}
    )

    def act(f: Any) -> Done:
        services.partner_profile_set(
            actor=principal_of(request), organisation=organisation, **f.cleaned_data
        )
        message = _("The profile of %(name)s is saved.") % {"name": organisation.name}
        return message, reverse("assistance:partners")

    return _submit(request, form, act, **_heading(_("Partner profile"), organisation))


# ---- recipient lists, monitoring notes, complaints -----------------------------------------


@requires("assistance.distribution_record")
def distribution_recipients(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.distribution_get(principal_of(request), code))
    form = RecipientsForm(_posted(request))

    def act(f: Any) -> Done:
        added = services.recipients_list(
            actor=principal_of(request), distribution=row, **f.cleaned_data
        )
        message = _("%(n)d households added to the recipient list.") % {"n": added}
        return message, _detail("distribution", code)

    return _submit(request, form, act, **_heading(_("Add to the recipient list"), row))


@requires("assistance.distribution_record")
def monitoring_note_new(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.distribution_get(principal_of(request), code))
    form = MonitoringNoteForm(_posted(request))

    def act(f: Any) -> Done:
        services.monitoring_note_add(
            actor=principal_of(request), distribution=row, **f.cleaned_data
        )
        return _("Monitoring note added."), _detail("distribution", code)

    return _submit(request, form, act, **_heading(_("Post-distribution monitoring note"), row))


@requires("assistance.read")
def complaint_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = selectors.complaint_list(principal_of(request), status=status)
    return _table(
        request,
        "assistance/complaint_list.html",
        rows,
        COMPLAINTS,
        status=status,
        statuses=ComplaintStatus.choices,
    )


@requires("assistance.distribution_record")
def complaint_new(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    about = selectors.distribution_get(principal, request.GET.get("distribution", ""))
    initial = {"distribution": about.code, "place": about.place_id} if about else {}
    form = ComplaintForm(_posted(request), initial=initial, choices=_choices(request))

    def act(f: Any) -> Done:
        fields = dict(f.cleaned_data)
        organisation = _organisation(fields.pop("partner"))
        distribution = _distribution_named(principal, fields.pop("distribution"))
        row = services.complaint_open(
            actor=principal, organisation=organisation, distribution=distribution, **fields
        )
        return _("Complaint %(c)s recorded.") % {"c": row.code}, _detail("complaint", row.code)

    return _submit(request, form, act, **_heading(_("Record a complaint")))


def _distribution_named(principal: Any, code: str) -> Any:
    if not code.strip():
        return None
    row = selectors.distribution_get(principal, code.strip().upper())
    if row is None:
        raise ValidationError(
            _("There is no distribution %(code)s among your organisation's.") % {"code": code},
            fields={"distribution": _("unknown distribution")},
        )
    return row


@requires("assistance.read")
def complaint_detail(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.complaint_detail(principal_of(request), code))
    return render(request, "assistance/complaint_detail.html", {"complaint": row})


@requires("assistance.distribution_record")
def complaint_follow_up(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.complaint_detail(principal_of(request), code))
    form = ComplaintFollowUpForm(_posted(request), initial={"status": row.status})

    def act(f: Any) -> Done:
        services.complaint_follow_up(actor=principal_of(request), complaint=row, **f.cleaned_data)
        return _("Complaint %(c)s followed up.") % {"c": code}, _detail("complaint", code)

    context = _heading(_("Follow up a complaint"), row)
    context["history"] = row.follow_ups.all()
    return _submit(request, form, act, **context)
