"""Model stage: shape inference.  One panel's statements (AST) to a typed :class:`Panel`.

What it does, in order:

1. evaluates every statement in data-flow order, giving each produced value
   its axes (the per-kind rules live in :mod:`.operations`; this module holds
   the values, the axis names, size equality, broadcasting and the
   statements: inputs, outputs, order, save, fences, repetitions);
2. infers copies (a value used twice) and deletions (a value never used);
3. packs independent operations into the same step (:mod:`.schedule`, run by
   :mod:`.build` on what :meth:`PanelBuilder.result` hands over).

Every error is an :class:`~sphinx_ncd.errors.NCDError` located at the token
that caused it.
"""
from __future__ import annotations

import sympy

from .. import messages as msg
from ..errors import NCDError
from ..syntax import ast as A
from ..syntax.shapes import CLAUSES
from .kinds import KINDS
from .notes import collect_name, collect_note
from .operations import Operations, _opname
from .records import Declarations, Evaluated, OpRecord, closest, is_name, same_sub, slot_name
from .sizes import SizeSyntaxError, parse_size, product, size_label, sizes_equal_plain
from .types import Axis, AxisKind, Group, OpKind, SlotParams, Value
from .wiring import all_core

__all__ = ["PanelBuilder", "Declarations"]


class PanelBuilder(Operations):
    """Evaluates one panel's statements."""

    def __init__(self, decl: Declarations, filename: str, params: dict | None = None):
        self.decl = decl
        self.filename = filename
        self.params = params or {}
        self.env: dict[str, Value] = {}
        self.inputs: list[Value] = []
        self.ops: list[OpRecord] = []
        self.outputs: list[A.Name] | None = None
        self.groups: list[Group] = []
        self.group_stack: list[int] = []
        self.slots: dict = {}  # slot base name -> [(subscript or None, axes, label, index range)], latest last
        self.loop_stack: list = []  # (index symbol, lower, upper) of the enclosing indexed repetitions
        self.general_of: dict = {}  # value id -> its general form, for values relabelled on leaving a repetition
        self.orders: list = []  # (number of ops so far, [Value])
        self.next_value = 0
        self.axis_cache: dict = {}
        self.saw_input = False
        self.breaks: list[tuple[int, object]] = []  # (number of ops written before, span) per 'break'
        self.value_names: list = []  # (value id, name, Name) per value a 'name' statement names
        self.notes: list = []  # (text, targets, highlight, span) per 'note' statement (see .notes)
        self.stated: list = []  # divisions this panel states, checked against the sizes line (see .stated)

    # --- values and axes --------------------------------------------------------------------

    def new_value(self, name: str, axes, span) -> Value:
        v = Value(self.next_value, name, tuple(axes), span)
        self.next_value += 1
        return v

    def axis(self, atom: A.Atom) -> Axis:
        """The Axis an atom names (cached per panel)."""
        text = atom.text
        ax = self.axis_cache.get(text)
        if ax is not None:
            return ax
        tangent = text.endswith("'")
        core = text.rstrip("'")
        try:
            size = parse_size(core)
        except SizeSyntaxError:
            raise NCDError(msg.BAD_SIZE.format(text=text), atom.span, kind="syntax",
                           hint=msg.HINT_SIZE.format()) from None
        if size.is_Number and size < 1:
            raise NCDError(msg.AXIS_NOT_POSITIVE.format(size=core), atom.span, kind="shape")
        if self.params and not size.is_Number:  # a block's body drawn in place: its parameters bound
            bound = size.xreplace(self.params)
            if bound != size:
                core, size = size_label(bound), bound
        ax = self.make_axis(core, size, tangent)
        self.axis_cache[text] = ax
        return ax

    def make_axis(self, label: str, size, tangent: bool = False) -> Axis:
        """An axis named ``label``: tandem if its label or any name in its size is declared tandem
        (the first such name, in sorted order, gives the rank), else width if any is declared width."""
        decl = self.decl
        if decl.tandem or decl.width:
            names = {label}
            if size.is_Symbol:
                names.add(size.name)
            elif not size.is_Number:
                names |= {s.name for s in size.free_symbols}
                names |= {f.func.__name__ for f in size.atoms(sympy.core.function.AppliedUndef)}
            tandem = sorted(n for n in names if n in decl.tandem) if decl.tandem else None
            if tandem:
                return Axis(label, size, AxisKind.TANDEM, decl.tandem[tandem[0]], tangent)
            if not decl.width.isdisjoint(names):
                return Axis(label, size, AxisKind.WIDTH, 1, tangent)
        return Axis(label, size, AxisKind.PLAIN, 1, tangent)

    def derived_axis(self, size, like: Axis) -> Axis:
        """An axis computed from another (conv output, concat, block instance)."""
        return Axis(size_label(size), size, like.kind, like.rank, like.tangent)

    def segment_axes(self, seg: A.Segment) -> list[Axis]:
        """The axes of a written shape; a parenthesised group ``(k h)`` is one axis of size k*h."""
        cache = self.axis_cache
        out = []
        for item in seg.items:
            if type(item) is not A.Atom:
                return self.view_axes(seg)  # a group: the items again, in order (their axes are cached)
            ax = cache.get(item.text)
            out.append(ax if ax is not None else self.axis(item))
        return out

    def view_axes(self, seg: A.Segment) -> list[Axis]:
        out = []
        for item in seg.items:
            if isinstance(item, A.Group):
                parts = [self.view_axes(A.Segment([i], i.span)) for i in item.items]
                flat = [a for p in parts for a in p]
                size = product(a.size ** a.rank for a in flat)
                label = "(" + " ".join(a.label for a in flat) + ")"
                kind = flat[0].kind if all(a.kind == flat[0].kind for a in flat) else AxisKind.PLAIN
                if kind == AxisKind.TANDEM:
                    kind = AxisKind.PLAIN  # a flattened image is one plain axis
                out.append(Axis(label, size, kind, 1, flat[0].tangent))
            else:
                out.append(self.axis(item))
        return out

    # --- size equality, aware of lets, floors and repetition indexes ---------------------------

    def same(self, a, b) -> bool:
        r"""Equal sizes, allowing what the spec declares: lets (one step for indexed ones such as
        ``let x_{\lambda+1} = x_\lambda/2``), exact division for strided sizes, and a repetition
        index at its bounds (a value entering or leaving ``repeat \lambda = lo..hi``)."""
        if a == b:
            return True
        if a.is_Number and b.is_Number:
            return False
        if sizes_equal_plain(a, b):
            return True
        decl = self.decl
        if not (decl.rewrites or decl.fn_rewrites or decl.loops or a.has(sympy.floor) or b.has(sympy.floor)):
            return False
        na, nb = self.normal(a), self.normal(b)
        if self._close(na, nb):
            return True
        for sym, lo, hi in decl.loops:
            if not (na.has(sym) or nb.has(sym)):
                continue
            for val in (lo, hi):
                if self._close(self.normal(na.subs(sym, val)), self.normal(nb.subs(sym, val))):
                    return True
        return False

    def _close(self, a, b) -> bool:
        if sizes_equal_plain(a, b):
            return True
        if self.decl.fn_rewrites:
            sa, sb = self.step(a), self.step(b)
            return (sa != a and sizes_equal_plain(sa, b)) or (sb != b and sizes_equal_plain(a, sb))
        return False

    def normal(self, e):
        """Plain lets substituted, floors and ceilings dropped (divisibility assumed)."""
        decl = self.decl
        for _ in range(8):
            before = e
            if decl.rewrites:
                e = e.xreplace(decl.rewrites)
            if e.has(sympy.floor, sympy.ceiling):
                e = e.replace(lambda x: isinstance(x, (sympy.floor, sympy.ceiling)), lambda x: x.args[0])
            if e == before:
                break
        return e

    def step(self, e):
        """One application of the indexed lets: ``x_{t}`` -> its definition at ``t``."""
        table = {}
        for app in e.atoms(sympy.core.function.AppliedUndef):
            for func, sym, offset, rhs in self.decl.fn_rewrites:
                if app.func == func:
                    table[app] = rhs.xreplace({sym: app.args[0] - offset})
                    break
        return self.normal(e.xreplace(table)) if table else e

    def general(self, actual: Axis, want: Axis) -> Axis:
        r"""When the spec names an axis differently from the value (``x_\lambda`` for ``x_0`` entering a
        repetition), the name written in the spec is the one carried on."""
        if actual.size == want.size or not self.decl.loops:
            return actual
        return Axis(want.label, want.size, actual.kind, actual.rank, actual.tangent)

    def prefer(self, a: Axis, b: Axis) -> Axis:
        """Of two equal axes, the one written with a repetition index (the general form)."""
        if self.decl.loops and b.size.free_symbols - a.size.free_symbols:
            return b
        return a

    # --- lookups ------------------------------------------------------------------------------

    def value(self, name: A.Name) -> Value:
        v = self.env.get(name.text)
        if v is None:
            clause = closest(name.text, CLAUSES)
            if clause and len(name.text) > 2:  # 'softmax S ovr x'
                raise NCDError(msg.UNKNOWN_VALUE.format(name=name.text), name.span, kind="shape",
                               hint=msg.DID_YOU_MEAN.format(name=clause) + " " + msg.HINT_CLAUSE.format())
            if self.env:
                guess = closest(name.text, self.env)
                hint = msg.HINT_VALUES.format(names=", ".join(self.env))
                if guess:
                    hint = msg.DID_YOU_MEAN.format(name=guess) + " " + hint
            else:
                hint = msg.HINT_NO_VALUES.format()
            raise NCDError(msg.UNKNOWN_VALUE.format(name=name.text), name.span, kind="shape", hint=hint)
        return v

    def find_axis(self, value: Value, atom: A.Atom, opname: str, word: str = "over") -> int:
        want = self.axis(atom)
        for i, ax in enumerate(value.axes):
            if ax.label == want.label and ax.tangent == want.tangent:
                return i
        sized = [i for i, ax in enumerate(value.axes) if ax.tangent == want.tangent and self.same(ax.size, want.size)]
        if len(sized) > 1:  # 't t' and 'over u' (let u = t): which one is meant?  Never guess.
            labels = ", ".join(value.axes[i].label for i in sized)
            raise NCDError(msg.AMBIGUOUS_AXIS.format(op=opname, word=word, axis=atom.text, shape=value.shape,
                                                     axes=labels), atom.span, kind="shape",
                           hint=msg.HINT_AMBIGUOUS_AXIS.format())
        if sized:
            return sized[0]
        # the axis computed from the named one (a convolution's output 'over Y' is still 'Y')
        names = want.size.free_symbols
        if names and not want.size.is_Number:
            hits = [i for i, ax in enumerate(value.axes)
                    if ax.tangent == want.tangent and names <= ax.size.free_symbols]
            if len(hits) == 1:
                return hits[0]
        labels = [a.label for a in value.axes]
        hint = msg.HINT_AXES.format(axes=", ".join(labels) or "(none: a scalar)")
        guess = closest(atom.text, labels)
        if guess:
            hint = msg.DID_YOU_MEAN.format(name=guess) + " " + hint
        raise NCDError(msg.UNKNOWN_AXIS.format(op=opname, word=word, axis=atom.text, shape=value.shape), atom.span,
                       kind="shape", hint=hint)

    def match(self, core, axes):
        """Indices of ``core`` as a subsequence of ``axes`` (label match first, then size)."""
        for by_label in (True, False):
            idx = []
            j = 0
            n = len(axes)
            for c in core:
                while j < n:
                    ax = axes[j]
                    if ax.tangent == c.tangent and (
                            (ax.label == c.label) if by_label else self.same(ax.size, c.size)):
                        break
                    j += 1
                else:
                    break
                idx.append(j)
                j += 1
            if len(idx) == len(core):
                return idx
        return None

    # --- statements ---------------------------------------------------------------------------

    def run(self, statements) -> None:
        handlers = _HANDLERS
        for stmt in statements:
            handler = handlers.get(type(stmt))
            if handler is None:
                handler = _handler(type(stmt))
            if handler is not False:
                handler(self, stmt)

    def st_Input(self, stmt: A.Input):
        self.saw_input = True
        for name, seg in stmt.items:
            if any(v.name == name.text for v in self.inputs):
                raise NCDError(msg.DUPLICATE_INPUT.format(name=name.text), name.span, kind="shape")
            v = self.new_value(name.text, self.segment_axes(seg), name.located())
            self.inputs.append(v)
            self.env[name.text] = v

    def st_Output(self, stmt: A.Output):
        seen = set()
        for name in stmt.names:
            if name.text in seen:
                raise NCDError(msg.DUPLICATE_OUTPUT.format(name=name.text), name.span, kind="shape")
            seen.add(name.text)
            self.value(name)
        self.outputs = list(stmt.names)

    def st_Order(self, stmt: A.Order):
        seen = set()
        values = []
        for name in stmt.names:
            if name.text in seen:
                raise NCDError(msg.ORDER_INCOMPLETE.format(name=name.text), name.span, kind="shape")
            seen.add(name.text)
            values.append(self.value(name))
        self.orders.append((len(self.ops), values))

    def st_Save(self, stmt: A.Save):
        v = self.value(stmt.value)
        base, sub = slot_name(stmt.slot.text)
        entries = self.slots.setdefault(base, [])
        # saving again under the same subscript replaces that slot; other subscripts are other slots
        entries[:] = [e for e in entries if not same_sub(e[0], sub)]
        rng = None
        if sub is not None and sub.is_Symbol:
            rng = next(((lo, hi) for sym, lo, hi in reversed(self.loop_stack) if sym == sub), None)
        entries.append((sub, v.axes, stmt.slot.text, rng))
        self.add_op(OpKind.SAVE, stmt.slot.text, [v], [], [v.axes], [], [()], SlotParams(stmt.slot.text),
                    (all_core([v]), ()), span=stmt.span)

    def st_Break(self, stmt: A.Break):
        """A forced fold cut: between the operations written before and those after (never in a group)."""
        if self.group_stack:
            group = "fence" if self.groups[self.group_stack[-1]].kind == "fence" else "repetition"
            raise NCDError(msg.BREAK_IN_GROUP.format(group=group), stmt.span, kind="syntax",
                           hint=msg.HINT_BREAK_GROUP.format(group=group))
        n = len(self.ops)
        if n == 0:
            raise NCDError(msg.BREAK_FIRST.format(), stmt.span, kind="syntax", hint=msg.HINT_BREAK.format())
        if self.breaks and self.breaks[-1][0] == n:
            raise NCDError(msg.BREAK_TWICE.format(), stmt.span, kind="syntax", hint=msg.HINT_BREAK.format())
        self.breaks.append((n, stmt.span))

    def st_NameValues(self, stmt: A.NameValues):
        collect_name(self, stmt)

    def st_Note(self, stmt: A.Note):
        collect_note(self, stmt)

    def st_Fence(self, stmt: A.Fence):
        gid = self.open_group("fence", stmt.title, stmt.color, None, None, None, stmt.span)
        self.run(stmt.body)
        self.group_stack.pop()
        del gid

    def st_Repeat(self, stmt: A.Repeat):
        index = lower = upper = None
        sym = None
        if stmt.index is not None:
            index = stmt.index.text
            lower, upper = stmt.lower.text, stmt.upper.text
            for atom in (stmt.lower, stmt.upper):
                try:
                    parse_size(atom.text)
                except SizeSyntaxError:
                    raise NCDError(msg.REPEAT_BOUND.format(text=atom.text), atom.span, kind="syntax") from None
            sym = parse_size(index) if is_name(index) else None
            if sym is not None:
                self.decl.loops.append((sym, parse_size(lower), parse_size(upper)))
        else:
            try:
                count = parse_size(stmt.count.text)
            except SizeSyntaxError:
                raise NCDError(msg.REPEAT_BOUND.format(text=stmt.count.text), stmt.count.span,
                               kind="syntax") from None
            if count.is_Number and count < 1:
                raise NCDError(msg.REPEAT_EMPTY.format(count=stmt.count.text), stmt.count.span, kind="shape")
            upper = stmt.count.text
        self.open_group("repeat", "", None, index, lower, upper, stmt.span)
        before = dict(self.env)
        if sym is not None:
            self.loop_stack.append((sym, parse_size(lower), parse_size(upper)))
        self.run(stmt.body)
        if sym is not None:
            self.loop_stack.pop()
        self.group_stack.pop()
        for name, old in before.items():
            new = self.env.get(name)
            if new is None or new is old:
                continue
            ok = len(new.axes) == len(old.axes)
            if ok:
                for a, b in zip(old.axes, new.axes):
                    bs = b.size.subs(sym, sym - 1) if sym is not None else b.size
                    if not self.same(a.size, bs):
                        ok = False
                        break
            if not ok:
                hint = msg.HINT_REPEAT.format(index=index or "λ", name=name)
                raise NCDError(msg.REPEAT_SHAPE.format(name=name, before=old.shape, after=new.shape),
                               stmt.span, kind="shape", hint=hint)
        if sym is not None:
            self.leave_repetition(before, sym, parse_size(upper))

    def leave_repetition(self, before: dict, sym, upper) -> None:
        r"""A value made or changed by ``repeat \lambda = lo..hi`` leaves it as its value at ``\lambda = hi``
        (``x_{\lambda+1}`` becomes ``x_4`` for ``1..3``): the same value (same id), its axes substituted,
        replacing the one its producer wrote.  Boxes keep their general signatures; a use inside the
        repetition keeps the general form (the schedule gives copies the axes of each use, and keeps the
        general form when nothing after the repetition uses the value)."""
        for name, new in list(self.env.items()):
            if before.get(name) is new or not any(a.size.has(sym) for a in new.axes):
                continue
            final = Value(new.id, new.name, tuple(self.substitute_axis(a, sym, upper) for a in new.axes), new.span)
            self.general_of[new.id] = self.general_of.get(new.id, new)
            for rec in reversed(self.ops):
                outs = rec.outputs
                for k, v in enumerate(outs):
                    if v is new:
                        outs[k] = final
                        break
                else:
                    continue
                break
            self.inputs = [final if v is new else v for v in self.inputs]
            self.env[name] = final

    def open_group(self, kind, title, color, index, lower, upper, span) -> int:
        gid = len(self.groups)
        parent = self.group_stack[-1] if self.group_stack else None
        self.groups.append(Group(gid, kind, title, color, index, lower, upper, parent, span))
        self.group_stack.append(gid)
        return gid

    def add_op(self, kind, label, inputs, outputs, core_in, core_out, broadcast, params, core_pos, binding=None,
               body=None, span=None) -> OpRecord:
        rec = OpRecord(kind, label, inputs, outputs, tuple(map(tuple, core_in)), tuple(map(tuple, core_out)),
                       tuple(map(tuple, broadcast)), params, core_pos, binding, tuple(self.group_stack), body, span)
        self.ops.append(rec)
        return rec

    def st_Assign(self, stmt: A.Assign):
        op = stmt.op
        handler = _TYPING.get(op.kind)
        if handler is None:
            handler = _TYPING[op.kind] = getattr(PanelBuilder, KINDS[op.kind].typing)
        produced = handler(self, op, stmt)
        if len(produced) != len(stmt.targets):
            raise NCDError(msg.TARGETS.format(op=_opname(op), expected=len(produced), got=len(stmt.targets)),
                           stmt.targets[0].span, kind="shape")
        for name, v in zip(stmt.targets, produced):
            self.env[name.text] = v

    # --- the panel --------------------------------------------------------------------------

    def result(self) -> Evaluated:
        """What the statements evaluated to, for the schedule (which copies what it changes)."""
        if self.breaks and self.breaks[-1][0] == len(self.ops):
            raise NCDError(msg.BREAK_LAST.format(), self.breaks[-1][1], kind="syntax", hint=msg.HINT_BREAK.format())
        outputs = tuple(self.env[n.text] for n in self.outputs) if self.outputs is not None else None
        return Evaluated(tuple(self.ops), tuple(self.inputs), outputs, tuple(self.orders), tuple(self.groups),
                         dict(self.general_of), self.next_value, tuple(n for n, _ in self.breaks))


_TYPING: dict = {}  # operation kind -> the PanelBuilder function that types it (its KINDS row's ``typing``)
_HANDLERS: dict = {}  # statement type -> its PanelBuilder.st_* function, or False (declarations: nothing to do)


def _handler(cls):
    """The ``st_<Type>`` method for a statement type (looked up once per type)."""
    found = getattr(PanelBuilder, "st_" + cls.__name__, None)
    _HANDLERS[cls] = found if found is not None else False
    return _HANDLERS[cls]
