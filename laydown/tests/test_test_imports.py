"""Tests share one base: no test module imports a test module, nor another app's tests.

What several apps' tests share lives in `laydown.testing` (users, sign-in, hostile files, the
URL walker) and `laydown.fixtures` (pytest fixtures). Inside one app, tests may share a helper
module (`base.py`, `conftest.py`, `browser.py`), never a `test_*.py` module.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # laydown/


def _module_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _tests_owner(module: str) -> str | None:
    """`laydown.arms` for `laydown.arms.tests.base`, `laydown` for `laydown.tests.x`; else None."""
    parts = module.split(".")
    if "tests" not in parts:
        return None
    return ".".join(parts[: parts.index("tests")])


def _imports(path: Path, root: Path) -> list[tuple[int, list[str]]]:
    """Each import statement of `path` (also inside functions): its line, and the full dotted
    names of what it may import (`from a import b` may import the module `a.b`)."""
    module = _module_of(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, list[str]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, [alias.name]) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, [f"{base}.{alias.name}" for alias in node.names]))
    return found


def violations(root: Path = PACKAGE) -> list[str]:
    problems = []
    for path in sorted(root.rglob("*.py")):
        importer = _module_of(path, root)
        owner = _tests_owner(importer)
        if owner is None:
            continue
        for line, names in _imports(path, root):
            where = f"{path.relative_to(root.parent)}:{line}"
            for name in names:
                target_owner = _tests_owner(name)
                if target_owner is None:
                    continue
                if target_owner != owner:
                    problems.append(f"{where} imports {name}, another app's tests")
                    break
                test_module = next((p for p in name.split(".") if p.startswith("test_")), None)
                if test_module and not importer.endswith(f".{test_module}"):
                    problems.append(f"{where} imports from the test module {test_module}")
                    break
    return problems


def test_no_test_module_imports_a_test_module_or_another_apps_tests() -> None:
    problems = violations()
    assert not problems, "move what is shared to laydown/testing or laydown/fixtures:\n" + (
        "\n".join(problems)
    )


def test_the_check_finds_such_imports(tmp_path: Path) -> None:
    root = tmp_path / "laydown"
    for app in ("arms", "people"):
        (root / app / "tests").mkdir(parents=True)
        (root / app / "tests" / "__init__.py").write_text("")
    (root / "arms" / "tests" / "test_a.py").write_text(
        "from laydown.people.tests.base import YES\n"
        "from . import test_b\n"
        "from .base import thing\n"
        "def f():\n    from laydown.arms.tests.test_c import x\n"
    )
    assert violations(root) == [
        "laydown/arms/tests/test_a.py:1 imports laydown.people.tests.base.YES, another app's tests",
        "laydown/arms/tests/test_a.py:2 imports from the test module test_b",
        "laydown/arms/tests/test_a.py:5 imports from the test module test_c",
    ]
