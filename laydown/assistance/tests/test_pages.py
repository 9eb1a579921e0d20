"""Assistance pages: lists, forms, detail pages, 404 for other partners' records, exports."""

from __future__ import annotations

import datetime as dt
import io

import hxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from laydown.assistance.models import Distribution
from laydown.assistance.tests.base import DISTRIBUTION, today
from laydown.testing import log_size, signed_in, user_with_role
from laydown.testing.forms import said_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def icrc_client(fast_password_hashing, orgs) -> Client:
    return signed_in(user_with_role("icrc-user", "partner_staff", org="icrc"))


@pytest.fixture
def relief_client(fast_password_hashing, orgs) -> Client:
    return signed_in(user_with_role("relief-user", "partner_staff", org="relief"))


@pytest.fixture
def manager_client(fast_password_hashing, orgs) -> Client:
    return signed_in(user_with_role("manager-user", "programme_manager", org="operator"))


def form_data(**overrides) -> dict:
    data = {**DISTRIBUTION, "partner": "icrc", "date": (today() - dt.timedelta(days=1)).isoformat()}
    data.update(overrides)
    return data


def test_partner_staff_record_a_distribution_through_the_form(icrc_client, places) -> None:
    response = icrc_client.post(reverse("assistance:distribution_new"), form_data())
    assert response.status_code == 302
    row = Distribution.objects.get()
    assert row.organisation.code == "icrc" and response["Location"].endswith(f"{row.code}/")
    page = icrc_client.get(reverse("assistance:distribution_detail", args=[row.code]))
    assert page.status_code == 200 and b"wheat flour" in page.content


def test_the_form_names_the_field_when_reached_does_not_add_up(icrc_client, places) -> None:
    before = log_size()
    response = icrc_client.post(reverse("assistance:distribution_new"), form_data(reached_total=5))
    assert response.status_code == 400
    assert b"People reached (5) must equal" in response.content
    assert log_size() == before


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", "120 delivered is more than the 100 planned: say why, or correct the quantities."),
        ("az", "Çatdırılan 120 planlaşdırılan 100-dən çoxdur: səbəbini yazın"),
    ],
)
def test_delivering_more_than_planned_asks_for_the_reason_at_its_field_without_codes(
    icrc_client, places, language, said
) -> None:
    over = form_data(quantity_planned=100, quantity_delivered=120)
    response = icrc_client.post(
        reverse("assistance:distribution_new"), over, HTTP_ACCEPT_LANGUAGE=language
    )
    message = said_at(response, "over_delivery_reason")
    assert said in message
    everything_said = " ".join(" ".join(e) for e in response.context["form"].errors.values())
    assert "over_delivery_reason" not in everything_said and "kg" not in everything_said
    assert not Distribution.objects.exists()


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("en", ("say why", "People reached (300) must equal", "cannot exceed all people reached")),
        ("ru", ("укажите причину", "Охвачено людей (300)", "не может быть больше")),
    ],
)
def test_the_distribution_form_reports_every_independent_problem_at_once(
    icrc_client, places, language, said
) -> None:
    wrong = form_data(
        quantity_planned=100, quantity_delivered=120, reached_total=300, reached_disabled=400
    )
    response = icrc_client.post(
        reverse("assistance:distribution_new"), wrong, HTTP_ACCEPT_LANGUAGE=language
    )
    fields = ("over_delivery_reason", "reached_total", "reached_disabled")
    for field, words in zip(fields, said, strict=True):
        assert words in said_at(response, field), field
    assert not Distribution.objects.exists()


def test_partner_staff_may_not_choose_another_partner(icrc_client, places) -> None:
    response = icrc_client.post(reverse("assistance:distribution_new"), form_data(partner="relief"))
    assert response.status_code == 400 and not Distribution.objects.exists()


def test_another_partners_records_look_absent(
    icrc_client, relief_client, distribute, register
) -> None:
    row = distribute()
    household = register()
    before = log_size()
    for name, code in (
        ("assistance:distribution_detail", row.code),
        ("assistance:distribution_correct", row.code),
        ("assistance:household_detail", household.code),
        ("assistance:household_personal_data", household.code),
    ):
        assert relief_client.get(reverse(name, args=[code])).status_code == 404, name
    response = relief_client.post(
        reverse("assistance:distribution_correct", args=[row.code]),
        {**form_data(quantity_delivered=1), "reason": "mine now"},
    )
    assert response.status_code == 404
    listed = relief_client.get(reverse("assistance:distributions"))
    assert row.code.encode() not in listed.content
    assert (
        icrc_client.get(reverse("assistance:distribution_detail", args=[row.code])).status_code
        == 200
    )
    assert log_size() == before


def test_reading_personal_data_needs_a_purpose_and_is_recorded(icrc_client, register) -> None:
    household = register(head_name="Mira Hollis")
    url = reverse("assistance:household_personal_data", args=[household.code])
    before = log_size()
    refused = icrc_client.post(url, {"purpose": ""})
    assert refused.status_code == 400 and b"State why" in refused.content
    assert b"Mira Hollis" not in refused.content and log_size() == before
    shown = icrc_client.post(url, {"purpose": "call about the next distribution"})
    assert shown.status_code == 200 and b"Mira Hollis" in shown.content
    assert log_size() == before + 1


def test_the_import_page_lists_problems_and_imports_nothing(icrc_client, places) -> None:
    from laydown.assistance.tests.base import csv_bytes, distribution_rows

    rows = distribution_rows(3)
    rows[1]["reached_total"] = "7"
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "d.csv"
    response = icrc_client.post(
        reverse("assistance:import"), {"kind": "distributions", "file": upload}
    )
    assert response.status_code == 400
    assert b"<td>3</td><td>reached_total</td>" in response.content
    assert not Distribution.objects.exists()


def test_the_hxl_export_streams_valid_hxl_without_personal_data(
    manager_client, distribute, register
) -> None:
    distribute()
    register(head_name="Secret Person")
    response = manager_client.get(reverse("assistance:export_hxl"))
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode()
    assert "Secret Person" not in text
    dataset = hxl.data(io.BytesIO(text.encode()))
    assert "#reached+total" in [c.display_tag for c in dataset.columns]
    assert response["Content-Disposition"].startswith("attachment")


def test_the_xlsx_and_csv_exports_download(manager_client, distribute) -> None:
    distribute()
    xlsx = manager_client.get(reverse("assistance:export_xlsx"))
    assert xlsx.status_code == 200 and b"".join(xlsx.streaming_content)[:2] == b"PK"
    csv = manager_client.get(reverse("assistance:export_csv"), {"sector": "food_security"})
    assert b"wheat flour" in b"".join(csv.streaming_content)


def test_the_lists_filter_and_render(manager_client, distribute) -> None:
    distribute()
    distribute(sector="wash", commodity="water", item="drinking water", unit="litre")
    wash = manager_client.get(reverse("assistance:distributions"), {"sector": "wash"})
    assert b"drinking water" in wash.content and b"wheat flour" not in wash.content
    for name in ("index", "households", "places", "partners", "projects", "meetings", "visits"):
        assert manager_client.get(reverse(f"assistance:{name}")).status_code == 200, name


def test_the_correction_page_opens_filled_in_with_the_distribution(icrc_client, distribute) -> None:
    row = distribute()
    response = icrc_client.get(reverse("assistance:distribution_correct", args=[row.code]))
    assert response.status_code == 200
    assert f'value="{row.activity}"'.encode() in response.content


@pytest.mark.parametrize("language", ["az", "hy", "ru"])
def test_the_legal_bases_are_offered_in_the_pages_language(icrc_client, places, language) -> None:
    icrc_client.cookies["django_language"] = language
    for name in ("assistance:household_new", "assistance:import"):
        page = icrc_client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language).content.decode()
        assert '<option value="vital_interest">' in page
        assert ">vital interest<" not in page and ">Vital interest<" not in page
        with translation.override(language):
            assert f">{translation.gettext('Vital interest')}<" in page
            assert f">{translation.gettext('Legal obligation')}<" in page
