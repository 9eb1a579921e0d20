"""The administrator's checklist links each step's page only for who may open it."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from laydown.testing import FAST_HASHERS, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=FAST_HASHERS)
def test_a_step_whose_page_the_admin_may_not_open_is_named_without_a_link() -> None:
    """Places are imported by assistance's roles: the admin's checklist names the step (it is
    still to do) but offers no link to a 403; the steps the admin does stay links."""
    client = signed_in(user_with_role("setup-admin", "admin"))
    page = client.get(reverse("setup:checklist")).content.decode()
    places = page[page.index('id="step-places"') :].split("</li>")[0]
    assert "Places (P-codes) for assistance" in places and "<a " not in places
    assert client.get(reverse("assistance:import")).status_code == 403  # the page still refuses
    collection = page[page.index('id="step-collection_points"') :].split("</li>")[0]
    assert f'<a href="{reverse("arms:site_new")}">' in collection
    assert client.get(reverse("arms:site_new")).status_code == 200
