"""Every page of the demo, shown in each checked language, carries no English sentence of the
catalogue, no raw code (food_security, arms.item_collected) and dates in one format only (the
language's); in English, no raw code and ISO dates only.

One user holds every role, so that every page renders its full content. The languages checked are
those whose catalogues are complete (laydown.testing.languages.CHECKED_LANGUAGES).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from laydown.testing import signed_in
from laydown.testing.demo_walk import demo_with_everyone
from laydown.testing.languages import (
    CHECKED_LANGUAGES,
    catalogue,
    demo_pages,
    english_left,
    other_date_formats,
    raw_codes,
    visible_text,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_every_demo_page_is_in_the_chosen_language_without_raw_codes(tmp_path: Path) -> None:
    # New witnesses: ones kept in the data directory have seen a longer log, and would refuse.
    user = demo_with_everyone(tmp_path / "witnesses")
    pages = demo_pages()
    assert len(pages) >= 60
    failures: list[str] = []
    shown = 0
    for language in ("en", *CHECKED_LANGUAGES):
        source = catalogue(language) if language != "en" else None
        client = signed_in(user, client=Client())
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for path in pages:
            response = client.get(path)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            shown += 1
            nodes = visible_text(response.content.decode())
            if source is not None:
                for english in english_left(nodes, source):
                    failures.append(f"{language} {path}: English left: {english!r}")
            for code in raw_codes(nodes):
                failures.append(f"{language} {path}: raw code: {code!r}")
            for date in other_date_formats(nodes, language):
                failures.append(f"{language} {path}: date in another format: {date!r}")
    assert shown >= 60 * (1 + len(CHECKED_LANGUAGES))
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)
