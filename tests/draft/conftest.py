"""Fixtures for the draft tests: the gallery's code and our test models importable, the session's
warm checker worker (tests/conftest.py), and torch.export warmed up once (its first call imports most of torch)."""
from __future__ import annotations

import pathlib

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
PATHS = (str(ROOT / "demo_docs" / "code"), str(HERE / "models"))


@pytest.fixture(scope="session")
def drafting():
    """``drafting(code, inputs, **options)``: ``sphinx_ncd.draft`` with our paths, after one warm-up."""
    pytest.importorskip("torch")
    import sphinx_ncd

    sphinx_ncd.draft("small_models:Scale()", "x: a", path=PATHS)

    def _draft(code, inputs, **options):
        options.setdefault("path", PATHS)
        return sphinx_ncd.draft(code, inputs, **options)

    return _draft


@pytest.fixture
def prove(worker):
    """``prove(draft)``: parse the draft as written and check it against its own check spec."""
    import sphinx_ncd

    def _prove(result, sizes=None):
        diagram = sphinx_ncd.parse(result.text, filename="draft.ncd")
        return sphinx_ncd.check(diagram, result.check_code, sizes, worker=worker, use_cache=False, path=PATHS)

    return _prove
