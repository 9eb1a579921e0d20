"""The API's input schemas (`core.api_types.Input`) validate a body or query as the dict it is
with the same result and the same errors as django-ninja's attribute reading, and a registration
answers the item as ninja's validated ItemOut would."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest
from ninja.renderers import JSONRenderer
from pydantic import ValidationError

from laydown.arms import api
from laydown.arms.models import Item
from laydown.core.api_types import Input
from laydown.fixtures import ITEM_FIELDS

ITEM = ITEM_FIELDS | {"site": "cp-north", "serial": "KT-IN-1"}
# Each input schema with payloads that pass and payloads that do not (missing fields, wrong
# types, nulls, extra keys, nested schemas).
CASES: list[tuple[type[Input], dict[str, Any]]] = [
    (api.ItemIn, ITEM),
    (api.ItemIn, ITEM | {"photos": ["a" * 64], "handed_in_by": "p-1", "extra": 1}),
    (api.ItemIn, {}),
    (api.ItemIn, ITEM | {"year": "1975"}),
    (api.ItemIn, ITEM | {"year": "nineteen", "photos": "a", "site": None}),
    (api.ItemIn, ITEM | {"make": 7, "model": ["AKM"], "condition": {"x": 1}}),
    (api.SearchQuery, {}),
    (api.SearchQuery, {"serial": "ab", "page": "2", "per_page": "20", "serial_start": "true"}),
    (api.SearchQuery, {"page": "0", "per_page": "999", "collected_from": "0"}),
    (api.SearchQuery, {"collected_from": "2026-06-01", "collected_to": "2026-13-01"}),
    (api.DispatchIn, {"from_site": "a", "to_site": "b", "crates": [{"code": "C", "seal": "S"}]}),
    (api.DispatchIn, {"from_site": "a", "to_site": "b", "crates": [{"code": 1}, "no crate"]}),
    (api.CorrectionIn, {"fields": {"year": 1976, "make": None}, "reason": "typo"}),
    (api.CorrectionIn, {"fields": {"year": 1.5}, "reason": None}),
    (api.LotIn, {"site": "cp-north", "type": "cartridge", "quantity": "12"}),
    (api.MaterielIn, {"site": "cp-north", "type": "radio", "description": "VHF", "quantity": -1}),
]


def outcome(schema: type[Input], data: Any) -> Any:
    try:
        return schema.model_validate(data).model_dump()
    except ValidationError as exc:
        return [(e["type"], e["loc"], e["msg"]) for e in exc.errors()]


@pytest.mark.parametrize(("schema", "payload"), CASES)
def test_a_dict_validates_as_ninjas_attribute_reading_does(
    schema: type[Input], payload: dict[str, Any]
) -> None:
    as_dict = outcome(schema, payload)
    as_attributes = outcome(schema, SimpleNamespace(**payload))  # ninja's DjangoGetter path
    assert as_dict == as_attributes


def test_each_kind_of_case_is_there() -> None:
    results = [outcome(schema, payload) for schema, payload in CASES]
    assert any(isinstance(r, dict) for r in results) and any(isinstance(r, list) for r in results)


def test_the_arms_input_schemas_are_inputs() -> None:
    inputs = [api.ItemIn, api.LotIn, api.MaterielIn, api.CorrectionIn, api.SearchQuery]
    assert all(issubclass(schema, Input) for schema in inputs)
    assert not issubclass(api.ItemOut, Input)  # output reads model instances: ninja's way


@pytest.mark.django_db
@pytest.mark.parametrize("read_again", [False, True])  # as registered; as an idempotent retry
def test_a_registration_answers_as_ninjas_item_out(collect: Any, read_again: bool) -> None:
    item = collect(year=None, markings="")
    if read_again:
        item = Item.objects.get(tag=item.tag)
    ninja = api.ItemOut.model_validate(item).model_dump()
    answered = api._rendered(None, api._item_answer(item), status=201)  # type: ignore[arg-type]
    assert answered.status_code == 201
    assert answered["Content-Type"] == "application/json; charset=utf-8"
    expected = JSONRenderer().render(None, ninja, response_status=201)  # type: ignore[arg-type]
    assert answered.content == expected.encode()
    assert json.loads(answered.content)["site"] == item.site_id
