"""Syntax stage: the abstract syntax tree.

Plain records with ``__slots__``; every node keeps the :class:`~sphinx_ncd.errors.Span`
of the text it came from, so the model stage can point at the exact token
that is wrong.  Shapes stay as text here; the model gives them sizes.
"""
from __future__ import annotations

from ..errors import Span

__all__ = [
    "Node", "Name", "Atom", "Group", "Segment", "Signature", "Spec", "Title", "BlockHeader",
    "BlockDef", "Use", "Sizes", "Let", "AxisDecl", "Def", "Input", "Output", "Order", "Save",
    "Assign", "Op", "Fence", "Repeat", "PanelBreak",
    "NameValues", "Note",
]


_new = object.__new__


class Node:
    __slots__ = ("span",)

    def __repr__(self) -> str:
        fields = []
        for cls in type(self).__mro__:
            for slot in getattr(cls, "__slots__", ()):
                if slot != "span":
                    fields.append(f"{slot}={getattr(self, slot, None)!r}")
        return f"{type(self).__name__}({', '.join(fields)})"


class _Lazy(Node):
    """A leaf whose Span is only built when someone asks for it (most never are)."""
    __slots__ = ("text", "_where")

    def __init__(self, text: str, span: Span):
        self.text, self.span, self._where = text, span, None

    @classmethod
    def at(cls, text: str, line, column: int, length: int):
        node = _new(cls)
        node.text, node._where = text, (line, column, length)
        return node

    def located(self) -> Span:
        """``span``, built straight from where the node was written and kept: the quick way on the success
        path (``.span`` on a node never asked before goes through a failed lookup and ``__getattr__``)."""
        where = self._where
        if where is None:
            return self.span
        span = where[0].span(where[1], where[2])
        self.span = span
        return span

    def __getattr__(self, name):
        if name == "span":
            line, column, length = self._where
            span = line.span(column, length)
            object.__setattr__(self, "span", span)
            return span
        raise AttributeError(name)


class Name(_Lazy):
    """A bare name (a value, a parameter, a block) with its span."""
    __slots__ = ()


class Atom(_Lazy):
    """One axis as written: ``y``, ``28``, ``x/s``, ``c_{\\lambda+1}``, ``a'``."""
    __slots__ = ()


class Group(Node):
    """Axes grouped by parentheses in a view: ``(k h)``."""
    __slots__ = ("items",)

    def __init__(self, items: list, span: Span):
        self.items, self.span = items, span


class Segment(_Lazy):
    """One tuple segment: a list of :class:`Atom` and :class:`Group` (may be empty: ``1``)."""
    __slots__ = ("items",)

    def __init__(self, items: list, span: Span):
        self.items, self.span, self._where, self.text = items, span, None, ""


class Signature(Node):
    """``a, d -> b``: input segments and output segments."""
    __slots__ = ("inputs", "outputs")

    def __init__(self, inputs: list[Segment], outputs: list[Segment], span: Span):
        self.inputs, self.outputs, self.span = inputs, outputs, span


class Spec(Node):
    __slots__ = ("statements",)

    def __init__(self, statements: list, span: Span):
        self.statements, self.span = statements, span


class Title(Node):
    __slots__ = ("text",)

    def __init__(self, text: str, span: Span):
        self.text, self.span = text, span


class BlockHeader(Node):
    """``block Name(p, q)`` on its own: the whole spec defines that block."""
    __slots__ = ("name", "params")

    def __init__(self, name: Name, params: list[Name], span: Span):
        self.name, self.params, self.span = name, params, span


class BlockDef(Node):
    """``block Name(p, q) { ... }``: a block defined for later use."""
    __slots__ = ("name", "params", "body")

    def __init__(self, name: Name, params: list[Name], body: list, span: Span):
        self.name, self.params, self.body, self.span = name, params, body, span


class Use(Node):
    __slots__ = ("names",)

    def __init__(self, names: list[Name], span: Span):
        self.names, self.span = names, span


class Sizes(Node):
    """``sizes y=20 x=22``: items are (Name, int)."""
    __slots__ = ("items",)

    def __init__(self, items: list, span: Span):
        self.items, self.span = items, span


class Let(Node):
    """``let nb = n1/4``: a derived size shown in the legend."""
    __slots__ = ("name", "expr")

    def __init__(self, name: Name, expr: Atom, span: Span):
        self.name, self.expr, self.span = name, expr, span


class AxisDecl(Node):
    """``width y x`` or ``tandem Y X`` (``tandem V:3`` for rank 3); items are (Name, rank)."""
    __slots__ = ("kind", "items")

    def __init__(self, kind: str, items: list, span: Span):
        self.kind, self.items, self.span = kind, items, span


class Def(Node):
    """``def G : 3 -> 2 [learned|learned+] [style S]``: declare a function once."""
    __slots__ = ("name", "signature", "learned", "bias", "style")

    def __init__(self, name: Name, signature: Signature, learned: bool, bias: bool, style: str | None,
                 span: Span):
        self.name, self.signature, self.learned, self.bias, self.style, self.span = (
            name, signature, learned, bias, style, span)


class Input(Node):
    """``input E: y m, X: x m``: items are (Name, Segment)."""
    __slots__ = ("items",)

    def __init__(self, items: list, span: Span):
        self.items, self.span = items, span


class Output(Node):
    __slots__ = ("names",)

    def __init__(self, names: list[Name], span: Span):
        self.names, self.span = names, span


class Order(Node):
    """``order A, B, C``: the vertical order of these values from here on."""
    __slots__ = ("names",)

    def __init__(self, names: list[Name], span: Span):
        self.names, self.span = names, span


class Save(Node):
    """``save X to C_\\lambda``."""
    __slots__ = ("value", "slot")

    def __init__(self, value: Name, slot: Name, span: Span):
        self.value, self.slot, self.span = value, slot, span


class Op(Node):
    """The right-hand side of an assignment: one operation.

    ``kind`` is the parser's classification (an OpKind value, or ``"block"``);
    ``label`` the light-math label; ``args`` the value names consumed;
    ``options`` holds the clauses (``over``, ``at``, ``on``, ``by``, ``kernel`` ...)
    as ``name -> (value, Span)``.
    """
    __slots__ = ("kind", "label", "head", "binding", "bias", "args", "signature", "options",
                 "block_args", "expand", "transposed", "map_label")

    def __init__(self, kind: str, label: str, head: Name, span: Span):
        self.kind, self.label, self.head, self.span = kind, label, head, span
        self.binding: Name | None = None
        self.bias = False
        self.args: list[Name] = []
        self.signature: Signature | None = None
        self.options: dict = {}
        self.block_args: list = []  # (Name | None, Atom)
        self.expand = False
        self.transposed = False
        self.map_label: str | None = None  # a convolution's learned map, named (``conv L^Q[..]``)


class Assign(Node):
    """``Q, K = op ...``."""
    __slots__ = ("targets", "op")

    def __init__(self, targets: list[Name], op: Op, span: Span):
        self.targets, self.op, self.span = targets, op, span


class Fence(Node):
    __slots__ = ("title", "color", "body")

    def __init__(self, title: str, color: str | None, body: list, span: Span):
        self.title, self.color, self.body, self.span = title, color, body, span


class Repeat(Node):
    """``repeat \\lambda = 1..4 { }`` or ``repeat N { }``."""
    __slots__ = ("index", "lower", "upper", "count", "body")

    def __init__(self, index: Name | None, lower: Atom | None, upper: Atom | None, count: Atom | None,
                 body: list, span: Span):
        self.index, self.lower, self.upper, self.count, self.body, self.span = (
            index, lower, upper, count, body, span)


class PanelBreak(Node):
    """A line holding only ``=``: the next panel of an equation between diagrams."""
    __slots__ = ()

    def __init__(self, span: Span):
        self.span = span


class Break(Node):
    """``break``: the author's fold cut.  A diagram too wide for its page is folded into rows at the memory
    state after the operations written before it (and always there, even when it would fit)."""
    __slots__ = ()

    def __init__(self, span: Span):
        self.span = span


class NameValues(Node):
    """``name Q, K, V``: draw each value's name at its wires, where they first appear."""
    __slots__ = ("names",)

    def __init__(self, names: list[Name], span: Span):
        self.names, self.span = names, span


class Note(Node):
    """``note [op|save|fence] TARGETS "text" [highlight [#color]]``: an explanatory note drawn clear of the
    diagram with a leader line to what it explains.  ``kind`` is "value", "op", "save" or "fence"; ``targets``
    are value names, memory slots (save), or (fence) one Name holding the fence's title; ``highlight`` is None (no tint), "" (the theme's tint) or a
    colour."""
    __slots__ = ("kind", "targets", "text", "text_span", "highlight")

    def __init__(self, kind: str, targets: list[Name], text: str, text_span: Span, highlight, span: Span):
        self.kind, self.targets, self.text, self.text_span = kind, targets, text, text_span
        self.highlight, self.span = highlight, span
