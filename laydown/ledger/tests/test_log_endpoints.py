from __future__ import annotations

import base64
import random
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from laydown import tlog
from laydown.ledger import keys, selectors, services, tilecache
from laydown.ledger.models import Record

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_of_600() -> list[bytes]:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(600)], actor="clerk:1"
    )
    return [bytes(h) for h in Record.objects.order_by("index").values_list("leaf_hash", flat=True)]


def test_the_checkpoint_is_public_plain_text_signed_by_the_log(client: Client, log_of_600) -> None:
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    note = tlog.open_note(response.content, [tlog.new_verifier(keys.log_verifier_key())])
    assert tlog.parse_checkpoint(note.text).root_hash == tlog.root_hash(log_of_600)


def test_tiles_are_served_byte_exact_in_the_c2sp_layout(client: Client, log_of_600) -> None:
    full = client.get("/log/tile/0/000")
    assert full.status_code == 200
    assert full["Content-Type"] == "application/octet-stream"
    assert "immutable" in full["Cache-Control"]
    assert full.content == b"".join(log_of_600[:256])
    partial = client.get("/log/tile/0/002.p/88")
    assert partial.content == b"".join(log_of_600[512:600])
    narrower = client.get("/log/tile/0/002.p/10")
    assert narrower.content == b"".join(log_of_600[512:522])
    level1 = client.get("/log/tile/1/000.p/2")
    assert level1.content == tlog.root_hash(log_of_600[:256]) + tlog.root_hash(log_of_600[256:512])


@pytest.mark.parametrize(
    "path",
    [
        "/log/tile/0/002",  # full tile not complete yet
        "/log/tile/0/002.p/89",  # wider than the tree
        "/log/tile/0/003.p/1",  # beyond the tree
        "/log/tile/1/000",
        "/log/tile/0/2",  # not canonical
        "/log/tile/0/002.p/0",
        "/log/tile/0/002.p/256",
        "/log/tile/x/000",
    ],
)
def test_tiles_beyond_the_tree_or_malformed_are_404(client: Client, log_of_600, path) -> None:
    assert client.get(path).status_code == 404


def test_a_record_proof_is_a_c2sp_tlog_proof_that_verifies(client: Client, log_of_600) -> None:
    response = client.get("/log/proof/517")
    assert response.status_code == 200
    verifier = tlog.new_verifier(keys.log_verifier_key())
    checkpoint = tlog.verify_tlog_proof(response.content.decode(), log_of_600[517], [verifier])
    assert checkpoint.size == 600
    with pytest.raises(tlog.TlogError):
        tlog.verify_tlog_proof(response.content.decode(), log_of_600[518], [verifier])
    assert client.get("/log/proof/600").status_code == 404


def test_the_log_endpoints_accept_only_get(client: Client, log_of_600) -> None:
    assert client.post("/log/checkpoint").status_code in (403, 405)


def test_the_start_page_shows_the_log_size_and_checkpoint(client: Client, log_of_600) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b'id="log-size">600<' in response.content
    assert selectors.checkpoint_latest().note.splitlines()[2].encode() in response.content


@pytest.mark.django_db(transaction=True)
def test_a_proof_reads_the_tiles_it_needs_at_once_and_keeps_full_tiles_and_the_edge(
    django_assert_num_queries,
) -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(66000)], actor="clerk:1"
    )
    leaves = [
        bytes(h) for h in Record.objects.order_by("index").values_list("leaf_hash", flat=True)
    ]
    verifier = tlog.new_verifier(keys.log_verifier_key())
    # the served checkpoint, the tiles of its right edge (kept for this size), the leaf's tile
    with django_assert_num_queries(3):
        text = selectors.proof_for_record(1234)
    assert text is not None
    assert tlog.verify_tlog_proof(text, leaves[1234], [verifier]).size == 66000
    assert tilecache.get((0, 1234 // 256)) == b"".join(leaves[1024:1280])
    with django_assert_num_queries(0):  # checkpoint, edge and full tiles kept
        text = selectors.proof_for_record(1235)
    assert tlog.verify_tlog_proof(text, leaves[1235], [verifier]).size == 66000
    with django_assert_num_queries(0):  # a leaf of the last peaks: its tile kept with the edge
        text = selectors.proof_for_record(65999)
    assert tlog.verify_tlog_proof(text, leaves[65999], [verifier]).size == 66000
    with django_assert_num_queries(1):  # a consistency proof: its tiles at once
        proof = selectors.consistency_proof(70, 65999)
    assert proof == tlog.consistency_proof(70, 65999, leaves)
    for index in (0, 255, 256, 65535, 65536, 65791, 65792, 65983, 65984):  # peaks' ends
        text = selectors.proof_for_record(index)
        assert text is not None
        assert tlog.verify_tlog_proof(text, leaves[index], [verifier]).size == 66000


@pytest.mark.django_db(transaction=True)
def test_a_full_tile_in_memory_that_is_not_this_logs_never_gives_a_wrong_proof() -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(600)], actor="clerk:1"
    )
    leaves = [
        bytes(h) for h in Record.objects.order_by("index").values_list("leaf_hash", flat=True)
    ]
    tilecache.put((0, 0), bytes(32 * 256))  # e.g. left over from a database restored since
    text = selectors.proof_for_record(5)
    assert text is not None
    verifier = tlog.new_verifier(keys.log_verifier_key())
    assert tlog.verify_tlog_proof(text, leaves[5], [verifier]).size == 600
    assert tilecache.get((0, 0)) == b"".join(leaves[:256])
    with tilecache.hashes_lock:  # the inner nodes of another log's tile 1 kept
        tilecache.hashes.siblings(lambda level, n: bytes(32 * 256), 0, 1, 256, 0, 8)
    text = selectors.proof_for_record(300)
    assert text is not None
    assert tlog.verify_tlog_proof(text, leaves[300], [verifier]).size == 600


@pytest.mark.django_db(transaction=True)
def test_served_proofs_are_the_reference_proofs_at_and_between_tile_boundaries(
    client: Client,
) -> None:
    """The served answers are byte for byte those of the proofs computed from the leaves alone
    (an in-memory tree of them, and for some the RFC 9162 recursion over the list), at log
    sizes at and between tile boundaries: inclusion proofs of random leaves and the ends of
    every peak, consistency proofs from random and boundary sizes."""
    tilecache.clear()
    rng = random.Random(20)
    size = 0
    for grown in (255, 256, 257, 65536, 65537, 65792, 66001):
        services.record_append_batch(
            entries=[("test.sample", {"n": i}) for i in range(size, grown)], actor="clerk:1"
        )
        size = grown
        leaves = [
            bytes(h) for h in Record.objects.order_by("index").values_list("leaf_hash", flat=True)
        ]
        reference = tlog.MemoryTree()
        reference.append_hashes(leaves)
        note = selectors.checkpoint_public().note
        ends = {0, size - 1} | {(1 << b) - 1 for b in range(size.bit_length())}
        indices = [rng.randrange(size) for _ in range(25)] + sorted(i for i in ends if i < size)
        for index in indices + indices[:10]:  # some again, from what the first one kept
            expected = reference.inclusion_proof(index)
            assert selectors.proof_for_record(index) == tlog.format_tlog_proof(
                index, expected, note
            )
        for index in indices[:2]:
            assert reference.inclusion_proof(index) == tlog.inclusion_proof(index, size, leaves)
        olds = {1, 255, 256, 257, 65535, 65536, size - 1} | {rng.randrange(1, size) for _ in "ab"}
        for old in sorted(o for o in olds if 0 < o < size):
            for new in {size, rng.randrange(old, size + 1)}:
                expected = reference.consistency_proof(old, new)
                assert selectors.consistency_proof(old, new) == expected
            answer = client.get(f"/log/consistency/{old}/{size}")
            assert answer.content.decode().split() == [
                base64.b64encode(h).decode() for h in reference.consistency_proof(old)
            ]
        assert tlog.consistency_proof(5, size, leaves) == reference.consistency_proof(5)


def _checkpoint_queries(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if "ledger_checkpoint" in q["sql"]]


@pytest.mark.django_db(transaction=True)
def test_the_served_checkpoint_is_kept_a_moment_and_forgotten_when_this_process_appends(
    client: Client,
) -> None:
    services.record_append_batch(entries=[("test.sample", {"n": 1})], actor="clerk:1")
    assert client.get("/log/checkpoint").content.decode().splitlines()[1] == "1"
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/log/checkpoint")
    assert again.content.decode().splitlines()[1] == "1"
    assert not _checkpoint_queries(queries)
    services.record_append_batch(entries=[("test.sample", {"n": 2})], actor="clerk:1")
    assert client.get("/log/checkpoint").content.decode().splitlines()[1] == "2"
    time.sleep(selectors.SERVED_FRESH_SECONDS)
    with CaptureQueriesContext(connection) as queries:
        client.get("/log/checkpoint")
    assert _checkpoint_queries(queries)  # read again once it is older than the window


@pytest.mark.django_db(transaction=True)
def test_the_checkpoint_has_an_etag_and_answers_304_while_it_is_unchanged(client: Client) -> None:
    services.record_append_batch(entries=[("test.sample", {"n": 1})], actor="clerk:1")
    first = client.get("/log/checkpoint")
    assert first["Cache-Control"] == "no-cache"
    unchanged = client.get("/log/checkpoint", headers={"If-None-Match": first["ETag"]})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    services.record_append_batch(entries=[("test.sample", {"n": 2})], actor="clerk:1")
    changed = client.get("/log/checkpoint", headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


@pytest.mark.django_db(transaction=True)
def test_a_record_committed_by_another_process_gets_its_proof_at_once(client: Client) -> None:
    services.record_append_batch(entries=[("test.sample", {"n": 1})], actor="clerk:1")
    seen = selectors.checkpoint_served()
    services.record_append_batch(entries=[("test.sample", {"n": 2})], actor="clerk:1")
    selectors._served = (time.monotonic(), seen)  # as if another process had appended it
    response = client.get("/log/proof/1")
    assert response.status_code == 200
    leaf = bytes(Record.objects.get(index=1).leaf_hash)
    verifier = tlog.new_verifier(keys.log_verifier_key())
    assert tlog.verify_tlog_proof(response.content.decode(), leaf, [verifier]).size == 2
