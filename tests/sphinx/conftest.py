"""Sphinx extension tests: test roots live in ``tests/roots/test-<name>/``."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOTS = Path(__file__).resolve().parent.parent / "roots"


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS

# the helpers module sits beside the tests (import-mode=importlib puts no test folder on sys.path)
import sys  # noqa: E402

if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
