"""Cost stage: the whole diagram's cost -- per section, per box, per fence, totals.

:func:`analyse` walks the main panel's vertical sections, costs every box
(:mod:`.flops`; a block use is the sum of its body's boxes, a box under a repetition
is counted once per repetition), every fence (:mod:`.traffic`), the memory states
(the peak live memory of the forward pass) and the activations training keeps for
the reverse pass (the paper's section 3.6: every box's inputs, beside the weights
and their gradients).  Figures are sympy expressions in the diagram's sizes,
evaluated at ``sizes`` (the spec's own ``sizes``, then the ones given) when every
symbol has a value.  The roofline uses a :mod:`.machines` preset.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import sympy

from .adapter import (At, carried_sizes, display_name, elements, legend_table, library_blocks, read_operation,
                      size_table)
from .flops import ZERO, OpCost, op_cost
from .machines import get_machine
from .streaming import naive_attention_traffic, streamed_attention
from .traffic import aliases, fence_traffic

__all__ = ["Box", "SectionRow", "CostReport", "analyse"]


@dataclass(frozen=True)
class Box:
    """One box's cost (a block use: its whole body)."""

    op_id: int
    name: str
    kind: str
    binding: str | None
    cost: OpCost


@dataclass(frozen=True)
class SectionRow:
    """One step of the diagram: its boxes and the memory state it leaves."""

    index: int
    boxes: tuple[Box, ...]
    flops: sympy.Expr
    counted: sympy.Expr
    params: sympy.Expr
    traffic: sympy.Expr        # elements, each box its own kernel
    state: sympy.Expr          # elements in the memory state after the step


@dataclass
class CostReport:
    """What :func:`sphinx_ncd.cost` returns.  ``value(expr)`` evaluates a figure at the sizes."""

    diagram: object
    sizes: dict
    machine: object
    dtype_bytes: int
    rows: list = field(default_factory=list)
    fences: list = field(default_factory=list)
    states: list = field(default_factory=list)
    saved: sympy.Expr = ZERO
    output: sympy.Expr = ZERO
    lets: dict = field(default_factory=dict)   # derived sizes (let nb = n1/4)
    derived: dict = field(default_factory=dict)  # the sizes with those a recurrence gives (x_1 from x_0)
    uncosted: tuple = ()                         # blocks whose definition was not found (counted as 0)

    def __str__(self) -> str:
        from .table import as_text

        return as_text(self)

    # --- totals ---------------------------------------------------------------------------------
    @property
    def boxes(self) -> list[Box]:
        return [b for r in self.rows for b in r.boxes]

    @property
    def flops(self):
        return sum((r.flops for r in self.rows), ZERO)

    @property
    def counted(self):
        return sum((r.counted for r in self.rows), ZERO)

    @property
    def params(self):
        return sum((r.params for r in self.rows), ZERO)

    @property
    def traffic(self):
        return sum((r.traffic for r in self.rows), ZERO)

    @property
    def peak_forward(self):
        """Largest memory state, plus the weights."""
        return _max(self.states) + self.params

    @property
    def peak_training(self):
        """Weights and their gradients, every box's saved inputs, and the output."""
        return 2 * self.params + self.saved + self.output

    # --- evaluation -----------------------------------------------------------------------------
    def value(self, expr):
        """``expr`` at the sizes: an int (or float) when every symbol has a value, else the expression."""
        if isinstance(expr, int):
            return expr
        expr = sympy.sympify(expr).xreplace(self.lets)
        table = size_table(expr, self.derived or self.sizes)
        out = expr.xreplace(table) if table else expr
        if not out.is_number:
            return out
        return int(out) if out.is_Integer else float(out)

    def numeric(self, expr) -> bool:
        return isinstance(self.value(expr), (int, float))

    def roofline(self, flops, traffic_elements):
        """(FLOP/byte, 'compute'|'memory', seconds), or None when the sizes leave a symbol."""
        f, t = self.value(flops), self.value(traffic_elements)
        if not isinstance(f, (int, float)) or not isinstance(t, (int, float)):
            return None
        if f == 0 and t == 0:
            return None
        nbytes = t * self.dtype_bytes
        intensity = f / nbytes if nbytes else float("inf")
        return intensity, self.machine.bound(f, nbytes), self.machine.roofline_time(f, nbytes)

    def unfused_time(self):
        """Seconds with every box its own kernel, or None."""
        total = 0.0
        for b in self.boxes:
            if not (self.numeric(b.cost.flops) and self.numeric(b.cost.reads + b.cost.writes)):
                return None
            r = self.roofline(b.cost.flops, b.cost.reads + b.cost.writes)
            total += r[2] if r is not None else 0.0
        return total

    def attention(self, fence) -> dict | None:
        """Naive against streamed figures (elements, at the sizes) for a fence holding attention."""
        att = fence.attention
        if att is None:
            return None
        y, x, k, pairs = (self.value(att[n]) for n in ("y", "x", "k", "pairs"))
        if not all(isinstance(v, (int, float)) for v in (y, x, k, pairs)):
            return None
        y, x, k, pairs = int(y), int(x), int(k), int(pairs)
        st = streamed_attention(y, x, k, self.machine.fast_memory // self.dtype_bytes)
        naive = naive_attention_traffic(y, x, k) * pairs
        streamed = st["traffic"] * pairs if st["fits"] else None
        return {"y": y, "x": x, "k": k, "pairs": pairs, "naive": naive, "streamed": streamed,
                "block": st["block"], "onchip": st["onchip"], "flops": st["flops"] * pairs,
                "ratio": (naive / streamed) if streamed else None}


def _max(exprs):
    """The largest of ``exprs``, unevaluated (sympy's Max compares symbolic terms slowly):
    substituting the sizes makes it a number."""
    unique = list(dict.fromkeys(exprs))
    if not unique:
        return ZERO
    if all(isinstance(e, int) for e in unique):
        return max(unique)
    return unique[0] if len(unique) == 1 else sympy.Max(*unique, evaluate=False)


def _state_size(state, root, at, known: dict) -> sympy.Expr:
    """Elements in a memory state; the copies of a value are one tensor (``known``: value id ->
    elements, filled as values are met, since a value stays in many states)."""
    seen: dict[int, sympy.Expr] = {}
    for v in state.values:
        r = root.get(v.id, v.id)
        if r not in seen:
            n = known.get(v.id)
            if n is None:
                n = known[v.id] = elements(v, at)
            seen[r] = n
    return sum(seen.values(), ZERO)


def _block_cost(facts, ctx, depth=0) -> OpCost:
    """A block use: the sum of its body's boxes with the use's sizes, once per lifted element."""
    panel, subst = facts.settings.get("panel"), facts.settings.get("subst", {})
    if panel is None or depth > 20:
        ctx["missing"].add(facts.label)
        return OpCost(ZERO, ZERO, ZERO, ZERO, ZERO, assumed=True)
    repeats = _repeats(panel)
    parts = [_repeated(_cost_of(f, ctx, depth + 1), f.groups, repeats)
             for f in (read_operation(o, ctx["blocks"]) for o in panel.operations)]
    lets = {**ctx["lets"], **legend_table(panel)}

    def total(name):
        return sum((getattr(p, name) for p in parts), ZERO).xreplace(lets).xreplace(subst)
    flops, counted, params, reads, writes = (total(n) for n in ("flops", "counted", "params", "reads", "writes"))
    k = facts.lifted
    return OpCost(flops * k, counted * k, params, reads * k, writes * k, any(p.assumed for p in parts))


def _cost_of(facts, ctx, depth=0) -> OpCost:
    return _block_cost(facts, ctx, depth) if facts.kind == "block" else op_cost(facts)


def _repeats(panel) -> dict[int, object]:
    """group id -> (index symbol or None, lower, upper) for every repetition with readable bounds."""
    from ..model.sizes import SizeSyntaxError, parse_size

    out = {}
    for g in panel.groups:
        if g.kind != "repeat" or g.upper is None:
            continue
        try:
            index = parse_size(g.index) if g.index else None
            lower = parse_size(g.lower) if g.lower is not None else sympy.Integer(1)
            out[g.id] = (index, lower, parse_size(g.upper))
        except SizeSyntaxError:
            continue
    return out


def _repeated(cost: OpCost, groups, repeats) -> OpCost:
    for gid in groups:
        if gid not in repeats:
            continue
        index, lo, hi = repeats[gid]

        def over(e):
            e = sympy.sympify(e)
            return sympy.summation(e, (index, lo, hi)) if index is not None and e.has(index) \
                else e * (hi - lo + 1)
        cost = OpCost(over(cost.flops), over(cost.counted), over(cost.params), over(cost.reads),
                      over(cost.writes), cost.assumed)
    return cost


def _validated(diagram, sizes, machine, dtype_bytes):
    """(sizes, Machine, bytes per element), or a clear NCDError naming what is wrong."""
    from .. import messages as msg
    from ..errors import NCDError
    from .adapter import size_names
    from .machines import MACHINES

    try:
        machine = get_machine(machine)
    except KeyError:
        raise NCDError(msg.COST_UNKNOWN_MACHINE.format(name=machine), None, kind="config",
                       hint=msg.COST_HINT_MACHINES.format(names=", ".join(sorted(MACHINES)))) from None
    if dtype_bytes not in (1, 2, 4, 8):
        raise NCDError(msg.COST_BAD_DTYPE.format(value=dtype_bytes), None, kind="config")
    known = size_names(diagram)
    given = {str(k): v for k, v in tuple(diagram.sizes)}
    for name, value in (sizes or {}).items():
        if str(name) not in known and str(name) not in given:
            raise NCDError(msg.COST_UNKNOWN_SIZE.format(name=str(name)), None, kind="config",
                           hint=msg.COST_HINT_SIZES.format(names=", ".join(sorted(known)) or "(none)"))
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise NCDError(msg.COST_BAD_SIZE.format(name=name, value=value), None, kind="config")
        given[str(name)] = value
    return given, machine, dtype_bytes


def analyse(diagram, sizes=None, machine="h100", dtype_bytes=2, search_path=()) -> CostReport:
    """The :class:`CostReport` of ``diagram``'s main panel (``search_path``: where ``use`` finds
    block libraries, as for :func:`sphinx_ncd.parse`)."""
    given, machine, dtype_bytes = _validated(diagram, sizes, machine, dtype_bytes)
    report = CostReport(diagram, given, machine, int(dtype_bytes))
    panel = diagram.main
    repeats = _repeats(panel)
    blocks = tuple(diagram.blocks) + library_blocks(diagram, search_path)
    ctx = {"blocks": blocks, "lets": legend_table(panel), "missing": set()}
    report.lets = ctx["lets"]
    at = At(given, ctx["lets"])
    all_facts, all_costs = [], []
    states = [s for s in panel.sections if s.kind == "state"]
    root = aliases(read_operation(op, diagram.blocks, at) for op in panel.operations if op.kind == "copy")
    steps = [s for s in panel.sections if s.kind == "step"]
    report.derived = at.sizes
    carried = carried_sizes(panel, set(repeats))
    known: dict = {}
    report.states = [_per_repeat(_state_size(s, root, at, known), _step_groups(steps, i) if repeats else (),
                                 repeats, "max") for i, s in enumerate(states)]
    for i, step in enumerate(steps):
        boxes = []
        for op in step.ops:
            facts = read_operation(op, blocks, at)
            if op.id in carried:
                cost = _carried(read_operation(op, blocks), carried[op.id], ctx, repeats)
            else:
                cost = _repeated(_cost_of(facts, ctx), facts.groups, repeats).xreplace(ctx["lets"])
            all_facts.append(facts)
            all_costs.append(cost)
            boxes.append(Box(facts.id, display_name(facts), facts.kind, facts.binding, cost))
        report.rows.append(SectionRow(
            i + 1, tuple(boxes), sum((b.cost.flops for b in boxes), ZERO),
            sum((b.cost.counted for b in boxes), ZERO), sum((b.cost.params for b in boxes), ZERO),
            sum((b.cost.reads + b.cost.writes for b in boxes), ZERO),
            report.states[i + 1] if i + 1 < len(report.states) else ZERO))
    saved: dict[int, sympy.Expr] = {}
    for f, c in zip(all_facts, all_costs):
        if c.flops != 0:
            for v, n in f.inputs:
                saved.setdefault(root.get(v, v), _per_repeat(n, f.groups, repeats, "sum"))
    report.saved = sum(saved.values(), ZERO)
    report.output = sum((elements(v, at) for v in panel.outputs), ZERO)
    report.uncosted = tuple(sorted(ctx["missing"]))
    outputs = [v.id for v in panel.outputs]
    for g in panel.groups:
        if g.kind == "fence":
            f = fence_traffic(g, all_facts, all_costs, outputs, root)
            report.fences.append(replace(f, fused=_per_repeat(f.fused, _enclosing(g, panel), repeats, "sum"),
                                         onchip=_per_repeat(f.onchip, _enclosing(g, panel), repeats, "max")))
    return _innermost_attention(report, panel)


def _carried(facts, table, ctx, repeats) -> OpCost:
    """A box reading a loop-carried value: its first iteration at the entry sizes, the others at
    the sizes the previous iteration left (``table``), summed over the repetition."""
    cost = _cost_of(facts, ctx)
    gid = next(g for g in facts.groups if g in repeats)
    index, lo, hi = repeats[gid]

    def over(e):
        e = sympy.sympify(e)
        first = e.xreplace({index: lo})
        rest = sympy.summation(e.xreplace(table), (index, lo + 1, hi)) if hi > lo else ZERO
        return (first + rest).xreplace(ctx["lets"])
    return OpCost(over(cost.flops), over(cost.counted), over(cost.params), over(cost.reads), over(cost.writes),
                  cost.assumed)


def _step_groups(steps, i) -> set:
    """Groups of the boxes beside memory state ``i`` (the step before it, else the one after)."""
    for step in (steps[i - 1] if i > 0 else None, steps[i] if i < len(steps) else None):
        if step is not None and step.ops:
            return {g for op in step.ops for g in op.groups}
    return set()


def _enclosing(group, panel) -> set:
    parent = {g.id: g.parent for g in panel.groups}
    out, gid = set(), group.parent
    while gid is not None:
        out.add(gid)
        gid = parent.get(gid)
    return out


def _per_repeat(expr, groups, repeats, how):
    """``expr`` written with a repetition's index: summed over it (traffic, saved inputs) or its
    largest value over it (a memory state, an on-chip need)."""
    for gid in groups:
        if gid not in repeats or isinstance(expr, int):
            continue
        index, lo, hi = repeats[gid]
        if index is None or not sympy.sympify(expr).has(index):
            continue
        if how == "sum":
            expr = sympy.summation(expr, (index, lo, hi))
        elif lo.is_Integer and hi.is_Integer and hi - lo < 64:
            expr = _max([sympy.sympify(expr).xreplace({index: sympy.Integer(k)}) for k in range(lo, hi + 1)])
    return expr


def _innermost_attention(report, panel):
    """Attention is reported on the innermost fence holding it, not again on the fences around it."""
    parent = {g.id: g.parent for g in panel.groups}
    holding = {f.group for f in report.fences if f.attention is not None}
    for i, f in enumerate(report.fences):
        if f.attention is not None and any(_inside(h, f.group, parent) for h in holding if h != f.group):
            report.fences[i] = replace(f, attention=None)
    return report


def _inside(group, outer, parent) -> bool:
    while group is not None:
        group = parent.get(group)
        if group == outer:
            return True
    return False
