"""Sphinx extension: shape checks asked for with ``:code:`` (ncd_check auto/off/strict)."""
from __future__ import annotations

import importlib.util
import re

import pytest

from ncd_sphinx_helpers import ncd_warnings, source_line, warnings_of


def _figures(page: str) -> list[str]:
    return re.findall(r"<figure\b.*?</figure>", page, re.S)


@pytest.mark.sphinx("html", testroot="ncd-check")
def test_verdicts_badges_and_located_mismatch(app):
    app.build()
    warnings = ncd_warnings(app)
    assert len(warnings) == 1, warnings_of(app)
    mismatch = warnings[0]
    assert mismatch.startswith(str(app.srcdir / "index.rst") + ":25: WARNING")
    assert source_line(app.srcdir, "index.rst", 25).strip().startswith("H = L+[fc1]")
    assert "expected 512, got 256" in mismatch and mismatch.rstrip().endswith("[ncd.shape]")

    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    ok, wrong, embedded = _figures(page)
    assert 'class="ncd-verdict ncd-proved"' in ok and "Shape check: proved" in ok
    assert "shapes proved" in ok  # the badge drawn on the diagram
    assert 'class="ncd-verdict ncd-mismatch"' in wrong and "shape mismatch" in wrong
    assert "expected 512, got 256" in wrong.split("<figcaption")[0]  # the highlight note in the SVG
    assert "ncd-proved" in embedded  # checked against the code block above it
    # :check: off draws the diagram without a verdict
    last = page.split("</figure>")[-1]
    assert "<svg" in last and "shapes" not in last
    status = app.status.getvalue()
    assert "executed code to check shapes in: index" in status


@pytest.mark.sphinx("html", testroot="ncd-check", confoverrides={"ncd_check": "off"})
def test_check_off_runs_nothing(app):
    app.build()
    assert ncd_warnings(app) == []
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert "ncd-verdict" not in page and "shapes proved" not in page
    assert "executed code" not in app.status.getvalue()


@pytest.fixture
def no_torch(monkeypatch):
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


@pytest.mark.sphinx("html", testroot="ncd-check", freshenv=True)
def test_without_torch_one_message_and_the_build_passes(app, no_torch):
    app.build()
    assert ncd_warnings(app) == []  # -W would not fail on a missing torch alone
    status = app.status.getvalue()
    assert status.count("not checked: torch is not installed") == 1
    assert "3 diagram(s)" in status
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    assert page.count("shapes not checked") == 3 and page.count("<svg") == 4


@pytest.mark.sphinx("html", testroot="ncd-check", freshenv=True, confoverrides={"ncd_check": "strict"})
def test_strict_makes_unchecked_diagrams_warnings(app, no_torch):
    app.build()
    warnings = ncd_warnings(app)
    assert len(warnings) == 3
    assert all("ncd_check = 'strict'" in w and w.rstrip().endswith("[ncd.exec]") for w in warnings)


@pytest.mark.sphinx("html", testroot="ncd-finding")
def test_an_assumption_equating_two_axes_warns_unless_expected(app):
    app.build()
    warnings = ncd_warnings(app)
    assert len(warnings) == 1, warnings_of(app)
    finding = warnings[0]
    assert finding.startswith(str(app.srcdir / "index.rst") + ":4: WARNING"), finding
    assert "proved if y = x" in finding and "two independent axes" in finding
    assert "[ncd.shape]" in finding
