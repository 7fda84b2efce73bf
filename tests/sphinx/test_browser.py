"""Sphinx extension: a built page opened in headless Chromium, light and dark.

The page (``tests/roots/test-ncd-browser``, furo theme) has a fenced diagram
whose fence is magenta, so its pixels can be found in a screenshot: the
diagram must be there, non-empty, light in light mode and dark in dark mode --
whether dark mode comes from the reader's system (``prefers-color-scheme``) or
from furo's own toggle (``body[data-theme]``), and the toggle must win when
the two disagree.  Chromium's console must stay silent (no errors, no failed
loads).
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--window-size=1200,900"]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")]


def _chromium(url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr",
                           "--v=0", *extra, url], capture_output=True, text=True, timeout=120)


def _magenta_and_ink(png: Path):
    """(fence pixels, their mean luminance, contrasting ink pixels inside the fence's box)."""
    from PIL import Image

    image = Image.open(png).convert("RGB")
    width, height = image.size
    pixels = image.load()
    fence = []
    for y in range(height):
        for x in range(width):
            r, g, b = pixels[x, y]
            if r > g + 35 and b > g + 35:
                fence.append((x, y, (r + g + b) / 3))
    if not fence:
        return 0, 0.0, 0
    xs, ys = [p[0] for p in fence], [p[1] for p in fence]
    mean = sum(p[2] for p in fence) / len(fence)
    dark_fence = mean < 110
    ink = 0
    for y in range(min(ys), max(ys) + 1):
        for x in range(min(xs), max(xs) + 1):
            r, g, b = pixels[x, y]
            lum = (r + g + b) / 3
            # wires and labels: clearly brighter than a dark fence, darker than a light one
            if (lum > mean + 60) if dark_fence else (lum < mean - 90):
                ink += 1
    return len(fence), mean, ink


@pytest.mark.parametrize("toggle, system, expect", [
    ("auto", "light", "light"),
    ("auto", "dark", "dark"),  # prefers-color-scheme
    ("dark", "light", "dark"),  # furo's toggle beats the system
    ("light", "dark", "light"),
])
def test_diagrams_visible_in_light_and_dark(built_site, tmp_path, toggle, system, expect):
    site = built_site("ncd-browser")  # one build: the modes differ in the browser only
    assert [w for w in site.warnings if "ncd" in w] == []
    page = site.outdir / "index.html"
    url = page.as_uri() + f"?theme={toggle}"
    extra = ["--force-dark-mode"] if system == "dark" else []

    dom = _chromium(url, tmp_path / "profile-dom", "--dump-dom", *extra)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'data-theme="{toggle}"' in dom.stdout
    svgs = re.findall(r"<svg\b[^>]*>", dom.stdout)
    diagrams = [s for s in svgs if "ncd-diagram" in s]
    assert len(diagrams) == 2
    for tag in diagrams:
        assert float(re.search(r'width="([\d.]+)"', tag).group(1)) > 50

    shot = tmp_path / f"{toggle}-{system}.png"
    run = _chromium(url, tmp_path / "profile-shot", f"--screenshot={shot}", *extra)
    assert run.returncode == 0 and shot.is_file(), run.stderr[-2000:]
    console = [line for line in (dom.stderr + run.stderr).splitlines() if ":CONSOLE" in line]
    assert console == []

    fence, luminance, ink = _magenta_and_ink(shot)
    assert fence > 3000, "the fenced diagram is not visible"
    assert ink > 300, "no wires or labels drawn inside the diagram"
    if expect == "dark":
        assert luminance < 110, f"fence still light in dark mode ({luminance:.0f})"
    else:
        assert luminance > 150, f"fence dark in light mode ({luminance:.0f})"
    keep = os.environ.get("NCD_KEEP_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
