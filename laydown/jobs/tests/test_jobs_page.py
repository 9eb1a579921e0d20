"""The jobs page: a user sees their own background jobs (how far each is, how it ended, a link
to its own page), an administrator everyone's; the list's sorting and export."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from laydown.access.roles import Role
from laydown.accounts.models import User
from laydown.jobs.models import ImportJob, JobState
from laydown.testing import signed_in, user_with_role
from laydown.testing.lists import problems_of_list

pytestmark = pytest.mark.django_db
ITEMS = "arms.items"  # registered by arms, with its label and its job page


def _job(user: User | None, name: str, state: str, **fields: object) -> ImportJob:
    return ImportJob.objects.create(
        kind=ITEMS, user_id=user.pk if user else None, name=name, state=state, **fields
    )


@pytest.fixture
def jobs() -> dict[str, ImportJob]:
    clerk = user_with_role("clerk", Role.COLLECTION_CLERK)
    other = user_with_role("other", Role.COLLECTION_CLERK)
    return {
        "running": _job(clerk, "running.csv", JobState.WRITING, done=2000, total=5000),
        "done": _job(clerk, "done.csv", JobState.DONE, rows_written=300, done=300, total=300),
        "refused": _job(clerk, "refused.csv", JobState.REFUSED, problem_count=3),
        "failed": _job(
            clerk,
            "failed.csv",
            JobState.FAILED,
            message="stopped after 5 attempts",
            rows_written=4000,
        ),  # fmt: skip
        "queued": _job(clerk, "queued.csv", JobState.QUEUED),
        "other's": _job(other, "others.csv", JobState.DONE, rows_written=7),
        "operator's": _job(None, "cli.csv", JobState.DONE, rows_written=9),
    }


def _page(client: Client, query: str = "") -> str:
    answer = client.get(reverse("jobs:list") + query)
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_user_sees_their_own_jobs_how_far_and_how_they_ended(jobs) -> None:
    page = _page(signed_in(User.objects.get(username="clerk")))
    for mine in ("running.csv", "done.csv", "refused.csv", "failed.csv", "queued.csv"):
        assert mine in page
    assert "others.csv" not in page and "cli.csv" not in page
    assert 'max="5000" value="2000"' in page and "2,000 / 5,000" in page  # the progress bar
    assert "Import items" in page  # the kind by its label
    assert "300 rows written" in page
    assert "3 problems: nothing written" in page
    assert "stopped after 5 attempts" in page and "4,000 rows written before it stopped" in page
    assert "Waiting for the worker" in page
    for job in ("running", "done", "refused"):  # each its own page
        assert reverse("arms:import_job", kwargs={"job": str(jobs[job].id)}) in page
    assert ">User<" not in page  # one's own: no user column


def test_an_administrator_sees_every_job_with_its_user_but_no_link_to_others_pages(jobs) -> None:
    admin = user_with_role("admin", Role.ADMIN)
    page = _page(signed_in(admin))
    for name in ("running.csv", "others.csv", "cli.csv"):
        assert name in page
    assert ">other<" in page and ">clerk<" in page and ">User<" in page
    # a job's page is its user's (404 to anybody else): no link to it
    assert reverse("arms:import_job", kwargs={"job": str(jobs["other's"].id)}) not in page


def test_the_list_sorts_and_exports_only_what_one_may_see(jobs) -> None:
    client = signed_in(User.objects.get(username="clerk"))
    by_file = _page(client, "?sort=file")
    order = [by_file.index(n) for n in ("done.csv", "failed.csv", "queued.csv", "refused.csv")]
    assert order == sorted(order)
    exported = client.get(reverse("jobs:list") + "?format=csv").content.decode()
    assert exported.splitlines()[0].startswith("id,kind,file,user,started,state")
    assert len(exported.splitlines()) == 1 + 5 and "others.csv" not in exported
    assert problems_of_list(client, reverse("jobs:list")) == []  # count, pager, sorts, exports


def test_signing_in_comes_first_and_the_header_links_the_page(client: Client, jobs) -> None:
    answer = client.get(reverse("jobs:list"))
    assert answer.status_code == 302 and "/accounts/sign-in/" in answer["Location"]
    page = _page(signed_in(User.objects.get(username="clerk")))
    assert f'href="{reverse("jobs:list")}" aria-current="page"' in page


def test_the_page_is_translated(jobs) -> None:
    clerk = User.objects.get(username="clerk")
    page = _page(signed_in(clerk), "")
    client = signed_in(clerk)
    client.cookies["django_language"] = "ru"
    ru = client.get(reverse("jobs:list"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Import items" in page and "Import items" not in ru


def test_the_russian_page_says_state_of_a_job_and_counts_problems_in_russian(jobs) -> None:
    jobs["refused"].problem_count = 6
    jobs["refused"].save(update_fields=["problem_count"])
    client = signed_in(User.objects.get(username="clerk"))
    client.cookies["django_language"] = "ru"
    ru = client.get(reverse("jobs:list"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Состояние<" in ru and "Состояние маркировки" not in ru  # not a weapon's marking
    assert "6 проблем: ничего не записано" in ru and "problems" not in ru
