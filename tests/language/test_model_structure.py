"""Structure of the syntax, model and layout stages: no import cycle, small modules and functions.

The import graph is built from the source (every ``import`` statement, including
those inside functions, which a cycle often hides behind), not from what Python
happened to load.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "sphinx_ncd"
CYCLE_FREE = ("model", "layout", "syntax")  # packages whose modules must not import each other in a cycle
SIZED = tuple(sorted(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()))  # every stage's package
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``path`` imports (anywhere in it)."""
    name = _module_name(path)
    package = name if path.stem == "__init__" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            # ``from pkg import mod`` imports the module; ``from pkg import name`` the package (or module)
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in known else stem for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


def import_graph(packages=CYCLE_FREE) -> dict[str, set[str]]:
    files = [p for pkg in packages for p in sorted((PACKAGE / pkg).glob("*.py"))]
    known = {_module_name(p) for p in files}
    return {_module_name(p): _imports(p, known) for p in files}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (as a list of modules, first repeated at the end), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_the_model_and_layout_modules():
    graph = import_graph()
    assert {"sphinx_ncd.model.infer", "sphinx_ncd.model.schedule", "sphinx_ncd.model.blocks",
            "sphinx_ncd.model.operations", "sphinx_ncd.syntax.parser"} <= set(graph)
    assert any(m.startswith("sphinx_ncd.layout.") for m in graph)
    # relative imports, and imports inside functions, are edges too
    assert "sphinx_ncd.model.operations" in graph["sphinx_ncd.model.infer"]
    assert "sphinx_ncd.model.wiring" in graph["sphinx_ncd.model.types"]  # imported inside __post_init__


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_in_model_layout_syntax():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_evaluation_and_the_schedule_do_not_import_each_other():
    graph = import_graph(("model",))
    evaluation = {"sphinx_ncd.model.infer", "sphinx_ncd.model.operations", "sphinx_ncd.model.blocks"}
    assert not graph["sphinx_ncd.model.schedule"] & evaluation
    for module in evaluation:
        assert "sphinx_ncd.model.schedule" not in graph[module], module
        assert "sphinx_ncd.model.build" not in graph[module], module


def _sources(packages=SIZED):
    """Every module of the package: its stages' subpackages and its top-level modules."""
    return [p for pkg in packages for p in sorted((PACKAGE / pkg).glob("*.py"))] + sorted(PACKAGE.glob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_small_modules_and_functions(path):
    text = path.read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name}: {text.count(chr(10))} lines"
    tree = ast.parse(text)
    assert ast.get_docstring(tree), f"{path.name} has no module docstring"
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            assert length <= MAX_FUNCTION_LINES, f"{path.name}: {node.name} is {length} lines"
