"""The programme's profile page, and its logo (public: the public page shows it)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from laydown.access.roles import OrgKind
from laydown.access.web import principal_of, requires
from laydown.accounts import programme, selectors
from laydown.accounts.forms import ProgrammeForm
from laydown.core.forms import run_form


def _initial() -> dict[str, object]:
    profile = programme.programme_profile()
    if profile is None:
        return {"languages": ["en"], "default_language": "en", "time_zone": "UTC"}
    return {
        "name": profile.name,
        "operator": profile.operator.code,
        "classification": profile.classification,
        "default_language": profile.default_language,
        "languages": profile.languages,
        "time_zone": profile.time_zone,
        "regions": programme.regions_text(profile.regions),
    }


@requires("accounts.programme_manage")
def programme_profile(request: HttpRequest) -> HttpResponse:
    operators = [
        (code, label)
        for code, label in selectors.organisation_choices()
        if selectors.organisation_kind(code) == OrgKind.OPERATOR
    ]
    languages = [(code, str(label)) for code, label in settings.LANGUAGES]
    posted = request.POST if request.method == "POST" else None
    form = ProgrammeForm(
        posted, request.FILES or None, initial=_initial(), operators=operators, languages=languages
    )

    def save() -> object:
        f = form.cleaned_data
        upload = f["logo"]
        logo = programme.logo_store(data=upload.read()) if upload else None
        return programme.programme_profile_set(
            actor=principal_of(request),
            name=f["name"],
            operator=f["operator"],
            classification=f["classification"],
            default_language=f["default_language"],
            languages=f["languages"],
            time_zone=f["time_zone"].strip(),
            regions=programme.regions_parse(f["regions"]),
            logo="" if f["remove_logo"] else logo,
        )

    ok, _profile = run_form(form, save) if posted is not None else (False, None)
    if ok:
        messages.success(request, _("The programme's profile is saved."))
        return redirect("accounts:programme")
    context = {"form": form, "profile": programme.programme_profile()}
    return render(request, "accounts/programme.html", context, status=400 if form.errors else 200)


@requires("public.view")
def programme_logo(request: HttpRequest, sha: str) -> HttpResponse:
    kind = programme.logo_content_type(sha)
    if kind is None:
        raise Http404(_("No such logo."))
    response = HttpResponse(programme.logo_path(sha).read_bytes(), content_type=kind)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
