"""The gallery in a browser: every gallery and reference page of the built demo site
opened in headless Chromium, light and dark.  Every diagram of the page is in the DOM and
non-empty, the console stays silent, and the screenshots follow the colour
scheme (furo's automatic theme follows the system's preference)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "demo_docs"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--window-size=1200,1600", "--enable-logging=stderr", "--v=0"]
PAGES = sorted(p.relative_to(DOCS).with_suffix("").as_posix()
               for folder in ("gallery", "reference") for p in (DOCS / folder).glob("*.rst"))

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]


@pytest.fixture(scope="module")
def site(demo_site) -> Path:
    """The session's demo build (tests/conftest.py), shape checks on."""
    assert demo_site.returncode == 0, demo_site.stderr[-3000:]
    gallery_warnings = [line for line in demo_site.stderr.splitlines() if "gallery" in line and "WARNING" in line]
    assert gallery_warnings == []
    return demo_site.html


def _chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                          capture_output=True, text=True, timeout=120)


def _mean_luminance(png: Path) -> float:
    from PIL import Image, ImageStat

    return sum(ImageStat.Stat(Image.open(png).convert("RGB")).mean) / 3


@pytest.mark.parametrize("page", PAGES)
def test_gallery_page_in_chromium(site, tmp_path, page):
    source = (DOCS / f"{page}.rst").read_text(encoding="utf-8")
    expected = len(re.findall(r"^\.\. ncd::", source, re.MULTILINE))
    url = (site / f"{page}.html").as_uri()

    dom = _chromium(url, tmp_path / "profile-dom", "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    svgs = re.findall(r"<svg\b[^>]*class=\"[^\"]*ncd-diagram[^\"]*\"[^>]*>.*?</svg>", dom.stdout, re.S)
    assert len(svgs) == expected, f"{page}: {len(svgs)} diagrams in the page, {expected} directives"
    for svg in svgs:
        width = float(re.search(r'width="([\d.]+)', svg).group(1))
        assert width > 40
        assert svg.count("<path") + svg.count("<line") + svg.count("<use") > 3, "an empty diagram"
    assert "ncd-error" not in dom.stdout
    # furo's stylesheet draws a red error box over any table of contents (``.. contents::``) in a page
    tocs = [c for c in re.findall(r'class="([^"]*)"', dom.stdout)
            if "contents" in c.split() and "this-will-duplicate-information-and-it-is-still-useful-here" not in c]
    assert tocs == [], f"{page}: a contents directive shows furo's error box"

    luminance = {}
    for scheme in ("light", "dark"):
        shot = tmp_path / f"{page.replace('/', '-')}-{scheme}.png"
        extra = ["--force-dark-mode"] if scheme == "dark" else []
        run = _chromium(url, tmp_path / f"profile-{scheme}", f"--screenshot={shot}", *extra)
        assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
        console = [line for line in (dom.stderr + run.stderr).splitlines() if ":CONSOLE" in line]
        assert console == [], console
        luminance[scheme] = _mean_luminance(shot)
        keep = os.environ.get("NCD_KEEP_SCREENSHOTS")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / shot.name)
    assert luminance["light"] > 180 and luminance["dark"] < 90, luminance
