"""Tracing pages: markings and recovery of an item or lot, search, the vocabulary, requests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laydown.access.web import principal_of, requires
from laydown.arms import photos
from laydown.arms import selectors as arms
from laydown.arms.forms import ImportForm
from laydown.arms.models import AmmoLot, Item
from laydown.core import listing, validators
from laydown.core.errors import ValidationError
from laydown.core.forms import show_service_error
from laydown.core.imports import ImportRefused
from laydown.core.imports.uploads import upload_content
from laydown.jobs import services as jobs
from laydown.jobs.models import ImportJob
from laydown.jobs.selectors import job_of
from laydown.jobs.web import import_outcome, job_page, progress_answer, template_download
from laydown.tracing import export, forms, import_job, importer, permissions, selectors, services
from laydown.tracing.models import LotMarking, Marking
from laydown.tracing.vocab import TermKind


def _item(request: HttpRequest, tag: str) -> Item:
    item = arms.item_get(tag, principal=principal_of(request))
    if item is None:
        raise Http404(_("No item %(tag)s that you may see.") % {"tag": tag})
    return item


def _lot(request: HttpRequest, tag: str) -> AmmoLot:
    lot = arms.lot_get(tag, principal=principal_of(request))
    if lot is None:
        raise Http404(_("No lot %(tag)s that you may see.") % {"tag": tag})
    return lot


def _photo_of(row: forms.MarkingRow | forms.LotMarkingRow) -> str | None:
    upload = row.cleaned_data.get("photo")
    if upload:
        return photos.photo_store(data=upload.read())
    return row.cleaned_data.get("keep_photo") or None


def _initial(markings: list[Any], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{**{f: getattr(m, f) for f in fields}, "keep_photo": m.photo} for m in markings]


def _save_rows(formset: Any) -> list[dict[str, Any]] | None:
    """Rows of a valid formset with their photos stored; None (errors on the rows) otherwise."""
    if not formset.is_valid():
        return None
    out = []
    try:
        for row in formset.forms:
            if row.cleaned_data and not row.is_blank():
                out.append({**row.cleaned_data, "photo": _photo_of(row)})
    except ValidationError as error:
        formset.forms[len(out)].add_error("photo", error.message)
        return None
    return out


def _refused(formset: Any, error: ValidationError) -> None:
    """Show a service's refusal beside the row and field it names (markings[i].field)."""
    for name in error.fields:
        if name.startswith("markings[") and "]." in name:
            index, field = name[len("markings[") :].split("].", 1)
            if index.isdigit() and int(index) < len(formset.forms):
                row = formset.forms[int(index)]
                if field in row.fields:
                    row.add_error(field, error.message)
                    return
    formset._non_form_errors = formset.error_class([error.message])  # noqa: SLF001


def _check_record(request: HttpRequest, site: Any) -> None:
    if not selectors.allowed_at(principal_of(request), permissions.RECORD.name, site):
        raise PermissionDenied(_("Your roles do not allow recording markings at this site."))


def _markings_page(
    request: HttpRequest,
    thing: Item | AmmoLot,
    *,
    formset_class: Any,
    fields: tuple[str, ...],
    existing: list[Any],
    record: Callable[[list[dict[str, Any]]], object],
    page: str,
    title: str,
) -> HttpResponse:
    """The markings form of an item or a lot: the rows as recorded, then the service called
    once with all rows; a refusal is shown beside the row and field it names."""
    _check_record(request, thing.site)
    if request.method == "POST":
        formset = formset_class(request.POST, request.FILES, prefix="m")
        rows = _save_rows(formset)
        if rows is not None:
            try:
                record(rows)
            except ValidationError as error:
                _refused(formset, error)
            else:
                messages.success(request, _("Markings of %(tag)s recorded.") % {"tag": thing.tag})
                return redirect(page, tag=thing.tag)
        status = 400
    else:
        formset = formset_class(initial=_initial(existing, fields), prefix="m")
        status = 200
    context = {"thing": thing, "formset": formset, "title": title}
    return render(request, "tracing/markings.html", context, status=status)


@requires("tracing.record")
def item_markings(request: HttpRequest, tag: str) -> HttpResponse:
    item = _item(request, tag)
    return _markings_page(
        request,
        item,
        formset_class=forms.MarkingFormSet,
        fields=("kind", "location", "text", "state"),
        existing=selectors.markings_of(item.tag),
        record=lambda rows: services.markings_record(
            actor=principal_of(request), item=item, markings=rows
        ),
        page="arms:item",
        title=_("Markings of %(tag)s") % {"tag": item.tag},
    )


@requires("tracing.record")
def lot_markings(request: HttpRequest, tag: str) -> HttpResponse:
    lot = _lot(request, tag)
    return _markings_page(
        request,
        lot,
        formset_class=forms.LotMarkingFormSet,
        fields=("kind", "manufacturer_code", "year", "calibre", "lot_number", "text"),
        existing=selectors.lot_markings_of(lot.tag),
        record=lambda rows: services.lot_markings_record(
            actor=principal_of(request), lot=lot, markings=rows
        ),
        page="arms:lot",
        title=_("Headstamps and packaging of %(tag)s") % {"tag": lot.tag},
    )


@requires("tracing.record")
def recovery(request: HttpRequest, tag: str) -> HttpResponse:
    found = services.thing_at(tag)
    principal = principal_of(request)
    if found is None or not selectors.allowed_at(principal, permissions.READ.name, found[1]):
        raise Http404(_("No item, lot or materiel %(t)s that you may see.") % {"t": tag})
    tag, site = found
    _check_record(request, site)
    form = forms.RecoveryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.recovery_record(
                actor=principal,
                tag=tag,
                circumstance=data["circumstance"],
                lat_micro=form.micro("lat"),
                lon_micro=form.micro("lon"),
                place=data["place"],
                note=data["note"],
                formation=data["formation"] or None,
            )
        except ValidationError as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("Recovery of %(tag)s recorded.") % {"tag": tag})
            return redirect(_page_of(tag))
    status = 400 if request.method == "POST" else 200
    return render(request, "tracing/recovery.html", {"tag": tag, "form": form}, status=status)


def _page_of(tag: str) -> str:
    from django.urls import reverse

    if tag.startswith("LA-"):
        return reverse("arms:lot", args=[tag])
    if tag.startswith("LM-"):
        return reverse("arms:materiel", args=[tag])
    return reverse("arms:item", args=[tag])


@requires("tracing.read")
def search(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    form = forms.SearchForm(request.GET)
    items: list[Item] = []
    lots: list[AmmoLot] = []
    why: dict[str, list[Marking]] = {}
    text = ""
    if form.is_valid() and form.cleaned_data["q"].strip():
        text = form.cleaned_data["q"].strip()
        items = list(arms.item_search(principal=principal, serial=text, per_page=200).rows)
        lots = selectors.lot_search(principal, text)
        why = selectors.matching_markings([i.tag for i in items], text)
    context = {
        "form": form,
        "items": [(item, why.get(item.tag, [])) for item in items],
        "lots": lots,
        "text": text,
        "tampered": selectors.tampered(principal).count(),
    }
    return render(request, "tracing/search.html", context)


@requires("tracing.read")
def tampered(request: HttpRequest) -> HttpResponse:
    return listing.table(
        request,
        "tracing/tampered.html",
        selectors.tampered(principal_of(request)),
        name="tampered",
        sorts={"tag": "tag", "make": "make", "serial": "serial_normalised", "site": "site_id"},
        default="-tag",
        columns=("tag", "category", "make", "model", "serial", "site"),
        row=lambda i: [i.tag, i.category, i.make, i.model, i.serial, i.site_id],
    )


@requires("tracing.vocabulary_read")
def vocabulary(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    propose_form = forms.ProposeForm(request.POST or None)
    if request.method == "POST" and propose_form.is_valid():
        data = propose_form.cleaned_data
        try:
            services.term_propose(
                actor=principal, kind=data["kind"], value=data["value"], source=data["source"]
            )
        except ValidationError as error:
            show_service_error(propose_form, error)
        else:
            messages.success(
                request, _("%(v)s proposed; a programme manager decides.") % {"v": data["value"]}
            )
            return redirect("tracing:vocabulary")
    kind = request.GET.get("kind", "")
    context = {
        "entries": selectors.vocabulary(kind if kind in TermKind.values else ""),
        "proposed": [
            (t, forms.DecideForm(initial={"kind": t.kind, "value": t.value}))
            for t in selectors.proposed()
        ],
        "unlisted": selectors.unlisted(principal),
        "propose_form": propose_form,
        "kinds": TermKind.choices,
        "kind": kind,
    }
    return listing.table(
        request,
        "tracing/vocabulary.html",
        context.pop("entries"),
        name="vocabulary",
        sorts={"kind": "term__kind", "name": "term__value"},
        default="kind",
        columns=("kind", "name", "other_names", "source"),
        row=lambda e: [e.term.kind, e.term.value, " | ".join(e.aliases), e.term.source],
        context=context,
        status=400 if request.method == "POST" else 200,
    )


@requires("tracing.vocabulary_decide")
@require_POST
def vocabulary_decide(request: HttpRequest) -> HttpResponse:
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.term_decide(actor=principal_of(request), **data)
        except ValidationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Decision on %(v)s recorded.") % {"v": data["value"]})
    else:
        messages.error(request, _("The decision could not be read; choose one and try again."))
    return redirect("tracing:vocabulary")


@requires("tracing.vocabulary_decide")
@require_POST
def vocabulary_seed(request: HttpRequest) -> HttpResponse:
    added = services.vocabulary_seed(actor=principal_of(request))
    messages.success(request, _("%(n)d reference terms added.") % {"n": added})
    return redirect("tracing:vocabulary")


@requires("tracing.vocabulary_read")
def vocabulary_json(request: HttpRequest) -> JsonResponse:
    site = validators.text("site", request.GET.get("site", ""), max_length=40)
    return JsonResponse(selectors.suggestions(principal_of(request), site))


@requires("tracing.request_export")
def request_new(request: HttpRequest) -> HttpResponse:
    form = forms.RequestForm(request.POST or None, initial={"tags": request.GET.get("tags", "")})
    if request.method == "POST" and form.is_valid():
        try:
            made = services.request_record(
                actor=principal_of(request),
                tags=form.tag_list(),
                recipient=form.cleaned_data["recipient"],
                purpose=form.cleaned_data["purpose"],
            )
        except ValidationError as error:
            show_service_error(form, error)
        else:
            response = HttpResponse(export.build(made), content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="{made.code}.zip"'
            return response
    return listing.table(
        request,
        "tracing/request_new.html",
        selectors.requests_query(),
        name="tracing-requests",
        sorts={"code": "code", "when": "at", "recipient": "recipient", "by": "actor"},
        default="-when",
        columns=("code", "at", "recipient", "purpose", "tags", "actor"),
        row=lambda r: [r.code, r.at.isoformat(), r.recipient, r.purpose, " ".join(r.tags), r.actor],
        context={"form": form},
        status=400 if request.method == "POST" else 200,
    )


@requires("tracing.read")
def photo(request: HttpRequest, sha: str) -> FileResponse:
    """A marking's photo, to whoever may see one of the items or lots it shows."""
    principal = principal_of(request)
    if not validators.SHA256.match(sha):
        raise Http404(_("No photo that you may see."))
    tags = set(Marking.objects.filter(photo=sha).values_list("tag", flat=True)) | set(
        LotMarking.objects.filter(photo=sha).values_list("tag", flat=True)
    )
    visible = any(
        (thing := services.thing_at(tag)) is not None
        and selectors.allowed_at(principal, permissions.READ.name, thing[1])
        for tag in tags
    )
    path = photos.photo_path(sha)
    if not visible or not path.exists():
        raise Http404(_("No photo that you may see."))
    data = path.read_bytes()
    kind = validators.file_kind(data)
    response = FileResponse(iter([data]), content_type=f"image/{kind}")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---- the markings import -------------------------------------------------------------------


def _import_outcome(
    request: HttpRequest, job: ImportJob, form: ImportForm | None = None
) -> HttpResponse:
    return import_outcome(
        request,
        job,
        form,
        form_class=ImportForm,
        template="tracing/import.html",
        columns=importer.COLUMNS,
        success=lambda result: (
            _("Markings of %(n)d items and lots imported (%(m)d markings).")
            % {"n": result.get("count", 0), "m": result.get("markings", 0)}
        ),
        done_url="tracing:search",
        job_view="tracing:import_job",
    )


@requires("tracing.record")
def import_markings(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.import_submit(
                actor=principal_of(request),
                kind=import_job.KIND,
                name=upload.name,
                content=upload_content(upload, importer.LAYOUT),
                job_id=form.cleaned_data["job"],
            )
        except ImportRefused as exc:
            form.add_error("file", exc.message)
        else:
            return _import_outcome(request, job, form)
    if not form.is_bound:
        form = ImportForm(initial={"job": uuid.uuid4().hex})
    context = {"form": form, "problems": [], "columns": importer.COLUMNS}
    return render(request, "tracing/import.html", context, status=400 if form.is_bound else 200)


@requires("tracing.record")
def import_job_page(request: HttpRequest, job: str) -> HttpResponse:
    found = job_of(principal_of(request), job, import_job.KIND)
    return job_page(request, found, template="tracing/import_job.html", outcome=_import_outcome)


@requires("tracing.record")
def import_progress(request: HttpRequest, job: str) -> JsonResponse:
    return progress_answer(job_of(principal_of(request), job, import_job.KIND))


@requires("tracing.record")
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    return template_download(fmt, name="laydown-markings", write=importer.markings_template)
