"""What the application accepts as text, checked once at the edge for every way in.

JSON may carry escapes that decode to no character at all (a lone surrogate `"\\ud800"`), and
any input may carry control characters or Unicode non-characters (U+FFFE, U+10FFFF...). None
is text a person meant: a lone surrogate cannot be stored or encoded as UTF-8, PostgreSQL
refuses NUL, XML (hence XLSX) refuses most controls, and U+10FFFF broke prefix searches. The
API's parser (`laydown.api`) checks JSON bodies, queries and forms; `TextGuardMiddleware`
checks every path and query, and the forms of pages. Both name the field and the character.
(What text may say once it is text, such as bidi controls in free text, is `laydown.core.text`.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from laydown.core.errors import ValidationError

__all__ = ["TextGuardMiddleware", "bad_text_in", "refuse_bad_text", "text_fault"]

NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(chr(plane << 16 | low) for plane in range(0x11) for low in (0xFFFE, 0xFFFF))
    + "]"
)


def text_fault(value: str) -> str | None:
    """Why `value` is not acceptable text (the first offending character), or None."""
    found = NOT_TEXT.search(value)
    if found is None:
        return None
    return _("U+%(code)04X at position %(pos)d is not a character text may hold") % {
        "code": ord(found.group()),
        "pos": found.start() + 1,
    }


def bad_text_in(data: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """(field, reason) for each string in `data` (keys too) that is not acceptable text;
    nested fields are named with dots (`crates.0.seal`)."""
    if isinstance(data, str):
        fault = text_fault(data)
        if fault:
            yield where or "body", fault
    elif isinstance(data, dict):
        for key, value in data.items():
            name = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and text_fault(key):
                yield where or "body", _("a field name: %(fault)s") % {"fault": text_fault(key)}
                continue
            yield from bad_text_in(value, name)
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            yield from bad_text_in(value, f"{where}.{index}" if where else str(index))


_SCALARS = frozenset({int, float, bool, type(None)})


def _plainly_text(data: Any) -> bool:
    """Whether `data` is a flat object (an API body's usual shape: strings, numbers, lists of
    strings) whose keys and strings are all acceptable text, found by one search over them
    joined (the class matches single characters: none spans two strings) instead of a
    generator and a search a string; False whenever unsure, and `bad_text_in` looks."""
    if type(data) is not dict:
        return False
    strings: list[str] = []
    for key, value in data.items():
        if type(key) is not str:
            return False
        strings.append(key)
        if type(value) is str:
            strings.append(value)
        elif type(value) is list:
            if any(type(v) is not str for v in value):
                return False
            strings += value
        elif type(value) not in _SCALARS:
            return False
    return NOT_TEXT.search("".join(strings)) is None


def refuse_bad_text(data: Any, where: str = "") -> None:
    """Raise a ValidationError naming every field of `data` that holds no acceptable text."""
    if _plainly_text(data):
        return
    faults = dict(bad_text_in(data, where))
    if faults:
        raise ValidationError(
            _(
                "Text may not hold control characters, lone surrogates or Unicode "
                "non-characters: %(faults)s. Remove them and send again."
            )
            % {"faults": "; ".join(f"{k}: {v}" for k, v in faults.items())},
            fields=faults,
        )


FORMS = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def _request_text(request: HttpRequest) -> dict[str, Any]:
    def flat(values: list[str]) -> str | list[str]:
        return values[0] if len(values) == 1 else values

    text: dict[str, Any] = {"path": request.path}
    text.update((key, flat(values)) for key, values in request.GET.lists())
    # A page's form (the CSRF check reads it anyway); the API's forms are its parser's job.
    if request.content_type in FORMS and not request.path.startswith("/api/"):
        text.update((key, flat(values)) for key, values in request.POST.lists())
    return text


class TextGuardMiddleware:
    """Refuse a request whose path, query or page form holds no acceptable text:
    a 422 in the API's error shape under /api/, a 400 page elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refuse_bad_text(_request_text(request))
        except ValidationError as exc:
            if request.path.startswith("/api/"):
                return JsonResponse(exc.as_dict(), status=422)
            return render(request, "400.html", {"reason": exc.message}, status=400)
        return self.get_response(request)
