"""The demo site reads offline: no script (MathJax or other) comes from another
site, and its maths are images made at build time (``sphinx.ext.imgmath``)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest

SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
MATH_IMG = re.compile(r"<img\b[^>]*class=\"math\"[^>]*\bsrc=\"([^\"]+)\"", re.IGNORECASE)


@pytest.fixture(scope="module")
def site(demo_site) -> Path:
    """The session's demo build (tests/conftest.py, shape checks on: the pages are the same with them off),
    held to what ``-W`` demands: it finished and warned about nothing."""
    assert demo_site.returncode == 0, demo_site.stderr[-3000:]
    assert demo_site.warnings() == [], demo_site.stderr[-3000:]
    return demo_site.html


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("latex") is None or shutil.which("dvisvgm") is None,
                    reason="the demo's maths need latex and dvisvgm (scripts/install.sh)")
def test_demo_pages_load_no_remote_script_and_draw_their_maths(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 10
    maths = 0
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for src in SCRIPT_SRC.findall(text):
            assert "://" not in src and not src.startswith("//"), f"{page.name}: remote script {src}"
            assert (page.parent / unquote(src.split("?")[0])).is_file(), f"{page.name}: missing {src}"
        for src in MATH_IMG.findall(text):
            image = page.parent / unquote(src)
            assert image.is_file() and image.stat().st_size > 0, f"{page.name}: {src}"
            assert image.suffix == ".svg" and b"<svg" in image.read_bytes()[:500]
            maths += 1
        body = text[text.find("<body"):]
        assert "mathjax" not in text.lower(), page.name
        assert not re.search(r"\\\(|\\\[", re.sub(r"<pre\b.*?</pre>|<code\b.*?</code>", "", body, flags=re.S)), \
            f"{page.name}: raw TeX delimiters left for a script to typeset"
    assert maths > 50  # the gallery's inline maths, all drawn
