"""Photos after records: a device sends a weapon naming its photos by SHA-256, the photos follow,
each checked against its hash and stored once; the item page says which are still on the device."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from laydown.arms.models import Item, Site
from laydown.arms.photos import photo_path
from laydown.core.png import png
from laydown.testing import assert_error, bearer, post_json, signed_in, user_with_role
from laydown.testing.field import LOT, WEAPON, enrolled_clerk, submission

SYNC = "/api/v1/field/submissions"


def _png(seed: int) -> bytes:
    """A valid 1x1 PNG whose pixel depends on `seed`: a different file for each seed."""
    return png(1, 1, bytes([seed % 256, 7, 9]))


def _upload(client: Client, secret: str, tag: str, sha: str, data: bytes) -> object:
    return client.post(
        f"/api/v1/arms/photos/{tag}/{sha}",
        {"file": SimpleUploadedFile("photo", data, content_type="image/png")},
        headers=bearer(secret),
    )


@pytest.mark.django_db
def test_a_record_comes_first_and_its_photos_follow_each_checked_against_its_hash(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    photo, other = _png(1), _png(2)
    sha = hashlib.sha256(photo).hexdigest()
    photo_path(sha).unlink(missing_ok=True)  # the file store outlives a test
    body = submission("arms.weapon", {**WEAPON, "serial": "PH-1", "photos": [sha]})
    sent = post_json(Client(), SYNC, body, headers=bearer(enrolled.secret))
    assert sent.status_code == 201, sent.content
    tag = sent.json()["result"]["tag"]
    assert Item.objects.get(tag=tag).photos == [sha]

    manager = signed_in(user_with_role("boss", "programme_manager"))
    page = manager.get(f"/arms/items/{tag}/")
    assert f'data-waiting="{sha}"' in page.content.decode()

    client = Client()
    damaged = _upload(client, enrolled.secret, tag, sha, other)
    assert assert_error(damaged, 422, "invalid")["fields"] == {"file": "damaged"}
    foreign = _upload(client, enrolled.secret, tag, hashlib.sha256(other).hexdigest(), other)
    assert assert_error(foreign, 422, "invalid")["fields"] == {"sha256": "not this item's"}
    first = _upload(client, enrolled.secret, tag, sha, photo)
    assert first.status_code == 201, first.content  # type: ignore[attr-defined]
    assert first.json() == {"sha256": sha, "tag": tag, "stored": True}  # type: ignore[attr-defined]
    again = _upload(client, enrolled.secret, tag, sha, photo)
    assert again.status_code == 200 and again.json()["stored"] is False  # type: ignore[attr-defined]

    page = manager.get(f"/arms/items/{tag}/")
    assert "data-waiting" not in page.content.decode()


@pytest.mark.django_db
def test_the_plain_api_still_wants_a_photo_stored_before_the_item_names_it(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    sha = hashlib.sha256(_png(3)).hexdigest()
    answer = post_json(
        Client(),
        "/api/v1/arms/items",
        {**WEAPON, "serial": "PH-2", "photos": [sha]},
        headers=bearer(enrolled.secret),
    )
    assert assert_error(answer, 422, "invalid")["fields"] == {"photos": "unknown photo"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("form", "payload", "page"),
    [
        ("arms.lot", LOT, "/arms/lots/{tag}/"),
        (
            "arms.materiel",
            {"site": "cp-north", "type": "other", "description": "Radio", "quantity": 1},
            "/arms/materiel/{tag}/",
        ),
    ],
)
def test_lots_and_materiel_take_photos_the_same_way(
    sites: dict[str, Site], form: str, payload: dict[str, object], page: str
) -> None:
    enrolled = enrolled_clerk()
    photo = _png(4 if form == "arms.lot" else 5)
    sha = hashlib.sha256(photo).hexdigest()
    photo_path(sha).unlink(missing_ok=True)
    sent = post_json(
        Client(),
        SYNC,
        submission(form, {**payload, "photos": [sha]}),
        headers=bearer(enrolled.secret),
    )
    assert sent.status_code == 201, sent.content
    tag = sent.json()["result"]["tag"]
    manager = signed_in(user_with_role("boss", "programme_manager"))
    assert f'data-waiting="{sha}"' in manager.get(page.format(tag=tag)).content.decode()
    stored = _upload(Client(), enrolled.secret, tag, sha, photo)
    assert stored.status_code == 201, stored.content  # type: ignore[attr-defined]
    shown = manager.get(page.format(tag=tag)).content.decode()
    assert sha in shown and "data-waiting" not in shown
