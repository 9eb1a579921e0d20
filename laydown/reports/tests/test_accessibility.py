"""Every page, with the demo programme loaded, passes axe-core without serious violations.

One user holds every role, so that every page renders its full content; the walk visits every
page without path parameters and one detail page of each kind, in real headless Chromium.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown.arms.models import Item, Shipment, Site
from laydown.reports.tests.browser import screenshot, serious_accessibility_violations, sign_in
from laydown.testing import PASSWORD, code_for
from laydown.testing.demo_walk import demo_with_everyone
from laydown.testing.walk import collect
from laydown.verification.models import Inspection

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.browser]

SKIP_PREFIXES = ("/log/", "/i18n/", "/api/", "/reports/export/")


def detail_pages() -> list[str]:
    item = Item.objects.order_by("tag").first()
    assert item is not None
    return [
        reverse("arms:item", kwargs={"tag": item.tag}),
        reverse("arms:item_receipt", kwargs={"tag": item.tag}),
        reverse("arms:site", kwargs={"code": Site.objects.order_by("code").first().code}),
        reverse("arms:shipment", kwargs={"code": Shipment.objects.order_by("code").first().code}),
        reverse("verification:inspection", kwargs={"code": Inspection.objects.get().code}),
    ]


def test_every_page_passes_the_accessibility_check(page: Any, live_server: Any, tmp_path) -> None:
    user = demo_with_everyone(tmp_path / "witnesses")
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(page, live_server.url, "everyone", PASSWORD, totp=code_for(device))
    endpoints, _problems = collect()
    pages = sorted(
        {
            "/" + e.route
            for e in endpoints
            if not e.is_api
            and not e.parameters
            and not ("/" + e.route).startswith(SKIP_PREFIXES)
            and "." not in e.route.rsplit("/", 1)[-1]  # downloads (.csv, .xlsx, .json...)
            and "export" not in e.route
        }
        - {"/accounts/sign-out/"}
    )
    failures = {}
    visited = 0
    # One tab for the walk (each page a new document in it), a fresh one after a URL that was
    # not a page: a tab opened and closed for each page cost a fifth of the walk's CPU.
    tab = page.context.new_page()
    for path in [*pages, *detail_pages()]:
        try:
            response = tab.goto(f"{live_server.url}{path}")
        except Exception as exc:  # noqa: BLE001
            # a download is not a page; POST-only URLs answer GET with an empty 405
            tab.close()
            tab = page.context.new_page()
            if "Download is starting" in str(exc) or "ERR_HTTP_RESPONSE_CODE_FAILURE" in str(exc):
                continue
            raise
        if response is not None and "text/html" in response.headers.get("content-type", ""):
            visited += 1
            violations = serious_accessibility_violations(tab)
            if violations:
                failures[path] = violations
                screenshot(tab, "a11y-" + path.strip("/").replace("/", "-"))
    tab.close()
    assert visited >= 30
    assert failures == {}, "\n".join(f"{p}: {v}" for p, v in failures.items())
