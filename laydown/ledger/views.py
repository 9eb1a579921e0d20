"""The public front page, and the read-only log endpoints in the exact C2SP tlog-tiles and
tlog-proof formats."""

from __future__ import annotations

import base64

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.views.decorators.http import require_GET

from laydown import tlog
from laydown.access.web import requires
from laydown.core import page_cache
from laydown.ledger import selectors

IMMUTABLE = "public, max-age=31536000, immutable"


def _front_page_context(request: HttpRequest) -> dict[str, object]:
    return {
        "checkpoint": selectors.checkpoint_public(),
        "witnesses": selectors.witnesses(),
        # relative: the front page must answer without reading the Host header (a probe by
        # IP address gets its redirect or 400, not an error); the policy's log line then
        # carries no URL, which tlog-policy allows
        "policy": tlog.format_policy(selectors.policy("")),
        "log_url": "/log",
    }


# The front page: the latest signed checkpoint and the witnesses' status, rendered once per
# state of the log and its witnesses for callers who are not signed in.
FRONT_PAGE = page_cache.PublicPage(
    "ledger/home.html",
    lambda request: selectors.page_key_served(selectors.public_state),
    _front_page_context,
)


@requires("public.view")
def home(request: HttpRequest) -> HttpResponse:
    """The front page (`FRONT_PAGE`)."""
    return page_cache.render_public(request, FRONT_PAGE)


@require_GET
@requires("public.view")
def checkpoint(request: HttpRequest) -> HttpResponse:
    return checkpoint_answer(request.headers.get("If-None-Match"))


def checkpoint_answer(if_none_match: str | None) -> HttpResponse:
    """The served checkpoint, or 304 to a client that holds it (laydown.ledger.front too)."""
    served = selectors.checkpoint_served()
    etag = f'"{served.size}-{served.root[:8].hex()}"'
    response: HttpResponse
    if if_none_match == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(served.note, content_type="text/plain; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "no-cache"  # it changes with every append: always revalidate
    return response


@require_GET
@requires("public.view")
def tile(request: HttpRequest, path: str) -> HttpResponse:
    return tile_answer(path)


def tile_answer(path: str) -> HttpResponse:
    """The tile at `tile/<path>`; Http404 if malformed or not in the tree (laydown.ops.front
    answers it too)."""
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
    return proof_answer(index)


def proof_answer(index: int) -> HttpResponse:
    """Record `index`'s inclusion proof in the served checkpoint (laydown.ledger.front too)."""
    text = selectors.proof_for_record(index)
    if text is None:
        raise Http404("No record with this index in the latest checkpoint.")
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@requires("public.view")
def consistency(request: HttpRequest, old: int, new: int) -> HttpResponse:
    """The consistency proof between two trees the log signed, one base64 hash a line."""
    proof = selectors.consistency_proof(old, new)
    if proof is None:
        raise Http404(
            "Both sizes must be within the served checkpoint, the first at most the second."
        )
    text = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = IMMUTABLE
    return response


@require_GET
@requires("public.view")
def policy(request: HttpRequest) -> HttpResponse:
    """The log's C2SP tlog-policy (its key, witnesses and quorum), at a stable URL."""
    text = tlog.format_policy(selectors.policy(log_url(request)))
    interval = settings.LAYDOWN_WITNESS_MIN_INTERVAL
    if interval:  # a comment line: tlog-policy readers skip it
        text = f"# witnesses are sent a checkpoint at most every {interval} s\n{text}"
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@requires("public.view")
def receipt(request: HttpRequest) -> HttpResponse:
    """The page a receipt's QR code opens: the browser checks the receipt itself (the record's
    index and leaf hash travel in the link's fragment, which the browser never sends)."""
    text = tlog.format_policy(selectors.policy(log_url(request)))
    return render(request, "ledger/receipt.html", {"policy": text, "log_url": log_url(request)})


def log_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/log")
