"""Shared pytest configuration: the Sphinx testing fixtures (``app``, ``make_app``, ...), and a private
cache home for the whole session, so that ``ncd check`` (which keeps its verdicts under
``$XDG_CACHE_HOME/sphinx_ncd``) never replays a verdict from an earlier run or from the user's own cache."""
import pytest

pytest_plugins = ("sphinx.testing.fixtures",)


@pytest.fixture(scope="session", autouse=True)
def private_cache_home(tmp_path_factory):
    """``XDG_CACHE_HOME`` in a fresh directory (subprocesses inherit it)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
    yield
    patch.undo()
