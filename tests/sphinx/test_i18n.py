"""Sphinx extension: translated builds and the search index.

The test root ``test-ncd-i18n`` has a German catalog translating a checked
figure's caption, its alt text and its fence title.
"""
from __future__ import annotations

import re

import pytest

from ncd_sphinx_helpers import ncd_warnings


@pytest.mark.sphinx("html", testroot="ncd-i18n", srcdir="ncd-i18n-de", confoverrides={"language": "de"})
def test_translated_build_keeps_the_verdict_and_translates_alt_and_labels(app):
    pytest.importorskip("torch")
    app.build()
    assert ncd_warnings(app) == []
    page = (app.outdir / "index.html").read_text(encoding="utf-8")
    caption = re.search(r'<span class="caption-text">(.*?)</span><a', page, re.S).group(1)
    assert caption.startswith("Ein geprüftes Perzeptron")
    assert 'class="ncd-verdict ncd-proved"' in caption  # the verdict survives the translated caption
    svg = re.search(r"<svg\b.*?</svg>", page, re.S).group(0)
    assert 'aria-label="Zwei gelernte Schichten um einen Gleichrichter."' in svg
    labels = re.findall(r"<text\b[^>]*>([^<]*)</text>", svg)
    assert "Verborgene Schicht" in labels and "Hidden layer" not in labels  # drawn translated


@pytest.mark.sphinx("gettext", testroot="ncd-i18n", srcdir="ncd-i18n-gettext")
def test_alt_text_and_titles_are_messages(app):
    app.build()
    pot = (app.outdir / "index.pot").read_text(encoding="utf-8")
    for message in ("A checked perceptron", "Two learned layers around a rectifier.", "Hidden layer"):
        assert f'msgid "{message}"' in pot


@pytest.mark.sphinx("html", testroot="ncd-i18n", srcdir="ncd-i18n-search", confoverrides={"ncd_check": "off"})
def test_labels_and_alt_text_are_in_the_search_index(app):
    app.build()
    index = (app.outdir / "searchindex.js").read_text(encoding="utf-8")
    terms = re.search(r'"terms":\{(.*?)\},"', index, re.S).group(1)
    words = set(re.findall(r'"([^"]+)":', terms))
    assert {"hidden", "relu", "rectifi"} <= words or {"hidden", "relu", "rectifier"} <= words, sorted(words)
