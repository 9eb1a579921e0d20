"""Dashboard, map, situation report, public transparency page and exports (thin views)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from laydown.access.web import principal_of, requires
from laydown.core import listing, page_cache
from laydown.ledger import selectors as ledger
from laydown.ledger import views as ledger_views
from laydown.reports import charts, exports, selectors
from laydown.reports import home as home_tasks
from laydown.reports.boundaries import boundaries_current
from laydown.reports.periods import Period, PeriodError, period_from


def _period(request: HttpRequest) -> tuple[Period, dict[str, object], int]:
    """The asked period, or the default one with the reason the asked one is refused."""
    try:
        return period_from(request.GET), {"period_error": ""}, 200
    except PeriodError as exc:
        error = _("The period is not valid: %(reason)s.") % {"reason": exc}
        return period_from({}), {"period_error": error}, 400


def _scope(request: HttpRequest) -> tuple[selectors.Scope, str]:
    """The asked region and site, or the whole programme with the reason they are refused."""
    try:
        return selectors.scope_from(request.GET), ""
    except selectors.ScopeError as exc:
        return selectors.Scope(), _("The place is not valid: %(reason)s.") % {"reason": exc}


def _scope_context(scope: selectors.Scope) -> dict[str, object]:
    from laydown.arms import selectors as arms

    return {
        "scope": scope,
        "regions": arms.region_choices(),
        "site_choices": [(s.code, s.name) for s in arms.sites_list()],
    }


@requires("reports.dashboard", programme_wide=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    period, context, status = _period(request)
    scope, scope_error = _scope(request)
    previous = period.previous()
    now, before = selectors.collected(period, scope), selectors.collected(previous, scope)
    sites = selectors.holdings_by_site(scope)
    labels = {"items": _("Weapons"), "lots": _("Ammunition lots"), "materiel": _("Materiel")}
    context |= _scope_context(scope) | {
        "scope_error": scope_error,
        "period": period,
        "previous_period": previous,
        "collected": now,
        "previous": before,
        "links": selectors.collected_links(period, scope),
        "previous_links": selectors.collected_links(previous, scope),
        "collected_chart": charts.collected_chart(now),
        "sites": [(s, selectors.holdings_links(s.code)) for s in sites],
        "holdings_chart": charts.holdings_chart(sites, labels),
        "ammunition": [
            a | {"link": selectors.ammunition_link(a["calibre"], a["unit"], scope)}
            for a in selectors.ammunition_by_calibre(scope)
        ],
        "custody": sorted(selectors.custody_by_kind(period, scope).items()),
        "discrepancies": selectors.open_discrepancies(scope),
        "discrepancy_links": selectors.discrepancy_links(scope),
        "inspections": selectors.inspections(period, scope),
        "witness": selectors.witness_status(),
        "demobilization": selectors.demobilization(),
        "assistance": selectors.assistance(principal_of(request)),
    }
    return render(request, "reports/dashboard.html", context, status=400 if scope_error else status)


@requires("reports.dashboard", programme_wide=True)
def site_map(request: HttpRequest) -> HttpResponse:
    scope, scope_error = _scope(request)
    sites = selectors.holdings_by_site(scope)
    context = _scope_context(scope) | {
        "scope_error": scope_error,
        "sites": sites,
        "plain": charts.plain_map(sites, boundaries_current()),
        "tiles": settings.LAYDOWN_MAP_TILES,
        "markers": [
            {
                "name": s.name,
                "lat": s.lat,
                "lon": s.lon,
                "items": s.items,
                "lots": s.lots,
                "materiel": s.materiel,
            }
            for s in sites
            if s.lat is not None
        ],
    }
    return render(request, "reports/map.html", context)


@requires("reports.dashboard", programme_wide=True)
def sitrep(request: HttpRequest) -> HttpResponse:
    period, context, status = _period(request)
    collected = selectors.collected(period)
    context |= {
        "period": period,
        "period_first": period.start.isoformat(),
        "period_last": period.end.isoformat(),
        "collected": collected,
        "day_rows": list(
            zip(
                period.dates(),
                zip(*(collected.per_day[s] for s in selectors.SERIES), strict=True),
                strict=True,
            )
        ),
        "by_site": selectors.holdings_by_site(),
        "moved": selectors.moved(period),
        "destroyed": selectors.destroyed(period),
        "inspections": selectors.inspections(period),
        "discrepancies": selectors.open_discrepancies(),
        "checkpoint": ledger.checkpoint_public(),
        "demobilization": selectors.demobilization(),
        "assistance": selectors.assistance(principal_of(request)),
    }
    return render(request, "reports/sitrep.html", context, status=status)


def _transparency_context(request: HttpRequest) -> dict[str, object]:
    site_url = request.build_absolute_uri("/log")
    return {
        "figures": selectors.public_figures(),
        "demobilization": selectors.demobilization(),
        "assistance": selectors.public_assistance(),
        "witness": selectors.witness_status(),
        "log_key": _log_key(),
        "site_url": site_url,
        "policy": _policy(site_url),
    }


# Aggregates and the log's state, rendered once per state for callers not signed in: every
# change to the figures is a record, so the log's size and root stand for them.
TRANSPARENCY_PAGE = page_cache.PublicPage(
    "reports/transparency.html",
    lambda request: (
        ledger.page_key_served(ledger.public_state),
        ledger.page_key_served(ledger.log_head_state),
        request.build_absolute_uri("/log"),
    ),
    _transparency_context,
)


@requires("public.view")
def transparency(request: HttpRequest) -> HttpResponse:
    """The public transparency page (`TRANSPARENCY_PAGE`)."""
    return page_cache.render_public(request, TRANSPARENCY_PAGE)


def _policy(log_url: str) -> str:
    from laydown import tlog

    return tlog.format_policy(ledger.policy(log_url))


def _log_key() -> str:
    from laydown.ledger import keys

    return keys.log_verifier_key()


@requires("reports.export", programme_wide=True)
def export(request: HttpRequest, dataset: str, fmt: str) -> HttpResponseBase:
    """A dataset's export: a job of the worker if large; made here, or by that job, it is
    recorded in the ledger as a list's export is (ledger.list_exported)."""
    rows = exports.dataset_or_404(dataset, fmt).count()
    exported = listing.Exported(f"laydown-{dataset}", fmt, "", rows)
    deferred = listing.defer_export(request, exported)
    if deferred is not None:
        return deferred
    progress = listing.export_progress(request)
    answer = exports.export_response(
        dataset, fmt, (lambda n: progress(n, rows)) if progress is not None else None
    )
    listing.export_record(request, exported)
    return answer


# What a caller who is not signed in gets at these pages (by URL name): a kept public page,
# which laydown.ops.front answers itself.
page_cache.ANONYMOUS_PAGES.update(
    {
        "home": ledger_views.FRONT_PAGE,
        "ledger:index": ledger_views.FRONT_PAGE,
        "reports:transparency": TRANSPARENCY_PAGE,
    }
)


@requires("public.view")
def home(request: HttpRequest) -> HttpResponseBase:
    """The front page: a signed-in user's tasks, role by role; else the ledger's front page."""
    principal = principal_of(request)
    sections = home_tasks.home_sections(principal) if not principal.is_anonymous else []
    if not sections:
        return ledger_views.home(request)
    context = {"sections": sections, "checkpoint": ledger.checkpoint_public()}
    return render(request, "reports/home.html", context)
