"""parse() frees what it builds on the way (tokens, lines' token lists) by reference counting: it leaves
no reference cycles for the garbage collector, whose pass over them was a large share of a parse."""
import gc
from pathlib import Path

import sphinx_ncd

FIG21 = Path(__file__).resolve().parents[2] / "demo_docs" / "figures" / "fig21.ncd"


def test_parse_leaves_no_cyclic_garbage():
    text = FIG21.read_text()
    sphinx_ncd.parse(text)  # warm: imports and caches
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        diagram = sphinx_ncd.parse(text)
        assert gc.collect() == 0
    finally:
        if enabled:
            gc.enable()
    assert diagram.operations


def test_spans_still_point_into_the_line_after_parsing():
    diagram = sphinx_ncd.parse("input X: a b\nY = relu X\n")
    op = diagram.operations[0]
    assert (op.span.line, op.span.column, op.span.text) == (2, 1, "Y = relu X")
