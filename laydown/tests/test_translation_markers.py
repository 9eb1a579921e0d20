"""Every translated string is found by `make messages`.

xgettext (through Django's makemessages) extracts only calls of the names it knows: `_`,
`gettext`, `gettext_lazy`, `ngettext`, `pgettext` and their kin. A string marked through an alias
such as `gettext_lazy as _lazy` is translated at run time from a catalogue that never received it,
so people see it in English whatever their language (twelve strings did, until this test).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # laydown/
# The keywords Django's makemessages passes to xgettext for Python files.
EXTRACTED = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}


def _aliases(path: Path, root: Path = PACKAGE.parent) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            for name in node.names:
                used = name.asname or name.name
                if name.name in EXTRACTED and used not in EXTRACTED:
                    found.append(f"{path.relative_to(root)}:{node.lineno} {used}")
    return found


def test_translation_functions_are_imported_under_names_makemessages_extracts() -> None:
    found = [a for path in sorted(PACKAGE.rglob("*.py")) for a in _aliases(path)]
    assert not found, "strings marked through these names never reach the catalogues: " + ", ".join(
        found
    )


def test_the_check_finds_an_alias(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from django.utils.translation import gettext as _, gettext_lazy as _lazy, ngettext\n"
    )
    assert _aliases(probe, tmp_path) == ["probe.py:1 _lazy"]
