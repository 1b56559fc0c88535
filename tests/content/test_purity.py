"""content/ is pure: it imports neither the web framework nor the database models."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import quizapp.content

_CONTENT = Path(quizapp.content.__file__).parent
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


@pytest.mark.parametrize("path", sorted(_CONTENT.glob("*.py")), ids=lambda path: path.name)
def test_content_module_is_pure(path: Path) -> None:
    assert {name for name in _imports(path) if name.startswith(_FORBIDDEN)} == set()
