"""Model (stage 2 of syntax -> model -> layout -> render): the typed diagram.

Plain immutable records that every later stage reads: layout draws them,
``check`` turns them into tensors, integrations describe them.  Nothing here
knows about text syntax, geometry or torch.  Shape inference
(:mod:`sphinx_ncd.model.infer`) builds these values from the AST; this module
only defines them.

Vocabulary (paper section 2):

* an :class:`Axis` is one wire: a tensor axis with a symbolic size;
* a :class:`Value` is one tuple segment: a tensor in memory, its axes stacked
  top to bottom in tensor-dimension order;
* an :class:`Operation` is a box (or a wiring such as a cup, a crossing, a
  copy dot) consuming some values and producing others;
* a :class:`Section` is one vertical section: either a memory state (which
  values exist, top to bottom) or a step (which operations act, with every
  other value passing through as an identity);
* a :class:`Panel` is one diagram read left to right; a :class:`Diagram` is
  what a spec describes: one panel, or several joined by ``=``.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import sympy

from ..errors import Span

__all__ = [
    "AxisKind", "OpKind", "Axis", "Value", "Operation", "Group", "Section",
    "BlockHeader", "Panel", "Diagram", "PARAMS_OF", "params_from_pairs",
    "NoParams", "FunctionParams", "LearnedParams", "ElementwiseParams", "ScaleParams", "SoftmaxParams",
    "NormParams", "IndexParams", "EinsumParams", "ViewParams", "ConcatParams", "ConvParams", "PoolParams",
    "UnitParams", "SlotParams", "BlockParams", "Note", "MaskParams", "ChunkParams", "RotaryParams",
    "TopkParams", "SelectParams",
]


def _record(cls):
    """``@dataclass(frozen=True)``, built faster: its ``__init__`` (same parameters and defaults) fills the
    instance's ``__dict__`` once instead of calling ``object.__setattr__`` per field, which made building
    the model's many small records a large part of shape inference.  Frozen afterwards as usual."""
    cls = dataclass(frozen=True)(cls)
    params, lines, env = [], [], {}
    for f in fields(cls):
        if f.default is not MISSING:
            env[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        else:
            params.append(f.name)
        lines.append(f"    d[{f.name!r}] = {f.name}\n")
    post = "    self.__post_init__()\n" if hasattr(cls, "__post_init__") else ""
    exec(f"def __init__(self, {', '.join(params)}):\n    d = self.__dict__\n{''.join(lines)}{post}", env)
    env["__init__"].__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = env["__init__"]
    return cls


class AxisKind:
    """How a wire is drawn and what it means (vocabulary.md, 'Wires and data')."""

    PLAIN = "plain"  # a depth axis: thin line, italic label
    WIDTH = "width"  # "how many things" (tokens, positions): overlined label
    TANDEM = "tandem"  # several axes acting together (2-D image): double line, bold overlined label


class OpKind:
    """Every operation kind the model produces.  Layout has one glyph per kind; each kind's parameters
    are one typed record (``PARAMS_OF``)."""

    FUNCTION = "function"  # generic box, any signature
    LEARNED = "learned"  # bold label, pale tile
    ELEMENTWISE = "elementwise"  # 1 -> 1 broadcast over everything: arrows around the label
    SCALE = "scale"  # element-wise scaling
    SOFTMAX = "softmax"
    NORM = "norm"  # normalisation
    INDEX = "index"
    EINSUM = "einsum"  # linear wiring
    VIEW = "view"  # reshape / flatten / rearrange
    CONCAT = "concat"
    ADD = "add"  # sum of equal-shape segments
    CONV = "conv"
    POOL = "pool"
    UNIT = "unit"  # eta: 1 -> a a (a cup)
    COPY = "copy"  # Delta: one input, several equal outputs (inferred from data flow)
    DELETE = "delete"  # one input, no outputs (inferred from data flow)
    SAVE = "save"  # to memory: one input, no outputs
    LOAD = "load"  # from memory: no inputs, one output
    BLOCK = "block"  # a use of a reusable block; ``body`` when expanded
    MASK = "mask"  # attention scores masked over (query, key) axes: causal, or by a given additive mask
    CHUNK = "chunk"  # one value split into equal parts along one axis (a fused qkv into q, k, v)
    ROTARY = "rotary"  # rotary position embedding over (position, feature) axes
    TOPK = "topk"  # the k largest entries along one axis (and their positions)
    GATHER = "gather"  # entries read along one axis at given positions
    SCATTER = "scatter"  # entries written along one axis at given positions


@_record
class Axis:
    """One wire."""

    label: str  # as written, in the light-math label syntax: "y", "28", "x/s", "k^2"
    size: sympy.Expr  # symbolic size: Symbol('y'), Integer(28), x/s ...
    kind: str = AxisKind.PLAIN  # an AxisKind
    rank: int = 1  # dimensions this wire stands for (a tandem image axis: 2)
    tangent: bool = False  # a derivative (tangent) wire, paper section 3.6

    def __repr__(self) -> str:
        mark = {"width": "~", "tandem": "="}.get(self.kind, "")
        return f"{mark}{self.label}{'′' if self.tangent else ''}"


def _shape_text(axes) -> str:
    """Axes as spec text: labels separated by spaces, a prime on tangent wires, ``1`` when empty."""
    return " ".join([a.label + "'" if a.tangent else a.label for a in axes]) or "1"  # (a list: quicker to join)


@_record
class Value:
    """One tuple segment: a tensor in memory."""

    id: int  # unique within the diagram, in creation order
    name: str  # the user's variable name ("Q"), or a generated one for copies
    axes: tuple[Axis, ...]  # top to bottom = tensor dimensions in order
    span: Span | None = None  # where it was defined

    @property
    def shape(self) -> str:
        """The einops-style shape, e.g. ``"y k h"`` (``"1"`` for a scalar); a derivative (tangent) wire
        carries its prime as written in a spec (``"a'"``)."""
        return _shape_text(self.axes)

    def __repr__(self) -> str:
        return f"{self.name}: {self.shape}"


# --- typed parameters: one frozen record per operation kind ---------------------------------------
#
# ``Operation.params`` holds the record of the operation's kind (see ``PARAMS_OF``).  Every field has the
# type it says; strings are label sources (light math) for display, never something to parse again.


@_record
class NoParams:
    """Kinds with nothing to set: add, copy, delete."""


@_record
class FunctionParams:
    """A generic box; ``style`` is a declared look (``def F : a -> b style bare``), None for a box."""

    style: str | None = None


@_record
class LearnedParams:
    """A learned box (bold label, pale tile): with or without bias (None: the diagram does not say, only
    in Operations built by hand), and an optional declared look."""

    bias: bool | None = None
    style: str | None = None


@_record
class ElementwiseParams:
    """``relu X``, ``map f X``: the function's name as written (``relu``, ``f``)."""

    function: str = ""


@_record
class ScaleParams:
    """``scale X by 1/sqrt(k)``: the factor as written (a label source) and as a size."""

    factor: str = ""
    value: sympy.Expr | None = None


@_record
class SoftmaxParams:
    """The one axis the softmax normalises over (as it leaves the box)."""

    over: Axis | None = None


@_record
class NormParams(SoftmaxParams):
    """The one axis a normalisation acts over."""


@_record
class IndexParams:
    """``index X at i on y``: the axis indexed away and the index's label source."""

    axis: Axis | None = None
    index: str = ""


@_record
class EinsumParams:
    """An einsum's axis names, already parsed: one tuple of names per input, the output's names, the names
    summed away (``contracted``), the names shared by several inputs and kept (``merged``), and whether it
    joins several inputs (``outer``).  ``names_in[i][n]`` names input ``i``'s core axis ``n`` (the axis at
    ``Operation.core_in_pos[i][n]``); ``names_out[n]`` the output's core axis ``n``."""

    names_in: tuple[tuple[str, ...], ...] = ()
    names_out: tuple[str, ...] = ()
    contracted: tuple[str, ...] = ()
    merged: tuple[str, ...] = ()
    outer: bool = False

    @property
    def equation(self) -> str:
        """The einops form, e.g. ``"y k h, x k h -> y x h"`` (for display only)."""
        left = ", ".join(" ".join(n) or "1" for n in self.names_in)
        return f"{left} -> {' '.join(self.names_out) or '1'}"


@_record
class ViewParams:
    """A reshape; ``pattern`` is the display form ``"28 28 -> 784"`` of ``core_in -> core_out``."""

    pattern: str = ""


@_record
class ConcatParams:
    """The axis the inputs are joined along, as it leaves the box (its size the sum)."""

    over: Axis | None = None


@_record
class ConvParams:
    """A convolution over the spatial axes ``over``; sizes are sympy expressions (``kernel`` None for a
    global pooling).  ``learned`` and ``bias`` say what the box draws (``bias`` None: the diagram does not
    say, only in Operations built by hand)."""

    over: tuple[Axis, ...] = ()
    kernel: sympy.Expr | None = None
    stride: sympy.Expr = sympy.Integer(1)
    dilation: sympy.Expr = sympy.Integer(1)
    padding: sympy.Expr = sympy.Integer(0)
    transposed: bool = False
    learned: bool = True
    bias: bool | None = None
    groups: sympy.Expr = sympy.Integer(1)  # channel groups (``groups c``: depthwise)
    map_label: str | None = None  # the learned map's name as drawn (``conv L^Q[..]``: L^Q), None: unnamed


@_record
class PoolParams(ConvParams):
    """A pooling: a convolution's window, never learned; ``reduce`` is ``"max"`` or ``"mean"``."""

    learned: bool = False
    reduce: str = "max"


@_record
class UnitParams:
    """A cup (eta) on ``axis``."""

    axis: Axis | None = None


@_record
class SlotParams:
    """``save X to C`` / ``load C``: the memory slot's label source (``C_\\lambda``)."""

    slot: str = ""


@_record
class BlockParams:
    """A use of a block: its name, the arguments given ``(("s", "2"), ...)``, and whether it is drawn
    expanded (then ``Operation.body`` holds the body); ``definition`` is the block's own panel, so the
    checker can check the boxes inside a block used by name."""

    name: str = ""
    args: tuple[tuple[str, str], ...] = ()
    expanded: bool = False
    definition: "Panel | None" = field(default=None, repr=False, compare=False)  # the block's own panel


@_record
class MaskParams:
    """``mask S over t u``: ``over`` is (query axis, key axis); ``causal`` when no mask value is given (a key
    position after the query's is masked), else the second input is an additive mask broadcast onto S."""

    over: tuple[Axis, ...] = ()
    causal: bool = True


@_record
class ChunkParams:
    """``Q, K, V = chunk P over f``: the axis split (as it enters) into ``parts`` equal parts."""

    over: Axis | None = None
    parts: int = 2


@_record
class RotaryParams:
    """``Q, K = rotary Q K C S over t e``: (position axis, feature axis); the first ``rotated`` inputs are
    rotated, the others (none, or cos and sin) are the tables they are rotated by."""

    over: tuple[Axis, ...] = ()
    rotated: int = 1


@_record
class TopkParams:
    """``V, I = topk X : n -> k``: the axis searched, the axis of the k kept, and whether positions are returned."""

    over: Axis | None = None
    kept: Axis | None = None
    indices: bool = False


@_record
class SelectParams:
    """``gather X I over n`` / ``scatter X I S over n``: the axis of ``X`` read or written at the positions."""

    over: Axis | None = None


PARAMS_OF: dict[str, type] = {
    OpKind.FUNCTION: FunctionParams, OpKind.LEARNED: LearnedParams, OpKind.ELEMENTWISE: ElementwiseParams,
    OpKind.SCALE: ScaleParams, OpKind.SOFTMAX: SoftmaxParams, OpKind.NORM: NormParams,
    OpKind.INDEX: IndexParams, OpKind.EINSUM: EinsumParams, OpKind.VIEW: ViewParams,
    OpKind.CONCAT: ConcatParams, OpKind.ADD: NoParams, OpKind.CONV: ConvParams, OpKind.POOL: PoolParams,
    OpKind.UNIT: UnitParams, OpKind.COPY: NoParams, OpKind.DELETE: NoParams, OpKind.SAVE: SlotParams,
    OpKind.LOAD: SlotParams, OpKind.BLOCK: BlockParams,
    OpKind.MASK: MaskParams, OpKind.CHUNK: ChunkParams, OpKind.ROTARY: RotaryParams,
    OpKind.TOPK: TopkParams, OpKind.GATHER: SelectParams, OpKind.SCATTER: SelectParams,
}


def params_from_pairs(kind: str, pairs) -> object:
    """The typed record for ``kind`` from the old ``(("name", value), ...)`` form (a transition aid for
    code that builds Operations by hand; the model itself builds the records directly).  Unknown names
    are dropped; the einsum's ``equation`` is derived, never read."""
    cls = PARAMS_OF.get(kind, NoParams)
    names = {f.name for f in fields(cls)}
    return cls(**{k: v for k, v in pairs if k in names})


# --- the operation ----------------------------------------------------------------------------------

Pos = tuple  # (segment index, axis position within that segment's ``axes``)


@_record
class Operation:
    """One box or wiring acting in a step.

    Wiring, explicit (positions index ``inputs[i].axes`` / ``outputs[k].axes``):

    * ``core_in_pos[i]``: the positions of input ``i``'s axes the operation acts on (its signature; the
      axes are ``core_in[i]``, in that order); every other position of that input is broadcast.
    * ``core_out_pos[k]``: the positions of output ``k``'s axes the operation produces (``core_out[k]``).
    * ``broadcast_pairs``: ``((i, j), (k, l))`` for each broadcast wire that passes over the box, from
      input ``i`` position ``j`` to output ``k`` position ``l``; one-to-one, in output order.  A broadcast
      input wire with no pair is merged into a twin that passes (two inputs broadcast over the same
      ``y``; it ends at the box); a broadcast output wire with no pair starts at the box (a second
      output lifted over the same axis).

    ``params`` is the typed record of the kind (:data:`PARAMS_OF`); ``param(name)`` reads one of its
    fields (kept for code written against the old ``(("name", value), ...)`` form, which is still
    accepted when building an Operation by hand).  Hand-built Operations may leave the positions out:
    they are then derived from ``broadcast`` (:func:`sphinx_ncd.model.wiring.derive`).
    """

    id: int  # unique within the diagram
    kind: str  # an OpKind
    label: str  # light-math label source: "L^Q", "ReLU", "G"; "" for pure wirings
    inputs: tuple[Value, ...]  # consumed segments, in order
    outputs: tuple[Value, ...]  # produced segments, in order
    core_in: tuple[tuple[Axis, ...], ...]  # per input: the axes the operation acts on (its signature)
    core_out: tuple[tuple[Axis, ...], ...]  # per output: the axes it produces
    broadcast: tuple[tuple[Axis, ...], ...]  # per input: the axes lifted over the box (drawn passing over)
    params: Any = None  # the kind's typed record (a PARAMS_OF class); None: the kind's defaults
    binding: str | None = None  # dotted path of the PyTorch submodule/function: "Lq", "blocks.0.conv1"
    groups: tuple[int, ...] = ()  # ids of the enclosing Groups, outermost first
    body: "Panel | None" = None  # for BLOCK: the expanded body, when drawn expanded
    span: Span | None = None  # the statement that wrote it
    core_in_pos: tuple[tuple[int, ...], ...] | None = None  # per input: positions of its core axes
    core_out_pos: tuple[tuple[int, ...], ...] | None = None  # per output: positions of the axes it produces
    broadcast_pairs: tuple[tuple[Pos, Pos], ...] | None = None  # ((in seg, pos), (out seg, pos)) per passing wire

    def __post_init__(self):
        params = self.params
        if params is None or type(params) is tuple:
            object.__setattr__(self, "params", params_from_pairs(self.kind, params or ()))
        if self.core_in_pos is None or self.core_out_pos is None or self.broadcast_pairs is None:
            from .wiring import derive
            ci, co, pairs = derive(self)
            object.__setattr__(self, "core_in_pos", ci if self.core_in_pos is None else self.core_in_pos)
            object.__setattr__(self, "core_out_pos", co if self.core_out_pos is None else self.core_out_pos)
            object.__setattr__(self, "broadcast_pairs", pairs if self.broadcast_pairs is None
                               else self.broadcast_pairs)

    @classmethod
    def frozen(cls, **fields_: Any) -> "Operation":
        """The model's fast constructor: every field given, already typed and wired (no conversion, no
        derivation).  The schedule freezes each operation with it; hand-built code uses ``Operation(...)``."""
        op = object.__new__(cls)
        op.__dict__.update(fields_)
        return op

    def param(self, name: str, default: Any = None) -> Any:
        """One field of the typed parameters (``default`` when the kind has no such field).  Prefer
        ``op.params.<field>``; this stays for code written against the old untyped bag."""
        return getattr(self.params, name, default)

    @property
    def signature(self) -> str:
        """The core signature, e.g. ``"m -> k h"``."""
        left = ", ".join([_shape_text(seg) for seg in self.core_in])
        right = ", ".join([_shape_text(seg) for seg in self.core_out])
        return f"{left} -> {right}"

    def __repr__(self) -> str:
        bind = f"[{self.binding}]" if self.binding else ""
        return f"<{self.kind} {self.label}{bind} : {self.signature}>"


@_record
class Group:
    """A fence (titled translucent rectangle) or a repetition bracket."""

    id: int
    kind: str  # "fence" | "repeat" | "dotted" (a sub-expression outline)
    title: str = ""  # light-math label source
    color: str | None = None  # CSS colour for fences ("#ffe2bb"); None: the theme default
    index: str | None = None  # repeat: the index name ("λ")
    lower: str | None = None  # repeat: lower bound label
    upper: str | None = None  # repeat: upper bound label
    parent: int | None = None  # enclosing group id
    span: Span | None = None


@_record
class Section:
    """One vertical section of a panel."""

    kind: str  # "state" | "step"
    values: tuple[Value, ...]  # state: the memory, top to bottom; step: the values passing through untouched
    ops: tuple[Operation, ...] = ()  # step: the operations acting in parallel, top to bottom
    brk: bool = False  # state only: the author wrote ``break`` here, a forced fold cut (never the last state)

    def __repr__(self) -> str:
        if self.kind == "state":
            return "state(" + ", ".join(v.shape for v in self.values) + ")"
        return "step(" + ", ".join(repr(o) for o in self.ops) + ")"


@_record
class BlockHeader:
    """``block Name(params)``: the spec defines a configured component."""

    name: str
    params: tuple[str, ...]
    span: Span | None = None


@_record
class Note:
    """An author's note on the figure (``note`` statements): ``targets`` are ("value", value id), ("op", op id)
    or ("fence", group id); ``highlight`` None (no tint), "" (the theme's tint) or a colour."""

    text: str  # as written; maths between '$'
    targets: tuple[tuple[str, int], ...]
    highlight: str | None = None
    span: Span | None = None


@_record
class Panel:
    """One diagram read left to right."""

    inputs: tuple[Value, ...]  # the first memory state
    outputs: tuple[Value, ...]  # the last memory state
    sections: tuple[Section, ...]  # alternating state, step, state, ..., state
    operations: tuple[Operation, ...]  # every operation in data-flow order
    groups: tuple[Group, ...] = ()  # fences and repetitions, outer before inner
    legend: tuple[tuple[str, str], ...] = ()  # derived sizes: (("nb", "n1/4"), ...)
    header: BlockHeader | None = None  # when the panel defines a block
    span: Span | None = None
    names: tuple[tuple[int, str], ...] = ()  # (value id, name) drawn at the value's wires (``name`` statements)
    notes: tuple[Note, ...] = ()  # the author's notes (``note`` statements)

    @property
    def states(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.kind == "state")

    @property
    def signature(self) -> str:
        """E.g. ``"y m, x m -> y m"``."""
        left = ", ".join(v.shape for v in self.inputs)
        right = ", ".join(v.shape for v in self.outputs)
        return f"{left} -> {right}"


@_record
class Diagram:
    """What one spec describes.  ``sphinx_ncd.parse`` returns this."""

    panels: tuple[Panel, ...]  # one, or several joined by "=" (an equation between diagrams)
    source: str  # the spec text
    filename: str = "<spec>"
    sizes: tuple[tuple[str, int], ...] = ()  # concrete sizes given in the spec (for display and checks)
    title: str = ""  # optional, from a "title" statement
    blocks: tuple[tuple[str, Panel], ...] = field(default=(), repr=False)  # block definitions in scope
    # located NCDErrors that do not stop the drawing: divisions the sizes line breaks (model/stated.py);
    # parse(strict=True), the default, raises the first instead
    problems: tuple = field(default=(), repr=False, compare=False)

    @property
    def main(self) -> Panel:
        return self.panels[0]

    @property
    def sections(self) -> tuple[Section, ...]:
        return self.main.sections

    @property
    def states(self) -> tuple[Section, ...]:
        return self.main.states

    @property
    def operations(self) -> tuple[Operation, ...]:
        return self.main.operations

    @property
    def signature(self) -> str:
        return self.main.signature

    def _repr_svg_(self) -> str:
        """Jupyter display: the rendered SVG (the render stage is imported lazily)."""
        from .. import render

        return render(self, format="svg")

    def _repr_mimebundle_(self, include=None, exclude=None):
        """Jupyter display: SVG, PNG (2x), PDF and text (see :mod:`sphinx_ncd.rendering.notebook`)."""
        from ..rendering.notebook import mime_bundle

        return mime_bundle(self, include, exclude)

    def __repr__(self) -> str:
        eq = f" (= {len(self.panels) - 1} more)" if len(self.panels) > 1 else ""
        return f"<Diagram {self.title or self.filename}: {self.signature}{eq}, {len(self.operations)} ops>"
