"""A date and a quantity entered in each language come back as they were entered: the date in
the language's order (the format every page shows dates in, which the form accepts), the
quantity as digits (a number field takes no separators), both shown back with the language's
separators on the distribution's page, and unchanged in the form that corrects it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import formats, translation

from laydown.assistance.models import Distribution
from laydown.assistance.tests.base import DISTRIBUTION
from laydown.testing import signed_in, user_with_role

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 1, 31)  # a day past the 12th: day and month cannot be taken for each other
TYPED = {"en": "2026-01-31", "az": "31.01.2026", "hy": "31.01.2026", "ru": "31.01.2026"}
SHOWN_QUANTITY = {"en": "4,800", "az": "4\xa0800", "hy": "4\xa0800", "ru": "4\xa0800"}


@pytest.fixture
def client(fast_password_hashing: None, orgs: None) -> Client:
    return signed_in(user_with_role("icrc-user", "partner_staff", org="icrc"))


@pytest.mark.parametrize("language", ["en", "az", "hy", "ru"])
def test_a_date_and_a_quantity_come_back_as_they_were_entered(
    client: Client, places: None, language: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        assert formats.date_format(DAY, "SHORT_DATE_FORMAT") == TYPED[language]  # as pages show
    form = {
        **DISTRIBUTION,
        "partner": "icrc",
        "date": TYPED[language],
        "quantity_delivered": "4800",
    }
    answer = client.post(reverse("assistance:distribution_new"), form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    row = Distribution.objects.get()
    assert row.date == DAY and row.quantity_delivered == 4800

    page = client.get(reverse("assistance:distribution_detail", args=[row.code]))
    assert page.headers["Content-Language"] == language
    html = page.content.decode()
    assert f"<dd>{TYPED[language]}</dd>" in html
    assert re.search(rf"<dd>{SHOWN_QUANTITY[language]} ", html), html

    correct = client.get(reverse("assistance:distribution_correct", args=[row.code]))
    html = correct.content.decode()
    assert re.search(r'name="quantity_delivered" value="4800"', html), html  # no separator
    assert 'name="date" value="2026-01-31"' in html  # the date picker's own (ISO) value


def test_a_date_in_another_languages_order_is_refused_with_the_field_named(
    client: Client, places: None
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    form = {**DISTRIBUTION, "partner": "icrc", "date": "31.01.2026"}
    answer = client.post(reverse("assistance:distribution_new"), form)
    assert answer.status_code == 400 and not Distribution.objects.exists()
