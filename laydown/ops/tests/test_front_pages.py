"""The WSGI front (laydown.ops.front) answers a kept public page (the front page, the
transparency page) to a caller who is plainly not signed in as Django's whole chain would: the
same status, body (but the CSRF token, each caller's own), headers, cookie and Vary, in the
language and time zone the middlewares would choose; anything else is Django's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.middleware.csrf import _unmask_cipher_token

from laydown.accounts import programme
from laydown.accounts.services import SYSTEM
from laydown.core import page_cache
from laydown.ledger import services
from laydown.ops.front import PublicLogFront
from laydown.ops.metrics import REQUESTS
from laydown.testing import organisation, signed_in, user_with_role
from laydown.testing.wsgi import Answer, get, ordinary_handler

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("connections_kept")]

PAGES = ["/", "/log/", "/reports/transparency/"]
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{64})(")')
COOKIE = re.compile(r"csrftoken=[A-Za-z0-9]{32}; expires=[^;]+;")
SECRET = "A" * 16 + "b" * 15 + "9"  # a valid CSRF cookie (32 characters of its alphabet)


@pytest.fixture(autouse=True)
def some_records() -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(3)], actor="clerk:1"
    )


class Counted:
    """Django's handler, counting the requests it is given."""

    def __init__(self) -> None:
        self.handler = ordinary_handler()
        self.calls = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.calls += 1
        return self.handler(environ, start_response)


def fast_and_django(path: str, **environ: str) -> tuple[Answer, Answer]:
    """The front's answer (the page kept by a first request, which Django answers) and
    Django's own answer to the same request."""
    page_cache.forget()
    django = Counted()
    front = PublicLogFront(django)
    get(front, path, **environ)
    assert django.calls == 1  # not kept yet: Django renders it and keeps it
    fast = get(front, path, **environ)
    assert django.calls == 1, "the front answered it"
    return fast, get(django, path, **environ)


def comparable(answer: Answer) -> tuple[str, dict[str, str], list[str], str]:
    """Status, headers but the request id and cookies, cookies without their secret (each new
    one is random) and expiry time (a second apart), body without the token."""
    status, headers, body = answer
    plain = {k: v for k, v in headers if k not in ("Set-Cookie", "X-Request-ID")}
    assert len(plain) == len([k for k, _v in headers if k not in ("Set-Cookie", "X-Request-ID")])
    cookies = [COOKIE.sub("csrftoken=-; expires=-;", v) for k, v in headers if k == "Set-Cookie"]
    return status, plain, cookies, TOKEN.sub(r"\1-\3", body.decode())


def token_and_cookie(answer: Answer) -> tuple[str, str]:
    _status, headers, body = answer
    (token,) = [m[2] for m in TOKEN.finditer(body.decode())]
    (cookie,) = [v for k, v in headers if k == "Set-Cookie"]
    assert cookie.startswith(" csrftoken=")
    return token, cookie.split(";")[0].split("=", 1)[1]


CASES = {
    "nothing": {},
    "russian browser": {"HTTP_ACCEPT_LANGUAGE": "ru-RU,ru;q=0.9,en;q=0.5"},
    "armenian then english": {"HTTP_ACCEPT_LANGUAGE": "hy, en;q=0.5"},
    "a language not offered": {"HTTP_ACCEPT_LANGUAGE": "de-DE"},
    "language cookie": {"HTTP_COOKIE": "django_language=az", "HTTP_ACCEPT_LANGUAGE": "ru"},
    "bad language cookie": {"HTTP_COOKIE": "django_language=xx", "HTTP_ACCEPT_LANGUAGE": "ru"},
    "csrf cookie": {"HTTP_COOKIE": f"csrftoken={SECRET}"},
    "csrf cookie masked (Django < 4.0)": {"HTTP_COOKIE": f"csrftoken={'Zz' * 32}"},
    "bad csrf cookie": {"HTTP_COOKIE": "csrftoken=not-a-token; django_language=hy"},
    "over https": {"wsgi.url_scheme": "https", "SERVER_PORT": "443"},
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("case", CASES)
def test_a_kept_page_is_answered_as_django_would(path: str, case: str, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 3600
    fast, django = fast_and_django(path, **CASES[case])
    assert comparable(fast) == comparable(django)
    assert fast[0] == "200 OK" and "Cookie" in dict(fast[1])["Vary"]
    token, secret = token_and_cookie(fast)
    assert _unmask_cipher_token(token) == secret  # the form's token is valid for the cookie
    if case == "csrf cookie":  # the caller's own, sent again (Django renews its expiry)
        assert secret == SECRET == token_and_cookie(django)[1]
    if case.startswith("bad csrf"):
        assert secret != "not-a-token"


def test_languages_are_the_middlewares_choice() -> None:
    shown = {
        case: dict(fast_and_django("/", **CASES[case])[0][1])["Content-Language"]
        for case in ("nothing", "russian browser", "a language not offered", "language cookie")
    }
    assert shown == {
        "nothing": "en",
        "russian browser": "ru",
        "a language not offered": "en",
        "language cookie": "az",
    }


@pytest.mark.parametrize("path", PAGES)
def test_the_programmes_languages_and_time_zone_too(path: str) -> None:
    organisation("operator")
    programme.programme_profile_set(
        actor=SYSTEM,
        name="Northern Peace Programme",
        operator="operator",
        default_language="ru",
        languages=["en", "ru"],
        time_zone="Asia/Baku",
    )
    # ProgrammeLocaleMiddleware leaves /log/ alone: Armenian there, Russian on the others
    armenian = "hy" if path.startswith("/log/") else "ru"
    for environ, language in (({"HTTP_ACCEPT_LANGUAGE": "hy"}, armenian), ({}, "en")):
        fast, django = fast_and_django(path, **environ)
        assert comparable(fast) == comparable(django)
        assert dict(fast[1])["Content-Language"] == language
        assert b"Northern Peace Programme" in fast[2]


def test_each_caller_gets_a_new_token_and_secret() -> None:
    front = PublicLogFront(Counted())
    get(front, "/")
    first, second = token_and_cookie(get(front, "/")), token_and_cookie(get(front, "/"))
    assert first[0] != second[0] and first[1] != second[1]
    again = token_and_cookie(get(front, "/", HTTP_COOKIE=f"csrftoken={first[1]}"))
    assert again[1] == first[1] and again[0] != first[0]  # the same secret, masked anew


@pytest.mark.parametrize(
    ("environ", "why"),
    [
        ({"HTTP_COOKIE": "sessionid=abc"}, "a session: perhaps signed in"),
        ({"HTTP_COOKIE": "messages=abc"}, "perhaps a message waiting"),
        ({"HTTP_COOKIE": "csrftoken=x; other=1"}, "a cookie the front does not know"),
        ({"HTTP_AUTHORIZATION": "Basic eDp5"}, "credentials"),
        ({"QUERY_STRING": "x=1"}, "a query"),
        ({"REQUEST_METHOD": "HEAD"}, "another method"),
        ({"HTTP_HOST": "evil.example"}, "a host Django refuses"),
        ({"HTTP_X_REQUEST_ID": "not-a-uuid"}, "a request id Django replaces"),
    ],
)
def test_anything_else_is_djangos(environ: dict[str, str], why: str) -> None:
    django = Counted()
    front = PublicLogFront(django)
    get(front, "/")  # kept
    get(front, "/", **environ)
    assert django.calls == 2, why


def test_a_signed_in_user_gets_their_own_page_from_django() -> None:
    user = user_with_role("nosections", None)
    session = signed_in(user).cookies[settings.SESSION_COOKIE_NAME].value
    django = Counted()
    front = PublicLogFront(django)
    get(front, "/")  # kept
    _status, _headers, body = get(front, "/", HTTP_COOKIE=f"sessionid={session}")
    assert django.calls == 2 and b"nosections" in body


def test_the_metrics_name_the_route_as_django_does() -> None:
    front = PublicLogFront(Counted())
    counted = [REQUESTS.labels("GET", route, "200") for route in ("home", "/log/")]
    before = [c._value.get() for c in counted]
    for path in ("/", "/", "/log/", "/log/"):
        get(front, path)
    assert [c._value.get() for c in counted] == [b + 2 for b in before]


def test_a_page_named_but_not_in_the_urlconf_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    pages = {**page_cache.ANONYMOUS_PAGES, "nowhere:page": page_cache.ANONYMOUS_PAGES["home"]}
    monkeypatch.setattr(page_cache, "ANONYMOUS_PAGES", pages)
    django = Counted()
    front = PublicLogFront(django)
    assert [get(front, "/")[0] for _ in range(2)] == ["200 OK"] * 2
    assert django.calls == 1  # the second from the front
