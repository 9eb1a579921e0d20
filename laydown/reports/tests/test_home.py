"""The signed-in home page: each role's tasks with their counts; a header that shows only the
sections a role may open; a 403 page that explains in words; the shipments list."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest
from django.test import Client

from laydown.access.roles import Role
from laydown.accounts import services as accounts
from laydown.arms import services as arms
from laydown.arms.models import Container, Item, Site
from laydown.arms.services.shipments import Crate
from laydown.testing import signed_in, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

SYSTEM = accounts.SYSTEM
HEADER = re.compile(r'<nav class="account-nav".*?</nav>', re.S)
LINKS = re.compile(r'href="(/[^"]*)"')


def client_for(role: str, scope: str = "programme") -> Client:
    name = f"u-{role}-{scope.replace(':', '-')}"
    return signed_in(user_with_role(name, role, scope))


@pytest.fixture
def shipped(containers: dict[str, Container], collect: Callable[..., Item]) -> None:
    item = collect(site=Site.objects.get(code="depot-a"))
    crate = Crate(code="CR-1", seal="S-1", items=(item.tag,))
    arms.shipment_dispatch(
        actor=SYSTEM, from_site=item.site, to_site=Site.objects.get(code="depot-b"), crates=[crate]
    )


def test_a_custodian_lands_on_the_shipments_it_must_receive(shipped) -> None:
    html = client_for("custodian", "site:depot-b").get("/").content.decode()
    assert "Your work" in html and "Incoming shipments to receive" in html
    assert re.search(r'<span class="count">1</span> Incoming shipments', html)
    elsewhere = client_for("custodian", "site:depot-a").get("/").content.decode()
    assert re.search(r'<span class="count">0</span> Incoming shipments', elsewhere)


@pytest.mark.parametrize("role", Role.values)
def test_no_link_in_the_header_or_on_the_home_page_leads_to_a_403(role, sites) -> None:
    client = client_for(role, "site:cp-north" if role == "collection_clerk" else "programme")
    html = client.get("/").content.decode()
    assert "Your work" in html
    links = set(LINKS.findall(HEADER.search(html).group(0) + html.split("<main>")[1]))
    assert links
    for link in sorted(links - {"/accounts/sign-out/"}):
        assert client.get(link).status_code != 403, link


def test_a_clerk_sees_neither_users_nor_api_tokens_in_the_header(sites) -> None:
    header = HEADER.search(
        client_for("collection_clerk", "site:cp-north").get("/").content.decode()
    )
    assert header is not None
    assert "Users" not in header.group(0) and "API tokens" not in header.group(0)
    assert "Registry" in header.group(0) and "Sign out" in header.group(0)


def test_the_403_page_says_whose_work_it_is_without_an_action_code(sites) -> None:
    response = client_for("collection_clerk", "site:cp-north").get("/accounts/users/")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your roles do not allow this: it is the work of Administrator" in html
    assert "accounts.user_manage" not in html


def test_a_visitor_sees_the_ledger_front_page() -> None:
    assert "Latest signed checkpoint" in Client().get("/").content.decode()


def test_the_shipments_list_counts_sorts_and_exports_its_filter(shipped) -> None:
    client = client_for("programme_manager")
    html = client.get("/arms/shipments/", {"sort": "-code"}).content.decode()
    assert "1 result" in html and 'aria-sort="descending"' in html
    assert "Page 1 of 1" not in html or "pagination" in html
    none = client.get("/arms/shipments/", {"status": "received"}).content.decode()
    assert "0 results" in none
    export = client.get("/arms/shipments/", {"status": "dispatched", "format": "csv"})
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0][:3] == ["code", "from_site", "to_site"] and rows[1][1:3] == [
        "depot-a",
        "depot-b",
    ]
    xlsx = client.get("/arms/shipments/", {"format": "xlsx"})
    assert xlsx["Content-Type"].startswith("application/vnd.openxml") and xlsx.content[:2] == b"PK"
