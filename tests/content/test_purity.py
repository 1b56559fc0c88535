"""content/ and interchange/ are pure: they import neither the web framework nor the models."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import quizapp.content
import quizapp.interchange

_PURE = (Path(quizapp.content.__file__).parent, Path(quizapp.interchange.__file__).parent)
# Prefixes: "flask" also covers flask_login, flask_wtf and the other extensions.
_FORBIDDEN = ("flask", "sqlalchemy", "quizapp.models", "quizapp.services")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path",
    sorted(path for package in _PURE for path in package.glob("*.py")),
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_content_module_is_pure(path: Path) -> None:
    assert {name for name in _imports(path) if name.startswith(_FORBIDDEN)} == set()
