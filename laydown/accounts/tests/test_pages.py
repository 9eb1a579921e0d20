"""Profile and administration pages: each write makes a ledger record; refusals are clear."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown.accounts.models import Organisation, RoleGrant, User
from laydown.testing import (
    kinds_logged,
    organisation,
    signed_in,
    totp_device,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

ORGS = reverse("accounts:organisations")
USERS = reverse("accounts:users")


@pytest.fixture
def admin() -> Client:
    return signed_in(user_with_role("ann", "admin"))


@pytest.fixture
def clerk_user() -> User:
    return user_with_role("gulnara", "collection_clerk", "site:cp-1")


def listed(html: str) -> list[str]:
    return re.findall(r'href="/accounts/users/\d+/">([^<]+)</a>', html)


def detail(user: User, suffix: str = "user_detail") -> str:
    return reverse(f"accounts:{suffix}", kwargs={"user_id": user.pk})


def test_the_profile_shows_who_one_is_and_what_one_may_do(clerk_user) -> None:
    html = signed_in(clerk_user, verified=False).get(reverse("accounts:profile")).content.decode()
    for text in ("gulnara", "Operator", clerk_user.pseudonym, "Collection clerk", "site:cp-1"):
        assert text in html
    assert "not set up (your roles do not need it)" in html
    assert reverse("accounts:tokens") in html


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    for url in (reverse("accounts:profile"), ORGS, USERS):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in") + "?next=")


def test_a_clerk_is_refused_the_admin_pages_with_a_403_that_says_why(clerk_user) -> None:
    client = signed_in(clerk_user, verified=False)
    for url in (ORGS, USERS, detail(clerk_user)):
        response = client.get(url)
        assert response.status_code == 403
        assert "Your roles do not allow" in response.content.decode()
    response = client.post(ORGS, {"code": "x", "name": "X", "kind": "auditor"})
    assert response.status_code == 403
    assert not Organisation.objects.filter(code="x").exists()


def test_the_navigation_shows_admin_links_to_admins_only(admin, clerk_user) -> None:
    assert ORGS in admin.get(reverse("home")).content.decode()
    clerk_home = signed_in(clerk_user).get(reverse("home")).content.decode()
    assert ORGS not in clerk_home and USERS not in clerk_home
    assert reverse("accounts:sign_out") in clerk_home
    assert reverse("accounts:sign_in") in Client().get(reverse("home")).content.decode()


def test_an_admin_creates_an_organisation_with_a_ledger_record(admin) -> None:
    response = admin.post(ORGS, {"code": "audit-board", "name": "Audit Board", "kind": "auditor"})
    assert response.status_code == 302
    assert kinds_logged()[-1] == "accounts.org_created"
    page = admin.get(ORGS).content.decode()
    assert "Audit Board" in page and "Organisation Audit Board created." in page


def test_a_bad_organisation_code_is_shown_next_to_the_field_and_nothing_changes(admin) -> None:
    before = kinds_logged()
    response = admin.post(ORGS, {"code": "Bad Code!", "name": "X", "kind": "auditor"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "use lower-case letters, digits and dashes" in html
    assert 'id="id_code_error"' in html  # Django puts the error next to the code field
    assert kinds_logged() == before


def test_an_admin_creates_a_user_with_a_ledger_record(admin) -> None:
    organisation("relief", "humanitarian_partner")
    response = admin.post(
        USERS,
        {"username": "zara", "organisation": "relief", "password": "another-long-passphrase-7"},
    )
    zara = User.objects.get(username="zara")
    assert response["Location"] == detail(zara)
    assert zara.organisation.code == "relief"
    assert kinds_logged()[-1] == "accounts.user_created"


def test_a_weak_password_or_taken_username_is_refused_naming_the_field(admin) -> None:
    before = kinds_logged()
    weak = admin.post(USERS, {"username": "zara", "organisation": "operator", "password": "short"})
    assert weak.status_code == 400
    assert 'id="id_password_error"' in weak.content.decode()
    taken = admin.post(
        USERS, {"username": "ANN", "organisation": "operator", "password": "long-enough-pass-77"}
    )
    assert taken.status_code == 400
    assert "is empty or taken" in taken.content.decode()
    assert kinds_logged() == before


def test_the_user_list_filters_by_organisation_and_is_paginated(admin) -> None:
    organisation("relief", "humanitarian_partner")
    relief = Organisation.objects.get(code="relief")
    User.objects.bulk_create(
        User(username=f"p{i:03}", organisation=relief, pseudonym=f"u-test{i:03}") for i in range(55)
    )
    first = admin.get(USERS, {"org": "relief"}).content.decode()
    assert listed(first) == [f"p{i:03}" for i in range(50)]
    assert "Page 1 of 2" in first
    second = admin.get(USERS, {"org": "relief", "page": 2}).content.decode()
    assert listed(second) == [f"p{i:03}" for i in range(50, 55)]
    assert "ann" in listed(admin.get(USERS).content.decode())


def test_an_admin_grants_and_revokes_a_role_with_ledger_records(admin, clerk_user) -> None:
    response = admin.post(
        detail(clerk_user, "user_grant"), {"role": "custodian", "scope": "site:depot-1"}
    )
    assert response["Location"] == detail(clerk_user)
    assert kinds_logged()[-1] == "accounts.role_granted"
    assert RoleGrant.objects.filter(user=clerk_user, role="custodian").exists()
    response = admin.post(
        detail(clerk_user, "user_revoke"), {"role": "custodian", "scope": "site:depot-1"}
    )
    assert response["Location"] == detail(clerk_user)
    assert kinds_logged()[-1] == "accounts.role_revoked"
    assert not RoleGrant.objects.filter(user=clerk_user, role="custodian").exists()


def test_a_bad_scope_or_a_missing_grant_is_refused_and_nothing_changes(admin, clerk_user) -> None:
    before = kinds_logged()
    bad = admin.post(detail(clerk_user, "user_grant"), {"role": "custodian", "scope": "depot"})
    assert bad.status_code == 400
    assert "use &#x27;programme&#x27;, &#x27;site:&lt;code&gt;&#x27;" in bad.content.decode()
    missing = admin.post(detail(clerk_user, "user_revoke"), {"role": "auditor", "scope": "x"})
    assert missing.status_code == 400
    assert "has no role auditor at x" in missing.content.decode()
    assert kinds_logged() == before


def test_a_user_id_that_does_not_exist_gives_404_everywhere(admin) -> None:
    ghost = User(pk=987654)
    assert admin.get(detail(ghost)).status_code == 404
    for suffix in ("user_grant", "user_revoke", "user_second_factor_reset", "user_active"):
        response = admin.post(detail(ghost, suffix), {"role": "admin", "scope": "programme"})
        assert response.status_code == 404
        assert "There is nothing at this address" in response.content.decode()


def test_an_admin_resets_a_lost_second_factor_with_a_ledger_record(admin) -> None:
    custodian = user_with_role("karen", "custodian")
    totp_device(custodian)
    page = admin.get(detail(custodian)).content.decode()
    assert "Reset (lost phone)" in page
    response = admin.post(detail(custodian, "user_second_factor_reset"))
    assert response["Location"] == detail(custodian)
    assert not TOTPDevice.objects.filter(user=custodian).exists()
    assert kinds_logged()[-1] == "accounts.second_factor_reset"
    again = admin.post(detail(custodian, "user_second_factor_reset"))
    assert again.status_code == 400
    assert "has no second factor to reset" in again.content.decode()


def test_an_admin_deactivates_a_user_who_then_cannot_sign_in_and_reactivates_them(
    admin, clerk_user
) -> None:
    clerk = signed_in(clerk_user, verified=False)
    assert clerk.get(reverse("accounts:profile")).status_code == 200
    assert "Deactivate" in admin.get(detail(clerk_user)).content.decode()
    response = admin.post(detail(clerk_user, "user_active"), {"active": "0"})
    assert response["Location"] == detail(clerk_user)
    assert kinds_logged()[-1] == "accounts.user_deactivated"
    clerk_user.refresh_from_db()
    assert not clerk_user.is_active
    assert clerk.get(reverse("accounts:profile")).status_code == 302  # its session ended
    again = admin.post(detail(clerk_user, "user_active"), {"active": "0"})
    assert again.status_code == 400 and "already deactivated" in again.content.decode()
    assert "Reactivate" in admin.get(detail(clerk_user)).content.decode()
    admin.post(detail(clerk_user, "user_active"), {"active": "1"})
    assert kinds_logged()[-1] == "accounts.user_reactivated"
    assert User.objects.get(pk=clerk_user.pk).is_active


def test_an_admin_cannot_deactivate_themselves(admin) -> None:
    ann = User.objects.get(username="ann")
    response = admin.post(detail(ann, "user_active"), {"active": "0"})
    assert response.status_code == 400 and "cannot deactivate yourself" in response.content.decode()
    assert User.objects.get(pk=ann.pk).is_active


def test_an_admin_without_the_second_factor_is_sent_to_it_first() -> None:
    admin = signed_in(user_with_role("ann", "admin"), verified=False)
    assert admin.get(ORGS)["Location"] == reverse("accounts:second_factor")
    assert admin.post(ORGS, {"code": "x", "name": "X", "kind": "auditor"}).status_code == 302
    assert not Organisation.objects.filter(code="x").exists()


def test_post_only_admin_actions_refuse_get(admin, clerk_user) -> None:
    assert admin.get(detail(clerk_user, "user_grant")).status_code == 405
    assert RoleGrant.objects.filter(user=clerk_user).count() == 1


def test_the_grant_form_escapes_its_help_text_and_has_no_default_role(admin, clerk_user) -> None:
    html = admin.get(detail(clerk_user)).content.decode()
    assert "<code>" not in html.split('id="tokens"')[0].split("Grant a role")[1]
    assert "site:&lt;code&gt;" in html
    role_select = re.search(r'<select name="role"[^>]*>(.*?)</select>', html, re.S)
    assert role_select is not None
    assert 'value="" selected' in role_select.group(1)
    refused = admin.post(detail(clerk_user, "user_grant"), {"role": "", "scope": "programme"})
    assert refused.status_code == 400
    assert not RoleGrant.objects.filter(user=clerk_user, role="admin").exists()
