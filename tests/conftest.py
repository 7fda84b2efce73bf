"""Shared pytest configuration: the Sphinx testing fixtures (``app``, ``make_app``, ...), a private
cache home for the whole session, so that ``ncd check`` (which keeps its verdicts under
``$XDG_CACHE_HOME/sphinx_ncd``) never replays a verdict from an earlier run or from the user's own cache,
and one warm check worker for the whole session (the checker, code generator and draft tests share it:
each check runs in a fresh child the worker forks, so nothing one test imports reaches another)."""
import pytest

pytest_plugins = ("sphinx.testing.fixtures",)


@pytest.fixture(scope="session", autouse=True)
def private_cache_home(tmp_path_factory):
    """``XDG_CACHE_HOME`` in a fresh directory (subprocesses inherit it)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache-home")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def worker():
    """One check worker (torch imported once) for every test that asks for ``worker``."""
    from sphinx_ncd.checking.worker import Worker

    w = Worker(memory_mb=2048)
    w.start()
    yield w
    w.close()
