"""Registry pages: register at a collection point, receipts, items, sites, custody, import.

Each view parses its form, calls one service or selector and renders. `@requires` checks the
action anywhere; a page bound to a site checks that the user's grants cover that site before
showing a form (a clear 403), and the service authorises again with the site's scope. A
ValidationError is shown next to the field it names, with status 400.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from laydown.access.permissions import Principal, is_allowed
from laydown.access.roles import Scope
from laydown.access.web import principal_of, requires
from laydown.arms import (
    extensions,
    forms,
    import_job,
    importer,
    photos,
    register_import,
    selectors,
    services,
)
from laydown.arms.models import AmmoLot, Item, Shipment, Site
from laydown.arms.vocab import (
    IncidentKind,
    ItemStatus,
    ShipmentStatus,
    SiteKind,
    SiteStatus,
    StockCheckStatus,
)
from laydown.core import imports, listing
from laydown.core.errors import ValidationError
from laydown.core.forms import run_form, show_service_error
from laydown.core.imports.uploads import upload_content
from laydown.jobs import services as jobs
from laydown.jobs.models import ImportJob
from laydown.jobs.selectors import job_of
from laydown.jobs.web import import_outcome, job_page, progress_answer, template_download

WHAT = {
    "arms.item_register": gettext_lazy("register items"),
    "arms.custody": gettext_lazy("act as custodian"),
    "arms.shipment": gettext_lazy("dispatch or receive shipments"),
    "arms.stock_check": gettext_lazy("run stock checks"),
    "arms.dispose": gettext_lazy("record disposals"),
    "arms.correct": gettext_lazy("correct registrations"),
}


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _status(form: django_forms.Form) -> int:
    return 400 if form.errors else 200


def _attempt(form: django_forms.Form, call: Callable[[], Any]) -> Any:
    """Run a service for a valid form; on refusal, put the reason next to its field (None)."""
    _ok, result = run_form(form, call)
    return result


def _site_for(request: HttpRequest, code: str, action: str) -> Site:
    """The site of a page that acts there: 404 if unknown, 403 if the grants do not cover it."""
    site = selectors.site_get(code)
    if site is None:
        raise Http404(_("No site %(code)s.") % {"code": code})
    _scope_check(request, action, site)
    return site


def _scope_check(request: HttpRequest, action: str, site: Site) -> None:
    if not is_allowed(
        principal_of(request), action, scope=Scope(site=site.code, region=site.region)
    ):
        raise PermissionDenied(
            _("You may not %(what)s at %(site)s (%(code)s): your roles cover other sites.")
            % {"what": WHAT.get(action, action), "site": site.name, "code": site.code}
        )


def _item(request: HttpRequest, tag: str) -> Item:
    item = selectors.item_get(tag, principal=principal_of(request))
    if item is None:
        raise Http404(_("No item %(tag)s that you may see.") % {"tag": tag})
    return item


def _lot(request: HttpRequest, tag: str) -> AmmoLot:
    lot = selectors.lot_get(tag, principal=principal_of(request))
    if lot is None:
        raise Http404(_("No lot %(tag)s that you may see.") % {"tag": tag})
    return lot


def _visible_sites(principal: Principal) -> list[tuple[str, str]]:
    return [(s.code, f"{s.code} — {s.name}") for s in selectors.sites_list(principal=principal)]


def _can(request: HttpRequest, code: str, region: str) -> dict[str, bool]:
    """Which registry actions the user may do at one site: `can.custody` in templates."""
    principal, scope = principal_of(request), Scope(site=code, region=region)
    names = (
        "item_register",
        "custody",
        "shipment",
        "stock_check",
        "report_lost",
        "dispose",
        "correct",
    )
    return {n: is_allowed(principal, f"arms.{n}", scope=scope) for n in names}


def qr_svg(text: str) -> SafeString:
    svg = segno.make(text, error="m").svg_inline(scale=5, border=2, title=text)
    return mark_safe(svg)  # noqa: S308  (segno's SVG paths; segno escapes the title)


# ---- sites and containers ------------------------------------------------------------------


@requires("arms.read")
def sites(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    wanted = _filters(request, "kind", "region", "status")
    context = wanted | {
        "kinds": SiteKind.choices,
        "statuses": SiteStatus.choices,
        "regions": selectors.region_choices(principal=principal),
    }
    return listing.table(
        request,
        "arms/sites.html",
        selectors.sites_query(principal=principal, **wanted),
        name="sites",
        sorts={
            "code": "code",
            "name": "name",
            "kind": "kind",
            "region": "region",
            "status": "status",
        },
        default="code",
        columns=("code", "name", "kind", "region", "place", "latitude", "longitude", "status"),
        row=lambda x: [
            x.code,
            x.name,
            x.kind,
            x.region,
            x.place,
            x.lat_micro / 1e6 if x.lat_micro is not None else "",
            x.lon_micro / 1e6 if x.lon_micro is not None else "",
            x.status,
        ],
        context=context,
    )


@requires("arms.read")
def site_detail(request: HttpRequest, code: str) -> HttpResponse:
    contents = selectors.site_contents(code, principal=principal_of(request))
    if contents is None:
        raise Http404(_("No site %(code)s that you may see.") % {"code": code})
    context = {
        "contents": contents,
        "site": contents.site,
        "shipments": selectors.shipments_list(site=code),
        "checks": selectors.stock_checks_list(site=contents.site),
        "can": _can(request, contents.site.code, contents.site.region),
    }
    return render(request, "arms/site.html", context)


def _container_page(
    request: HttpRequest, code: str, status: int = 200, **bound: django_forms.Form
) -> HttpResponse:
    container = selectors.container_get(code, principal=principal_of(request))
    if container is None:
        raise Http404(_("No container %(code)s that you may see.") % {"code": code})
    contents = selectors.site_contents(container.site_id)
    here = next(c for c in contents.containers if c.container.code == code)  # type: ignore[union-attr]
    context = {
        "here": here,
        "container": container,
        "apply_form": bound.get("apply_form") or forms.SealApplyForm(),
        "break_form": bound.get("break_form") or forms.SealBreakForm(),
    }
    return render(request, "arms/container.html", context, status=status)


@requires("arms.read")
def container_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _container_page(request, code)


@requires("arms.custody")
@require_POST
def container_seal(request: HttpRequest, code: str) -> HttpResponse:
    container = selectors.container_get(code, principal=principal_of(request))
    if container is None:
        raise Http404(code)
    form = forms.SealApplyForm(request.POST)
    actor = principal_of(request)
    call = lambda: services.seal_apply(  # noqa: E731
        actor=actor, container=container, number=form.cleaned_data["number"]
    )
    if _attempt(form, call) is None:
        return _container_page(request, code, 400, apply_form=form)
    messages.success(request, _("Seal applied."))
    return redirect("arms:container", code=code)


@requires("arms.custody")
@require_POST
def container_seal_break(request: HttpRequest, code: str) -> HttpResponse:
    container = selectors.container_get(code, principal=principal_of(request))
    seal = selectors.container_seal(container)
    if seal is None:
        raise Http404(_("Container %(code)s carries no seal.") % {"code": code})
    form = forms.SealBreakForm(request.POST)
    actor = principal_of(request)
    call = lambda: services.seal_break(  # noqa: E731
        actor=actor, seal=seal, reason=form.cleaned_data["reason"]
    )
    if _attempt(form, call) is None:
        return _container_page(request, code, 400, break_form=form)
    messages.success(request, _("Seal %(seal)s broken.") % {"seal": seal.number})
    return redirect("arms:container", code=code)


# ---- registering at a collection point ------------------------------------------------------


@requires("arms.item_register")
def item_new(request: HttpRequest, code: str) -> HttpResponse:
    site = _site_for(request, code, "arms.item_register")
    form = forms.ItemForm(_posted(request), request.FILES or None)
    duplicate_of: list[str] = []
    if form.is_valid():
        try:
            item = _collect(request, site, form)
        except services.DuplicateSuspected as exc:
            duplicate_of = exc.tags
            form.duplicate_refused(exc, asked=request.POST.get("step") == "duplicate")
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Item %(tag)s registered.") % {"tag": item.tag})
            return redirect("arms:item_receipt", tag=item.tag)
    context = {"form": form, "site": site, "duplicate_of": duplicate_of}
    return render(request, "arms/item_new.html", context, status=_status(form))


def _collect(request: HttpRequest, site: Site, form: forms.ItemForm) -> Item:
    photo = form.photo_bytes()
    sha = photos.photo_store(data=photo) if photo else form.cleaned_data["photo_sha"]
    if sha:
        form.keep_photo(sha)
    return services.item_collect(
        actor=principal_of(request),
        site=site,
        photos=[sha] if sha else [],
        **form.service_fields(),
    )


@requires("arms.item_register")
def lot_new(request: HttpRequest, code: str) -> HttpResponse:
    site = _site_for(request, code, "arms.item_register")
    form = forms.LotForm(_posted(request))
    actor = principal_of(request)
    lot = _attempt(
        form, lambda: services.lot_collect(actor=actor, site=site, **form.service_fields())
    )
    if lot is not None:
        messages.success(request, _("Lot %(tag)s registered.") % {"tag": lot.tag})
        return redirect("arms:lot", tag=lot.tag)
    context = {"form": form, "site": site, "title": _("Register an ammunition lot")}
    return render(request, "arms/simple_form.html", context, status=_status(form))


@requires("arms.item_register")
def materiel_new(request: HttpRequest, code: str) -> HttpResponse:
    site = _site_for(request, code, "arms.item_register")
    form = forms.MaterielForm(_posted(request))
    actor = principal_of(request)
    row = _attempt(
        form, lambda: services.materiel_collect(actor=actor, site=site, **form.service_fields())
    )
    if row is not None:
        messages.success(request, _("Materiel %(tag)s registered.") % {"tag": row.tag})
        return redirect("arms:materiel", tag=row.tag)
    context = {"form": form, "site": site, "title": _("Register materiel")}
    return render(request, "arms/simple_form.html", context, status=_status(form))


# ---- items: list, page, receipt, custody ----------------------------------------------------


def _search_form(request: HttpRequest, form_class: Any) -> Any:
    principal = principal_of(request)
    return form_class(
        request.GET,
        sites=_visible_sites(principal),
        regions=selectors.region_choices(principal=principal),
    )


def _register_list(
    request: HttpRequest, form: django_forms.Form, spec: RegisterList, rows: Any
) -> HttpResponse:
    """A register list: the filter form, then (when it is valid) the rows sorted, counted,
    paged or exported; an invalid filter shows the form's errors and no rows."""
    if not form.is_valid():
        context = {"form": form, "page": None, "count": 0}
        return render(request, spec.template, context, status=400)
    return listing.table(
        request,
        spec.template,
        rows(principal=principal_of(request), **form.cleaned_data),
        name=spec.name,
        sorts=spec.sorts,
        default=spec.default,
        columns=spec.columns,
        row=spec.row,
        context={"form": form},
    )


@dataclass(frozen=True)
class RegisterList:
    name: str
    template: str
    sorts: dict[str, str]
    default: str
    columns: tuple[str, ...]
    row: Callable[[Any], list[Any]]


def _day(value: Any) -> str:
    return value.isoformat() if value else ""


ITEMS = RegisterList(
    "items",
    "arms/items.html",
    {
        "tag": "tag",
        "category": "category",
        "make": "make",
        "serial": "serial_normalised",
        "site": "site_id",
        "status": "status",
        "collected": "collected_at",
    },
    "-tag",
    (
        "tag",
        "category",
        "make",
        "model",
        "serial",
        "calibre",
        "site",
        "container",
        "status",
        "collected_site",
        "collected_at",
    ),
    lambda i: [
        i.tag,
        i.category,
        i.make,
        i.model,
        i.serial,
        i.calibre,
        i.site_id,
        i.container_id or "",
        i.status,
        i.collected_site_id,
        _day(i.collected_at),
    ],
)
LOTS = RegisterList(
    "lots",
    "arms/lots.html",
    {
        "tag": "tag",
        "type": "type",
        "calibre": "calibre",
        "quantity": "quantity",
        "site": "site_id",
        "status": "status",
        "collected": "collected_at",
    },
    "-tag",
    (
        "tag",
        "type",
        "calibre",
        "quantity",
        "unit",
        "site",
        "container",
        "status",
        "collected_site",
        "collected_at",
        # what the lots import needs beside (laydown.arms.register_import): the export imports
        "lot_number",
        "hazard_division",
        "compatibility_group",
        "condition",
    ),
    lambda x: [
        x.tag,
        x.type,
        x.calibre,
        x.quantity,
        x.unit,
        x.site_id,
        x.container_id or "",
        x.status,
        x.collected_site_id,
        _day(x.collected_at),
        x.lot_number,
        x.hazard_division,
        x.compatibility_group,
        x.condition,
    ],
)
MATERIEL = RegisterList(
    "materiel",
    "arms/materiel_list.html",
    {"tag": "tag", "type": "type", "site": "site_id", "collected": "collected_at"},
    "-tag",
    ("tag", "type", "description", "quantity", "site", "collected_at", "identifiers"),
    lambda m: [
        m.tag,
        m.type,
        m.description,
        m.quantity,
        m.site_id,
        _day(m.collected_at),
        "; ".join(m.identifiers),  # as the materiel import reads them
    ],
)


@requires("arms.read")
def item_list(request: HttpRequest) -> HttpResponse:
    form = _search_form(request, forms.SearchForm)
    if form.is_valid():
        form.cleaned_data["serial_partial"] = not form.cleaned_data.pop("serial_start")
    return _register_list(request, form, ITEMS, selectors.item_rows)


@requires("arms.read")
def lot_list(request: HttpRequest) -> HttpResponse:
    return _register_list(
        request, _search_form(request, forms.LotSearchForm), LOTS, selectors.lot_rows
    )


@requires("arms.read")
def materiel_list(request: HttpRequest) -> HttpResponse:
    form = _search_form(request, forms.MaterielSearchForm)
    return _register_list(request, form, MATERIEL, selectors.materiel_rows)


def _item_page(
    request: HttpRequest, item: Item, status: int = 200, **bound: django_forms.Form
) -> HttpResponse:
    containers = _containers(item)
    context = {
        "item": item,
        "photos_waiting": photos.photos_waiting(item.photos),
        "history": selectors.item_history(item.tag),
        "book_form": bound.get("book_form") or forms.BookForm(containers=containers),
        "remove_form": bound.get("remove_form") or forms.RemoveForm(),
        "return_form": bound.get("return_form") or forms.ReturnForm(containers=containers),
        "lost_form": bound.get("lost_form") or forms.LostForm(),
        "can": _can(request, item.site_id, item.site.region),
        "statuses": ItemStatus,
        "panels": extensions.panels(extensions.item_panels, request, item),
    }
    return render(request, "arms/item.html", context, status=status)


@requires("arms.read")
def item_detail(request: HttpRequest, tag: str) -> HttpResponse:
    return _item_page(request, _item(request, tag))


@requires("arms.read")
def item_receipt(request: HttpRequest, tag: str) -> HttpResponse:
    receipt = selectors.item_receipt(tag, principal=principal_of(request))
    if receipt is None:
        raise Http404(_("No item %(tag)s that you may see.") % {"tag": tag})
    link = selectors.item_receipt_link(receipt.tag, request.build_absolute_uri("/log"))
    site = Site.objects.only("region").get(pk=receipt.site_code)
    context = {
        "receipt": receipt,
        "can": _can(request, receipt.site_code, site.region),
        "qr": qr_svg(receipt.tag),
        "proof_qr": qr_svg(link) if link else "",
        "proof_link": link,
    }
    return render(request, "arms/receipt.html", context)


def _item_action(
    request: HttpRequest,
    tag: str,
    make_form: Callable[[Item], django_forms.Form],
    form_name: str,
    run: Callable[[Principal, Item, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """One custody form posted from the item page: run its service, or show the page again."""
    item = _item(request, tag)
    form = make_form(item)
    actor = principal_of(request)
    if _attempt(form, lambda: run(actor, item, form.cleaned_data)) is None:
        return _item_page(request, item, 400, **{form_name: form})
    messages.success(request, done)
    return redirect("arms:item", tag=tag)


def _containers(item: Item) -> list[str]:
    return [c.code for c in item.site.containers.all()]


def _container_named(item: Item, code: str) -> Any:
    return item.site.containers.get(code=code)


@requires("arms.custody")
@require_POST
def item_book(request: HttpRequest, tag: str) -> HttpResponse:
    return _item_action(
        request,
        tag,
        lambda item: forms.BookForm(request.POST, containers=_containers(item)),
        "book_form",
        lambda actor, item, d: services.item_book(
            actor=actor, item=item, container=_container_named(item, d["container"]), rack=d["rack"]
        ),
        _("Item booked into its container."),
    )


@requires("arms.custody")
@require_POST
def item_remove(request: HttpRequest, tag: str) -> HttpResponse:
    return _item_action(
        request,
        tag,
        lambda item: forms.RemoveForm(request.POST),
        "remove_form",
        lambda actor, item, d: services.item_remove(actor=actor, item=item, **d),
        _("Removal recorded."),
    )


@requires("arms.custody")
@require_POST
def item_return(request: HttpRequest, tag: str) -> HttpResponse:
    return _item_action(
        request,
        tag,
        lambda item: forms.ReturnForm(request.POST, containers=_containers(item)),
        "return_form",
        lambda actor, item, d: services.item_return(
            actor=actor,
            item=item,
            container=_container_named(item, d["container"]),
            rack=d["rack"],
            condition=d["condition"] or None,
        ),
        _("Return recorded."),
    )


@requires("arms.report_lost")
@require_POST
def item_lost(request: HttpRequest, tag: str) -> HttpResponse:
    return _item_action(
        request,
        tag,
        lambda item: forms.LostForm(request.POST),
        "lost_form",
        lambda actor, item, d: services.item_report_lost(actor=actor, item=item, **d),
        _("Reported; an incident is open."),
    )


# ---- lots and materiel ---------------------------------------------------------------------


def _lot_page(
    request: HttpRequest,
    lot: AmmoLot,
    status: int = 200,
    lost_form: django_forms.Form | None = None,
) -> HttpResponse:
    context = {
        "lot": lot,
        "photos_waiting": photos.photos_waiting(lot.photos),
        "history": selectors.lot_history(lot.tag),
        "lost_form": lost_form or forms.LostForm(),
        "can": _can(request, lot.site_id, lot.site.region),
        "panels": extensions.panels(extensions.lot_panels, request, lot),
    }
    return render(request, "arms/lot.html", context, status=status)


@requires("arms.read")
def lot_detail(request: HttpRequest, tag: str) -> HttpResponse:
    return _lot_page(request, _lot(request, tag))


@requires("arms.report_lost")
@require_POST
def lot_lost(request: HttpRequest, tag: str) -> HttpResponse:
    lot = _lot(request, tag)
    form = forms.LostForm(request.POST)
    actor = principal_of(request)
    if _attempt(form, lambda: services.item_report_lost(actor=actor, lot=lot, **form.cleaned_data)):
        messages.success(request, _("Reported; an incident is open."))
        return redirect("arms:lot", tag=tag)
    return _lot_page(request, lot, 400, form)


@requires("arms.read")
def materiel_detail(request: HttpRequest, tag: str) -> HttpResponse:
    row = selectors.materiel_get(tag, principal=principal_of(request))
    if row is None:
        raise Http404(_("No materiel %(tag)s that you may see.") % {"tag": tag})
    context = {
        "materiel": row,
        "photos_waiting": photos.photos_waiting(row.photos),
        "history": selectors.materiel_history(tag),
        "can": _can(request, row.site_id, row.site.region),
    }
    return render(request, "arms/materiel.html", context)


# ---- corrections ---------------------------------------------------------------------------


def _correct_page(
    request: HttpRequest,
    *,
    site: Site,
    form: Any,
    run: Callable[[dict[str, Any]], object],
    tag: str,
    back: str,
) -> HttpResponse:
    """A correction form for one registered thing: run its service, or show the form again."""
    _scope_check(request, "arms.correct", site)
    duplicate_of: list[str] = []
    if form.is_valid():
        try:
            run(form.service_fields())
        except services.DuplicateSuspected as exc:
            duplicate_of = exc.tags
            form.duplicate_refused(exc, asked=request.POST.get("step") == "duplicate")
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("%(tag)s corrected.") % {"tag": tag})
            return redirect(back, tag=tag)
    context = {"form": form, "tag": tag, "back": back, "duplicate_of": duplicate_of}
    return render(request, "arms/correct.html", context, status=_status(form))


@requires("arms.correct")
def item_correct(request: HttpRequest, tag: str) -> HttpResponse:
    item = _item(request, tag)
    initial = {f: getattr(item, f) for f in services.ITEM_FIELDS}
    form = forms.ItemCorrectForm(_posted(request), initial=initial)
    actor = principal_of(request)
    return _correct_page(
        request,
        site=item.site,
        form=form,
        run=lambda d: services.item_correct(actor=actor, item=item, **d),
        tag=tag,
        back="arms:item",
    )


@requires("arms.correct")
def lot_correct(request: HttpRequest, tag: str) -> HttpResponse:
    lot = _lot(request, tag)
    initial = {f: getattr(lot, f) for f in services.LOT_FIELDS}
    form = forms.LotCorrectForm(_posted(request), initial=initial)
    actor = principal_of(request)
    return _correct_page(
        request,
        site=lot.site,
        form=form,
        run=lambda d: services.lot_correct(actor=actor, lot=lot, **d),
        tag=tag,
        back="arms:lot",
    )


@requires("arms.correct")
def materiel_correct(request: HttpRequest, tag: str) -> HttpResponse:
    row = selectors.materiel_get(tag, principal=principal_of(request))
    if row is None:
        raise Http404(_("No materiel %(tag)s that you may see.") % {"tag": tag})
    initial = {f: getattr(row, f) for f in services.MATERIEL_FIELDS}
    initial["identifiers"] = "\n".join(row.identifiers)
    form = forms.MaterielCorrectForm(_posted(request), initial=initial)
    actor = principal_of(request)
    return _correct_page(
        request,
        site=row.site,
        form=form,
        run=lambda d: services.materiel_correct(actor=actor, materiel=row, **d),
        tag=tag,
        back="arms:materiel",
    )


# ---- shipments -----------------------------------------------------------------------------


@requires("arms.shipment")
def shipment_new(request: HttpRequest, code: str) -> HttpResponse:
    site = _site_for(request, code, "arms.shipment")
    others = [(s.code, f"{s.code} — {s.name}") for s in selectors.sites_list() if s.code != code]
    form = forms.DispatchForm(_posted(request), sites=others)
    actor = principal_of(request)
    shipment = _attempt(
        form,
        lambda: services.shipment_dispatch(
            actor=actor,
            from_site=site,
            to_site=_destination(form.cleaned_data["to_site"]),
            crates=form.cleaned_data["crates"],
        ),
    )
    if shipment is not None:
        messages.success(request, _("Shipment %(code)s dispatched.") % {"code": shipment.code})
        return redirect("arms:shipment", code=shipment.code)
    items, lots = selectors.movable_at(site)
    context = {"form": form, "site": site, "items": items, "lots": lots}
    return render(request, "arms/shipment_new.html", context, status=_status(form))


SHIPMENT_SORTS = {
    "code": "code",
    "from": "from_site_id",
    "to": "to_site_id",
    "status": "status",
    "dispatched": "dispatched_at",
}


@requires("arms.read")
def shipment_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    status = request.GET.get("status", "")
    site = request.GET.get("site", "")
    region = request.GET.get("region", "")
    open_only = request.GET.get("discrepancies", "") == "open"
    rows = selectors.shipments_query(
        principal=principal, site=site, status=status, region=region, discrepancies=open_only
    )
    context = {
        "status": status,
        "site": site,
        "region": region,
        "discrepancies": open_only,
        "statuses": ShipmentStatus.choices,
        "sites": _visible_sites(principal),
        "regions": selectors.region_choices(principal=principal),
    }
    return listing.table(
        request,
        "arms/shipment_list.html",
        rows,
        name="shipments",
        sorts=SHIPMENT_SORTS,
        default="-dispatched",
        columns=SHIPMENT_COLUMNS,
        row=_shipment_row,
        context=context,
    )


SHIPMENT_COLUMNS = (
    "code",
    "from_site",
    "to_site",
    "status",
    "dispatched_at",
    "received_at",
    "discrepancies",
)


def _shipment_row(row: Shipment) -> list[Any]:
    received = row.received_at.isoformat() if row.received_at else ""
    return [
        row.code,
        row.from_site_id,
        row.to_site_id,
        row.status,
        row.dispatched_at.isoformat(),
        received,
        len(row.discrepancies),
    ]


def _filters(request: HttpRequest, *names: str) -> dict[str, str]:
    return {name: request.GET.get(name, "") for name in names}


@requires("arms.read")
def stock_check_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    wanted = _filters(request, "site", "region", "status", "discrepancies")
    rows = selectors.stock_checks_query(
        principal=principal,
        site=wanted["site"],
        region=wanted["region"],
        status=wanted["status"],
        discrepancies=wanted["discrepancies"] == "open",
    )
    context = wanted | {
        "statuses": StockCheckStatus.choices,
        "sites": _visible_sites(principal),
        "regions": selectors.region_choices(principal=principal),
    }
    return listing.table(
        request,
        "arms/stock_check_list.html",
        rows,
        name="stock-checks",
        sorts={"code": "code", "site": "site_id", "status": "status", "planned": "planned_at"},
        default="-planned",
        columns=("code", "site", "kind", "status", "planned_at", "counted_at", "discrepancies"),
        row=lambda c: [
            c.code,
            c.site_id,
            c.kind,
            c.status,
            _day(c.planned_at),
            _day(c.counted_at),
            len(c.discrepancies),
        ],
        context=context,
    )


@requires("arms.read")
def incident_list(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    wanted = _filters(request, "site", "region", "kind", "open")
    rows = selectors.incidents_query(
        principal=principal,
        site=wanted["site"],
        region=wanted["region"],
        kind=wanted["kind"],
        open_only=wanted["open"] == "1",
    )
    context = wanted | {
        "kinds": IncidentKind.choices,
        "sites": _visible_sites(principal),
        "regions": selectors.region_choices(principal=principal),
    }
    return listing.table(
        request,
        "arms/incident_list.html",
        rows,
        name="incidents",
        sorts={"code": "code", "kind": "kind", "site": "site_id", "reported": "reported_at"},
        default="-reported",
        columns=("code", "kind", "item", "lot", "site", "reported_at", "open"),
        row=lambda i: [
            i.code,
            i.kind,
            i.item_id or "",
            i.lot_id or "",
            i.site_id,
            _day(i.reported_at),
            "yes" if i.is_open else "no",
        ],
        context=context,
    )


def _destination(code: str) -> Site:
    site = selectors.site_get(code)
    if site is None:
        raise ValidationError(
            _("No site %(code)s.") % {"code": code}, fields={"to_site": "unknown"}
        )
    return site


def _shipment_page(
    request: HttpRequest, code: str, form: forms.ReceiveForm | None = None
) -> HttpResponse:
    shipment = selectors.shipment_get(code, principal=principal_of(request))
    if shipment is None:
        raise Http404(_("No shipment %(code)s that you may see.") % {"code": code})
    lines = selectors.shipment_lines(shipment)
    context = {
        "shipment": shipment,
        "lines": lines,
        "form": form or forms.ReceiveForm(lines=lines),
        "can": _can(request, shipment.to_site_id, shipment.to_site.region),
    }
    status = 400 if form is not None else 200
    return render(request, "arms/shipment.html", context, status=status)


@requires("arms.read")
def shipment_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _shipment_page(request, code)


@requires("arms.shipment")
@require_POST
def shipment_receive(request: HttpRequest, code: str) -> HttpResponse:
    shipment = selectors.shipment_get(code, principal=principal_of(request))
    if shipment is None:
        raise Http404(code)
    form = forms.ReceiveForm(request.POST, lines=selectors.shipment_lines(shipment))
    actor = principal_of(request)
    received = _attempt(
        form,
        lambda: services.shipment_receive(actor=actor, shipment=shipment, **form.service_fields()),
    )
    if received is None:
        return _shipment_page(request, code, form)
    messages.success(
        request,
        _("Shipment received; %(n)d discrepancies flagged.") % {"n": len(received.discrepancies)},
    )
    return redirect("arms:shipment", code=code)


# ---- stock checks and disposal -------------------------------------------------------------


@requires("arms.stock_check")
@require_POST
def stock_check_new(request: HttpRequest, code: str) -> HttpResponse:
    site = _site_for(request, code, "arms.stock_check")
    form = forms.StockCheckPlanForm(request.POST)
    actor = principal_of(request)
    check = _attempt(
        form,
        lambda: services.stock_check_plan(actor=actor, site=site, full=form.cleaned_data["full"]),
    )
    if check is None:
        for error in form.errors.values():
            messages.error(request, " ".join(str(e) for e in error))
        return redirect("arms:site", code=code)
    return redirect("arms:stock_check", code=check.code)


def _check_page(
    request: HttpRequest, code: str, form: forms.StockCheckCountForm | None = None
) -> HttpResponse:
    check = selectors.stock_check_get(code, principal=principal_of(request))
    if check is None:
        raise Http404(_("No stock check %(code)s that you may see.") % {"code": code})
    lines = selectors.stock_check_lines(check)
    context = {
        "check": check,
        "form": form or forms.StockCheckCountForm(lines=lines),
        "can": _can(request, check.site_id, check.site.region),
    }
    return render(request, "arms/stock_check.html", context, status=400 if form else 200)


@requires("arms.read")
def stock_check_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _check_page(request, code)


@requires("arms.stock_check")
@require_POST
def stock_check_count(request: HttpRequest, code: str) -> HttpResponse:
    check = selectors.stock_check_get(code, principal=principal_of(request))
    if check is None:
        raise Http404(code)
    form = forms.StockCheckCountForm(request.POST, lines=selectors.stock_check_lines(check))
    actor = principal_of(request)
    counted = _attempt(
        form, lambda: services.stock_check_record(actor=actor, check=check, **form.service_fields())
    )
    if counted is None:
        return _check_page(request, code, form)
    messages.success(
        request, _("Count recorded; %(n)d discrepancies.") % {"n": len(counted.discrepancies)}
    )
    return redirect("arms:stock_check", code=code)


@requires("arms.dispose")
def disposal_new(request: HttpRequest, code: str) -> HttpResponse:
    site = _site_for(request, code, "arms.dispose")
    form = forms.DisposalForm(_posted(request))
    actor = principal_of(request)
    disposal = _attempt(
        form, lambda: services.dispose(actor=actor, site=site, **form.service_fields())
    )
    if disposal is not None:
        messages.success(request, _("Disposal %(code)s recorded.") % {"code": disposal.code})
        return redirect("arms:site", code=code)
    items, lots = selectors.movable_at(site)
    context = {"form": form, "site": site, "items": items, "lots": lots}
    return render(request, "arms/disposal_new.html", context, status=_status(form))


# ---- bulk import ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportPage:
    """One register's import pages: its job kind, file layout, template and outcome."""

    kind: str
    layout: imports.Layout
    title: Any  # lazy text
    name: str  # the URL names' stem: "import", "lot_import", "materiel_import"
    file: str  # the template's file name
    write: Callable[[Path], None]
    list_url: str  # where a finished import goes
    list_query: str  # and with which filter
    success: Callable[[dict[str, Any]], str]

    def urls(self) -> dict[str, str]:
        return {
            "page": f"arms:{self.name}",
            "template": f"arms:{self.name}_template",
            "progress": f"arms:{self.name}_progress",
            "job": f"arms:{self.name}_job",
        }


def _imported(message: Any) -> Callable[[dict[str, Any]], str]:
    def success(result: dict[str, Any]) -> str:
        return str(message) % {
            "n": result.get("count", 0),
            "first": result.get("first_tag", "-"),
            "last": result.get("last_tag", "-"),
        }

    return success


ITEMS_IMPORT = ImportPage(
    kind=import_job.KIND,
    layout=importer.LAYOUT,
    title=gettext_lazy("Import items"),
    name="import",
    file="laydown-items",
    write=importer.items_template,
    list_url="arms:items",
    list_query="?tag=LD-",
    success=_imported(gettext_lazy("%(n)d items imported (%(first)s to %(last)s).")),
)
LOTS_IMPORT = ImportPage(
    kind=import_job.LOTS.name,
    layout=register_import.LOTS.layout,
    title=gettext_lazy("Import ammunition lots"),
    name="lot_import",
    file="laydown-lots",
    write=lambda path: register_import.register_template(register_import.LOTS, path),
    list_url="arms:lots",
    list_query="",
    success=_imported(gettext_lazy("%(n)d lots imported (%(first)s to %(last)s).")),
)
MATERIEL_IMPORT = ImportPage(
    kind=import_job.MATERIEL.name,
    layout=register_import.MATERIEL.layout,
    title=gettext_lazy("Import materiel"),
    name="materiel_import",
    file="laydown-materiel",
    write=lambda path: register_import.register_template(register_import.MATERIEL, path),
    list_url="arms:materiel_list",
    list_query="",
    success=_imported(gettext_lazy("%(n)d items of materiel imported (%(first)s to %(last)s).")),
)


def _import_context(spec: ImportPage) -> dict[str, Any]:
    return {"title": spec.title, "urls": spec.urls(), "columns": spec.layout.columns}


def _import_file(request: HttpRequest, spec: ImportPage) -> HttpResponse:
    """Take the file and queue it as a job; show its outcome at once if it is already over
    (a small file, or a task backend that runs at once), else follow it on its own page."""
    form = forms.ImportForm(_posted(request), request.FILES or None)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.import_submit(
                actor=principal_of(request),
                kind=spec.kind,
                name=upload.name,
                content=upload_content(upload, spec.layout),
                job_id=form.cleaned_data["job"],
            )
        except importer.ImportRefused as exc:
            form.add_error("file", exc.message)
        else:
            return _import_outcome(spec, request, job, form)
    if not form.is_bound:
        form = forms.ImportForm(initial={"job": uuid.uuid4().hex})
    context = _import_context(spec) | {"form": form, "problems": []}
    return render(request, "arms/import.html", context, status=_status(form))


def _import_outcome(
    spec: ImportPage, request: HttpRequest, job: ImportJob, form: forms.ImportForm | None = None
) -> HttpResponse:
    return import_outcome(
        request,
        job,
        form,
        form_class=forms.ImportForm,
        template="arms/import.html",
        columns=spec.layout.columns,
        success=spec.success,
        done_url=reverse(spec.list_url) + spec.list_query,
        job_view=spec.urls()["job"],
        context=_import_context(spec),
    )


def _import_job(request: HttpRequest, spec: ImportPage, job: str) -> HttpResponse:
    found = job_of(principal_of(request), job, spec.kind)
    return job_page(
        request,
        found,
        template="arms/import_job.html",
        outcome=lambda request, job: _import_outcome(spec, request, job),
        context=_import_context(spec),
    )


@dataclass(frozen=True)
class ImportViews:
    """The four views of one register's import: the page, a job's page, its progress
    ({"state", "phase": "check"|"import"|"waiting"|..., "done", "total"}) and the template."""

    page: Callable[..., HttpResponseBase]
    job: Callable[..., HttpResponseBase]
    progress: Callable[..., HttpResponseBase]
    template: Callable[..., HttpResponseBase]


def _import_views(spec: ImportPage) -> ImportViews:
    @requires("arms.import")
    def page(request: HttpRequest) -> HttpResponse:
        return _import_file(request, spec)

    @requires("arms.import")
    def job(request: HttpRequest, job: str) -> HttpResponse:
        return _import_job(request, spec, job)

    @requires("arms.import")
    def progress(request: HttpRequest, job: str) -> JsonResponse:
        return progress_answer(job_of(principal_of(request), job, spec.kind))

    @requires("arms.import")
    def template(request: HttpRequest, fmt: str) -> HttpResponse:
        return template_download(fmt, name=spec.file, write=spec.write)

    return ImportViews(page, job, progress, template)


ITEMS_VIEWS = _import_views(ITEMS_IMPORT)
LOTS_VIEWS = _import_views(LOTS_IMPORT)
MATERIEL_VIEWS = _import_views(MATERIEL_IMPORT)
