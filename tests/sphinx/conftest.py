"""Sphinx extension tests: test roots live in ``tests/roots/test-<name>/``.

``built_site(root, **confoverrides)`` builds a test root's HTML once per session and
configuration: the browser tests open the same pages in several modes (light, dark,
toggles, themes) and none of them writes into the site, so one build serves them all.
"""
from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest

ROOTS = Path(__file__).resolve().parent.parent / "roots"

# the helpers module sits beside the tests (import-mode=importlib puts no test folder on sys.path)
if str(Path(__file__).resolve().parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from ncd_sphinx_helpers import warnings_of  # noqa: E402


@pytest.fixture(scope="session")
def rootdir() -> Path:
    return ROOTS


@dataclass(frozen=True)
class Site:
    """A built HTML site: its output folder and the warnings its build gave."""

    outdir: Path
    warnings: tuple[str, ...]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, rootdir):
    """``built_site("ncd-themes", html_theme="furo")``: :class:`Site`, built on the first call only."""
    from sphinx.testing.util import SphinxTestApp

    sites: dict[tuple, Site] = {}

    def build(root: str, **confoverrides) -> Site:
        key = (root, tuple(sorted(confoverrides.items())))
        if key not in sites:
            src = tmp_path_factory.mktemp(f"site-{root}") / "src"
            shutil.copytree(rootdir / f"test-{root}", src)
            syspath = sys.path.copy()
            app = SphinxTestApp("html", srcdir=src, confoverrides=confoverrides or None,
                                status=StringIO(), warning=StringIO())
            try:
                app.build()
                sites[key] = Site(Path(app.outdir), tuple(warnings_of(app)))
            finally:
                app.cleanup()
                sys.path[:] = syspath
        return sites[key]

    return build
