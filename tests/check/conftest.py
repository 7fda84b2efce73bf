"""Fixtures for the checker's tests: our test models (the session's one warm ``worker`` is in tests/conftest.py)."""
from __future__ import annotations

import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # check_handmade.py, check_specs.py
HERE = pathlib.Path(__file__).resolve().parent
MODELS = str(HERE / "models")


@pytest.fixture
def run(worker):
    """``run(diagram, code, **options)``: check with the shared worker, our models importable, no cache."""
    from sphinx_ncd.checking.api import check

    def _run(diagram, code, sizes=None, **options):
        options.setdefault("worker", worker)
        options.setdefault("use_cache", False)
        options.setdefault("path", (MODELS,))
        return check(diagram, code, sizes, **options)

    return _run


@pytest.fixture
def parse():
    import sphinx_ncd

    def _parse(text, filename="spec.ncd"):
        return sphinx_ncd.parse(text, filename=filename)

    return _parse


@pytest.fixture(autouse=True)
def _private_cli_cache(tmp_path, monkeypatch):
    """``ncd check`` keeps its output under $XDG_CACHE_HOME: each test gets its own, never the user's."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
