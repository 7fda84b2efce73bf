"""Model stage: the working records of shape inference, shared by its modules.

What a spec declares for all its panels (:class:`Declarations`), an operation
while it is being evaluated (:class:`OpRecord`, frozen into an
:class:`~sphinx_ncd.model.types.Operation` by :mod:`.schedule`), what one
panel's evaluation hands to the schedule (:class:`Evaluated`), and the small
helpers several of them need (memory-slot names, close-match suggestions).
This module imports nothing else from the model but its plain types, so the
evaluation (:mod:`.infer`, :mod:`.operations`, :mod:`.blocks`) and the
schedule (:mod:`.schedule`) never import each other.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

import sympy

from .sizes import SizeSyntaxError, parse_size
from .types import _shape_text
from .wiring import pair

__all__ = ["Declarations", "OpRecord", "Evaluated", "slot_name", "same_sub", "closest", "is_name", "opname",
           "shape_text"]


class Declarations:
    """What a spec declares once for all its panels (``width``, ``tandem``, ``def``, ``let`` ...)."""

    def __init__(self):
        self.width: set[str] = set()
        self.tandem: dict[str, int] = {}
        self.defs: dict = {}  # name -> ast.Def
        self.lets: list[tuple[str, str]] = []
        self.rewrites: dict = {}  # sympy expr -> expr, from lets
        self.fn_rewrites: list = []  # (func, index symbol, offset, rhs) for let x_{\lambda+1} = ...
        self.blocks: dict = {}  # name -> BlockInfo
        self.loops: list = []  # (symbol, lower, upper) of every indexed repetition seen
        self.stated: list = []  # the lets' divisions, checked against the sizes line (see .stated)


class OpRecord:
    """An operation under evaluation: its inputs and outputs may still be replaced (copies, a value
    relabelled on leaving a repetition) before the schedule freezes it into an Operation.  ``core_pos``
    is (core positions per input, per output); ``pairs`` the broadcast wiring (:func:`.wiring.pair`)."""

    __slots__ = ("kind", "label", "inputs", "outputs", "core_in", "core_out", "broadcast", "params",
                 "binding", "groups", "body", "span", "level", "core_pos", "pairs")

    def __init__(self, kind, label, inputs, outputs, core_in, core_out, broadcast, params,
                 core_pos, binding=None, groups=(), body=None, span=None, pairs=None):
        self.kind, self.label, self.inputs, self.outputs = kind, label, list(inputs), list(outputs)
        self.core_in, self.core_out, self.broadcast = core_in, core_out, broadcast
        self.params, self.binding, self.groups, self.body, self.span = params, binding, groups, body, span
        self.core_pos = (tuple(core_pos[0]), tuple(core_pos[1]))  # each entry a tuple of positions
        self.pairs = pair(self.inputs, self.core_pos[0], self.outputs, self.core_pos[1]) if pairs is None else pairs
        self.level = 0

    def copy(self) -> "OpRecord":
        """A new record with its own input and output lists (the schedule's, not the evaluator's)."""
        new = object.__new__(OpRecord)
        new.kind, new.label, new.inputs, new.outputs = self.kind, self.label, self.inputs[:], self.outputs[:]
        new.core_in, new.core_out, new.broadcast, new.params = self.core_in, self.core_out, self.broadcast, self.params
        new.binding, new.groups, new.body, new.span = self.binding, self.groups, self.body, self.span
        new.level, new.core_pos, new.pairs = self.level, self.core_pos, self.pairs
        return new


@dataclass(frozen=True)
class Evaluated:
    """One panel's statements, evaluated: what :func:`.schedule.schedule` turns into a Panel."""

    records: tuple  # OpRecords in the order written
    inputs: tuple  # the panel's input Values
    outputs: tuple | None  # the Values an ``output`` statement names, or None (then: whatever is unused)
    orders: tuple  # (number of records written before it, Values) per ``order`` statement
    groups: tuple  # the Groups (fences, repetitions)
    general_of: dict  # value id -> its general form, for values relabelled on leaving a repetition
    next_value: int  # the first free Value id
    breaks: tuple = ()  # number of records written before each ``break`` statement


def slot_name(text: str):
    """``C_\\lambda`` -> ('C', λ); ``C_{5-\\lambda}`` -> ('C', 5-λ); ``skip`` -> ('skip', None)."""
    try:
        e = parse_size(text)
    except SizeSyntaxError:
        return text, None
    if isinstance(e, sympy.core.function.AppliedUndef):
        return e.func.__name__, e.args[0]
    if e.is_Symbol and "_" in text:
        base, _, sub = text.partition("_")
        try:
            return base, parse_size(sub.strip("{}"))
        except SizeSyntaxError:
            return text, None
    return text, None


def same_sub(a, b) -> bool:
    """Two slot subscripts name the same slot (``None`` is the unsubscripted slot)."""
    if a is None or b is None:
        return a is None and b is None
    return a == b or sympy.expand(a - b) == 0


def is_name(text: str) -> bool:
    try:
        return parse_size(text).is_Symbol
    except SizeSyntaxError:
        return False


def closest(name: str, options, cutoff: float = 0.6) -> str | None:
    """The one option most like ``name`` (for 'did you mean'), or None."""
    found = difflib.get_close_matches(name, list(options), n=1, cutoff=cutoff)
    return found[0] if found else None


def opname(op) -> str:
    """How messages name an operation: its word, with its binding (``L[fc1]``)."""
    head = op.head.text
    if op.binding is not None:
        return f"{head}[{op.binding.text}]"
    return head


def shape_text(axes) -> str:
    """A written shape (``y k h``) of some axes, for messages."""
    return _shape_text(axes)
