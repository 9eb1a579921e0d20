"""The registry API: the same services as the pages, one error shape, refusals write nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.arms.models import Container, Item, Shipment, Site
from laydown.fixtures import ITEM_FIELDS
from laydown.testing import log_size, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

ITEM = ITEM_FIELDS | {"site": "cp-north", "serial": "KT-API-1"}


def token(username: str, role: str, actions: list[str], scope: str = "programme") -> str:
    user = user_with_role(username, role, scope=scope)
    _token, secret = accounts.token_create(
        actor=principal_for_user(user), name="api test", actions=actions, days=5
    )
    return secret


def call(method: str, url: str, secret: str | None = None, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    client = Client()
    if method == "get":
        return client.get(url, body or {}, headers=headers)
    return client.post(
        url, json.dumps(body or {}), content_type="application/json", headers=headers
    )


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and isinstance(error["fields"], dict)
    return error  # type: ignore[no-any-return]


@pytest.fixture
def clerk(sites: dict[str, Site]) -> str:
    return token("clerk", "collection_clerk", ["arms.item_register", "arms.read"], "site:cp-north")


def test_a_clerk_registers_reads_and_searches_with_a_token(clerk: str) -> None:
    created = call("post", "/api/v1/arms/items", clerk, ITEM)
    assert created.status_code == 201, created.content
    tag = created.json()["tag"]
    assert created.json()["site"] == "cp-north" and created.json()["status"] == "in_storage"

    item = call("get", f"/api/v1/arms/items/{tag}", clerk).json()
    assert item["serial"] == "KT-API-1"
    (event,) = item["history"]
    assert event["kind"] == "arms.item_collected" and event["record_index"] >= 0

    found = call("get", "/api/v1/arms/items", clerk, {"serial": "api1"}).json()
    assert [i["tag"] for i in found["items"]] == [tag] and found["has_next"] is False

    lot = call(
        "post",
        "/api/v1/arms/lots",
        clerk,
        {
            "site": "cp-north",
            "type": "cartridge",
            "calibre": "7.62x39mm",
            "quantity": 1200,
            "unit": "rounds",
            "hazard_division": "1.4",
            "compatibility_group": "S",
            "condition": "serviceable",
        },
    )
    assert lot.status_code == 201 and lot.json()["quantity"] == 1200
    materiel = call(
        "post",
        "/api/v1/arms/materiel",
        clerk,
        {"site": "cp-north", "type": "radio", "description": "VHF radio", "quantity": 2},
    )
    assert materiel.status_code == 201
    sites = call("get", "/api/v1/arms/sites", clerk).json()
    assert [s["code"] for s in sites] == ["cp-north"]
    contents = call("get", "/api/v1/arms/sites/cp-north", clerk).json()
    assert tag in contents["loose_items"] and lot.json()["tag"] in contents["loose_lots"]


def test_a_duplicate_is_422_with_the_earlier_tags_until_confirmed(clerk: str) -> None:
    first = call("post", "/api/v1/arms/items", clerk, ITEM).json()["tag"]
    before = log_size()
    again = call("post", "/api/v1/arms/items", clerk, ITEM | {"serial": "kt api 1"})
    error = error_of(again, 422, "duplicate")
    assert error["fields"]["duplicate_of"] == first and "serial" in error["fields"]
    assert log_size() == before
    confirmed = call(
        "post",
        "/api/v1/arms/items",
        clerk,
        ITEM | {"serial": "kt api 1", "confirm_duplicate_reason": "another rifle, new stamp"},
    )
    assert confirmed.status_code == 201


def test_refusals_have_the_error_shape_and_append_nothing(
    clerk: str, collect: Callable[..., Item]
) -> None:
    item = collect()  # at depot-a, outside the clerk's site
    reader = token("reader", "collection_clerk", ["arms.read"])
    before = log_size()

    error_of(call("post", "/api/v1/arms/items", None, ITEM), 401, "not_authenticated")
    error_of(call("post", "/api/v1/arms/items", "ldt_nonsense", ITEM), 401, "token_invalid")
    error_of(call("post", "/api/v1/arms/items", reader, ITEM), 403, "forbidden")
    elsewhere = call("post", "/api/v1/arms/items", clerk, ITEM | {"site": "depot-a"})
    assert "not here" in error_of(elsewhere, 403, "forbidden")["message"]  # in words
    error_of(call("get", f"/api/v1/arms/items/{item.tag}", clerk), 404, "not_found")
    error_of(call("get", "/api/v1/arms/items/LD-999999", clerk), 404, "not_found")
    error_of(
        call("post", "/api/v1/arms/items", clerk, ITEM | {"site": "nowhere"}), 404, "not_found"
    )
    bad = error_of(
        call("post", "/api/v1/arms/items", clerk, ITEM | {"category": "flamethrower"}),
        422,
        "invalid",
    )
    assert "category" in bad["fields"]
    schema = error_of(
        call("post", "/api/v1/arms/items", clerk, {"site": "cp-north"}), 422, "invalid"
    )
    assert "make" in schema["fields"]
    assert log_size() == before


def test_a_custodian_books_removes_returns_ships_and_receives(
    containers: dict[str, Container], collect: Callable[..., Item]
) -> None:
    first, second = collect(), collect()
    actions = ["arms.read", "arms.custody", "arms.shipment", "arms.report_lost"]
    depot_a = token("custodian-a", "custodian", actions, "site:depot-a")
    depot_b = token("custodian-b", "custodian", actions, "site:depot-b")

    booked = call("post", f"/api/v1/arms/items/{first.tag}/book", depot_a, {"container": "a-c1"})
    assert booked.status_code == 200 and booked.json()["container"] == "a-c1"
    assert booked.json()["history"][-1]["kind"] == "arms.item_booked"
    removed = call(
        "post",
        f"/api/v1/arms/items/{first.tag}/remove",
        depot_a,
        {"by": "p-officer-1", "organisation": "UNMAS", "purpose": "inspection"},
    )
    assert removed.json()["status"] == "removed"
    returned = call(
        "post", f"/api/v1/arms/items/{first.tag}/return", depot_a, {"container": "a-c2"}
    )
    assert returned.json()["status"] == "in_storage" and returned.json()["container"] == "a-c2"

    before = log_size()
    refused = call(
        "post",
        "/api/v1/arms/shipments",
        depot_b,
        {"from_site": "depot-a", "to_site": "depot-b", "crates": []},
    )
    error_of(refused, 403, "forbidden")
    assert log_size() == before

    dispatched = call(
        "post",
        "/api/v1/arms/shipments",
        depot_a,
        {
            "from_site": "depot-a",
            "to_site": "depot-b",
            "crates": [{"code": "CR-1", "seal": "S-1", "items": [first.tag, second.tag]}],
        },
    )
    assert dispatched.status_code == 201, dispatched.content
    code = dispatched.json()["code"]
    assert len(dispatched.json()["lines"]) == 2
    received = call(
        "post",
        f"/api/v1/arms/shipments/{code}/receive",
        depot_b,
        {"received_items": [first.tag], "declaration": "CR-1 arrived sealed."},
    )
    assert received.status_code == 200, received.content
    assert received.json()["discrepancies"] == [{"kind": "missing", "item": second.tag}]
    assert Shipment.objects.get().status == "discrepancy"

    lost = call(
        "post",
        f"/api/v1/arms/items/{second.tag}/report-lost",
        depot_a,
        {"kind": "lost", "description": "Not in crate CR-1 on arrival."},
    )
    assert lost.status_code == 201 and lost.json()["item"] == second.tag


def test_the_openapi_document_names_each_operations_action() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/arms/items"]["post"]
    assert operation["x-laydown-action"] == "arms.item_register"
    assert "/api/v1/arms/shipments/{code}/receive" in document["paths"]
