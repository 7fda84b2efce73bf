"""Cost tests: the Sphinx test roots live in ``tests/roots/test-<name>/``."""
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return Path(__file__).resolve().parent.parent / "roots"
