"""Named fixtures of the registry's tests: a few sites, containers, an item factory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from laydown.arms import services
from laydown.arms.models import Container, Item, Site
from laydown.arms.tests.base import CLERK, ITEM_FIELDS, MANAGER


@pytest.fixture
def sites(db: None) -> dict[str, Site]:
    make = services.site_create
    return {
        "cp-north": make(
            actor=MANAGER,
            code="cp-north",
            name="Collection point North",
            kind="collection_point",
            region="north",
            lat_micro=40_123_456,
            lon_micro=46_654_321,
        ),
        "depot-a": make(
            actor=MANAGER, code="depot-a", name="Depot A", kind="storage_depot", region="north"
        ),
        "depot-b": make(
            actor=MANAGER, code="depot-b", name="Depot B", kind="storage_depot", region="south"
        ),
    }


@pytest.fixture
def containers(sites: dict[str, Site]) -> dict[str, Container]:
    return {
        code: services.container_create(actor=MANAGER, site=sites["depot-a"], code=code, racks=4)
        for code in ("a-c1", "a-c2")
    }


@pytest.fixture
def collect(sites: dict[str, Site]) -> Callable[..., Item]:
    """Register an item at depot-a (or `site=`) with plausible fields; override any."""
    counter = iter(range(1, 10**6))

    def run(**overrides: Any) -> Item:
        fields = {**ITEM_FIELDS, "serial": f"KT{next(counter):05d}", **overrides}
        fields.setdefault("site", sites["depot-a"])
        fields.setdefault("actor", CLERK)
        return services.item_collect(**fields)

    return run
