"""A user changes their own password: the current one is checked behind the sign-in throttle,
the new one validated, the change recorded with the user as actor; this session stays, the
others end."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from laydown.accounts.models import User
from laydown.ledger.models import Record

pytestmark = pytest.mark.django_db

OLD = "An-old-password-2026"
NEW = "A-much-newer-password-77"
URL = reverse("accounts:password_change")


@pytest.fixture
def user() -> User:
    made: User = User.objects.create_user(username="clerk-one", password=OLD)
    return made


def signed_in(user: User) -> Client:
    client = Client()
    assert client.post(reverse("accounts:sign_in"), {"username": user.username, "password": OLD})
    assert client.get(reverse("accounts:profile")).status_code == 200
    return client


def test_the_user_changes_the_password_and_stays_signed_in_while_others_end(user: User) -> None:
    here, elsewhere = signed_in(user), signed_in(user)
    page = here.get(URL)
    assert page.status_code == 200 and 'autocomplete="current-password"' in page.text
    done = here.post(URL, {"current": OLD, "new": NEW, "again": NEW}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("accounts:profile")
    assert "Your password is changed." in done.text
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.check_password(OLD)
    assert here.get(reverse("accounts:profile")).status_code == 200
    assert elsewhere.get(reverse("accounts:profile")).status_code == 302  # signed out
    record = Record.objects.filter(kind="accounts.password_set").latest("index")
    assert record.data["user"] == user.pseudonym and user.pseudonym in record.actor
    assert NEW not in str(record.data) and user.password not in str(record.data)


@pytest.mark.parametrize(
    ("posted", "field", "words"),
    [
        ({"current": "wrong-guess-123", "new": NEW, "again": NEW}, "current", "not your current"),
        ({"current": OLD, "new": NEW, "again": NEW + "x"}, "again", "differ"),
        ({"current": OLD, "new": "short", "again": "short"}, "new", "too short"),
        ({"current": OLD, "new": "123456789012345", "again": "123456789012345"}, "new", "numeric"),
    ],
)
def test_a_refused_change_names_the_field_and_changes_nothing(
    user: User, posted: dict[str, str], field: str, words: str
) -> None:
    client = signed_in(user)
    before = Record.objects.count()
    page = client.post(URL, posted)
    assert page.status_code == 400
    assert words in page.text.lower()
    assert f'id="id_{field}"' in page.text and 'aria-invalid="true"' in page.text
    user.refresh_from_db()
    assert user.check_password(OLD)
    assert Record.objects.filter(kind="accounts.password_set").count() == 0
    assert Record.objects.count() >= before


def test_guessing_the_current_password_is_throttled_like_a_sign_in(user: User) -> None:
    client = signed_in(user)
    answers = [
        client.post(URL, {"current": f"guess-{n}-abcdef", "new": NEW, "again": NEW}).status_code
        for n in range(12)
    ]
    assert 429 in answers  # the account's sign-in throttle took over
    user.refresh_from_db()
    assert user.check_password(OLD)


def test_the_page_needs_a_signed_in_user() -> None:
    answer = Client().get(URL)
    assert answer.status_code == 302 and reverse("accounts:sign_in") in answer["Location"]
