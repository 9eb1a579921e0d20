"""The public pages (the front page, the transparency page) are rendered once per state of what
they show (laydown.core.page_cache): a new checkpoint, a cosignature or a new record shows at
once (another process's within a second), each language has its own copy, and nobody is served
anything of another caller's (their name, their messages, their CSRF token)."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    _check_token_format,
    _unmask_cipher_token,
)
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from laydown.core import page_cache
from laydown.ledger import selectors as ledger_selectors
from laydown.ledger import services
from laydown.testing import signed_in, user_with_role

pytestmark = pytest.mark.django_db

PAGES = ["/", "/log/", "/reports/transparency/"]


def rendered(response: Any) -> bool:
    """Whether the answer was rendered from templates (the test client records each render)."""
    return bool(response.templates)


def get(path: str, client: Client | None = None, **extra: str) -> tuple[str, bool]:
    response = (client or Client()).get(path, **extra)  # type: ignore[arg-type]
    assert response.status_code == 200
    return response.content.decode(), rendered(response)


def log_size_shown(html: str) -> str:
    return html.split('id="log-size">', 1)[1].split("<", 1)[0]


@pytest.mark.parametrize("path", PAGES)
def test_a_public_page_is_rendered_once_while_nothing_changes(path: str) -> None:
    services.record_append(kind="test.sample", data={"n": 1}, actor="system")
    first, first_rendered = get(path)
    second, second_rendered = get(path)
    assert first_rendered and not second_rendered
    token = 'name="csrfmiddlewaretoken" value="'
    assert first.split(token)[0] == second.split(token)[0]  # the same page, own tokens


def test_a_new_checkpoint_shows_at_once_on_the_front_page() -> None:
    services.record_append(kind="test.sample", data={"n": 1}, actor="system")
    assert log_size_shown(get("/")[0]) == "1"
    services.record_append(kind="test.sample", data={"n": 2}, actor="system")
    html, was_rendered = get("/")
    assert was_rendered and log_size_shown(html) == "2"


def test_a_cosignature_shows_at_once(cosign: Callable[[], None]) -> None:
    services.record_append(kind="test.sample", data={"n": 1}, actor="system")
    before = get("/")[0]
    assert "witness.example/inproc" not in before.split('id="checkpoint">')[1].split("</pre>")[0]
    cosign()  # the same checkpoint, now with the witness's cosignature line
    after, was_rendered = get("/")
    note = after.split('id="checkpoint">')[1].split("</pre>")[0]
    assert was_rendered and "witness.example/inproc" in note
    assert "cosigning" in after  # the witness's status


def test_a_new_record_moves_the_transparency_figures_at_once(collect: Callable[..., Any]) -> None:
    collect()
    html = get("/reports/transparency/")[0]
    assert 'id="public-weapons">&lt;5<' in html  # one weapon: below the threshold
    for _ in range(5):
        collect()
    html, was_rendered = get("/reports/transparency/")
    assert was_rendered and 'id="public-weapons">6<' in html


@pytest.mark.parametrize("path", PAGES)
def test_each_language_has_its_own_page(path: str) -> None:
    english = get(path, HTTP_ACCEPT_LANGUAGE="en")[0]
    russian, was_rendered = get(path, HTTP_ACCEPT_LANGUAGE="ru")
    assert was_rendered and '<html lang="ru">' in russian and '<html lang="en">' in english
    assert (
        get(path, HTTP_ACCEPT_LANGUAGE="en")[0].split("csrfmiddlewaretoken")[0]
        == (english.split("csrfmiddlewaretoken")[0])
    )
    assert get(path, HTTP_ACCEPT_LANGUAGE="ru")[0].startswith(russian.split("csrf")[0])


@pytest.mark.parametrize("path", PAGES)
def test_a_signed_in_user_never_gets_the_kept_page_nor_leaves_theirs(path: str) -> None:
    user = user_with_role("nosections", None)  # no role: the front page is the public one
    get(path)  # kept for callers who are not signed in
    mine = signed_in(user).get(path)
    assert rendered(mine) and "nosections" in mine.content.decode()  # their own nav
    for _ in range(2):
        html = get(path)[0]
        assert "nosections" not in html and "nav-sign-in" in html


def test_each_caller_gets_their_own_csrf_token_and_cookie() -> None:
    one, two = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    get("/", one)
    answer = two.get("/")
    assert not rendered(answer)  # from the kept page
    token = answer.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert "csrftoken" in answer.cookies and token.isalnum() and len(token) == 64
    changed = two.post("/i18n/setlang/", {"language": "ru", "csrfmiddlewaretoken": token})
    assert changed.status_code == 302  # the token is valid for this caller's cookie
    refused = one.post("/i18n/setlang/", {"language": "ru", "csrfmiddlewaretoken": token})
    assert refused.status_code == 403  # and not for another caller's


def test_a_waiting_message_is_shown_and_nothing_is_kept_from_it() -> None:
    storage = CookieStorage(RequestFactory().get("/"))
    client = Client()
    client.cookies["messages"] = storage._encode([Message(constants.INFO, "Only for you")])  # type: ignore[attr-defined]
    html, was_rendered = get("/", client)
    assert was_rendered and "Only for you" in html
    assert "Only for you" not in get("/")[0]


def test_kept_pages_are_bounded_and_expire(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_cache, "MAX_PAGES", 2)
    for language in ("en", "ru", "hy"):
        get("/", HTTP_ACCEPT_LANGUAGE=language)
    assert len(page_cache._pages) == 2
    monkeypatch.setattr(page_cache, "MAX_AGE_SECONDS", 0.0)
    assert get("/", HTTP_ACCEPT_LANGUAGE="hy")[1]  # expired: rendered again


def test_csrf_secrets_and_masks_are_djangos_kind() -> None:
    """32 characters of CSRF_ALLOWED_CHARS, every one of them drawn, none twice the same."""
    drawn = [page_cache._csrf_string() for _ in range(2000)]
    for secret in drawn:
        _check_token_format(secret)
    assert len(set(drawn)) == len(drawn) and {len(s) for s in drawn} == {CSRF_SECRET_LENGTH}
    counts = Counter("".join(drawn))
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    expected = 2000 * 32 / len(CSRF_ALLOWED_CHARS)  # ~1032 each: far from 0.7x or 1.3x of it
    assert all(0.7 * expected < n < 1.3 * expected for n in counts.values())
    request = RequestFactory().get("/")
    token = page_cache.caller_token(request)
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/reports/transparency/"])
def test_outside_a_transaction_the_pages_keys_are_read_once_a_moment(
    path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Served, a kept page asks the database nothing; this process's appends show at once,
    another process's within ledger.selectors.SERVED_FRESH_SECONDS (as on /log/checkpoint)."""
    page_cache.forget()
    services.record_append(kind="test.sample", data={"n": 1}, actor="system")
    assert get(path)[1]
    with CaptureQueriesContext(connection) as queries:
        assert not get(path)[1]
    assert not [q for q in queries.captured_queries if "ledger_" in q["sql"]]
    services.record_append(kind="test.sample", data={"n": 2}, actor="system")
    html, was_rendered = get(path)
    assert was_rendered and (path != "/" or log_size_shown(html) == "2")
    # an append by another process: this one is not told
    monkeypatch.setattr(ledger_selectors, "checkpoint_served_forget", lambda: None)
    services.record_append(kind="test.sample", data={"n": 3}, actor="system")
    html, was_rendered = get(path)
    assert not was_rendered and (path != "/" or log_size_shown(html) == "2")
    time.sleep(ledger_selectors.SERVED_FRESH_SECONDS)
    html, was_rendered = get(path)
    assert was_rendered and (path != "/" or log_size_shown(html) == "3")
