"""An uploaded import file's bytes, refused unread when it declares more than the import takes."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from laydown.core.imports.problems import ImportRefused
from laydown.core.imports.tables import Layout


def too_large(layout: Layout) -> ImportRefused:
    return ImportRefused.whole_file(
        _("The file is larger than %(mb)d MB: split it.") % {"mb": layout.max_bytes // 2**20},
        _("too large"),
    )


def upload_content(upload: UploadedFile, layout: Layout) -> bytes:
    """The upload's bytes: at most one past the limit (`table_read` refuses a size that lied),
    and none if its declared size is over it (ImportRefused)."""
    if upload.size is None or upload.size > layout.max_bytes:
        raise too_large(layout)
    upload.seek(0)
    content: bytes = upload.read(layout.max_bytes + 1)
    return content
