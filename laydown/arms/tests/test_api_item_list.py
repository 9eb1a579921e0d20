"""The item list of the API (GET /api/v1/arms/items) reads only ItemOut's columns and renders
them without ninja's per-field validation: what it returns is what the schema gives for the
same items (every field, nulls, photos, containers, times), page by page, within the caller's
sites."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from ninja.renderers import JSONRenderer

from laydown.arms import services as arms
from laydown.arms.api import ItemPage
from laydown.arms.models import Container, Item, Site
from laydown.testing import principal, token_for, user_with_role

CUSTODIAN = principal("u-custodian", ("custodian", "programme"))
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]


def listed(secret: str, query: str) -> Any:
    answer = Client().get(f"/api/v1/arms/items?{query}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(answer.content)


def by_the_schema(items: list[Item], page: int, per_page: int, has_next: bool) -> Any:
    data = {"items": items, "page": page, "per_page": per_page, "has_next": has_next}
    dumped = ItemPage.model_validate(data).model_dump()
    rendered = JSONRenderer().render(None, dumped, response_status=200)  # type: ignore[arg-type]
    return json.loads(rendered)  # ninja's own rendering of the schema's output


def test_the_list_is_what_the_schema_gives(
    collect: Callable[..., Item], sites: dict[str, Site], containers: dict[str, Container]
) -> None:
    collect(year=None, photos=[])
    collect(year=1974, markings="", country="")
    inside = collect(site=sites["depot-a"])
    arms.item_book(actor=CUSTODIAN, item=inside, container=containers["a-c1"], rack=2)
    collect(site=sites["cp-north"])
    secret = token_for(user_with_role("reader", "programme_manager"), ["arms.read"])
    newest_first = list(Item.objects.order_by("-tag"))
    assert listed(secret, "per_page=2") == by_the_schema(newest_first[:2], 1, 2, True)
    assert listed(secret, "per_page=2&page=2") == by_the_schema(newest_first[2:4], 2, 2, False)
    assert listed(secret, "per_page=50") == by_the_schema(newest_first, 1, 50, False)
    assert any(i["container"] for i in listed(secret, "per_page=50")["items"])


def test_a_site_scoped_reader_lists_only_their_sites(
    collect: Callable[..., Item], sites: dict[str, Site]
) -> None:
    collect(site=sites["depot-a"])
    there = collect(site=sites["cp-north"])
    user = user_with_role("northern", "collection_clerk", scope="site:cp-north")
    secret = token_for(user, ["arms.read"])
    assert listed(secret, "") == by_the_schema([there], 1, 50, False)
