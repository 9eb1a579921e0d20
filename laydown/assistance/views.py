"""Assistance pages: each parses input, calls one service or selector, renders.

Records of another organisation look absent to partner staff: selectors return None and the
page answers 404, exactly as for a code that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laydown.accounts.access import principal_of, requires
from laydown.accounts.forms import show_service_error
from laydown.accounts.models import Organisation
from laydown.assistance import checks, exports, imports, selectors, services
from laydown.assistance.forms import (
    CorrectionForm,
    DistributionForm,
    HouseholdForm,
    ImportForm,
    PurposeForm,
    ReceiptForm,
)
from laydown.assistance.vocab import Commodity, PlaceLevel, Sector
from laydown.core.errors import ValidationError

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request: HttpRequest, rows: Any) -> Page[Any]:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _posted(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _found(row: Any) -> Any:
    if row is None:
        raise Http404(_("No such record, or not one of your organisation's."))
    return row


def _organisation(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


@requires("assistance.read")
def index(request: HttpRequest) -> HttpResponse:
    summary = selectors.assistance_summary(principal_of(request))
    return render(request, "assistance/index.html", {"summary": summary})


# ---- distributions -------------------------------------------------------------------------


@requires("assistance.read")
def distribution_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    filters = selectors.DistributionFilters.from_query(request.GET)
    context = {
        "page": _page(request, selectors.distribution_list(principal, filters)),
        "filters": filters,
        "query": urlencode(filters.as_query()),
        "partners": selectors.partner_choices(principal),
        "sectors": Sector.choices,
        "commodities": Commodity.choices,
        "places": selectors.place_choices(),
    }
    return render(request, "assistance/distribution_list.html", context)


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
        "receipt_form": ReceiptForm(),
    }
    return render(request, "assistance/distribution_detail.html", context)


@requires("assistance.distribution_record")
def distribution_correct(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.distribution_get(principal_of(request), code))
    initial = {name: getattr(row, name) for name in CorrectionForm.base_fields}
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
@require_POST
def distribution_receipt(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.distribution_get(principal_of(request), code))
    form = ReceiptForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(_("Give the household, the kind of receipt and the photo."))
        services.receipt_record(
            actor=principal_of(request),
            distribution=row,
            household=form.cleaned_data["household"],
            receipt_kind=form.cleaned_data["receipt_kind"],
            photo=form.cleaned_data["photo"].read(),
        )
    except ValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Receipt recorded."))
    return redirect("assistance:distribution_detail", code=code)


# ---- households ----------------------------------------------------------------------------


@requires("assistance.read")
def household_list(request: HttpRequest) -> HttpResponse:
    place = request.GET.get("place", "").strip().upper()
    rows = selectors.household_list(principal_of(request), place=place)
    context = {
        "page": _page(request, rows),
        "place": place,
        "query": urlencode({"place": place} if place else {}),
        "places": selectors.place_choices(),
    }
    return render(request, "assistance/household_list.html", context)


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
    personal = None
    if form.is_valid():
        try:
            personal = services.household_personal_data(
                actor=principal_of(request), household=row, purpose=form.cleaned_data["purpose"]
            )
        except ValidationError as exc:
            show_service_error(form, exc)
    context = {"household": row, "purpose_form": form, "personal": personal}
    status = 400 if form.errors else 200
    return render(request, "assistance/household_personal.html", context, status=status)


# ---- import and export ---------------------------------------------------------------------


@requires("assistance.import")
def import_file(request: HttpRequest) -> HttpResponse:
    form = ImportForm(_posted(request), request.FILES or None)
    result = None
    if form.is_valid():
        try:
            result = _run_import(request, form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            if result.ok:
                messages.success(request, _("%(n)d rows imported.") % {"n": len(result.created)})
                return redirect("assistance:import")
    status = 400 if form.errors or (result and not result.ok) else 200
    context = {"form": form, "result": result}
    return render(request, "assistance/import.html", context, status=status)


def _run_import(request: HttpRequest, data: dict[str, Any]) -> imports.ImportResult:
    upload = data["file"]
    common = {"actor": principal_of(request), "name": upload.name, "content": upload.read()}
    if data["kind"] == "places":
        return imports.places_import(**common)
    if data["kind"] == "distributions":
        return imports.distributions_import(**common)
    if not data["retain_until"]:
        raise ValidationError(
            _("Households: give the date until which their personal data is kept."),
            fields={"retain_until": _("required")},
        )
    return imports.households_import(
        **common,
        legal_basis=data["legal_basis"],
        purpose=data["purpose"],
        retain_until=data["retain_until"],
    )


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
    context = {
        "page": _page(request, rows),
        "levels": PlaceLevel.choices,
        "level": level,
        "query": urlencode({"level": level} if level else {}),
    }
    return render(request, "assistance/place_list.html", context)


@requires("assistance.read")
def partner_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.partner_list(principal_of(request))
    return render(request, "assistance/partner_list.html", {"partners": rows})


@requires("assistance.read")
def project_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.project_list(
        principal_of(request),
        sector=request.GET.get("sector", ""),
        status=request.GET.get("status", ""),
    )
    return render(request, "assistance/project_list.html", {"page": _page(request, rows)})


@requires("assistance.read")
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.project_get(principal_of(request), code))
    context = {"project": row, "progress": row.progress.all()}
    return render(request, "assistance/project_detail.html", context)


@requires("assistance.read")
def meeting_list(request: HttpRequest) -> HttpResponse:
    context = {
        "page": _page(request, selectors.meeting_list()),
        "overdue": selectors.commitments_overdue(),
    }
    return render(request, "assistance/meeting_list.html", context)


@requires("assistance.read")
def meeting_detail(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.meeting_get(code))
    context = {"meeting": row, "today": checks.today()}
    return render(request, "assistance/meeting_detail.html", context)


@requires("assistance.read")
def visit_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.visit_list(status=request.GET.get("status", ""))
    return render(request, "assistance/visit_list.html", {"page": _page(request, rows)})


@requires("assistance.read")
def visit_detail(request: HttpRequest, code: str) -> HttpResponse:
    row = _found(selectors.visit_get(code))
    return render(request, "assistance/visit_detail.html", {"visit": row})
