"""Token calls of the registrations answered before Django's handler (laydown.ops.api_fast) get
the answers Django's way gives (status, body, headers but the request id's moment) for good
input and every kind of bad input; what fails before the registration runs is Django's to
answer, what the registration raises is answered by the front, never by running it twice."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction

from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.accounts.models import ApiToken
from laydown.arms import services as arms
from laydown.arms.api import LotOut, MaterielOut, _answer, rendered_body
from laydown.arms.models import AmmoLot, Item, Materiel, Site
from laydown.fixtures import ARMS_MANAGER, ITEM_FIELDS
from laydown.ops.api_fast import RegistrationFront
from laydown.ops.api_front import TokenApiFront
from laydown.ops.metrics import REQUESTS
from laydown.testing import log_size, token_for, user_with_role
from laydown.testing.wsgi import AnswerByName, answer, by_name, console_log, request_lines
from laydown.testing.wsgi import environ as request

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fast_password_hashing", "connections_kept"),
]

RID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
ITEMS = "/api/v1/arms/items"
ITEM = ITEM_FIELDS | {"site": "cp-north", "serial": "KT-FAST-1"}
LOT = {
    "site": "cp-north",
    "type": "cartridge",
    "calibre": "7.62x39mm",
    "quantity": 1200,
    "unit": "rounds",
    "hazard_division": "1.4",
    "compatibility_group": "S",
    "condition": "serviceable",
}
MATERIEL = {"site": "cp-north", "type": "radio", "description": "VHF radio", "quantity": 2}


def token(username: str, actions: list[str], scope: str = "site:cp-north") -> str:
    return token_for(user_with_role(username, "collection_clerk", scope=scope), actions)


@pytest.fixture
def clerk(sites: dict[str, Site]) -> str:
    return token("clerk", ["arms.item_register", "arms.read"])


class Django:
    """Django's way (the token calls' short chain), noting each request it is given."""

    def __init__(self) -> None:
        self.handler = TokenApiFront(WSGIHandler())
        self.given = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        self.given += 1
        return self.handler(environ, start_response)


def call(app: Any, method: str, path: str, body: Any, **extra: str) -> AnswerByName:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    api = {"HTTP_X_REQUEST_ID": RID, "CONTENT_TYPE": "application/json"}
    environ = request(method, path, raw, **(api | {"CONTENT_LENGTH": str(len(raw))} | extra))
    return by_name(answer(app, environ))


def both(
    method: str, path: str, body: Any, **extra: str
) -> tuple[AnswerByName, AnswerByName, bool]:
    """The front's answer and Django's (the whole chain's), each from the same database (what
    the first wrote is rolled back), and whether the front answered itself."""
    django = Django()
    front = RegistrationFront(django)
    answers = []
    for app in (front, WSGIHandler()):
        with transaction.atomic():
            status, headers, content = call(app, method, path, body, **extra)
            transaction.set_rollback(True)
        if "Expires" in headers:  # the moment of the answer (never cache): seconds may differ
            headers["Expires"] = "(the moment)"
        answers.append((status, headers, content))
    return answers[0], answers[1], django.given == 0


def without_moment(body: bytes) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(body)
    assert found.pop("collected_at")  # a moment later on the second way
    return found


@pytest.mark.parametrize(
    ("path", "body"),
    [(ITEMS, ITEM), ("/api/v1/arms/lots", LOT), ("/api/v1/arms/materiel", MATERIEL)],
)
def test_a_registration_is_answered_by_the_front_as_django_answers_it(
    clerk: str, path: str, body: dict[str, Any]
) -> None:
    before = log_size()
    fast, whole, answered = both("POST", path, body, HTTP_AUTHORIZATION=f"Bearer {clerk}")
    assert answered
    assert fast[0] == whole[0] == "201 Created"
    assert fast[1] == whole[1]
    assert without_moment(fast[2]) == without_moment(whole[2])
    assert log_size() == before  # both rolled back
    assert fast[1]["X-Request-ID"] == RID and fast[1]["Vary"] == "Accept-Language, Cookie"
    assert fast[1]["Content-Security-Policy"] and fast[1]["X-Frame-Options"] == "DENY"
    assert "no-store" in fast[1]["Cache-Control"] and fast[1]["Content-Language"] == "en"
    assert int(fast[1]["Content-Length"]) == len(fast[2])


BIDI = "AK\u202em"  # a right-to-left override in free text: refused by the service


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (ITEM | {"site": "nowhere"}, "404 Not Found", "not_found"),
        (ITEM | {"site": "depot-a"}, "403 Forbidden", "forbidden"),
        (ITEM | {"category": "x"}, "422 Unprocessable Entity", "invalid"),
        (ITEM | {"make": BIDI}, "422 Unprocessable Entity", "invalid"),
        (ITEM | {"year": 3000}, "422 Unprocessable Entity", "invalid"),
    ],
)
def test_what_the_registration_refuses_is_answered_by_the_front_alike(
    clerk: str, body: dict[str, Any], status: str, code: str
) -> None:
    fast, whole, answered = both("POST", ITEMS, body, HTTP_AUTHORIZATION=f"Bearer {clerk}")
    assert answered and fast == whole
    assert fast[0] == status and json.loads(fast[2])["error"]["code"] == code


def test_a_duplicate_and_a_closed_site_are_answered_alike(
    clerk: str, collect: Any, sites: dict[str, Site]
) -> None:
    earlier = collect(site=sites["cp-north"], serial="KT-FAST-1")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk}"}
    fast, whole, answered = both("POST", ITEMS, ITEM, **auth)
    assert answered and fast == whole and fast[0] == "422 Unprocessable Entity"
    error = json.loads(fast[2])["error"]
    assert error["code"] == "duplicate" and error["fields"]["duplicate_of"] == earlier.tag
    arms.site_status_set(actor=ARMS_MANAGER, site=sites["cp-north"], status="closed")
    fast, whole, answered = both("POST", ITEMS, ITEM | {"serial": "KT-FAST-2"}, **auth)
    assert answered and fast == whole and fast[0] == "422 Unprocessable Entity"
    assert "site" in json.loads(fast[2])["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "extra", "status"),
    [
        (ITEM, {"HTTP_AUTHORIZATION": "Bearer ldt_nonsense"}, "401 Unauthorized"),
        (ITEM, {"HTTP_AUTHORIZATION": "Bearer "}, "401 Unauthorized"),
        (b"{not json", {}, "400 Bad Request"),
        (b"[1, 2]", {}, "422 Unprocessable Entity"),
        (b"", {}, "422 Unprocessable Entity"),
        ({"site": "cp-north"}, {}, "422 Unprocessable Entity"),
        (ITEM | {"year": "old"}, {}, "422 Unprocessable Entity"),
        (ITEM | {"make": "AK\u0001M"}, {}, "422 Unprocessable Entity"),  # no text: the guard
        (ITEM | {"notes": "x" * 3_000_000}, {}, "413 Request Entity Too Large"),
        (ITEM, {"CONTENT_TYPE": "text/plain"}, "201 Created"),  # ninja reads JSON anyway
        (ITEM, {"REQUEST_METHOD": "PUT"}, "405 Method Not Allowed"),
        (ITEM, {"QUERY_STRING": "x=1"}, "201 Created"),
        (ITEM, {"HTTP_IDEMPOTENCY_KEY": "f0e1d2c3-b4a5-4697-8877-665544332211"}, "201 Created"),
        (ITEM, {"HTTP_X_REQUEST_ID": "not an id"}, "201 Created"),
        (ITEM, {"HTTP_HOST": "evil.example"}, "400 Bad Request"),
        (ITEM, {"HTTP_COOKIE": "sessionid=abc"}, "201 Created"),
    ],
)
def test_what_fails_before_the_registration_is_djangos_to_answer(
    clerk: str, body: Any, extra: dict[str, str], status: str
) -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk}"} | extra
    fast, whole, answered = both(auth.pop("REQUEST_METHOD", "POST"), ITEMS, body, **auth)
    assert not answered
    if status == "201 Created":  # moments and a new request id aside
        whole[1]["X-Request-ID"] = fast[1]["X-Request-ID"]
        assert (fast[0], fast[1]) == (whole[0], whole[1])
        assert without_moment(fast[2]) == without_moment(whole[2])
    else:
        assert fast == whole
    assert fast[0] == status


def test_a_token_without_the_action_is_djangos_to_answer(sites: Any) -> None:
    reader = token("reader", ["arms.read"])
    fast, whole, answered = both("POST", ITEMS, ITEM, HTTP_AUTHORIZATION=f"Bearer {reader}")
    assert not answered and fast == whole and fast[0] == "403 Forbidden"


@pytest.mark.parametrize("language", ["ru", "hy", "az"])
def test_its_answers_speak_the_callers_language_alike(clerk: str, language: str) -> None:
    for asked in (
        {"HTTP_ACCEPT_LANGUAGE": language},
        {"HTTP_COOKIE": f"django_language={language}"},
    ):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk}"} | asked
        fast, whole, answered = both("POST", ITEMS, ITEM | {"site": "nowhere"}, **auth)
        assert answered and fast == whole
        assert fast[1]["Content-Language"] == language
        english = both(
            "POST", ITEMS, ITEM | {"site": "nowhere"}, HTTP_AUTHORIZATION=f"Bearer {clerk}"
        )
        message = json.loads(fast[2])["error"]["message"]
        assert message != json.loads(english[0][2])["error"]["message"]
        fast, whole, answered = both("POST", ITEMS, ITEM, **auth)
        assert answered and fast[1] == whole[1] and fast[1]["Content-Language"] == language


def test_https_and_its_headers_are_answered_alike(clerk: str, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 3600
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk}", "wsgi.url_scheme": "https"}
    fast, whole, answered = both("POST", ITEMS, ITEM, **auth)
    assert answered and fast[1] == whole[1]
    assert fast[1]["Strict-Transport-Security"] == "max-age=3600"
    settings.SECURE_SSL_REDIRECT = True
    fast, whole, answered = both("POST", ITEMS, ITEM, HTTP_AUTHORIZATION=f"Bearer {clerk}")
    assert not answered and fast == whole and fast[0].startswith("301")


def test_the_request_id_log_line_and_metrics_are_kept(clerk: str) -> None:
    counted = REQUESTS.labels("POST", ITEMS, "201")
    before = counted._value.get()
    with console_log() as log:
        given = call(
            RegistrationFront(Django()), "POST", ITEMS, ITEM, HTTP_AUTHORIZATION=f"Bearer {clerk}"
        )
    assert given[0] == "201 Created" and given[1]["X-Request-ID"] == RID
    assert [(x["path"], x["status"], x["request_id"]) for x in request_lines(log)] == [
        (ITEMS, 201, RID)
    ]
    assert counted._value.get() == before + 1


def test_a_revoked_token_is_refused_at_once(clerk: str) -> None:
    front = RegistrationFront(Django())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk}"}
    assert call(front, "POST", ITEMS, ITEM, **auth)[0] == "201 Created"
    api_token = ApiToken.objects.get(user__username="clerk")
    owner = principal_for_user(api_token.user)
    accounts.token_revoke(actor=owner, public_id=api_token.public_id)
    refused = call(front, "POST", ITEMS, ITEM | {"serial": "KT-FAST-9"}, **auth)
    assert refused[0] == "401 Unauthorized"


def test_another_chain_of_middleware_stops_the_front(settings: Any) -> None:
    settings.API_MIDDLEWARE = [*settings.API_MIDDLEWARE, "laydown.ops.api_front.UserSeen"]
    with pytest.raises(ImproperlyConfigured):
        RegistrationFront(Django())


def test_a_lot_and_materiel_answer_as_their_schemas_render_them(
    clerk: str, sites: dict[str, Site]
) -> None:
    """Their answers are read from the row as ItemOut's are, not validated field by field."""
    fast = call(
        RegistrationFront(Django()),
        "POST",
        "/api/v1/arms/lots",
        LOT,
        HTTP_AUTHORIZATION=f"Bearer {clerk}",
    )
    lot = AmmoLot.objects.get(tag=json.loads(fast[2])["tag"])
    validated = LotOut.model_validate(lot).model_dump()
    assert rendered_body(_answer(LotOut, lot), 201) == rendered_body(validated, 201) == fast[2]
    fast = call(
        RegistrationFront(Django()),
        "POST",
        "/api/v1/arms/materiel",
        MATERIEL,
        HTTP_AUTHORIZATION=f"Bearer {clerk}",
    )
    row = Materiel.objects.get(tag=json.loads(fast[2])["tag"])
    validated = MaterielOut.model_validate(row).model_dump()
    assert rendered_body(_answer(MaterielOut, row), 201) == rendered_body(validated, 201)


@pytest.mark.parametrize("key", ["f0e1d2c3-b4a5-4697-8877-665544332211", "tablet-7 outbox 42"])
@pytest.mark.parametrize(
    ("path", "body", "model"),
    [
        (ITEMS, ITEM, Item),
        ("/api/v1/arms/lots", LOT, AmmoLot),
        ("/api/v1/arms/materiel", MATERIEL, Materiel),
    ],
)
def test_a_registration_sent_again_with_its_idempotency_key_gets_the_first_answer_either_way(
    clerk: str, key: str, path: str, body: dict[str, Any], model: type[Any]
) -> None:
    """A tablet that lost the answer sends the same call again, to the front or straight to
    Django's way: nothing more is written and the answer is the first one, byte for byte."""
    auth = {"HTTP_AUTHORIZATION": f"Bearer {clerk}", "HTTP_IDEMPOTENCY_KEY": key}
    django = Django()
    front = RegistrationFront(django)

    def sent(app: Any) -> AnswerByName:
        status, headers, content = call(app, "POST", path, body, **auth)
        headers["Expires"] = "(the moment)" if "Expires" in headers else "none"
        return status, headers, content

    first = sent(front)
    size = log_size()
    assert first[0] == "201 Created"
    assert sent(front) == first and sent(WSGIHandler()) == first
    assert model.objects.count() == 1 and log_size() == size
    assert json.loads(first[2])["tag"] == model.objects.get().tag
    assert django.given == 2  # the front leaves an Idempotency-Key to Django's way
