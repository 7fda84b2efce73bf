"""Shared pytest configuration: the Sphinx testing fixtures (``app``, ``make_app``, ...), a private
cache home for the whole session, so that ``ncd check`` (which keeps its verdicts under
``$XDG_CACHE_HOME/sphinx_ncd``) never replays a verdict from an earlier run or from the user's own cache,
and one warm check worker for the whole session (the checker, code generator and draft tests share it:
each check runs in a fresh child the worker forks, so nothing one test imports reaches another), and one
build of the demo documentation for the tests that read the built site.

Under pytest-xdist (``--dist loadgroup``, pyproject.toml) each file's tests run in one process, so its
module-scoped builds are made once; files that share a session-scoped build (``SHARED``) run in one
process too."""
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest_plugins = ("sphinx.testing.fixtures",)

ROOT = Path(__file__).resolve().parent.parent

#: test files that read one session-scoped build, too costly to make in two processes
SHARED = {"tests/gallery/test_gallery_browser.py": "demo-site", "tests/sphinx/test_demo_offline.py": "demo-site"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Group the tests for pytest-xdist: by file, or by the build their file shares (``SHARED``).

    In its processes the longest groups go first (a shared build, then files with ``slow`` tests), so that
    no long file starts last and runs alone at the end; within a file the order stays as written."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    groups = {}
    for item in items:
        path = Path(str(item.path)).resolve()
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        groups[item] = SHARED.get(name, name)
        item.add_marker(pytest.mark.xdist_group(groups[item]))
    if hasattr(config, "workerinput"):  # an xdist process: every process sorts the same way
        slow = {groups[item] for item in items if item.get_closest_marker("slow")}
        rank = {g: 0 if g in SHARED.values() else 1 if g in slow else 2 for g in groups.values()}
        items.sort(key=lambda item: rank[groups[item]])


@pytest.fixture(autouse=True)
def drawn_afresh_when_patched(request):
    """A test that patches the code draws with its patch and leaves nothing of it behind: what renders keep for
    later renders (glyphs by content, written SVG groups, einsum plans) is forgotten before and after it."""
    if "monkeypatch" not in request.fixturenames:
        yield
        return
    from sphinx_ncd.rendering.api import forget_kept

    forget_kept()
    yield
    forget_kept()


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


@dataclass(frozen=True)
class DemoBuild:
    """The demo documentation built as a reader gets it (shape checks on): where, and what Sphinx said."""

    html: Path
    returncode: int
    stderr: str

    def warnings(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if "WARNING" in line or "ERROR" in line]


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory) -> DemoBuild:
    """One HTML build of demo_docs per session, for every test that opens or reads the built pages."""
    out = tmp_path_factory.mktemp("demo-site")
    run = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-E", "-b", "html", "-d", str(out / "doctrees"),
                          str(ROOT / "demo_docs"), str(out / "html")], capture_output=True, text=True, timeout=900)
    return DemoBuild(out / "html", run.returncode, run.stderr)
