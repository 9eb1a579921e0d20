"""Bad input gets a 4xx in the API's error shape (or a 400 page), never a 500, and writes nothing.

Each test here was a 500 or an HTML answer before its fix (issue 17, item 10).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from laydown.access.permissions import ACTIONS, is_allowed
from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.accounts.models import User
from laydown.api import api
from laydown.arms import selectors as arms_selectors
from laydown.arms import services as arms_services
from laydown.fixtures import ARMS_MANAGER as MANAGER
from laydown.fixtures import ITEM_FIELDS
from laydown.testing import FAST_HASHERS, log_size, signed_in, user_with_role

pytestmark = pytest.mark.django_db

HUGE = str(10**30)
POWERFUL_ROLES = ("admin", "programme_manager", "registrar", "auditor", "custodian")
LIST_ENDPOINTS = [
    "/api/v1/arms/items",
    "/api/v1/people/participants",
    "/api/v1/people/cycles/2026-01",
    "/api/v1/assistance/distributions",
    "/api/v1/assistance/complaints",
    "/api/v1/assistance/places",
    "/api/v1/assistance/households",
    "/api/v1/assistance/projects",
    "/api/v1/assistance/meetings",
    "/api/v1/assistance/5w",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def powerful() -> User:
    user = user_with_role("powerful", POWERFUL_ROLES[0])
    for role in POWERFUL_ROLES[1:]:
        accounts.role_grant(actor=accounts.SYSTEM, user=user, role=role, scope="programme")
    arms_services.site_create(
        actor=MANAGER, code="cp-north", name="North", kind="collection_point", region="north"
    )
    return user


@pytest.fixture
def headers(powerful: User) -> dict[str, str]:
    actor = principal_for_user(powerful)
    actions = [a for a in ACTIONS if is_allowed(actor, a)]
    _token, secret = accounts.token_create(actor=actor, name="t", actions=actions, days=1)
    return {"Authorization": f"Bearer {secret}"}


def api_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)
    return error  # type: ignore[no-any-return]


def post_raw(url: str, body: str, headers: dict[str, str]) -> Any:
    return Client().post(url, body, content_type="application/json", headers=headers)


@pytest.mark.parametrize("url", LIST_ENDPOINTS)
def test_a_huge_page_number_is_refused_by_every_list_endpoint(
    url: str, headers: dict[str, str]
) -> None:
    error = api_error(Client().get(url, {"page": HUGE}, headers=headers), 422, "invalid")
    assert "page" in error["fields"]


def test_the_items_page_clamps_a_huge_page_number(powerful: User) -> None:
    response = signed_in(powerful).get("/arms/items/", {"page": HUGE, "make": "x"})
    assert response.status_code == 200


def test_a_tag_ending_in_the_last_code_point_is_searched_without_error() -> None:
    page = arms_selectors.item_search(tag="AB\U0010ffff")
    assert page.rows == [] and not page.has_next
    page = arms_selectors.item_search(tag="\U0010ffff\U0010ffff")
    assert page.rows == []


def test_a_non_character_in_a_query_is_refused_in_the_error_shape(headers: dict[str, str]) -> None:
    response = Client().get("/api/v1/arms/items", {"tag": "AB\U0010ffff"}, headers=headers)
    error = api_error(response, 422, "invalid")
    assert "tag" in error["fields"] and "U+10FFFF" in error["message"]


def test_a_non_character_in_a_page_query_answers_400(powerful: User) -> None:
    response = signed_in(powerful).get("/arms/items/", {"tag": "AB\U0010ffff"})
    assert response.status_code == 400
    assert "U+10FFFF" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("make", "\ud800", "make"),
        ("model", "AK\udfff47", "model"),
        ("markings", "star\x00", "markings"),
        ("photos", ["\ud83d"], "photos.0"),
    ],
)
def test_text_that_is_not_text_in_a_json_body_is_refused_naming_the_field(
    headers: dict[str, str], field: str, value: Any, named: str
) -> None:
    before = log_size()
    body = json.dumps({**ITEM_FIELDS, "site": "cp-north", "serial": "KT-1", field: value})
    error = api_error(post_raw("/api/v1/arms/items", body, headers), 422, "invalid")
    assert named in error["fields"]
    assert log_size() == before


def test_a_lone_surrogate_in_a_json_key_is_refused(headers: dict[str, str]) -> None:
    body = '{"site": "cp-north", "\\ud800": "x"}'
    api_error(post_raw("/api/v1/arms/items", body, headers), 422, "invalid")


def test_a_control_character_in_a_path_is_refused(headers: dict[str, str]) -> None:
    api_error(Client().get("/api/v1/arms/items/AB%00", headers=headers), 422, "invalid")


def test_an_oversized_body_answers_413_in_the_error_shape(
    headers: dict[str, str], settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({**ITEM_FIELDS, "site": "cp-north", "markings": "x" * 2000})
    error = api_error(post_raw("/api/v1/arms/items", body, headers), 413, "too_large")
    assert "1000" in error["message"] or "1 KB" in error["message"] or error["message"]


def test_an_unknown_api_path_answers_404_in_the_error_shape(headers: dict[str, str]) -> None:
    api_error(Client().get("/api/v1/no/such/thing", headers=headers), 404, "not_found")


def test_a_crash_in_the_api_answers_500_in_the_error_shape(
    headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(**_kwargs: Any) -> None:
        raise RuntimeError("boom, with a secret detail")

    monkeypatch.setattr(arms_selectors, "item_search", crash)
    client = Client(raise_request_exception=False)
    error = api_error(client.get("/api/v1/arms/items", headers=headers), 500, "server_error")
    assert "secret" not in json.dumps(error)


def test_a_crash_on_a_page_still_answers_the_html_page(
    powerful: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(arms_selectors, "item_rows", crash)  # what the items page reads
    client = signed_in(powerful, client=Client(raise_request_exception=False))
    response = client.get("/arms/items/", {"make": "x"})
    assert response.status_code == 500 and response["Content-Type"].startswith("text/html")


def test_the_openapi_document_lists_the_error_statuses_of_every_operation() -> None:
    document = api.get_openapi_schema()
    missing = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            statuses = {str(status) for status in operation["responses"]}
            wanted = {"401"}
            if operation.get("requestBody"):
                wanted |= {"400", "413", "422"}
            if "{" in path:
                wanted |= {"404", "422"}
            if operation.get("parameters"):
                wanted.add("422")
            missing += [f"{method.upper()} {path} {s}" for s in sorted(wanted - statuses)]
            error = operation["responses"].get(401, {})
            if error:
                schema = error["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (path, schema)
    assert not missing, missing


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("put", "/api/v1/people/cut-off", {"date": 0}),
        ("put", "/api/v1/people/cut-off", {"date": "1700000000"}),
        ("get", "/api/v1/arms/items", {"collected_to": "0.5"}),
        ("get", "/api/v1/assistance/distributions", {"date_to": "0"}),
    ],
)
def test_a_number_is_not_taken_for_a_date(
    headers: dict[str, str], method: str, url: str, data: dict[str, Any]
) -> None:
    client = Client()
    if method == "get":
        response = client.get(url, data, headers=headers)
    else:
        response = client.put(url, json.dumps(data), "application/json", headers=headers)
    error = api_error(response, 422, "invalid")
    assert set(data) <= set(error["fields"]), error
    assert "ISO 8601" in error["message"]


@pytest.mark.parametrize("multipart", [True, False])
def test_a_page_form_with_a_control_character_is_refused_and_writes_nothing(
    powerful: User, multipart: bool
) -> None:
    before = log_size()
    form = ITEM_FIELDS | {"serial": "KT-1975-001", "make": "Kalash\uffffnikov"}
    client = signed_in(powerful)
    if multipart:
        response = client.post("/arms/sites/cp-north/items/new/", form)
    else:
        body = urlencode(form)
        response = client.post(
            "/arms/sites/cp-north/items/new/", body, "application/x-www-form-urlencoded"
        )
    assert response.status_code == 400
    assert "make" in response.content.decode() and "U+FFFF" in response.content.decode()
    assert log_size() == before


def test_collection_days_are_dates_not_moments(headers: dict[str, str]) -> None:
    """`collected_from`/`collected_to` are whole UTC days, both included, as on the item list
    page (laydown.arms.selectors.collected_between): a moment is refused with the format."""
    url = "/api/v1/arms/items"
    error = api_error(
        Client().get(url, {"collected_to": "2026-01-01T00:00:00+17:07"}, headers=headers),
        422,
        "invalid",
    )
    assert "collected_to" in error["fields"] and "2026-06-01" in error["message"]
    far = Client().get(url, {"collected_from": "0001-01-01T00:30:00+01:00"}, headers=headers)
    api_error(far, 422, "invalid")
    fine = Client().get(url, {"collected_to": "2026-01-01"}, headers=headers)
    assert fine.status_code == 200, fine.content
