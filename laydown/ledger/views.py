"""The public front page, and the read-only log endpoints in the exact C2SP tlog-tiles and
tlog-proof formats."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from laydown import tlog
from laydown.access.web import requires
from laydown.ledger import selectors

IMMUTABLE = "public, max-age=31536000, immutable"


@requires("public.view")
def home(request: HttpRequest) -> HttpResponse:
    """The front page: the latest signed checkpoint and the witnesses' status."""
    return render(
        request,
        "ledger/home.html",
        {"checkpoint": selectors.checkpoint_public(), "witnesses": selectors.witnesses()},
    )


@require_GET
@requires("public.view")
def checkpoint(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        selectors.checkpoint_public().note, content_type="text/plain; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@requires("public.view")
def tile(request: HttpRequest, path: str) -> HttpResponse:
    try:
        wanted = tlog.parse_tile_path("tile/" + path)
    except tlog.TileError as exc:
        raise Http404(str(exc)) from None
    content = selectors.tile_content(wanted)
    if content is None:
        raise Http404("This tile is not in the tree (yet).")
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Cache-Control"] = IMMUTABLE
    return response


@require_GET
@requires("public.view")
def proof(request: HttpRequest, index: int) -> HttpResponse:
    text = selectors.proof_for_record(index)
    if text is None:
        raise Http404("No record with this index in the latest checkpoint.")
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response
