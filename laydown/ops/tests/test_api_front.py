"""API calls with a token take the short chain of middleware (laydown.ops.api_front) and get the
answers the whole chain gives (status, body, headers) for success and every refusal; calls with
a session cookie or without a token take the ordinary way."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction

from laydown.arms.models import Site
from laydown.fixtures import ITEM_FIELDS
from laydown.ops.api_front import ApiHandler, TokenApiFront, token_call
from laydown.ops.metrics import REQUESTS
from laydown.testing import log_size, token_for, user_with_role
from laydown.testing.wsgi import AnswerByName, answer, by_name, console_log, request_lines
from laydown.testing.wsgi import environ as request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_password_hashing", "connections_kept"),
]

RID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
ITEM = ITEM_FIELDS | {"site": "cp-north", "serial": "KT-FRONT-1"}


def token(username: str, actions: list[str], scope: str = "site:cp-north") -> str:
    return token_for(user_with_role(username, "collection_clerk", scope=scope), actions)


@pytest.fixture
def clerk(sites: dict[str, Site]) -> str:
    return token("clerk", ["arms.item_register", "arms.read"])


def environ(method: str, path: str, body: bytes = b"", **extra: str) -> dict[str, Any]:
    """A JSON request to the API, with a proxy's request id."""
    api = {"HTTP_X_REQUEST_ID": RID, "CONTENT_TYPE": "application/json"}
    return request(method, path, body, **(api | {"CONTENT_LENGTH": str(len(body))} | extra))


def call(app: Any, method: str, path: str, body: Any = None, **extra: str) -> AnswerByName:
    raw = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    return by_name(answer(app, environ(method, path, raw, **extra)))


def both(
    method: str, path: str, body: Any = None, **extra: str
) -> tuple[AnswerByName, AnswerByName]:
    """The answer of the short chain and of the whole chain, each from the same database
    (what the first call wrote is rolled back before the second)."""
    answers = []
    for app in (ApiHandler(), WSGIHandler()):
        with transaction.atomic():
            status, headers, content = call(app, method, path, body, **extra)
            transaction.set_rollback(True)
        if "Expires" in headers:  # the moment of the answer (never cache): seconds may differ
            headers["Expires"] = "(the moment)"
        answers.append((status, headers, content))
    return answers[0], answers[1]


def test_a_registration_is_answered_alike(clerk: str) -> None:
    before = log_size()
    short, whole = both("POST", "/api/v1/arms/items", ITEM, HTTP_AUTHORIZATION=f"Bearer {clerk}")
    assert short[0] == whole[0] == "201 Created"
    assert short[1] == whole[1]
    made, expected = json.loads(short[2]), json.loads(whole[2])
    assert made.pop("collected_at") and expected.pop("collected_at")  # a moment later
    assert made == expected and made["serial"] == "KT-FRONT-1"
    assert log_size() == before  # both rolled back
    assert short[1]["Content-Security-Policy"] and short[1]["X-Frame-Options"] == "DENY"
    assert (
        short[1]["Cache-Control"].startswith("max-age=0")
        and "no-store" in short[1]["Cache-Control"]
    )
    assert short[1]["X-Request-ID"] == RID and short[1]["Vary"] == "Accept-Language, Cookie"


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("GET", "/api/v1/arms/items?per_page=2", None, "200 OK"),
        ("GET", "/api/v1/arms/sites", None, "200 OK"),
        ("POST", "/api/v1/arms/items", {"site": "cp-north"}, "422 Unprocessable Entity"),
        ("POST", "/api/v1/arms/items", ITEM | {"category": "x"}, "422 Unprocessable Entity"),
        ("POST", "/api/v1/arms/items", b"{not json", "400 Bad Request"),
        ("POST", "/api/v1/arms/items", ITEM | {"site": "depot-a"}, "403 Forbidden"),
        ("POST", "/api/v1/arms/items", ITEM | {"site": "nowhere"}, "404 Not Found"),
        ("GET", "/api/v1/arms/items/LD-999999", None, "404 Not Found"),
        ("GET", "/api/v1/no/such/path", None, "404 Not Found"),
        ("GET", "/api/v1/arms/items?make=a%01b", None, "422 Unprocessable Entity"),
        ("DELETE", "/api/v1/arms/items", None, "405 Method Not Allowed"),
        ("GET", "/api/v1/organisations", None, "403 Forbidden"),  # not the token's action
    ],
)
def test_reads_and_refusals_are_answered_alike(
    clerk: str, collect: Any, sites: dict[str, Site], method: str, path: str, body: Any, status: str
) -> None:
    collect(site=sites["cp-north"])
    short, whole = both(method, path, body, HTTP_AUTHORIZATION=f"Bearer {clerk}")
    assert short == whole
    assert short[0] == status


@pytest.mark.parametrize(
    ("secret", "status"),
    [
        ("ldt_nonsense", "401 Unauthorized"),
        ("", "401 Unauthorized"),
    ],
)
def test_a_bad_token_is_answered_alike(sites: Any, secret: str, status: str) -> None:
    short, whole = both("POST", "/api/v1/arms/items", ITEM, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert short == whole and short[0] == status
    assert json.loads(short[2])["error"]["code"] == "token_invalid"


def test_a_token_without_the_action_is_answered_alike(sites: Any) -> None:
    reader = token("reader", ["arms.read"])
    short, whole = both("POST", "/api/v1/arms/items", ITEM, HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert short == whole and short[0] == "403 Forbidden"


@pytest.mark.parametrize("language", ["ru", "hy", "az"])
def test_errors_speak_the_callers_language_alike(clerk: str, language: str) -> None:
    for asked in (
        {"HTTP_ACCEPT_LANGUAGE": language},
        {"HTTP_COOKIE": f"django_language={language}"},
    ):
        short, whole = both(
            "POST",
            "/api/v1/arms/items",
            ITEM | {"site": "nowhere"},
            HTTP_AUTHORIZATION=f"Bearer {clerk}",
            **asked,
        )
        assert short == whole
        assert short[1]["Content-Language"] == language
        english = call(
            ApiHandler(),
            "POST",
            "/api/v1/arms/items",
            ITEM | {"site": "nowhere"},
            HTTP_AUTHORIZATION=f"Bearer {clerk}",
        )
        assert english[1]["Content-Language"] == "en"
        message = json.loads(short[2])["error"]["message"]
        assert message != json.loads(english[2])["error"]["message"]


def test_a_refused_host_and_https_are_answered_alike(clerk: str, settings: Any) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk}"}
    short, whole = both("GET", "/api/v1/me", HTTP_HOST="evil.example", **auth)
    assert short == whole and short[0] == "400 Bad Request"
    settings.SECURE_HSTS_SECONDS = 3600
    short, whole = both("GET", "/api/v1/me", **{"wsgi.url_scheme": "https"}, **auth)
    assert short == whole and short[1]["Strict-Transport-Security"] == "max-age=3600"
    settings.SECURE_SSL_REDIRECT = True
    short, whole = both("GET", "/api/v1/me", **auth)
    assert short == whole and short[0].startswith("301")


@pytest.mark.parametrize(
    ("path", "extra", "short"),
    [
        ("/api/v1/me", {"HTTP_AUTHORIZATION": "Bearer ldt_x"}, True),
        ("/api/v1/me", {"HTTP_AUTHORIZATION": "bearer ldt_x"}, True),  # ninja takes any case
        ("/api/v1/me", {"HTTP_AUTHORIZATION": "Bearer ldt_x", "HTTP_COOKIE": "csrftoken=a"}, True),
        ("/api/v1/me", {"HTTP_AUTHORIZATION": "Bearer x", "HTTP_COOKIE": "sessionid=a"}, False),
        ("/api/v1/me", {"HTTP_COOKIE": "sessionid=abc"}, False),
        ("/api/v1/me", {}, False),
        ("/api/v1/me", {"HTTP_AUTHORIZATION": "Basic YTpi"}, False),
        ("/api/v1/docs", {"HTTP_AUTHORIZATION": "Bearer ldt_x"}, False),
        ("/api/v1/openapi.json", {"HTTP_AUTHORIZATION": "Bearer ldt_x"}, False),
        ("/arms/items/", {"HTTP_AUTHORIZATION": "Bearer ldt_x"}, False),
        ("/log/checkpoint", {"HTTP_AUTHORIZATION": "Bearer ldt_x"}, False),
    ],
)
def test_only_token_calls_without_a_session_take_the_short_chain(
    path: str, extra: dict[str, str], short: bool
) -> None:
    taken: list[str] = []

    def app(name: str) -> Any:
        def answer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            taken.append(name)
            start_response("204 No Content", [])
            return []

        return answer

    assert token_call(environ("GET", path, **extra)) is short
    call(TokenApiFront(app("ordinary"), app("short")), "GET", path, **extra)
    assert taken == ["short" if short else "ordinary"]


def test_a_session_call_is_answered_as_before(clerk: str, client: Any) -> None:
    """The signed-in user's language comes from the session: such calls are not diverted."""
    from laydown.accounts.models import User

    user = User.objects.get(username="clerk")
    user.language = "ru"
    user.save()
    client.force_login(user)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    front = TokenApiFront(WSGIHandler())
    status, headers, body = call(
        front,
        "GET",
        "/api/v1/arms/items/LD-999999",
        HTTP_AUTHORIZATION=f"Bearer {clerk}",
        HTTP_COOKIE=cookie,
    )
    assert status == "404 Not Found" and headers["Content-Language"] == "ru"


def test_the_request_id_log_line_and_metrics_are_kept(clerk: str) -> None:
    counted = REQUESTS.labels("POST", "/api/v1/arms/items", "201")
    before = counted._value.get()
    with console_log() as log:
        front = TokenApiFront(WSGIHandler())
        given = call(
            front, "POST", "/api/v1/arms/items", ITEM, HTTP_AUTHORIZATION=f"Bearer {clerk}"
        )
    assert given[0] == "201 Created" and given[1]["X-Request-ID"] == RID
    assert [(x["path"], x["status"], x["request_id"]) for x in request_lines(log)] == [
        ("/api/v1/arms/items", 201, RID)
    ]
    assert counted._value.get() == before + 1


# What a token call has no use for, and why; a middleware added to MIDDLEWARE must be placed in
# API_MIDDLEWARE or here.
LEFT_OUT = {
    "laydown.ops.health.HealthMiddleware": "/healthz and /readyz only",
    "laydown.openrosa.middleware.OpenRosaAnswersMiddleware": "/openrosa/ only",
    "laydown.ledger.fast.PublicLogMiddleware": "/log/ only",
    "whitenoise.middleware.WhiteNoiseMiddleware": "static files only",
    "django.contrib.sessions.middleware.SessionMiddleware": "no session: NoSession",
    "laydown.accounts.context.ProgrammeLocaleMiddleware": "pages only (NOT_PAGES)",
    "django.middleware.csrf.CsrfViewMiddleware": "the API checks CSRF itself, for sessions",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "no session: UserSeen",
    "django_otp.middleware.OTPMiddleware": "a second factor is a session's",
    "laydown.accounts.language.UserLanguageMiddleware": "a signed-in user's language",
    "django.contrib.messages.middleware.MessageMiddleware": "pages only",
}


def test_the_short_chain_is_the_whole_chain_less_what_pages_need(settings: Any) -> None:
    own = {"laydown.ops.api_front.NoSession", "laydown.ops.api_front.UserSeen"}
    kept = [m for m in settings.MIDDLEWARE if m not in LEFT_OUT]
    assert [m for m in settings.API_MIDDLEWARE if m not in own] == kept


SEEN: list[str] = []


def seen(get_response: Any) -> Any:
    """A middleware that notes the paths it is given."""

    def middleware(request: Any) -> Any:
        SEEN.append(request.path)
        return get_response(request)

    return middleware


def test_the_api_handler_takes_its_chain_from_api_middleware(clerk: str, settings: Any) -> None:
    whole = list(settings.MIDDLEWARE)
    settings.API_MIDDLEWARE = [*settings.API_MIDDLEWARE, f"{__name__}.seen"]
    handler = ApiHandler()
    assert settings.MIDDLEWARE == whole  # as it was
    SEEN.clear()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk}"}
    assert call(handler, "GET", "/api/v1/arms/sites", **auth)[0] == "200 OK"
    assert call(WSGIHandler(), "GET", "/api/v1/arms/sites", **auth)[0] == "200 OK"
    assert SEEN == ["/api/v1/arms/sites"]  # the API's chain only


def test_the_url_match_kept_per_path_answers_each_path(
    clerk: str, collect: Any, sites: dict[str, Site]
) -> None:
    first, second = collect(site=sites["cp-north"]), collect(site=sites["cp-north"])
    handler = ApiHandler()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk}"}
    for _ in range(2):  # resolved, then kept
        for item in (first, second):
            status, _headers, body = call(handler, "GET", f"/api/v1/arms/items/{item.tag}", **auth)
            assert status == "200 OK" and json.loads(body)["tag"] == item.tag
    kept = {path: match.kwargs for (_resolver, path), match in handler._matches.items()}
    assert kept == {f"/api/v1/arms/items/{i.tag}": {"tag": i.tag} for i in (first, second)}
    assert call(handler, "GET", "/api/v1/no/such/path", **auth)[0] == "404 Not Found"
    assert len(handler._matches) == 2  # a path that does not resolve is not kept
