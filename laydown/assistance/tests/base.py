"""Principals and plausible inputs shared by the assistance tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.apps import apps
from openpyxl import Workbook

from laydown.access.permissions import Principal
from laydown.accounts.models import Organisation


def staff_of(org: Organisation, pseudonym: str) -> Principal:
    return Principal(
        user_id=hash(pseudonym) % 10_000,
        pseudonym=pseudonym,
        organisation_id=org.pk,
        grants=(("partner_staff", "programme"),),
    )


def manager_of(org: Organisation) -> Principal:
    return Principal(
        user_id=1,
        pseudonym="u-manager",
        organisation_id=org.pk,
        grants=(("programme_manager", "programme"),),
    )


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


DISTRIBUTION: dict[str, Any] = {
    "sector": "food_security",
    "activity": "General food distribution",
    "commodity": "food",
    "item": "wheat flour",
    "unit": "kg",
    "quantity_planned": 5000,
    "quantity_delivered": 4800,
    "place": "XA010101",
    "girls": 40,
    "boys": 38,
    "women": 60,
    "men": 52,
    "older_women": 12,
    "older_men": 8,
    "reached_total": 210,
    "reached_disabled": 9,
}

MEMBERS = [
    {"sex": "f", "age_group": "18-59", "specific_needs": ["single_caregiver"]},
    {"sex": "m", "age_group": "5-17"},
    {"sex": "f", "age_group": "0-4"},
]

VAULT = {
    "legal_basis": "vital_interest",
    "purpose": "humanitarian assistance: targeting and distribution",
}


SURROGATE = {"id"}  # auto ids of child rows are not in the records; everything else must match


def snapshot() -> dict[str, list[dict[str, Any]]]:
    tables = {}
    for model in apps.get_app_config("assistance").get_models():
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in SURROGATE]
        rows = model.objects.values(*fields)
        tables[model.__name__] = sorted(rows, key=lambda r: repr(sorted(r.items())))
    return tables


def csv_bytes(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def xlsx_bytes(rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def distribution_rows(n: int, partner: str = "icrc") -> list[dict]:
    day = (today() - dt.timedelta(days=2)).isoformat()
    return [{"partner": partner, "date": day, **DISTRIBUTION} for _ in range(n)]


def household_rows(n: int) -> list[dict]:
    return [
        {
            "partner": "icrc",
            "place": "XA010101",
            "head_name": f"Import Head {i}",
            "phone": f"+99 {i:05d}",
            "document": f"ID{i:06d}",
            "members": "f/18-59/single_caregiver; m/5-17; f/0-4",
            "override_reason": "",
        }
        for i in range(n)
    ]
