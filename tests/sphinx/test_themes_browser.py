"""Sphinx extension: dark mode and sizes as a reader sees them (headless Chromium).

Themes without a dark mode (alabaster, sphinx_rtd_theme) stay white when the
reader's system is dark, so their diagrams must keep dark ink; themes with one
(furo, pydata-sphinx-theme) turn the diagram dark with the page.  ``:height:``
sizes the drawing itself: nothing is cropped.  The page script
``measure.js`` (test root ``test-ncd-themes``) writes every diagram's box into
the DOM, so the screenshot can be cropped to each drawing.
"""
from __future__ import annotations

import html
import importlib.util
import json
import re
import shutil
import subprocess

import pytest

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--window-size=1200,1400", "--force-device-scale-factor=1"]
DARK = ["--force-dark-mode", "--blink-settings=preferredColorScheme=0"]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]


def _site(built_site, theme: str):
    """The test root built once per theme for the session (the tests only read it)."""
    if importlib.util.find_spec(theme) is None and theme != "alabaster":
        pytest.skip(f"{theme} is not installed")
    site = built_site("ncd-themes", html_theme=theme)
    assert [w for w in site.warnings if "ncd" in w] == []
    return site


def _chromium(url: str, profile, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, url],
                          capture_output=True, text=True, timeout=120)


def _measure(url: str, profile, *extra: str) -> list[dict]:
    dom = _chromium(url, profile, "--virtual-time-budget=3000", "--dump-dom", *extra)
    assert dom.returncode == 0, dom.stderr[-2000:]
    found = re.search(r'data-ncd-measure="([^"]*)"', dom.stdout)
    assert found, "measure.js did not run"
    return json.loads(html.unescape(found.group(1)))


def _ink(shot, box: dict) -> tuple[float, int]:
    """(mean luminance of the drawing's box, its near-black pixels: ink, not a dark box fill)."""
    from PIL import Image

    image = Image.open(shot).convert("L")
    x0, y0 = int(box["x"]) + 1, int(box["y"]) + 1
    crop = image.crop((x0, y0, x0 + int(box["w"]) - 2, y0 + int(box["h"]) - 2))
    values = crop.tobytes()
    return sum(values) / len(values), sum(1 for v in values if v < 50)


def _dark_page(built_site, tmp_path, theme: str):
    """(every diagram's box, a screenshot) of the theme's page in a dark system."""
    url = (_site(built_site, theme).outdir / "index.html").as_uri()
    boxes = _measure(url, tmp_path / "profile-dom", *DARK)
    shot = tmp_path / f"{theme}-dark.png"
    run = _chromium(url, tmp_path / "profile-shot", "--virtual-time-budget=3000", f"--screenshot={shot}", *DARK)
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    return boxes, shot


@pytest.mark.parametrize("theme", ["alabaster", "sphinx_rtd_theme"])
def test_no_dark_mode_theme_keeps_dark_ink_on_white_in_a_dark_system(built_site, tmp_path, theme):
    boxes, shot = _dark_page(built_site, tmp_path, theme)
    inline, img = boxes[0], boxes[1]
    assert "ncd-inline" in inline["cls"] and "ncd-img" in img["cls"]
    for box in (inline, img):
        mean, dark = _ink(shot, box)
        assert mean > 200, f"{theme}: the diagram's background is not white ({mean:.0f})"
        assert dark > 40, f"{theme}: no dark ink in a {box['cls']} diagram ({dark} dark pixels)"


@pytest.mark.parametrize("theme", ["pydata_sphinx_theme", "furo"])
def test_dark_mode_theme_turns_the_diagram_dark(built_site, tmp_path, theme):
    boxes, shot = _dark_page(built_site, tmp_path, theme)
    for box in boxes[:2]:  # the inline SVG and the <img> of an SVG
        mean, _ = _ink(shot, box)
        assert mean < 110, f"{theme}: a {box['cls']} diagram stays light on a dark page ({mean:.0f})"


def test_height_shows_the_whole_diagram(built_site, tmp_path):
    boxes = _measure((_site(built_site, "alabaster").outdir / "index.html").as_uri(), tmp_path / "profile")
    short = next(b for b in boxes if "short" in b["cls"])
    assert short["h"] == pytest.approx(30, abs=1)
    assert short["w"] > 30  # the width follows the aspect ratio
    # the wrapper holds the whole drawing: no scrolling, no clipping
    assert short["boxScroll"] <= short["boxHeight"] + 1 and short["boxHeight"] >= 29
    assert short["boxScrollWidth"] <= short["boxWidth"] + 1
