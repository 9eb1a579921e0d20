"""Photos of the registry, kept apart from the log and named by their SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from laydown.core import validators
from laydown.core.files import keep_by_hash

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 20
IMAGE_KINDS = ("jpeg", "png", "webp")


def photos_check(value: Sequence[str], *, announced: bool = False) -> list[str]:
    """The photos' SHA-256, each in the file store; with `announced`, a photo may still be on
    the device that took it (the field app sends a record before its photos): only its name
    is checked, and the photo is stored later by `photo_arrive`."""
    photos = list(value)
    if len(photos) > MAX_PHOTOS:
        raise validators.refuse(
            "photos", _("too many"), _("At most %(max)d photos.") % {"max": MAX_PHOTOS}
        )
    for sha in photos:
        if (
            not isinstance(sha, str)
            or not validators.SHA256.match(sha)
            or not (announced or photo_path(sha).exists())
        ):
            raise validators.refuse(
                "photos",
                _("unknown photo"),
                _("Photo %(sha)r is not in the file store; upload it first.") % {"sha": sha},
            )
    return photos


def photo_path(sha: str) -> Path:
    return settings.DATA_DIR / "files" / sha[:2] / sha


def photos_waiting(photos: Sequence[str]) -> list[str]:
    """Those of `photos` named by a record but not yet in the file store: still on a device."""
    return [sha for sha in photos if not photo_path(sha).exists()]


def photo_arrive(*, sha: str, data: bytes) -> bool:
    """Store a photo announced by its SHA-256; refuse bytes that do not hash to it. Return
    whether it was new (False: it was there already, and nothing changes)."""
    if not validators.SHA256.match(sha):
        raise validators.refuse("sha256", _("not a SHA-256"), _("Name the photo by its SHA-256."))
    if photo_path(sha).exists():
        return False
    if hashlib.sha256(data).hexdigest() != sha:
        raise validators.refuse(
            "file",
            _("damaged"),
            _("The photo's bytes do not match its SHA-256 %(sha)s; send it again.") % {"sha": sha},
        )
    photo_store(data=data)
    return True


def photo_store(*, data: bytes) -> str:
    """Store a JPEG, PNG or WebP photo by its SHA-256 (which records then name); return it."""
    if len(data) > MAX_PHOTO_BYTES:
        raise validators.refuse(
            "photos",
            _("too big"),
            _("The photo is %(size)d bytes; the limit is 10 MB.") % {"size": len(data)},
        )
    if validators.file_kind(data) not in IMAGE_KINDS:
        raise validators.refuse(
            "photos", _("not an image"), _("The file is not a JPEG, PNG or WebP image.")
        )
    return keep_by_hash(data, photo_path)
