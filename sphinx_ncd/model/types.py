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

from dataclasses import dataclass, field
from typing import Any

import sympy

from ..errors import Span

__all__ = [
    "AxisKind", "OpKind", "Axis", "Value", "Operation", "Group", "Section",
    "BlockHeader", "Panel", "Diagram",
]


class AxisKind:
    """How a wire is drawn and what it means (vocabulary.md, 'Wires and data')."""

    PLAIN = "plain"  # a depth axis: thin line, italic label
    WIDTH = "width"  # "how many things" (tokens, positions): overlined label
    TANDEM = "tandem"  # several axes acting together (2-D image): double line, bold overlined label


class OpKind:
    """Every operation kind the model produces.  Layout has one glyph per kind."""

    FUNCTION = "function"  # generic box, any signature
    LEARNED = "learned"  # bold label, pale tile; params: bias (bool)
    ELEMENTWISE = "elementwise"  # 1 -> 1 broadcast over everything: arrows around the label
    SCALE = "scale"  # element-wise scaling; params: factor (str, the label source)
    SOFTMAX = "softmax"  # params: over (Axis)
    NORM = "norm"  # normalisation; params: over (Axis)
    INDEX = "index"  # params: axis (Axis), index (str label)
    EINSUM = "einsum"  # linear wiring; params: equation (str, einops form)
    VIEW = "view"  # reshape / flatten / rearrange; params: pattern (str)
    CONCAT = "concat"  # params: over (Axis)
    ADD = "add"  # sum of equal-shape segments
    CONV = "conv"  # params: over (tuple of spatial Axis), kernel, stride, dilation, padding, transposed, learned, bias
    POOL = "pool"  # params: reduce ("max" | "mean"), plus the conv params
    UNIT = "unit"  # eta: 1 -> a a (a cup); params: axis
    COPY = "copy"  # Delta: one input, several equal outputs (inferred from data flow)
    DELETE = "delete"  # one input, no outputs (inferred from data flow)
    SAVE = "save"  # to memory: one input, no outputs; params: slot (str label)
    LOAD = "load"  # from memory: no inputs, one output; params: slot (str label)
    BLOCK = "block"  # a use of a reusable block; params: name, args; ``body`` when expanded


@dataclass(frozen=True)
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
    return " ".join(a.label + "'" if a.tangent else a.label for a in axes) or "1"


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Operation:
    """One box or wiring acting in a step."""

    id: int  # unique within the diagram
    kind: str  # an OpKind
    label: str  # light-math label source: "L^Q", "ReLU", "G"; "" for pure wirings
    inputs: tuple[Value, ...]  # consumed segments, in order
    outputs: tuple[Value, ...]  # produced segments, in order
    core_in: tuple[tuple[Axis, ...], ...]  # per input: the axes the operation acts on (its signature)
    core_out: tuple[tuple[Axis, ...], ...]  # per output: the axes it produces
    broadcast: tuple[tuple[Axis, ...], ...]  # per input: the axes lifted over the box (drawn passing over)
    params: tuple[tuple[str, Any], ...] = ()  # kind-specific settings, in a fixed order
    binding: str | None = None  # dotted path of the PyTorch submodule/function: "Lq", "blocks.0.conv1"
    groups: tuple[int, ...] = ()  # ids of the enclosing Groups, outermost first
    body: "Panel | None" = None  # for BLOCK: the expanded body, when drawn expanded
    span: Span | None = None  # the statement that wrote it

    def param(self, name: str, default: Any = None) -> Any:
        for key, value in self.params:
            if key == name:
                return value
        return default

    @property
    def signature(self) -> str:
        """The core signature, e.g. ``"m -> k h"``."""
        left = ", ".join(_shape_text(seg) for seg in self.core_in)
        right = ", ".join(_shape_text(seg) for seg in self.core_out)
        return f"{left} -> {right}"

    def __repr__(self) -> str:
        bind = f"[{self.binding}]" if self.binding else ""
        return f"<{self.kind} {self.label}{bind} : {self.signature}>"


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Section:
    """One vertical section of a panel."""

    kind: str  # "state" | "step"
    values: tuple[Value, ...]  # state: the memory, top to bottom; step: the values passing through untouched
    ops: tuple[Operation, ...] = ()  # step: the operations acting in parallel, top to bottom

    def __repr__(self) -> str:
        if self.kind == "state":
            return "state(" + ", ".join(v.shape for v in self.values) + ")"
        return "step(" + ", ".join(repr(o) for o in self.ops) + ")"


@dataclass(frozen=True)
class BlockHeader:
    """``block Name(params)``: the spec defines a configured component."""

    name: str
    params: tuple[str, ...]
    span: Span | None = None


@dataclass(frozen=True)
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

    @property
    def states(self) -> tuple[Section, ...]:
        return tuple(s for s in self.sections if s.kind == "state")

    @property
    def signature(self) -> str:
        """E.g. ``"y m, x m -> y m"``."""
        left = ", ".join(v.shape for v in self.inputs)
        right = ", ".join(v.shape for v in self.outputs)
        return f"{left} -> {right}"


@dataclass(frozen=True)
class Diagram:
    """What one spec describes.  ``sphinx_ncd.parse`` returns this."""

    panels: tuple[Panel, ...]  # one, or several joined by "=" (an equation between diagrams)
    source: str  # the spec text
    filename: str = "<spec>"
    sizes: tuple[tuple[str, int], ...] = ()  # concrete sizes given in the spec (for display and checks)
    title: str = ""  # optional, from a "title" statement
    blocks: tuple[tuple[str, Panel], ...] = field(default=(), repr=False)  # block definitions in scope

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
