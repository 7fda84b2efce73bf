"""The checker's modules stay small: at most 600 lines each, functions of at most 80, a docstring saying
which pipeline stage each is (the same limits tests/language/test_model_structure.py holds the model to)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHECKING = Path(__file__).resolve().parents[2] / "sphinx_ncd" / "checking"
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


@pytest.mark.parametrize("path", sorted(CHECKING.glob("*.py")), ids=lambda p: p.name)
def test_small_checking_modules_and_functions(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name}: {text.count(chr(10))} lines"
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"{path.name} has no module docstring"
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path.name}: {node.name} is {length} lines"


def test_the_check_strategy_is_not_one_long_function():
    tree = ast.parse((CHECKING / "strategy.py").read_text(encoding="utf-8"))
    lengths = {n.name: n.end_lineno - n.lineno + 1 for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert max(lengths.values()) <= 40, lengths  # _handle_check was 123 lines
