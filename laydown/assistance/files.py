"""Photos and documents of assistance, kept apart from the log and named by their SHA-256."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from laydown.core import validators
from laydown.core.files import keep_by_hash

MAX_PHOTO_BYTES = 10 * 1024 * 1024
IMAGE_KINDS = ("jpeg", "png", "webp")
DOCUMENT_KINDS = (*IMAGE_KINDS, "pdf")


def file_check(*, data: bytes, field: str = "photo", kinds: Sequence[str] = IMAGE_KINDS) -> None:
    """Refuse, naming `field`, an empty file, one over 10 MB, or one not of `kinds`."""
    if not data or len(data) > MAX_PHOTO_BYTES:
        raise validators.refuse(
            field,
            _("empty or too large"),
            _("The file is %(size)d bytes; it must be 1 byte to 10 MB.") % {"size": len(data)},
        )
    if validators.file_kind(data) not in kinds:
        raise validators.refuse(
            field,
            _("wrong type"),
            _("The file is not one of: %(kinds)s.")
            % {"kinds": ", ".join(k.upper() for k in kinds)},
        )


def file_store(*, data: bytes, field: str = "photo", kinds: Sequence[str] = IMAGE_KINDS) -> str:
    """Keep a photo or document apart from the log, named by its SHA-256; return the hash.

    Refuses, naming `field`, an empty file, one over 10 MB, or one whose content is not of
    `kinds` (checked by its signature, whatever its name says).
    """
    file_check(data=data, field=field, kinds=kinds)
    return keep_by_hash(data, file_path)


def file_path(digest: str) -> Path:
    return Path(settings.DATA_DIR) / "assistance" / "files" / digest[:2] / digest
