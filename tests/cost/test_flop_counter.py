"""The cost model's FLOPs against torch.utils.flop_counter.FlopCounterMode.

For every bound box (``L^Q[Lq]``) of every checked figure of the demo, the code beside
the figure is built at small sizes and run on real tensors under FlopCounterMode; the
FLOPs torch attributes to the bound submodule must equal the box's ``counted`` FLOPs
(the matrix products, contractions, linear maps and convolutions both count) exactly.
"""
import importlib
import sys

import pytest
import sympy

import sphinx_ncd
from sphinx_ncd.cost.adapter import At, legend_table, size_names

from .gallery import DOCS, ROOT, checked_figures

torch = pytest.importorskip("torch")
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

if str(DOCS / "code") not in sys.path:
    sys.path.insert(0, str(DOCS / "code"))

def _parse(spec):
    return sphinx_ncd.parse(spec.read_text(encoding="utf-8"), filename=spec.name,
                            search_path=[str(ROOT / "templates")])


def _bound(panel):
    return [op for op in panel.operations if op.binding]


def _paths(diagram, op, sizes):
    """The code's paths of a bound box: one per iteration when its binding names a repetition's index
    (``encoder.layers.\\lambda``), whose cost the box counts over all the iterations."""
    from sphinx_ncd.codegen.iterations import binding_at, bounds, index_symbol, is_indexed

    for group in diagram.main.groups:
        sym = index_symbol(group) if group.kind == "repeat" and group.id in op.groups else None
        if sym is not None and is_indexed(op.binding, sym):
            lo, hi = bounds(group, sizes)
            return [binding_at(op.binding, sym, v) for v in range(lo, hi + 1)]
    return [op.binding]


FIGURES = [f for f in checked_figures() if _bound(_parse(f[1]).main)]
PRIMES = (5, 7, 11, 13, 17, 19, 23, 29)


def _sizes(diagram, opts):
    sizes = dict(diagram.sizes)
    sizes.update((k, int(v)) for k, v in (kv.split("=") for kv in opts.get("sizes", "").split()))
    legend = legend_table(diagram.main)
    sizes = At(sizes, legend).sizes      # and the sizes a recurrence gives
    free = sorted(n for n in size_names(diagram) if n not in sizes and n not in {str(k) for k in legend})
    sizes.update(zip(free, PRIMES))
    for op in diagram.main.operations:  # a rotary embedding's features rotate in pairs: an even size
        feature = op.params.over[1].size if op.kind == "rotary" else None
        if feature is not None and feature.is_Symbol and feature.name in free:
            sizes[feature.name] *= 2
    for _ in legend:  # let sizes (h = g r, d = h e) from the free ones, in any order
        for name, expr in legend.items():
            value = expr.xreplace({x: sympy.Integer(sizes[x.name]) for x in expr.free_symbols if x.name in sizes})
            if value.is_Integer:
                sizes[str(name)] = int(value)
    return sizes


def _cost_sizes(diagram, sizes):
    """The sizes the cost is asked at: every size the diagram names, and every size its ``sizes`` line gives (a
    size only a repetition's index reaches, such as the U-Net's ``c_2`` from ``c_{\\lambda+1}``, included)."""
    named = set(size_names(diagram)) | {str(k) for k, _ in diagram.sizes}
    return {k: v for k, v in sizes.items() if k in named}


def _dims(value, sizes):
    from sphinx_ncd.checking.plan import _size

    dims = []
    for axis in value.axes:
        size = _size(axis)
        n = int(size.xreplace({s: sympy.Integer(sizes[s.name]) for s in size.free_symbols}))
        dims += [n] * axis.rank
    return dims


def _build(spec, sizes):
    from sphinx_ncd.checking.codeload import construct

    module, _, call = spec.partition(":")
    name, paren, args = call.partition("(")
    obj = getattr(importlib.import_module(module), name)
    return construct(obj, paren + args if paren else None, sizes, {})


@pytest.mark.parametrize("page,spec,opts", FIGURES, ids=[f"{p}:{s.name}" for p, s, _ in FIGURES])
def test_bound_boxes_agree_with_flop_counter(page, spec, opts):
    diagram = _parse(spec)
    sizes = _sizes(diagram, opts)
    model = _build(opts["code"], sizes)
    assert isinstance(model, torch.nn.Module)
    inputs = [torch.randn(*_dims(v, sizes)) for v in diagram.main.inputs]
    with FlopCounterMode(display=False) as counter:
        model(*inputs)
    counts = counter.get_flop_counts()
    report = sphinx_ncd.cost(diagram, sizes=_cost_sizes(diagram, sizes))
    boxes = {b.op_id: b for b in report.boxes}
    prefix = type(model).__name__
    compared = 0
    for op in _bound(diagram.main):
        torch_flops = sum(sum(counts.get(f"{prefix}.{path}", {}).values())
                          for path in _paths(diagram, op, sizes))
        ours = report.value(boxes[op.id].cost.counted)
        assert ours == torch_flops, (op, ours, torch_flops)
        compared += 1
    assert compared


# Whole models whose code computes nothing the diagram does not draw: the diagram's total
# matrix-product FLOPs equal torch's for the whole forward pass, blocks and repetitions included.
# (Left out: the derivative figures, whose code runs autograd; figures whose code writes a
# contraction as an element-wise product and a sum, which torch counts as 0.)
WHOLE = ["fig19.ncd", "fig20.ncd", "fig21.ncd", "fig22.ncd", "fig24-conv.ncd", "fig25-stride-dilation.ncd",
         "fig25-padding.ncd", "fig25-transposed.ncd", "fig26.ncd", "fig27.ncd", "fig28.ncd", "fig14.ncd", "fig18-outer.ncd"]
WHOLE_FIGURES = {s.name: (p, s, o) for p, s, o in checked_figures() if s.name in WHOLE}


@pytest.mark.parametrize("name", WHOLE)
def test_whole_model_agrees_with_flop_counter(name):
    page, spec, opts = WHOLE_FIGURES[name]
    diagram = _parse(spec)
    sizes = _sizes(diagram, opts)
    model = _build(opts["code"], sizes)
    inputs = [torch.randn(*_dims(v, sizes)) for v in diagram.main.inputs]
    with FlopCounterMode(display=False) as counter:
        model(*inputs)
    report = sphinx_ncd.cost(diagram, sizes=_cost_sizes(diagram, sizes),
                             search_path=[str(ROOT / "templates")])
    assert not report.uncosted
    assert report.value(report.counted) == counter.get_total_flops() > 0
