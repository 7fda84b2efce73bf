"""A block's header set above its body, and the legend of derived sizes beside the header of the block it defines.

The paper's identity ResNet (figure 26) writes "Block(s, N) =" right above the Block's body and its legend
(n_b = n_1/4) beside that header; ours left about 60 px between each header and its row and put the legend at the
bottom left of the whole figure.
"""
from __future__ import annotations

import sphinx_ncd
from sphinx_ncd.layout.assemble import HEADER_GAP
from sphinx_ncd.layout.scene import Group, Path, Text, bbox_of
from sphinx_ncd.rendering.api import scene

from render_helpers import ROOT

FIG26 = ROOT / "demo_docs" / "figures" / "fig26.ncd"


def _walk(items):
    for it in items:
        yield it
        if isinstance(it, Group):
            yield from _walk(it.items)


def _scene(src: str, name: str = "t.ncd"):
    return scene(sphinx_ncd.parse(src, filename=name))


def _headers(items):
    return [bbox_of(g) for g in items if isinstance(g, Group) and g.role == "op" and g.owner == "op:-1"]


def test_a_header_set_above_its_body_sits_one_small_gap_from_it():
    """Both of fig 26's headers (the whole network's and Block's) were 28 units above the top of their rows."""
    items = list(_walk(scene(sphinx_ncd.parse(FIG26.read_text(encoding="utf-8"), filename=FIG26.name)).items))
    headers = _headers(items)
    assert len(headers) == 2
    for h in headers:
        under = [bbox_of(it) for it in items if not isinstance(it, Group) and bbox_of(it) is not None
                 and bbox_of(it)[1] > h[3] + 0.5]
        gap = min(b[1] for b in under) - h[3]
        assert 0 < gap <= HEADER_GAP + 0.5, gap


def test_the_legend_sits_beside_the_header_of_the_block_that_uses_its_sizes():
    items = list(_walk(scene(sphinx_ncd.parse(FIG26.read_text(encoding="utf-8"), filename=FIG26.name)).items))
    legend = next(bbox_of(p) for p in items if isinstance(p, Path) and p.role == "legend")
    block = max(_headers(items), key=lambda b: b[1])  # Block's header, under the net
    eq = next(bbox_of(t) for t in items if isinstance(t, Text) and t.owner == "eq" and block[1] < t.y < block[3])
    assert legend[0] > eq[2]  # right of its '='
    assert block[1] <= legend[1] and legend[3] <= block[3]  # level with the header, above the body
    drawn = [bbox_of(it) for it in items if not isinstance(it, Group) and bbox_of(it) is not None
             and getattr(it, "owner", "") != "legend"]
    assert not any(b[0] < legend[2] and legend[0] < b[2] and b[1] < legend[3] and legend[1] < b[3] for b in drawn)


SPEC = """let m = n/2
block Half(n) {
  input X: b n
  X = L X : n -> m
  output X
}
input X: b k
X = Half(n=k) X
output X
"""


def _legend_and_rest(src: str):
    items = list(_walk(_scene(src).items))
    legend = next(bbox_of(p) for p in items if isinstance(p, Path) and p.role == "legend")
    others = [bbox_of(it) for it in items if not isinstance(it, Group) and bbox_of(it) is not None
              and getattr(it, "owner", "") != "legend"]
    return legend, others


def test_a_legend_goes_after_a_block_equation_set_on_one_line():
    """The header beside its body: the free room is after the body, on the same line."""
    legend, others = _legend_and_rest(SPEC)
    eqs = [b for b in others if b[1] < legend[3] and legend[1] < b[3]]  # the equation's line
    assert eqs and legend[0] > max(b[2] for b in eqs)
    assert legend[3] < max(b[3] for b in others)  # not under the drawing


def test_a_legend_no_block_uses_stays_under_the_drawing():
    legend, others = _legend_and_rest("let m = k/2\ninput X: b k\nX = L X : k -> m\noutput X\n")
    assert legend[1] >= max(b[3] for b in others)
