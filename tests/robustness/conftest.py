"""Robustness tests: corrupt caches, hostile specs, hostile files and code, bad configuration."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOTS = HERE.parent / "roots"

# the helpers sit beside the tests (import-mode=importlib puts no test folder on sys.path)
for folder in (HERE, HERE.parent / "sphinx"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS
