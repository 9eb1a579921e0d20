from __future__ import annotations

import base64
import json

import pytest
import rfc8785
from django.db import transaction

from laydown import tlog
from laydown.core.errors import ValidationError
from laydown.ledger import keys, selectors, services
from laydown.ledger.models import Checkpoint, Record

pytestmark = pytest.mark.django_db


def append_many(n: int, *, start: int = 0) -> list[Record]:
    entries = [
        ("test.sample", {"n": start + i, "text": "Ağdam Ստեփանակերт Шуша"}) for i in range(n)
    ]
    return services.record_append_batch(entries=entries, actor="clerk:7f3a")


def stored_leaf_hashes() -> list[bytes]:
    return [bytes(h) for h in Record.objects.order_by("index").values_list("leaf_hash", flat=True)]


def test_it_appends_single_records_and_batches_with_gap_free_indices() -> None:
    first = services.record_append(kind="test.sample", data={"n": 0}, actor="clerk:7f3a")
    batch = append_many(300, start=1)
    last = services.record_append(kind="test.sample", data={"n": 301}, actor="clerk:7f3a")
    assert first.index == 0
    assert [r.index for r in batch] == list(range(1, 301))
    assert last.index == 301
    assert list(Record.objects.order_by("index").values_list("index", flat=True)) == list(
        range(302)
    )
    assert selectors.log_size() == 302


def test_the_tiles_and_the_signed_checkpoint_commit_to_every_stored_record() -> None:
    append_many(700)
    append_many(45, start=700)
    leaves = [
        tlog.leaf_hash(bytes(body))
        for body in Record.objects.order_by("index").values_list("body", flat=True)
    ]
    assert leaves == stored_leaf_hashes()
    checkpoint = selectors.checkpoint_latest()
    note = tlog.open_note(checkpoint.note, [tlog.new_verifier(keys.log_verifier_key())])
    parsed = tlog.parse_checkpoint(note.text)
    assert parsed.size == 745
    assert parsed.root_hash == tlog.root_hash(leaves) == checkpoint.root
    assert tlog.verify_tiles(745, selectors.tile_read) == parsed.root_hash
    # one signed checkpoint per committed append
    assert sorted(Checkpoint.objects.values_list("size", flat=True)) == [700, 745]


def test_each_record_is_rfc8785_json_with_a_256_bit_salt() -> None:
    record = services.record_append(
        kind="test.sample", data={"serial": "АК-47 № 123", "qty": 3}, actor="clerk:7f3a"
    )
    body = bytes(record.body)
    parsed = json.loads(body)
    assert rfc8785.dumps(parsed) == body
    assert set(parsed) == {"v", "kind", "at", "actor", "data", "salt"}
    assert parsed["v"] == 1 and parsed["kind"] == "test.sample" and parsed["actor"] == "clerk:7f3a"
    assert parsed["data"] == {"serial": "АК-47 № 123", "qty": 3}
    assert parsed["at"].endswith("Z")
    assert len(base64.b64decode(parsed["salt"])) == 32
    other = services.record_append(
        kind="test.sample", data={"serial": "АК-47 № 123", "qty": 3}, actor="clerk:7f3a"
    )
    assert json.loads(bytes(other.body))["salt"] != parsed["salt"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"weight": 1.5}, "data.weight"),
        ({"lots": [{"qty": 2}, {"qty": 0.5}]}, "data.lots[1].qty"),
        ({"big": 2**60}, "data.big"),
        ({1: "x"}, "data"),
    ],
)
def test_it_rejects_values_records_cannot_hold_and_names_the_field(data, field) -> None:
    with pytest.raises(ValidationError) as error:
        services.record_append(kind="test.sample", data=data, actor="clerk:7f3a")
    assert field in error.value.fields
    assert selectors.log_size() == 0


def test_it_rejects_an_unknown_kind_and_a_bad_actor() -> None:
    with pytest.raises(ValidationError, match="unknown record kind 'arms.nothing'"):
        services.record_append(kind="arms.nothing", data={}, actor="clerk:7f3a")
    with pytest.raises(ValidationError, match="actor"):
        services.record_append(kind="test.sample", data={}, actor="two words")
    assert selectors.log_size() == 0


def test_one_bad_entry_in_a_batch_appends_nothing() -> None:
    append_many(3)
    entries = [("test.sample", {"n": 1}), ("test.sample", {"n": 2.0})]
    with pytest.raises(ValidationError):
        services.record_append_batch(entries=entries, actor="clerk:7f3a")
    assert selectors.log_size() == 3


def test_a_rolled_back_caller_transaction_leaves_no_record_and_no_checkpoint() -> None:
    append_many(10)
    with pytest.raises(RuntimeError), transaction.atomic():
        append_many(5, start=10)
        raise RuntimeError("the projection change failed")
    assert selectors.log_size() == 10
    assert Record.objects.count() == 10
    assert selectors.checkpoint_latest().size == 10
    assert tlog.verify_tiles(10, selectors.tile_read) == tlog.root_hash(stored_leaf_hashes())
    again = append_many(1, start=10)
    assert again[0].index == 10


def test_an_empty_log_serves_a_signed_checkpoint_of_size_zero() -> None:
    checkpoint = selectors.checkpoint_latest()
    note = tlog.open_note(checkpoint.note, [tlog.new_verifier(keys.log_verifier_key())])
    parsed = tlog.parse_checkpoint(note.text)
    assert (parsed.size, parsed.root_hash) == (0, tlog.EMPTY_ROOT)
