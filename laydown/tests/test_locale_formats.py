"""Dates and numbers in each language: one date format per language (shown and typed), numbers
with the language's separators, and what a form shows comes back as the same value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.utils import formats, translation

from laydown.core.forms import DatePicker

SHOWN = {"en": "2026-01-31", "az": "31.01.2026", "hy": "31.01.2026", "ru": "31.01.2026"}
TYPED = {"en": "2026-01-31", "az": "31.01.2026", "hy": "31.01.2026", "ru": "31.01.2026"}
NUMBER = {
    "en": "1,234,567.5",
    "az": "1\xa0234\xa0567,5",
    "hy": "1\xa0234\xa0567,5",
    "ru": "1\xa0234\xa0567,5",
}
DAY = dt.date(2026, 1, 31)


class Sample(forms.Form):
    day = forms.DateField(widget=DatePicker())
    typed = forms.DateField()
    amount = forms.DecimalField(localize=True, decimal_places=1)
    count = forms.IntegerField()


@pytest.mark.parametrize("language", list(SHOWN))
def test_a_date_is_shown_in_one_format_per_language(language: str) -> None:
    with translation.override(language):
        for name in ("DATE_FORMAT", "SHORT_DATE_FORMAT"):
            assert formats.date_format(DAY, name) == SHOWN[language]
        moment = dt.datetime(2026, 1, 31, 14, 5, tzinfo=dt.UTC)
        for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"):
            assert formats.date_format(moment, name) == f"{SHOWN[language]} 14:05"


@pytest.mark.parametrize("language", list(SHOWN))
def test_dates_and_numbers_round_trip_through_a_form(language: str) -> None:
    with translation.override(language):
        shown = Sample(initial={"day": DAY, "typed": DAY, "amount": Decimal("1234567.5")})
        html = str(shown["day"])
        assert 'type="date"' in html and 'value="2026-01-31"' in html  # the picker's ISO value
        amount = str(shown["amount"])  # a localized field: the language's decimal separator
        sent = {
            "day": "2026-01-31",
            "typed": TYPED[language],
            "amount": formats.localize_input(Decimal("1234567.5")),
            "count": "1200",
        }
        assert sent["amount"] in amount  # the form shows the number as it will be read back
        bound = Sample(data=sent)
        assert bound.is_valid(), bound.errors
        assert bound.cleaned_data == {
            "day": DAY,
            "typed": DAY,
            "amount": Decimal("1234567.5"),
            "count": 1200,
        }


@pytest.mark.parametrize("language", list(SHOWN))
def test_figures_use_the_languages_separators(language: str) -> None:
    with translation.override(language):
        shown = formats.number_format(Decimal("1234567.5"), decimal_pos=1, force_grouping=True)
        assert shown == NUMBER[language]
