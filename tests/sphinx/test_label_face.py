"""Sphinx extension: ``ncd_label_face`` -- the paper's serif labels by default, the old sans on request."""
from __future__ import annotations

import re

import pytest

from sphinx_ncd.layout.mathtext import current_face, set_default_face

from ncd_sphinx_helpers import warnings_of

MATH_ITALIC_A = "mh1d44e"  # glyph id of U+1D44E (math italic a) from the math font
SANS_OBLIQUE_A = "ic61"  # glyph id of "a" from Latin Modern Sans Oblique


@pytest.fixture(autouse=True)
def _restore_face():
    """A build sets its process's face; the tests after these see the default again."""
    before = current_face()
    yield
    set_default_face(before)


def _glyph_ids(page: str) -> set[str]:
    return {m.split("-")[-1] for m in re.findall(r'<path id="([^"]+)"', page)}


@pytest.mark.sphinx("html", testroot="ncd-fold")
def test_labels_are_the_papers_serif_by_default(app):
    app.build()
    assert warnings_of(app) == []
    ids = _glyph_ids((app.outdir / "index.html").read_text(encoding="utf-8"))
    assert MATH_ITALIC_A in ids and SANS_OBLIQUE_A not in ids


@pytest.mark.sphinx("html", testroot="ncd-fold", confoverrides={"ncd_label_face": "sans"})
def test_the_sans_look_is_kept_as_a_config_value(app):
    app.build()
    assert warnings_of(app) == []
    ids = _glyph_ids((app.outdir / "index.html").read_text(encoding="utf-8"))
    assert SANS_OBLIQUE_A in ids and MATH_ITALIC_A not in ids


@pytest.mark.sphinx("html", testroot="ncd-fold", confoverrides={"ncd_label_face": "comic"})
def test_a_bad_face_is_a_located_warning_and_the_default(app):
    app.build()
    (warning,) = [w for w in warnings_of(app) if "ncd_label_face" in w]
    assert "'serif'" in warning and "'sans'" in warning
    assert MATH_ITALIC_A in _glyph_ids((app.outdir / "index.html").read_text(encoding="utf-8"))
