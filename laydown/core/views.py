from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from laydown.accounts.access import requires
from laydown.ledger import selectors


@requires("public.view")
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/home.html",
        {"checkpoint": selectors.checkpoint_public(), "witnesses": selectors.witnesses()},
    )
