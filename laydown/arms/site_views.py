"""Site management pages: create, edit, open, close and delete sites and containers, and who
works at a site (grants by site). Each view parses its form, calls one service and renders;
the services authorise again with the site's scope."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laydown.access.permissions import is_allowed
from laydown.access.roles import Role, Scope
from laydown.access.web import principal_of, requires
from laydown.accounts import selectors as accounts_selectors
from laydown.accounts import services as accounts
from laydown.arms import forms, selectors, services
from laydown.arms.models import Container, Site
from laydown.core.errors import ValidationError
from laydown.core.forms import run_form

SITE_ROLES = [
    (r.value, r.label)
    for r in (
        Role.COLLECTION_CLERK,
        Role.SUPERVISOR,
        Role.CUSTODIAN,
        Role.PROGRAMME_MANAGER,
        Role.OBSERVER,
    )
]


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _site(request: HttpRequest, code: str) -> Site:
    site = selectors.site_get(code, principal=principal_of(request))
    if site is None:
        raise Http404(_("No site %(code)s that you may see.") % {"code": code})
    return site


def _container(request: HttpRequest, code: str) -> Container:
    container = selectors.container_get(code, principal=principal_of(request))
    if container is None:
        raise Http404(_("No container %(code)s that you may see.") % {"code": code})
    return container


@requires("arms.site_manage")
def site_new(request: HttpRequest) -> HttpResponse:
    form = forms.SiteForm(_posted(request))
    actor = principal_of(request)
    ok, site = run_form(
        form,
        lambda: services.site_create(actor=actor, **form.service_fields()),
        refusal_on_form=True,
    )
    if ok:
        messages.success(request, _("Site %(code)s created.") % {"code": site.code})
        return redirect("arms:site_edit", code=site.code)
    context = {"form": form, "title": _("New site"), "tiles": settings.LAYDOWN_MAP_TILES}
    return render(request, "arms/site_form.html", context, status=400 if form.errors else 200)


def _site_page(request: HttpRequest, site: Site, status: int = 200, **bound: Any) -> HttpResponse:
    principal = principal_of(request)
    context = {
        "site": site,
        "form": bound.get("form")
        or forms.SiteForm(initial=forms.SiteForm.initial_of(site), editing=True),
        "container_form": bound.get("container_form") or forms.ContainerForm(),
        "delete_form": bound.get("delete_form") or forms.DeleteForm(),
        "containers": site.containers.order_by("code"),
        "can_grant": is_allowed(principal, "accounts.role_grant"),
        "tiles": settings.LAYDOWN_MAP_TILES,
        "title": _("Manage %(name)s") % {"name": site.name},
    }
    return render(request, "arms/site_manage.html", context, status=status)


@requires("arms.site_manage")
def site_edit(request: HttpRequest, code: str) -> HttpResponse:
    site = _site(request, code)
    form = forms.SiteForm(_posted(request), editing=True)
    if request.method != "POST":
        return _site_page(request, site)
    actor = principal_of(request)
    ok, _row = run_form(
        form,
        lambda: services.site_update(actor=actor, site=site, **form.service_fields()),
        refusal_on_form=True,
    )
    if not ok:
        return _site_page(request, site, 400, form=form)
    messages.success(request, _("Site %(code)s saved.") % {"code": site.code})
    return redirect("arms:site_edit", code=site.code)


def _refused_or_done(request: HttpRequest, call: Any, done: str) -> None:
    try:
        call()
    except ValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


@requires("arms.site_manage")
@require_POST
def site_status(request: HttpRequest, code: str) -> HttpResponse:
    """Open, close or plan a site: `status` and an optional `reason` posted."""
    site = _site(request, code)
    reason = forms.ReasonForm(request.POST)
    text = reason.cleaned_data["reason"] if reason.is_valid() else ""
    status = request.POST.get("status", "")
    _refused_or_done(
        request,
        lambda: services.site_status_set(
            actor=principal_of(request), site=site, status=status, reason=text
        ),
        _("Site %(code)s is now %(status)s.") % {"code": site.code, "status": status},
    )
    return redirect("arms:site_edit", code=site.code)


@requires("arms.site_manage")
@require_POST
def site_delete(request: HttpRequest, code: str) -> HttpResponse:
    site = _site(request, code)
    form = forms.DeleteForm(request.POST)
    actor = principal_of(request)
    ok, _done = run_form(
        form, lambda: services.site_delete(actor=actor, site=site, **form.cleaned_data)
    )
    if not ok:
        return _site_page(request, site, 400, delete_form=form)
    messages.success(request, _("Site %(code)s deleted.") % {"code": code})
    return redirect("arms:sites")


@requires("arms.site_manage")
@require_POST
def container_new(request: HttpRequest, code: str) -> HttpResponse:
    site = _site(request, code)
    form = forms.ContainerForm(request.POST)
    actor = principal_of(request)
    ok, box = run_form(
        form,
        lambda: services.container_create(actor=actor, site=site, **form.cleaned_data),
        refusal_on_form=True,
    )
    if not ok:
        return _site_page(request, site, 400, container_form=form)
    messages.success(request, _("Container %(code)s set up.") % {"code": box.code})
    return redirect("arms:site_edit", code=site.code)


def _container_page(
    request: HttpRequest, box: Container, status: int = 200, **bound: Any
) -> HttpResponse:
    context = {
        "container": box,
        "form": bound.get("form")
        or forms.ContainerForm(initial={"racks": box.racks}, editing=True),
        "delete_form": bound.get("delete_form") or forms.DeleteForm(),
        "title": _("Manage container %(code)s") % {"code": box.code},
    }
    return render(request, "arms/container_manage.html", context, status=status)


@requires("arms.site_manage")
def container_edit(request: HttpRequest, code: str) -> HttpResponse:
    box = _container(request, code)
    if request.method != "POST":
        return _container_page(request, box)
    form = forms.ContainerForm(request.POST, editing=True)
    actor = principal_of(request)
    ok, _row = run_form(
        form,
        lambda: services.container_update(actor=actor, container=box, **form.cleaned_data),
        refusal_on_form=True,
    )
    if not ok:
        return _container_page(request, box, 400, form=form)
    messages.success(request, _("Container %(code)s saved.") % {"code": box.code})
    return redirect("arms:container_edit", code=box.code)


@requires("arms.site_manage")
@require_POST
def container_status(request: HttpRequest, code: str) -> HttpResponse:
    box = _container(request, code)
    reason = forms.ReasonForm(request.POST)
    text = reason.cleaned_data["reason"] if reason.is_valid() else ""
    status = request.POST.get("status", "")
    _refused_or_done(
        request,
        lambda: services.container_status_set(
            actor=principal_of(request), container=box, status=status, reason=text
        ),
        _("Container %(code)s is now %(status)s.") % {"code": box.code, "status": status},
    )
    return redirect("arms:container_edit", code=box.code)


@requires("arms.site_manage")
@require_POST
def container_delete(request: HttpRequest, code: str) -> HttpResponse:
    box = _container(request, code)
    form = forms.DeleteForm(request.POST)
    actor = principal_of(request)
    ok, _done = run_form(
        form, lambda: services.container_delete(actor=actor, container=box, **form.cleaned_data)
    )
    if not ok:
        return _container_page(request, box, 400, delete_form=form)
    messages.success(request, _("Container %(code)s deleted.") % {"code": code})
    return redirect("arms:site_edit", code=box.site_id)


@requires("accounts.role_grant")
def site_people(request: HttpRequest, code: str) -> HttpResponse:
    """Who works at a site: the roles granted at `site:CODE`, and a form to grant one more."""
    site = _site(request, code)
    scope = f"site:{site.code}"
    form = forms.SiteGrantForm(
        _posted(request), users=accounts_selectors.user_choices(), roles=SITE_ROLES
    )
    actor = principal_of(request)

    def grant() -> object:
        user = accounts_selectors.user_by_username(form.cleaned_data["user"])
        return accounts.role_grant(
            actor=actor, user=user, role=form.cleaned_data["role"], scope=scope
        )

    ok, _row = run_form(form, grant)
    if ok:
        messages.success(request, _("Role granted at %(site)s.") % {"site": site.name})
        return redirect("arms:site_people", code=site.code)
    context = {
        "site": site,
        "form": form,
        "grants": accounts_selectors.grants_at(scope),
        "region_grants": accounts_selectors.grants_at(f"region:{site.region}"),
        "scope": Scope(site=site.code, region=site.region),
    }
    return render(request, "arms/site_people.html", context, status=400 if form.errors else 200)
