"""The URL walker: every page and API operation of a URL configuration, the action each declares,
and how to request each one as a given user. Used by the permission and scope walks
(laydown/accounts/tests) and the accessibility walk (laydown/reports/tests).

Nothing here runs in production.
"""

from __future__ import annotations

import copy
import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from ninja.operation import PathView

from laydown.access.permissions import ACTIONS, ANYONE, SIGNED_IN
from laydown.access.roles import SECOND_FACTOR_ROLES, Role
from laydown.access.web import may_open, principal_for_user
from laydown.accounts import services
from laydown.accounts.models import User
from laydown.ledger.models import Record

# Third-party views treated as public, each with the reason it is safe. Nothing else may be.
PUBLIC_THIRD_PARTY = {
    "set_language": "Django's language switch: it only sets the language cookie",
    "api:openapi-json": "django-ninja's OpenAPI document: it describes the API, holds no data",
    "api:openapi-view": "django-ninja's page that renders that document",
    "api:api-root": "django-ninja's root: always a 404, it anchors the API's URL names",
}


@dataclass(frozen=True)
class Samples:
    """Records that parameterised URLs point at, created by the `samples` fixture."""

    org_code: str
    user: User
    token_id: str


# How to fill in each parameterised URL. A URL with parameters and no entry fails the walk.
# The pages of one participant besides people:person, each named by the participant's pseudonym.
PARTICIPANT_PAGES = (
    "screen",
    "appeal",
    "revoke",
    "card",
    "card_issue",
    "certificate",
    "access_report",
    "correct",
    "erase",
    "refer",
)
SAMPLE_KWARGS: dict[str, Callable[[Samples], dict[str, Any]]] = {
    "ledger:tile": lambda s: {"path": "0/000"},
    "ledger:proof": lambda s: {"index": 0},
    "ledger:consistency": lambda s: {"old": 1, "new": 1},
    "accounts:token_revoke": lambda s: {"public_id": s.token_id},
    "accounts:user_detail": lambda s: {"user_id": s.user.pk},
    "accounts:programme_logo": lambda s: {"sha": "0" * 64},
    "accounts:user_grant": lambda s: {"user_id": s.user.pk},
    "accounts:user_active": lambda s: {"user_id": s.user.pk},
    "accounts:user_revoke": lambda s: {"user_id": s.user.pk},
    "accounts:user_second_factor_reset": lambda s: {"user_id": s.user.pk},
    "api:organisation_detail": lambda s: {"code": s.org_code},
    "api:token_revoke": lambda s: {"public_id": s.token_id},
    "api:role_grant": lambda s: {"pseudonym": s.user.pseudonym},
    "api:role_revoke": lambda s: {"pseudonym": s.user.pseudonym},
    # Unknown codes: the permission check runs first, then the page answers 404.
    "verification:inspection": lambda s: {"code": "INS-000000"},
    "verification:inspection_findings": lambda s: {"code": "INS-000000"},
    "verification:inspection_text": lambda s: {"code": "INS-000000", "part": "report"},
    "verification:destruction": lambda s: {"code": "DES-000000"},
    "verification:accreditation_revoke": lambda s: {"code": "ACC-000000"},
    "verification:item_bundle": lambda s: {"tag": "LD-000000"},
    "reports:export": lambda s: {"dataset": "sites", "fmt": "csv"},
    # The OpenRosa server (walked with devices): the weapon form and its list of sites.
    "openrosa:form_download": lambda s: {"form": "arms.weapon"},
    "openrosa:form_manifest": lambda s: {"form": "arms.weapon"},
    "openrosa:form_media": lambda s: {"form": "arms.weapon", "name": "sites.csv"},
    # The registry: unknown codes and tags; the action is checked first, then the page says 404.
    **{
        f"arms:{name}": lambda s: {"code": "no-such-site"}
        for name in (
            "site",
            "site_edit",
            "site_status",
            "site_delete",
            "site_people",
            "container_new",
            "container_edit",
            "container_status",
            "container_delete",
            "item_new",
            "lot_new",
            "materiel_new",
            "shipment_new",
            "stock_check_new",
            "disposal_new",
            "container",
            "container_seal",
            "seal_break",
            "shipment",
            "shipment_receive",
            "stock_check",
            "stock_check_count",
        )
    },
    **{
        f"arms:{name}": lambda s: {"tag": "LD-000000"}
        for name in (
            "item",
            "item_receipt",
            "item_book",
            "item_remove",
            "item_return",
            "item_lost",
            "lot",
            "lot_lost",
            "materiel",
            "item_correct",
            "lot_correct",
            "materiel_correct",
        )
    },
    **{
        f"tracing:{name}": lambda s: {"tag": "LD-000000"}
        for name in ("item_markings", "lot_markings", "recovery")
    },
    "tracing:photo": lambda s: {"sha": "0" * 64},
    "api:arms_photo_arrive": lambda s: {"tag": "LD-000000", "sha256": "0" * 64},
    "tracing:import_template": lambda s: {"fmt": "csv"},
    "tracing:import_progress": lambda s: {"job": "0"},
    "tracing:import_job": lambda s: {"job": "00000000-0000-0000-0000-000000000000"},
    **{
        f"api:tracing_{name}": lambda s: {"tag": "LD-000000"}
        for name in ("markings_get", "markings_put", "lot_markings_put", "recovery_put")
    },
    **{
        f"arms:{stem}_template": lambda s: {"fmt": "csv"}
        for stem in ("import", "lot_import", "materiel_import")
    },
    **{
        f"arms:{stem}_progress": lambda s: {"job": "0"}
        for stem in ("import", "lot_import", "materiel_import")
    },
    **{
        f"arms:{stem}_job": lambda s: {"job": "00000000-0000-0000-0000-000000000000"}
        for stem in ("import", "lot_import", "materiel_import")
    },
    "setup:workbook_progress": lambda s: {"job": "0"},
    "setup:workbook_job": lambda s: {"job": "00000000-0000-0000-0000-000000000000"},
    "jobs:export_download": lambda s: {"job": "00000000-0000-0000-0000-000000000000"},
    "people:import_progress": lambda s: {"job": "0"},
    "people:import_job": lambda s: {"job": "00000000-0000-0000-0000-000000000000"},
    "assistance:import_progress": lambda s: {"job": "0"},
    "assistance:import_job": lambda s: {"job": "00000000-0000-0000-0000-000000000000"},
    **{
        f"api:arms_{name}": lambda s: {"tag": "LD-000000"}
        for name in (
            "item_get",
            "lot_get",
            "materiel_get",
            "item_correct",
            "lot_correct",
            "materiel_correct",
            "item_book",
            "item_remove",
            "item_return",
            "item_lost",
        )
    },
    **{
        f"api:arms_{name}": lambda s: {"code": "no-such-site"}
        for name in (
            "site_get",
            "site_update",
            "site_status",
            "site_delete",
            "container_create",
            "container_update",
            "container_status",
            "container_delete",
        )
    },
    "api:arms_shipment_get": lambda s: {"code": "SH-000000"},
    "api:arms_shipment_receive": lambda s: {"code": "SH-000000"},
    "assistance:distribution_detail": lambda s: {"code": "DI-000000"},
    "assistance:distribution_correct": lambda s: {"code": "DI-000000"},
    "assistance:distribution_receipt": lambda s: {"code": "DI-000000"},
    "assistance:household_detail": lambda s: {"code": "h-000000000000"},
    "assistance:household_personal_data": lambda s: {"code": "h-000000000000"},
    "assistance:project_detail": lambda s: {"code": "PR-000000"},
    "assistance:meeting_detail": lambda s: {"code": "DM-000000"},
    "assistance:visit_detail": lambda s: {"code": "MV-000000"},
    "assistance:visit_update": lambda s: {"code": "MV-000000"},
    "assistance:distribution_recipients": lambda s: {"code": "DI-000000"},
    "assistance:monitoring_note_new": lambda s: {"code": "DI-000000"},
    "assistance:complaint_detail": lambda s: {"code": "CO-000000"},
    "assistance:complaint_follow_up": lambda s: {"code": "CO-000000"},
    "assistance:partner_edit": lambda s: {"code": "no-such-partner"},
    "api:assistance_place_update": lambda s: {"pcode": "XX0000"},
    "assistance:project_edit": lambda s: {"code": "PR-000000"},
    "assistance:project_progress": lambda s: {"code": "PR-000000"},
    "assistance:commitment_new": lambda s: {"code": "DM-000000"},
    "assistance:commitment_follow_up": lambda s: {"code": "CM-000000"},
    # Unknown pseudonyms and codes: the decorator checks the action, then the page answers 404.
    "people:cycle": lambda s: {"code": "2000-01"},
    "people:cycle_approve": lambda s: {"code": "2000-01"},
    "people:appeal_decide": lambda s: {"code": "AP-0"},
    "people:follow_up": lambda s: {"code": "RF-0"},
    **{
        f"people:{name}": lambda s: {"pseudonym": "p-000000000000"}
        for name in ("person", *PARTICIPANT_PAGES)
    },
    # The API: unknown ids again; the action is checked first, then the answer is 404.
    "api:people_participant_detail": lambda s: {"pseudonym": "p-000000000000"},
    "api:people_personal_data": lambda s: {"pseudonym": "p-000000000000"},
    "api:people_screen": lambda s: {"pseudonym": "p-000000000000"},
    "field:app_form": lambda s: {"form": "arms.weapon"},
    "field:device_revoke": lambda s: {"device": "no-such-device"},
    "field:review_detail": lambda s: {"sid": "00000000-0000-4000-8000-000000000000"},
    "api:field_submission_detail": lambda s: {"sid": "00000000-0000-4000-8000-000000000000"},
    "api:field_device_revoke": lambda s: {"device": "no-such-device"},
    "api:field_review_detail": lambda s: {"sid": "00000000-0000-4000-8000-000000000000"},
    "api:field_review_decide": lambda s: {"sid": "00000000-0000-4000-8000-000000000000"},
    "api:people_appeal": lambda s: {"pseudonym": "p-000000000000"},
    "api:people_refer": lambda s: {"pseudonym": "p-000000000000"},
    "api:people_appeal_decide": lambda s: {"code": "AP-0"},
    "api:people_referral_follow_up": lambda s: {"code": "RF-0"},
    "api:people_cycle_detail": lambda s: {"code": "2000-01"},
    **{
        f"api:people_{name}": lambda s: {"pseudonym": "p-000000000000"}
        for name in ("revoke", "card", "card_issue", "access_report", "correct", "erase")
    },
    "api:people_duplicate_decide": lambda s: {"code": "DU-0"},
    "api:people_cycle_approve": lambda s: {"code": "2000-01"},
    "api:people_payments_record": lambda s: {"code": "2000-01"},
    "api:assistance_distribution_detail": lambda s: {"code": "DI-000000"},
    "api:assistance_household_detail": lambda s: {"code": "h-000000000000"},
    "api:assistance_household_personal_data": lambda s: {"code": "h-000000000000"},
    "api:assistance_project_detail": lambda s: {"code": "PR-000000"},
    "api:assistance_project_progress": lambda s: {"code": "PR-000000"},
    "api:assistance_meeting_detail": lambda s: {"code": "DM-000000"},
    "api:assistance_commitment_follow_up": lambda s: {"code": "CM-000000"},
    "api:assistance_visit_detail": lambda s: {"code": "MV-000000"},
    "api:assistance_visit_update": lambda s: {"code": "MV-000000"},
    **{
        f"api:assistance_{name}": lambda s: {"code": "DI-000000"}
        for name in (
            "distribution_correct",
            "recipient_list",
            "recipients_add",
            "receipt_record",
            "note_list",
            "note_add",
        )
    },
    "api:assistance_complaint_detail": lambda s: {"code": "CO-000000"},
    "api:assistance_complaint_follow_up": lambda s: {"code": "CO-000000"},
    "api:assistance_partner_profile_set": lambda s: {"code": "no-such-partner"},
    "api:assistance_project_update": lambda s: {"code": "PR-000000"},
    "api:assistance_commitment_add": lambda s: {"code": "DM-000000"},
    "api:verification_inspection_detail": lambda s: {"code": "INS-000000"},
    "api:verification_inspection_open": lambda s: {"code": "INS-000000"},
    "api:verification_inspection_finding": lambda s: {"code": "INS-000000"},
    "api:verification_inspection_findings": lambda s: {"code": "INS-000000"},
    "api:verification_inspection_close": lambda s: {"code": "INS-000000"},
    "api:verification_inspection_sign": lambda s: {"code": "INS-000000"},
    "api:verification_item_bundle": lambda s: {"tag": "LD-000000"},
    "api:verification_accreditation_revoke": lambda s: {"code": "ACC-000000"},
    "api:verification_destruction_detail": lambda s: {"code": "DES-000000"},
    "api:verification_destruction_countersign": lambda s: {"code": "DES-000000"},
}

ANONYMOUS = "anonymous"
NO_ROLE = "no_role"
WALKERS = [ANONYMOUS, NO_ROLE, *Role.values]
MODEL_BACKEND = "laydown.accounts.signin.ThrottledModelBackend"
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


@dataclass(frozen=True)
class Endpoint:
    name: str  # with its namespace, as reverse() wants it
    route: str
    method: str  # the method to walk with; pages: GET (POST when GET is not allowed)
    action: str | None
    is_api: bool
    parameters: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method} /{self.route} ({self.name})"


def _patterns(
    resolver: URLResolver, prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str | None, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(n for n in (namespace, entry.namespace) if n)
            yield from _patterns(entry, prefix + str(entry.pattern), inner)
        else:
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield prefix + str(entry.pattern), name, entry


def ninja_path_view(callback: Any) -> PathView | None:
    """django-ninja's URL callback is a closure over the PathView holding the operations."""
    try:
        view = inspect.getclosurevars(callback).nonlocals.get("self")
    except TypeError:  # not a plain function (functools.partial, a class...)
        return None
    return view if isinstance(view, PathView) else None


def collect(
    urlconf: str | None = None, *, devices: bool = False
) -> tuple[list[Endpoint], list[str]]:
    """Every walkable endpoint of `urlconf`, and the problems that make URLs unwalkable.

    Endpoints that take no session and no API token but an enrolled device's own credential
    (`laydown_device_auth`: the OpenRosa server, laydown.openrosa) are left out, or, with
    `devices`, the only ones returned: laydown/tests/test_openrosa_walk.py walks them per role
    through devices."""
    endpoints: list[Endpoint] = []
    problems: list[str] = []
    seen_path_views: set[int] = set()
    for route, name, pattern in _patterns(get_resolver(urlconf)):
        if name in PUBLIC_THIRD_PARTY:
            continue
        if bool(getattr(pattern.callback, "laydown_device_auth", False)) != devices:
            continue
        if not name:
            problems.append(f"/{route} has no URL name, so the walk cannot build its URL")
            continue
        parameters = tuple(a or b for a, b in PARAMETER.findall(route))
        path_view = ninja_path_view(pattern.callback)
        if path_view is None:
            action = getattr(pattern.callback, "laydown_action", None)
            endpoints.append(Endpoint(name, route, "GET", action, False, parameters))
            continue
        if id(path_view) in seen_path_views:
            continue  # ninja adds one URL pattern per operation of the same path
        seen_path_views.add(id(path_view))
        namespace = name.rpartition(":")[0]
        for operation in path_view.operations:
            op_name = getattr(operation, "url_name", None)
            op_name = f"{namespace}:{op_name}" if op_name and namespace else op_name or name
            action = getattr(operation.view_func, "laydown_action", None)
            if action and any(
                getattr(cb, "action", None) != action for cb in operation.auth_callbacks
            ):
                problems.append(f"/{route} ({op_name}): its auth does not check {action!r}")
            for method in operation.methods:
                endpoints.append(Endpoint(op_name, route, method, action, True, parameters))
    for endpoint in endpoints:
        if endpoint.parameters and endpoint.name not in SAMPLE_KWARGS:
            problems.append(
                f"{endpoint} has parameters {endpoint.parameters} but no entry in SAMPLE_KWARGS"
                " of laydown/testing/walk.py"
            )
        kind = "operation with @api_action" if endpoint.is_api else "view with @requires"
        if endpoint.action is None:
            problems.append(f"{endpoint} declares no action: decorate the {kind}(...)")
        elif endpoint.action not in ACTIONS:
            problems.append(f"{endpoint} declares {endpoint.action!r}, not in the matrix")
    return endpoints, problems


def expected_allowed(action: str, walker: str) -> bool:
    audience = ACTIONS[action].audience
    if audience == ANYONE:
        return True
    if walker == ANONYMOUS:
        return False
    return audience == SIGNED_IN or walker in ACTIONS[action].roles


def make_user(username: str, role: str | None) -> User:
    user = services.user_create(
        actor=services.SYSTEM, username=username, password="walk-Password-2026", organisation="walk"
    )
    if role:
        services.role_grant(actor=services.SYSTEM, user=user, role=role, scope="programme")
    return user


def signed_in(client: Client, user: User | None, *, second_factor: bool = True) -> Client:
    client.logout()
    if user is None:
        return client
    client.force_login(user, backend=MODEL_BACKEND)
    if second_factor and set(user.grants.values_list("role", flat=True)) & SECOND_FACTOR_ROLES:
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="walk", defaults={"confirmed": True}
        )
        session = client.session
        session["otp_device_id"] = device.persistent_id  # as django_otp.login() does
        session.save()
    return client


class SignedInAgain:
    """`signed_in(client, user)` before each request of a walk, done again only when the last
    request changed what it left in the database: the session's row (data, expiry), or the
    user's password, activity, grants or devices (which decide the session's validity and its
    second factor). Cookies the request set or changed (the CSRF cookie of a form, a language
    or a message cookie) are put back as the sign-in left them. Either way each request starts
    from the state a fresh sign-in leaves, for 4 reads instead of a sign-out and a sign-in
    (~10 queries and the session's signing, a fifth of a walk's CPU) when nothing changed."""

    def __init__(self, client: Client, user: User | None, *, second_factor: bool = True) -> None:
        self.client, self.user, self.second_factor = client, user, second_factor
        self._cookies: SimpleCookie | None = None
        self._rows: tuple[Any, ...] | None = None

    def __call__(self) -> Client:
        if self._cookies is None or self._database_rows() != self._rows:
            signed_in(self.client, self.user, second_factor=self.second_factor)
            self._cookies = copy.deepcopy(self.client.cookies)
            self._rows = self._database_rows()
        else:
            self.client.cookies = copy.deepcopy(self._cookies)
        return self.client

    def _database_rows(self) -> tuple[Any, ...]:
        from django.contrib.sessions.models import Session

        if self.user is None:
            return ()
        key = self.client.cookies.get(settings.SESSION_COOKIE_NAME)
        session = Session.objects.filter(session_key=key.value if key else "")
        user = User.objects.filter(pk=self.user.pk)
        return (
            key.value if key else None,
            list(session.values_list("session_data", "expire_date")),
            list(user.values_list("password", "is_active")),
            sorted(self.user.grants.values_list("role", "scope")),
            sorted(TOTPDevice.objects.filter(user=self.user).values_list("pk", "confirmed")),
        )


def url_of(endpoint: Endpoint, samples: Samples) -> str:
    kwargs = SAMPLE_KWARGS[endpoint.name](samples) if endpoint.parameters else {}
    return reverse(endpoint.name, kwargs=kwargs)


def request(client: Client, endpoint: Endpoint, url: str, **headers: str) -> Any:
    """The response to `endpoint` at `url` (the test client's response: an HttpResponse)."""
    if endpoint.is_api:
        method = getattr(client, endpoint.method.lower())
        if endpoint.method in ("GET", "HEAD", "DELETE"):
            return method(url, headers=headers)
        return method(url, "{}", content_type="application/json", headers=headers)
    response = client.get(url, headers=headers)
    if response.status_code == 405:  # a POST-only page: post an empty form
        response = client.post(url, {}, headers=headers)
    return response


def verdict(endpoint: Endpoint, response: HttpResponse) -> str:
    """'allowed', or how the request was refused: '401', '403', 'sign-in'."""
    if response.status_code in (401, 403):
        return str(response.status_code)
    if not endpoint.is_api and response.status_code == 302:
        if response["Location"].startswith(resolve_url(settings.LOGIN_URL)):
            return "sign-in"
    return "allowed"


def walk(
    client: Client,
    user: User | None,
    samples: Samples,
    walker: str,
    endpoints: list[Endpoint],
    expect: Callable[[Endpoint], bool],
    **headers: str,
) -> list[str]:
    """Request every endpoint as `user`; return every disagreement with the matrix."""
    mismatches = []
    refused_as = "sign-in" if walker == ANONYMOUS else "403"
    sign_in = SignedInAgain(client, user)
    for endpoint in endpoints:
        sign_in()  # as afresh each time: a sign-out page must not end the walk
        before = Record.objects.count()
        try:
            response = request(client, endpoint, url_of(endpoint, samples), **headers)
        except Exception as exc:  # noqa: BLE001  (report every endpoint, not just the first)
            mismatches.append(f"{walker}: {endpoint} raised {exc!r}")
            continue
        got = verdict(endpoint, response)
        allowed = expect(endpoint)
        wanted = (
            "allowed"
            if allowed
            else ("401" if endpoint.is_api and walker == ANONYMOUS else refused_as)
        )
        if got != wanted:
            mismatches.append(
                f"{walker}: {endpoint} gave {response.status_code} ({got}); the matrix: {wanted}"
            )
        if not allowed and Record.objects.count() != before:
            mismatches.append(f"{walker}: {endpoint} was refused but wrote to the ledger")
    return mismatches


@dataclass(frozen=True)
class PageLinks:
    """What a page offers to open: the URLs its links lead to and the targets of its forms that
    have a button to send them (`post` ones kept apart: following them would change data)."""

    links: tuple[str, ...]
    gets: tuple[str, ...]  # forms sent by GET: a search, a filter
    posts: tuple[str, ...]


class _LinkParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__()
        self.page = page
        self.links: list[str] = []
        self.gets: list[str] = []
        self.posts: list[str] = []
        self._form: tuple[str, bool] | None = None  # the open form: its target, whether POST
        self._sends = False  # the open form has a button that sends it

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        kind = (found.get("type") or "").lower()
        if tag == "a" and found.get("href"):
            self.links.append(urljoin(self.page, found["href"] or ""))
        elif tag == "form":
            target = urljoin(self.page, found.get("action") or self.page)
            self._form = (target, (found.get("method") or "get").lower() == "post")
            self._sends = False
        elif tag == "button" and kind not in ("button", "reset"):
            self._sends = True
        elif tag == "input" and kind in ("submit", "image"):
            self._sends = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form is not None:
            target, post = self._form
            if self._sends:  # a form without a button (a table shown read-only) offers nothing
                (self.posts if post else self.gets).append(target)
            self._form = None


def page_links(page: str, html: str) -> PageLinks:
    """The links and form targets of `html` (the page at path `page`) that stay on this site:
    paths, without their fragment; links to other sites, mail and telephone are left out."""
    parser = _LinkParser(page)
    parser.feed(html)

    def own(urls: list[str]) -> tuple[str, ...]:
        kept = []
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            if path not in kept:
                kept.append(path)
        return tuple(kept)

    return PageLinks(own(parser.links), own(parser.gets), own(parser.posts))


MOST_PAGES = 600  # a walk of links follows at most this many URLs (they are deduplicated)
# Of one path's links with different queries (a list's sort columns, pages, filters) a few are
# followed: the view, so the permission, is the path's; the rest would only cost time.
QUERIES_A_PATH = 2
# A path's segments that hold a digit (a tag, a code, a pseudonym): one shape of URL, one page.
OBJECT_SEGMENT = re.compile(r"/[^/?]*\d[^/?]*(?=/)")


def _name_of(path: str) -> str | None:
    try:
        match = resolve(path.split("?")[0])
    except Resolver404:
        return None
    return match.view_name


def dead_ends(
    client: Client, user: User, walker: str, starts: list[str], *, per_shape: int | None = None
) -> list[str]:
    """Every link, search form and posting form of the pages `user` reaches from `starts` that
    it may not open, as 'walker: page -> target ...'. Links are followed (GET) and a 403 is a
    dead end; forms that post are not sent (that would change data) but checked against the
    action their target's view declares (`web.may_open`). `per_shape`: follow at most so many
    URLs of one shape (OBJECT_SEGMENT), for a programme with thousands of objects."""
    principal = principal_for_user(user)
    signed_in(client, user)
    queue = list(starts)
    seen = set(queue)
    counted: dict[str, int] = {}
    found: list[str] = []
    while queue and len(seen) < MOST_PAGES:
        page = queue.pop(0)
        response = client.get(page)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        offered = page_links(page, response.content.decode())
        for target in offered.posts:
            name = _name_of(target)
            if name is None or name in PUBLIC_THIRD_PARTY:
                continue
            if not may_open(principal, target):
                found.append(f"{walker}: {page} -> a form posting to {target} ({name})")
        for target in (*offered.links, *offered.gets):
            name = _name_of(target)
            if target in seen or name is None or name in PUBLIC_THIRD_PARTY:
                continue
            seen.add(target)
            path, _query, query = target.partition("?")
            shape = OBJECT_SEGMENT.sub("/*", path)
            counted[shape] = counted.get(shape, 0) + 1
            if query:
                counted[path + "?"] = counted.get(path + "?", 0) + 1
                if counted[path + "?"] > QUERIES_A_PATH:
                    continue
            if per_shape is not None and counted[shape] > per_shape:
                continue
            answer = client.get(target)
            if answer.status_code == 403:
                found.append(f"{walker}: {page} -> {target} ({name}): 403")
            elif answer.status_code == 200:
                queue.append(target)
    return found
