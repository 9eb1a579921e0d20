"""Field submissions (the offline app's outbox, OpenRosa, an API call with an Idempotency-Key)
go through group commit as a registration does: concurrent uploads share one transaction and
one checkpoint, each still gets its own record or its own error, and two uploads of one
submission in the same batch still write it once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import override_settings

from laydown.access.web import principal_for_user
from laydown.arms.models import Item, Site
from laydown.core.errors import ValidationError
from laydown.field import services
from laydown.field.models import Submission
from laydown.ledger import group
from laydown.ledger.models import Checkpoint
from laydown.testing import log_size
from laydown.testing.field import WEAPON, Enrolled, enrolled_clerk
from laydown.testing.ledger import assert_log_is_whole, log_held_by_another_writer


@pytest.fixture
def committer() -> Iterator[None]:
    with override_settings(LAYDOWN_GROUP_COMMIT=True):
        yield
    group.shutdown()


def upload(enrolled: Enrolled, sid: uuid.UUID, serial: str) -> services.Outcome:
    return services.submission_run(
        actor=principal_for_user(enrolled.clerk),
        form="arms.weapon",
        submission=sid,
        payload={**WEAPON, "serial": serial} if serial else {**WEAPON, "make": ""},
        device=enrolled.device,
        hold_conflicts=True,
    )


def in_threads(*calls: tuple[uuid.UUID, str], enrolled: Enrolled) -> list[object]:
    """Upload each (id, serial) from its own thread, all queued to the committer while another
    writer holds the log, then released: one batch. An empty serial sends a weapon without
    its make (refused)."""
    results: list[object] = [None] * len(calls)

    def run(n: int) -> None:
        try:
            results[n] = upload(enrolled, *calls[n])
        except Exception as exc:  # noqa: BLE001  (the test inspects it)
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    with log_held_by_another_writer():
        for thread in threads:
            thread.start()
        for _ in range(6000):  # the committer holds the first, waits for the log; the rest queue
            if group._queue.qsize() == len(calls) - 1:
                break
            threading.Event().wait(0.01)
        assert group._queue.qsize() == len(calls) - 1
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.django_db(transaction=True)
def test_uploads_at_once_share_one_checkpoint_and_a_refused_one_spares_the_others(
    sites: dict[str, Site], committer: None
) -> None:
    enrolled = enrolled_clerk()
    size, checkpoints = log_size(), Checkpoint.objects.count()
    sids = [uuid.uuid4() for _ in range(5)]
    results = in_threads(
        (sids[0], "GC-0"),
        (sids[1], "GC-1"),
        (sids[2], ""),
        (sids[3], "GC-3"),
        (sids[4], "GC-4"),
        enrolled=enrolled,
    )
    refused = results[2]
    assert isinstance(refused, ValidationError), results
    assert "make" in refused.fields
    accepted = [r for r in results if isinstance(r, services.Outcome)]
    assert [o.submission for o in accepted] == [sids[0], sids[1], sids[3], sids[4]]
    assert all(o.status == "accepted" and not o.replayed for o in accepted)
    tags = {o.result["tag"] for o in accepted}
    assert set(Item.objects.values_list("tag", flat=True)) == tags and len(tags) == 4
    assert set(Submission.objects.values_list("id", flat=True)) == {o.submission for o in accepted}
    assert log_size() == size + 8  # each accepted one: its item and its receipt
    assert Checkpoint.objects.count() == checkpoints + 1  # one batch, one checkpoint
    assert_log_is_whole(size + 8)
    again = upload(enrolled, sids[2], "GC-2")  # the refused id, corrected, goes in alone
    assert again.status == "accepted" and not again.replayed


@pytest.mark.django_db(transaction=True)
def test_uploads_of_one_submission_in_one_batch_write_it_once(
    sites: dict[str, Site], committer: None
) -> None:
    enrolled = enrolled_clerk()
    size = log_size()
    sid = uuid.uuid4()
    results = in_threads((sid, "TWICE-1"), (sid, "TWICE-1"), (sid, "TWICE-1"), enrolled=enrolled)
    assert all(isinstance(r, services.Outcome) for r in results), results
    outcomes = [r for r in results if isinstance(r, services.Outcome)]
    assert {o.result["tag"] for o in outcomes} == {outcomes[0].result["tag"]}
    assert sorted(o.replayed for o in outcomes) == [False, True, True]
    assert Item.objects.filter(serial="TWICE-1").count() == 1
    assert log_size() == size + 2
    assert_log_is_whole(size + 2)
