"""Tracing in real headless Chromium: suggestions while typing, the item page's markings."""

from __future__ import annotations

from typing import Any

import pytest

from laydown.fixtures import ARMS_CLERK, ARMS_MANAGER
from laydown.testing import PASSWORD, user_with_role
from laydown.testing.browser import serious_accessibility_violations, sign_in
from laydown.tracing import services

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.usefixtures("fast_password_hashing"),
]


def test_a_clerk_is_offered_the_vocabulary_and_sees_markings(
    page: Any, live_server: Any, collect: Any
) -> None:
    item = collect()
    services.vocabulary_seed(actor=ARMS_MANAGER)
    services.markings_record(
        actor=ARMS_CLERK,
        item=item,
        markings=[
            {"kind": "import", "location": "barrel", "text": "IMP-AZ 1998"},
            {"kind": "unit", "location": "stock", "text": "", "state": "obliterated"},
        ],
    )
    user_with_role("nazrin", "collection_clerk")
    sign_in(page, live_server.url, "nazrin", PASSWORD)
    page.goto(f"{live_server.url}/arms/sites/depot-a/items/new/")
    page.wait_for_selector("#suggest-model option", state="attached")
    models = page.eval_on_selector_all("#suggest-model option", "os => os.map(o => o.value)")
    assert "AK-47" in models and "Kalashnikov AK-47" in models
    assert page.get_attribute('input[name="model"]', "list") == "suggest-model"
    page.goto(f"{live_server.url}/arms/items/{item.tag}/")
    assert "IMP-AZ 1998" in page.locator("#markings").inner_text()
    assert page.locator("#markings tr.flagged").count() == 1
    assert serious_accessibility_violations(page) == []
