"""Golden files: the paper's figures compared with stored SVGs, numbers within a tolerance.

A missing baseline or a changed drawing is saved beside the baseline as
``<name>.new.svg`` for review and the test fails.  To
accept a reviewed change, move the ``.new.svg`` over the baseline.
"""
from __future__ import annotations

import re

import pytest

import sphinx_ncd
from sphinx_ncd.rendering.api import render

from render_helpers import FIGURES, ROOT

GOLDEN = ROOT / "tests" / "render" / "golden"
TOLERANCE = 0.5  # abstract units (px at scale 1)
_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def _split(svg: str):
    """(text with every number replaced by '#', the numbers) -- ids are content hashes, so neutralised."""
    svg = re.sub(r"ncd-[0-9a-f]{10}", "ncd-ID", svg)
    # the description is the model's wording (tested there), not the drawing
    svg = re.sub(r'aria-label="[^"]*"', 'aria-label=""', svg)
    svg = re.sub(r"<desc>.*?</desc>", "<desc/>", svg, flags=re.S)
    nums = [float(m) for m in _NUM.findall(svg)]
    return _NUM.sub("#", svg), nums


def differences(old: str, new: str, tol: float = TOLERANCE) -> str | None:
    """None when the two SVGs match up to ``tol``; else a short description of the first difference."""
    t0, n0 = _split(old)
    t1, n1 = _split(new)
    if t0 != t1:
        i = next((k for k, (a, b) in enumerate(zip(t0, t1)) if a != b), min(len(t0), len(t1)))
        return f"structure differs near: {t0[max(0, i - 60):i + 60]!r} vs {t1[max(0, i - 60):i + 60]!r}"
    for k, (a, b) in enumerate(zip(n0, n1)):
        if abs(a - b) > tol:
            return f"number {k} differs: {a} vs {b}"
    return None


@pytest.mark.parametrize("path", FIGURES, ids=[p.stem for p in FIGURES])
def test_golden(path):
    d = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)
    svg = render(d, theme="light")
    GOLDEN.mkdir(parents=True, exist_ok=True)
    base = GOLDEN / f"{path.stem}.svg"
    new = GOLDEN / f"{path.stem}.new.svg"
    if not base.exists():  # a golden test without its baseline proves nothing: write a candidate and fail
        new.write_text(svg, encoding="utf-8")
        pytest.fail(f"{path.stem}: no baseline; review {new.name} and move it over {base.name}")
    diff = differences(base.read_text(encoding="utf-8"), svg)
    if diff is None:
        if new.exists():
            new.unlink()
        return
    new.write_text(svg, encoding="utf-8")
    pytest.fail(f"{path.stem}: the drawing changed ({diff}); review {new.name} and move it over {base.name}")


def test_comparison_tolerates_small_moves_only():
    a = '<svg id="ncd-0123456789"><path d="M0 0L10.2 5"/></svg>'
    assert differences(a, a.replace("10.2", "10.5").replace("0123456789", "abcdefabcd")) is None
    assert differences(a, a.replace("10.2", "12")) is not None
    assert differences(a, a.replace("path", "rect")) is not None
