"""Model stage: reusable blocks.  Definition, libraries (``use``), and instantiation.

A block is a panel with parameters (``block Block(s, N, n0, n1) { ... }``, or
a whole spec headed ``block Name(p)``).  Using it (``Y = Block(s=2, N) X``)
substitutes the given arguments into its sizes and unifies the remaining
names of its input shapes with the axes it receives (so ``n0`` may be
inferred from the input); extra leading axes of the input are broadcast.
``use NAME`` loads ``NAME.ncd`` from the user's search path, then from the
package's ``templates`` directory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import messages as msg
from ..errors import NCDError
from ..syntax import ast as A
from .sizes import SizeSyntaxError, parse_size, size_label
from .records import closest
from .types import Axis, BlockParams, OpKind, Panel

__all__ = ["BlockInfo", "instantiate", "template_dirs", "find_library"]


@dataclass
class BlockInfo:
    """A block definition: its statements, evaluated into a Panel on first use (by ``make``, the model's
    entry point, which evaluates and schedules a body; this module never imports the evaluator)."""

    name: str
    params: tuple[str, ...]
    statements: list
    decl: object  # the Declarations of the file that defines it
    filename: str
    span: object = None
    make: Callable[["BlockInfo"], Panel] | None = field(default=None, repr=False)
    panel: Panel | None = field(default=None)
    building: bool = False  # True while its body is being inferred (a use now is a cycle)

    def build(self) -> Panel:
        if self.panel is None:
            self.building = True  # a use of this block while its body is inferred is a cycle
            try:
                self.panel = self.make(self)
            finally:
                self.building = False
        return self.panel


def template_dirs(search_path=()) -> list[Path]:
    """The user's directories, then the package's templates (installed or in a source checkout)."""
    dirs = [Path(p) for p in search_path]
    here = Path(__file__).resolve().parent.parent
    for cand in (here / "templates", here.parent / "templates"):
        if cand.is_dir() and cand not in dirs:
            dirs.append(cand)
    return dirs


def find_library(name: A.Name, search_path) -> Path:
    dirs = template_dirs(search_path)
    for d in dirs:
        p = d / f"{name.text}.ncd"
        if p.is_file():
            return p
    raise NCDError(msg.UNKNOWN_LIBRARY.format(name=name.text), name.span, kind="syntax",
                   hint=msg.HINT_LIBRARY.format(places=", ".join(str(d) for d in dirs) or "(nowhere)"))


def instantiate(b, op: A.Op, stmt):
    """Evaluate ``Y = Name(args) X`` in the PanelBuilder ``b``."""
    info = b.decl.blocks.get(op.head.text)
    if info is None:
        names = sorted(b.decl.blocks)
        hint = msg.HINT_BLOCKS.format(names=", ".join(names)) if names else msg.HINT_NO_BLOCKS.format()
        guess = closest(op.head.text, names)
        if guess:
            hint = msg.DID_YOU_MEAN.format(name=guess) + " " + hint
        raise NCDError(msg.UNKNOWN_BLOCK.format(name=op.head.text), op.head.span, kind="shape", hint=hint)
    if info.building:
        via = [other.name for other in b.decl.blocks.values() if other.building and other is not info]
        raise NCDError(msg.BLOCK_USES_ITSELF.format(name=info.name, via=f" (through {', '.join(via)})" if via else ""),
                       op.head.span, kind="shape")
    panel = info.build()
    subst, bound_axis, given = _bind_args(b, info, op)
    inputs = b.args(op, len(panel.inputs))
    core_in = []
    lead: list[Axis] = []
    broadcast = []
    in_pos = []
    for v, pattern, arg in zip(inputs, panel.inputs, op.args):
        pat = pattern.axes
        if len(v.axes) < len(pat):
            raise NCDError(msg.BLOCK_INPUT.format(block=info.name, expected=pattern.shape, got=v.shape), arg.span,
                           kind="shape")
        extra = len(v.axes) - len(pat)
        for p, a in zip(pat, v.axes[extra:]):
            size = p.size.xreplace(subst) if subst else p.size
            if size.is_Symbol and size not in subst and size not in bound_axis:
                subst[size] = a.size
                bound_axis[size] = a
                continue
            if not b.same(size, a.size):
                expected = " ".join(_inst_label(q, subst, bound_axis) for q in pat)
                raise NCDError(msg.BLOCK_INPUT.format(block=info.name, expected=expected, got=v.shape), arg.span,
                               kind="shape")
        core_in.append(v.axes[extra:])
        in_pos.append(tuple(range(extra, len(v.axes))))
        broadcast.append(v.axes[:extra])
        for ax in v.axes[:extra]:
            b._merge(lead, ax, op)
    if op.expand:  # the body in place, inside a fence (see .inline)
        from .inline import inline_body

        return inline_body(b, info, op, stmt, inputs, subst, bound_axis)
    outs = []
    core_out = []
    for pattern in panel.outputs:
        axes = []
        for p in pattern.axes:
            if p.size in bound_axis:
                axes.append(bound_axis[p.size])
            else:
                size = p.size.xreplace(subst) if subst else p.size
                if size == p.size and not p.size.free_symbols & set(subst):
                    axes.append(p)
                else:
                    axes.append(Axis(_inst_label(p, subst, bound_axis), size, p.kind, p.rank, p.tangent))
        core_out.append(tuple(axes))
        outs.append(tuple(lead) + tuple(axes))
    params = BlockParams(info.name, tuple(given), bool(op.expand), panel)  # the checker checks the boxes inside
    pos = (in_pos, [tuple(range(len(lead), len(lead) + len(c))) for c in core_out])
    return b.finish(op, stmt, OpKind.BLOCK, info.name, inputs, core_in, core_out, outs, broadcast, params, pos,
                    body=panel if op.expand else None)


def _bind_args(b, info, op):
    """A block use's arguments (positional, then by name) bound to its parameters: (size substitution,
    parameter -> the Axis it names, the arguments as given)."""
    subst: dict = {}
    bound_axis: dict = {}
    given: list = []
    named = {n.text for n, _ in op.block_args if n is not None}
    free = [p for p in info.params if p not in named]
    positional = 0
    seen = set()
    for name, atom in op.block_args:
        if name is None:
            if positional >= len(free):
                raise NCDError(msg.BLOCK_ARGS.format(block=info.name, expected=len(info.params),
                                                     got=len(op.block_args)), atom.span, kind="shape")
            pname = free[positional]
            positional += 1
            span = atom.span
        else:
            pname = name.text
            span = name.span
            if pname not in info.params:
                raise NCDError(msg.BLOCK_PARAM.format(block=info.name, name=pname), name.span, kind="shape",
                               hint=msg.HINT_PARAMS.format(params=", ".join(info.params)))
        if pname in seen:
            raise NCDError(msg.BLOCK_PARAM_DUP.format(name=pname), span, kind="shape")
        seen.add(pname)
        try:
            value = parse_size(atom.text)
        except SizeSyntaxError:
            raise NCDError(msg.BAD_SIZE.format(text=atom.text), atom.span, kind="syntax",
                           hint=msg.HINT_SIZE.format()) from None
        text = atom.text
        if b.params and value.xreplace(b.params) != value:  # an argument inside a body drawn in place
            value = value.xreplace(b.params)
            text = size_label(value)
        subst[parse_size(pname)] = value
        bound_axis[parse_size(pname)] = b.make_axis(text, value)
        given.append((pname, atom.text))
    return subst, bound_axis, given


def _inst_label(p: Axis, subst, bound_axis) -> str:
    """The label of a block axis once its names are bound: shown sizes substituted into its label."""
    if p.size in bound_axis:
        return bound_axis[p.size].label
    try:
        shown = parse_size(p.label)
    except SizeSyntaxError:
        shown = p.size
    table = {}
    for sym in shown.free_symbols:
        ax = bound_axis.get(sym)
        if ax is not None:
            try:
                table[sym] = parse_size(ax.label)
            except SizeSyntaxError:
                table[sym] = ax.size
        elif sym in subst:
            table[sym] = subst[sym]
    return size_label(shown.xreplace(table)) if table else p.label
