"""Static files: hashed, compressed names once collected; the plain names before."""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """`laydown serve` collects the static files first: pages then name each by a hash of its
    content (`laydown.1a2b3c4d5e6f.css`), which WhiteNoise serves with a one-year immutable
    cache header. Before any `collectstatic` (tests, `laydown serve --dev` on a fresh clone)
    a page names the file plainly and WhiteNoise serves it from the app's static folder with
    a short cache header, instead of failing for want of a manifest.
    """

    manifest_strict = False
    # Rewrite the references of CSS files (url(), @import) to hashed names; not the
    # sourceMappingURL comments of the vendored scripts, whose maps are not vendored.
    patterns = (
        (
            "*.css",
            (
                r"""(?P<matched>url\(['"]{0,1}\s*(?P<url>.*?)["']{0,1}\))""",
                (r"""(?P<matched>@import\s*["']\s*(?P<url>.*?)["'])""", '@import url("%(url)s")'),
            ),
        ),
    )

    def stored_name(self, name: str) -> Any:
        try:
            return super().stored_name(name)
        except ValueError:  # not collected (no manifest entry, no copy to hash)
            return name
