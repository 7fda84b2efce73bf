"""Model stage: what each operation kind means, one row per kind.

A row holds everything about a kind that other stages look up: the spec words
that write it and the label each draws by default (the syntax stage), the
clauses it accepts, its typed parameter record and the method of the shape
inference that types it (the model), how its wires meet the box, the name of
the glyph the layout draws for it (the drawing code stays in the layout), and
its plain-text description (alt text).  Adding a kind is adding a row here, a
typing method and a glyph.

Wiring classes (what ``Operation.core_in_pos`` / ``broadcast_pairs`` look like):

* ``signature``: the written signature's axes are the core, found in order in
  each input; every other axis is broadcast over the box;
* ``pointwise``: the box acts on no wire, every wire passes over it;
* ``axis``: the box acts on one axis of each input (softmax, concat ...);
* ``window``: spatial axes and channels are the core (convolution, pooling);
* ``all``: the box acts on every wire of every value (add, copy, save ...);
* ``source``: no inputs; every output wire starts at the box (load, unit).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import types as T
from .types import OpKind, Operation

__all__ = ["KindRow", "KINDS", "WORDS", "row", "SIGNATURE", "POINTWISE", "AXIS", "WINDOW", "ALL", "SOURCE"]

SIGNATURE, POINTWISE, AXIS, WINDOW, ALL, SOURCE = "signature", "pointwise", "axis", "window", "all", "source"

# element-wise functions: keyword -> label as drawn
_ELEMENTWISE = {
    "relu": "ReLU", "gelu": "GELU", "sigmoid": r"\sigma", "tanh": "tanh", "exp": "exp",
    "log": "log", "silu": "SiLU", "softplus": "softplus", "sqrt": "sqrt", "abs": "abs",
    "square": "(\u00b7)^2", "dropout": "dropout", "neg": "-",
}
_WINDOW = ("over", "kernel", "stride", "padding", "dilation")


@dataclass(frozen=True)
class KindRow:
    """Everything one operation kind means."""

    kind: str  # the OpKind
    words: dict  # spec words that write it -> the label drawn by default (None: the word itself)
    clauses: tuple[str, ...]  # the clauses it accepts after its arguments
    typing: str | None  # the PanelBuilder method that types it; None: made by a statement or the schedule
    glyph: str  # the name of the layout's glyph builder
    wiring: str  # SIGNATURE, POINTWISE, AXIS, WINDOW, ALL or SOURCE
    describe: Callable[[Operation], str]  # a short plain-text description (light-math labels)

    @property
    def params(self) -> type:
        """Its typed parameter record (defined with the other records in :mod:`.types`)."""
        return T.PARAMS_OF[self.kind]


def _box(op: Operation) -> str:
    learned = op.kind == OpKind.LEARNED
    bias = " with bias" if learned and op.params.bias else ""
    return f"{'learned ' if learned else ''}{op.label}{bias} ({op.signature})"


def _over(name: str) -> Callable[[Operation], str]:
    def describe(op: Operation) -> str:
        over = op.params.over
        return f"{name} over {over.label}" if over is not None else name
    return describe


def _window(op: Operation) -> str:
    p = op.params
    over = " ".join(a.label for a in p.over)
    if op.kind == OpKind.POOL:
        name = f"{p.reduce} pooling"
    else:
        name = "transposed convolution" if p.transposed else "convolution"
    if p.kernel is None:
        return f"global {name} over {over}"
    return f"{name} over {over} (kernel {p.kernel}, stride {p.stride})"


def _einsum(op: Operation) -> str:
    p = op.params
    if p.outer and not p.contracted and all(names == p.names_out for names in p.names_in):
        return f"element-wise product over {' '.join(p.names_out) or 'scalars'}"
    return f"einsum ({p.equation})"


def _mask(op: Operation) -> str:
    query, key = (a.label for a in op.params.over)
    if op.params.causal:
        return f"causal mask over {query}, {key} (keys after the query masked)"
    return f"mask {op.inputs[1].name} added over {query}, {key}"


def _rotary(op: Operation) -> str:
    where, depth = (a.label for a in op.params.over)
    names = ", ".join(v.name for v in op.inputs[:op.params.rotated])
    return f"rotary position embedding of {names} (positions {where}, features {depth})"


def _block(op: Operation) -> str:
    args = ", ".join(f"{n}={v}" for n, v in op.params.args)
    return f"block {op.params.name}({args})"


_ROWS = (
    KindRow(OpKind.FUNCTION, {}, (), "op_function", "function", SIGNATURE, _box),
    KindRow(OpKind.LEARNED, {"learned": None, "L": None}, (), "op_learned", "learned",
            SIGNATURE, _box),
    KindRow(OpKind.ELEMENTWISE, {"map": None, **_ELEMENTWISE}, (), "op_elementwise",
            "elementwise", POINTWISE, lambda op: f"element-wise {op.params.function or op.label}"),
    KindRow(OpKind.SCALE, {"scale": ""}, ("by",), "op_scale", "elementwise", POINTWISE,
            lambda op: f"scale by {op.params.factor}"),
    KindRow(OpKind.SOFTMAX, {"softmax": ""}, ("over",), "op_softmax", "on_axis", AXIS,
            _over("softmax")),
    KindRow(OpKind.NORM, {"norm": "Norm"}, ("over",), "op_norm", "on_axis", AXIS,
            _over("normalisation")),
    KindRow(OpKind.INDEX, {"index": ""}, ("at", "on"), "op_index", "index", AXIS,
            lambda op: f"index {op.params.index} on {op.params.axis.label}"),
    KindRow(OpKind.EINSUM, {"einsum": "", "mul": ""}, (), "op_einsum", "einsum", SIGNATURE, _einsum),
    KindRow(OpKind.VIEW, {"view": ""}, (), "op_view", "bar", SIGNATURE,
            lambda op: f"view ({op.params.pattern})"),
    KindRow(OpKind.CONCAT, {"concat": ""}, ("over",), "op_concat", "bar", AXIS,
            _over("concatenation")),
    KindRow(OpKind.ADD, {"add": "+"}, (), "op_add", "add", ALL, lambda op: "addition"),
    KindRow(OpKind.CONV, {"conv": r"\star", "convT": r"\star^T"}, (*_WINDOW, "groups"), "op_conv", "conv", WINDOW,
            _window),
    KindRow(OpKind.POOL, {"maxpool": "Max", "avgpool": r"\mathbb{E}"}, _WINDOW, "op_pool", "conv", WINDOW,
            _window),
    KindRow(OpKind.UNIT, {"unit": r"\eta"}, (), "op_unit", "unit", SOURCE,
            lambda op: f"unit on {op.params.axis.label}"),
    KindRow(OpKind.COPY, {}, (), None, "copy", ALL, lambda op: "copy"),
    KindRow(OpKind.DELETE, {}, (), None, "delete", ALL, lambda op: "delete"),
    KindRow(OpKind.SAVE, {}, (), None, "save_load", ALL, lambda op: f"save to {op.params.slot}"),
    KindRow(OpKind.LOAD, {"load": ""}, (), "op_load", "save_load", SOURCE,
            lambda op: f"load from {op.params.slot}"),
    KindRow(OpKind.BLOCK, {}, (), "op_block", "block", SIGNATURE, _block),
    KindRow(OpKind.MASK, {"mask": "Mask"}, ("over",), "op_mask", "mask", SIGNATURE, _mask),
    KindRow(OpKind.CHUNK, {"chunk": ""}, ("over",), "op_chunk", "chunk", AXIS,
            lambda op: f"split into {op.params.parts} equal parts along {op.params.over.label}"),
    KindRow(OpKind.ROTARY, {"rotary": "RoPE"}, ("over",), "op_rotary", "rotary", SIGNATURE, _rotary),
    KindRow(OpKind.TOPK, {"topk": "TopK"}, (), "op_topk", "function", SIGNATURE,
            lambda op: f"top {op.params.kept.label} of {op.params.over.label}"
                       + (" with their positions" if op.params.indices else "")),
    KindRow(OpKind.GATHER, {"gather": "Gather"}, ("over",), "op_gather", "function", SIGNATURE,
            lambda op: f"gather along {op.params.over.label} at {op.inputs[1].name}"),
    KindRow(OpKind.SCATTER, {"scatter": "Scatter"}, ("over",), "op_scatter", "function", SIGNATURE,
            lambda op: f"scatter {op.inputs[2].name} along {op.params.over.label} at {op.inputs[1].name}"),
)

KINDS: dict[str, KindRow] = {r.kind: r for r in _ROWS}
WORDS: dict[str, tuple[str, str | None]] = {w: (r.kind, label) for r in _ROWS for w, label in r.words.items()}


def row(kind: str) -> KindRow:
    """The row of ``kind`` (a generic box's for a kind no row knows)."""
    return KINDS.get(kind) or KINDS[OpKind.FUNCTION]
