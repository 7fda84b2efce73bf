"""The checker's order of attempts stays in short functions (the size limits of every module, this package's
included, are tests/language/test_model_structure.py's)."""
from __future__ import annotations

import ast
from pathlib import Path

CHECKING = Path(__file__).resolve().parents[2] / "sphinx_ncd" / "checking"


def test_the_check_strategy_is_not_one_long_function():
    tree = ast.parse((CHECKING / "strategy.py").read_text(encoding="utf-8"))
    lengths = {n.name: n.end_lineno - n.lineno + 1 for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert max(lengths.values()) <= 40, lengths  # _handle_check was 123 lines
