"""Marks and headers drawn as the paper draws them: ➤R➤ for ReLU (the model keeps its name), generic functions
named by one capital as large bare italics, the norm's dip, bold repetition brackets with legible bounds, tinted
header boxes for block definitions, and the causal mask's mark."""
from __future__ import annotations

import sphinx_ncd
from sphinx_ncd.layout.glyph_boxes import LETTER_SIZE
from sphinx_ncd.layout.scene import Group, Path, Text
from sphinx_ncd.rendering.api import scene

from render_helpers import geometry_problems


def _walk(spec: str):
    d = sphinx_ncd.parse(spec)
    sc = scene(d)
    assert geometry_problems(sc) == []
    return d, sc, list(sc.walk())


def _groups(items):
    for it in items:
        if isinstance(it, Group):
            yield it
            yield from _groups(it.items)


def _op_texts(items) -> list[str]:
    return [it.label.text for it in items if isinstance(it, Text) and it.owner.startswith("op:")]


def test_relu_is_marked_R_as_the_paper_writes_it_and_keeps_its_name_elsewhere():
    d, sc, items = _walk("input X: a\nY = relu X\noutput Y\n")
    assert _op_texts(items) == ["R"]
    op = d.panels[0].operations[0]
    assert op.label == "ReLU" and op.params.function == "relu"  # the model (cost, code) keeps the full name
    titles = [g.title for g in _groups(sc.items) if g.owner == f"op:{op.id}" and g.title]
    assert titles and "ReLU" in titles[0]  # and so does the hover text
    # a label of the user's own is drawn as written; other activations keep theirs
    assert _op_texts(_walk("input X: a\nY = map ReLU X\noutput Y\n")[2]) == ["ReLU"]
    assert _op_texts(_walk("input X: a\nY = gelu X\noutput Y\n")[2]) == ["GELU"]


def test_a_generic_function_named_by_one_capital_is_a_large_bare_italic():
    for spec in ("input X: a\nY = G X : a -> b\noutput Y\n", "input X: a\nY = F^T X : a -> b c\noutput Y\n"):
        _, _, items = _walk(spec)
        assert not [p for p in items if isinstance(p, Path) and p.role == "box" and p.owner.startswith("op:")]
        (t,) = [it for it in items if isinstance(it, Text) and it.owner.startswith("op:")]
        assert t.label.glyphs[0][4] == LETTER_SIZE and t.label.glyphs[0][1] != t.label.text[0]  # large, italic
    # a word, a lower-case letter, or a declared box keep the box
    for spec in ("input X: a\nY = Attn X : a -> b\noutput Y\n", "input X: a\nY = f X : a -> b\noutput Y\n",
                 "def G : a -> b style box\ninput X: a\nY = G X\noutput Y\n"):
        _, _, items = _walk(spec)
        assert [p for p in items if isinstance(p, Path) and p.role == "box" and p.owner.startswith("op:")], spec
