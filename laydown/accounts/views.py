"""Account pages: sign-in with a second factor, profile, tokens, and administration.

Each view parses its form, calls one service or selector and renders; services authorise
again and raise ValidationError, which the form shows next to the field it names.
"""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Page as CountedPage
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from laydown.access.web import needs_second_factor, principal_for_user, principal_of, requires
from laydown.accounts import language, selectors, services, signin
from laydown.accounts.forms import (
    CodeForm,
    GrantForm,
    OrganisationForm,
    PasswordChangeForm,
    RevokeForm,
    TokenForm,
    UserForm,
)
from laydown.accounts.models import User
from laydown.core import listing, paging
from laydown.core.errors import ValidationError
from laydown.core.forms import show_service_error

PAGE_SIZE = 50


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing in: `next` if it is ours, else the home page."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url("home")


def _posted(request: HttpRequest) -> QueryDict | None:
    return request.POST if request.method == "POST" else None


def _page(request: HttpRequest, items: Any) -> CountedPage[Any]:
    return paging.page_of(request, items, PAGE_SIZE)


# ---- Sign-in, second factor, sign-out -----------------------------------------------------


@requires("public.view")
@never_cache
def sign_in(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=_posted(request))
    if form.is_valid():  # authenticate() goes through laydown.accounts.signin's throttle
        user = form.get_user()
        auth_login(request, user)
        if needs_second_factor(request, principal_for_user(user)):
            query = urlencode({"next": _next_url(request)})
            response = redirect(f"{reverse('accounts:second_factor')}?{query}")
        else:
            response = redirect(_next_url(request))
        signin.device_cookie_set(response, user)
        language.at_sign_in(request, user, response)
        return response
    if getattr(request, "signin_wait", 0):
        return signin.throttled_response(request, request.signin_wait)  # type: ignore[attr-defined]
    status = 401 if form.is_bound else 200
    context = {"form": form, "next": _next_url(request)}
    return render(request, "accounts/sign_in.html", context, status=status)


@requires("public.view")  # not "account.profile": that would send us back here before the code
@never_cache
def second_factor(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:  # e.g. the session ended: the password comes first
        form = AuthenticationForm(request)
        return render(request, "accounts/sign_in.html", {"form": form, "next": _next_url(request)})
    if request.user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next_url(request))
    actor = principal_of(request)
    has_device = selectors.second_factor_device(request.user) is not None
    code_form = CodeForm(_posted(request))
    if code_form.is_valid():
        check = services.second_factor_verify if has_device else services.second_factor_confirm
        try:
            device = check(actor=actor, code=code_form.cleaned_data["code"])
        except ValidationError as exc:
            show_service_error(code_form, exc)
        else:
            django_otp.login(request, device)
            return redirect(_next_url(request))
    context: dict[str, object] = {"form": code_form, "next": _next_url(request)}
    if not has_device:
        device = services.second_factor_begin(actor=actor)
        context["enrolment"] = selectors.second_factor_enrolment(device)
    return render(
        request, "accounts/second_factor.html", context, status=401 if code_form.errors else 200
    )


@requires("public.view")
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("home")


# ---- One's own account ---------------------------------------------------------------------


@requires("account.profile")
def profile(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    context = {
        "account": user,
        "grants": selectors.grants_described(user),
        "device": selectors.second_factor_device(user),
        "second_factor_required": selectors.second_factor_required(user),
    }
    return render(request, "accounts/profile.html", context)


@requires("account.profile")
@never_cache
def password_change(request: HttpRequest) -> HttpResponse:
    """Change one's own password: the current one is checked behind the sign-in throttle (a
    stolen session cannot guess it faster than a sign-in could), then the new one set; this
    session stays signed in, the others end."""
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(_posted(request))
    if form.is_valid():
        found = authenticate(request, username=user.username, password=form.cleaned_data["current"])
        if getattr(request, "signin_wait", 0):
            return signin.throttled_response(request, request.signin_wait)  # type: ignore[attr-defined]
        if found is None or found.pk != user.pk:
            form.add_error("current", _("This is not your current password."))
        else:
            try:
                services.password_change(
                    actor=principal_of(request),
                    user=user,
                    new=form.cleaned_data["new"],
                    again=form.cleaned_data["again"],
                )
            except ValidationError as exc:
                show_service_error(form, exc)
            else:
                update_session_auth_hash(request, user)
                messages.success(request, _("Your password is changed."))
                return redirect("accounts:profile")
    status = 400 if form.errors else 200
    return render(request, "accounts/password_change.html", {"form": form}, status=status)


@requires("account.tokens")
@never_cache
def tokens(request: HttpRequest) -> HttpResponse:
    actor = principal_of(request)
    form = TokenForm(_posted(request), offered=selectors.token_actions_offered(actor))
    if form.is_valid():
        try:
            token, secret = services.token_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:  # the secret is rendered here once; it is stored nowhere, not even the session
            context = {"token": token, "secret": secret}
            return render(request, "accounts/token_created.html", context, status=201)
    own = selectors.token_list(user_id=actor.user_id or 0)  # signed in: @requires saw to it
    return listing.table(
        request,
        "accounts/tokens.html",
        own,
        name="tokens",
        sorts={"name": "name", "id": "public_id", "expires": "expires_at", "status": "status"},
        default="-expires",
        columns=("id", "name", "actions", "created_at", "expires_at", "status"),
        row=lambda t: [
            t.public_id,
            t.name,
            " ".join(t.actions),
            _iso(t.created_at),
            _iso(t.expires_at),
            t.status,
        ],
        context={"form": form},
        status=400 if form.errors else 200,
    )


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


@requires("account.tokens")
@require_POST
def token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    try:  # someone else's token is refused exactly like a missing one: 404
        services.token_revoke(actor=principal_of(request), public_id=public_id)
    except ValidationError as exc:
        raise Http404(exc.message) from None
    messages.success(request, _("Token %(id)s is revoked.") % {"id": public_id})
    url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        url = reverse("accounts:tokens")
    return redirect(url)


# ---- Administration ------------------------------------------------------------------------


@requires("accounts.org_manage")
def organisations(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(_posted(request))
    if form.is_valid():
        try:
            org = services.org_create(actor=principal_of(request), **form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Organisation %(name)s created.") % {"name": org.name})
            return redirect("accounts:organisations")
    return listing.table(
        request,
        "accounts/organisations.html",
        selectors.organisation_list(),
        name="organisations",
        sorts={"name": "name", "code": "code", "kind": "kind"},
        default="name",
        columns=("code", "name", "kind"),
        row=lambda o: [o.code, o.name, o.kind],
        context={"form": form},
        status=400 if form.errors else 200,
    )


@requires("accounts.user_manage")
def users(request: HttpRequest) -> HttpResponse:
    choices = selectors.organisation_choices()
    form = UserForm(_posted(request), organisations=choices)
    if form.is_valid():
        try:
            user = services.user_create(actor=principal_of(request), **form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("User %(name)s created.") % {"name": user.username})
            return redirect("accounts:user_detail", user_id=user.pk)
    org = request.GET.get("org") or None
    return listing.table(
        request,
        "accounts/users.html",
        selectors.user_list(organisation=org),
        name="users",
        sorts={"username": "username", "organisation": "organisation__name", "active": "is_active"},
        default="username",
        columns=("username", "organisation", "roles", "active"),
        row=lambda u: [
            u.username,
            u.organisation.code if u.organisation else "",
            " ".join(f"{g.role}@{g.scope}" for g in u.grants.all()),
            "yes" if u.is_active else "no",
        ],
        context={"form": form, "organisations": choices, "org": org},
        status=400 if form.errors else 200,
    )


def _user_or_404(user_id: int) -> User:
    user = selectors.user_get(user_id)
    if user is None:
        raise Http404(_("No such user."))
    return user


def _user_page(
    request: HttpRequest, user: User, grant_form: GrantForm | None = None, status: int = 200
) -> HttpResponse:
    context = {
        "account": user,
        "grants": selectors.grants_described(user),
        "device": selectors.second_factor_device(user),
        "tokens": selectors.token_list(user_id=user.pk),
        "grant_form": grant_form or GrantForm(),
    }
    return render(request, "accounts/user_detail.html", context, status=status)


@requires("accounts.user_manage")
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    return _user_page(request, _user_or_404(user_id))


@requires("accounts.role_grant")
@require_POST
def user_grant(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _user_or_404(user_id)
    form = GrantForm(request.POST)
    if form.is_valid():
        try:
            services.role_grant(actor=principal_of(request), user=user, **form.cleaned_data)
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Role granted."))
            return redirect("accounts:user_detail", user_id=user.pk)
    return _user_page(request, user, grant_form=form, status=400)


@requires("accounts.role_grant")
@require_POST
def user_revoke(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _user_or_404(user_id)
    form = RevokeForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say which role and scope to revoke."), fields={"role": "?"})
        services.role_revoke(actor=principal_of(request), user=user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, exc.message)
        return _user_page(request, user, status=400)
    messages.success(request, _("Role revoked."))
    return redirect("accounts:user_detail", user_id=user.pk)


@requires("accounts.user_manage")
@require_POST
def user_second_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    user = _user_or_404(user_id)
    try:
        services.second_factor_reset(actor=principal_of(request), user=user)
    except ValidationError as exc:
        messages.error(request, exc.message)
        return _user_page(request, user, status=400)
    messages.success(
        request,
        _("%(name)s's second factor is removed; they set up a new one at their next sign-in.")
        % {"name": user.username},
    )
    return redirect("accounts:user_detail", user_id=user.pk)


@requires("accounts.user_manage")
@require_POST
def user_active(request: HttpRequest, user_id: int) -> HttpResponse:
    """Deactivate or reactivate a user (`active` posted as 1 or 0)."""
    user = _user_or_404(user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_active_set(actor=principal_of(request), user=user, active=active)
    except ValidationError as exc:
        messages.error(request, exc.message)
        return _user_page(request, user, status=400)
    done = _("%(name)s is active again.") if active else _("%(name)s is deactivated.")
    messages.success(request, done % {"name": user.username})
    return redirect("accounts:user_detail", user_id=user.pk)
