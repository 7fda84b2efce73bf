"""Model stage: from evaluated operations to vertical sections.

Infers copies (a value used by several operations gets a copy dot with one
branch per use) and deletions (a value never used again ends), then packs
independent operations into the same step: each operation goes in the first
step after all its inputs exist (operations without inputs, such as loads and
units, as late as their consumers allow).  Memory states alternate with steps;
an operation's outputs take the place of its first input, so the tuple order
follows the data flow; ``order`` statements and the ``output`` list override it.
"""
from __future__ import annotations

from .types import NoParams, Operation, OpKind, Panel, Section, Value
from .wiring import all_core

_NO_PARAMS = NoParams()

__all__ = ["schedule"]


def schedule(b, *, span=None, header=None, legend=(), op_id_start: int = 0) -> Panel:
    from .infer import OpRecord

    records = b.ops
    inputs = list(b.inputs)
    # -- uses of every value, in data-flow order -------------------------------------------------
    uses: dict[int, list] = {}
    for r in records:
        for k, v in enumerate(r.inputs):
            uses.setdefault(v.id, []).append((r, k))
    if b.outputs is not None:
        out_values = [b.env[n.text] for n in b.outputs]
    else:
        consumed = set(uses)
        seen = set()
        out_values = []
        for v in inputs + [o for r in records for o in r.outputs]:
            if v.id not in consumed and v.id not in seen:
                seen.add(v.id)
                out_values.append(v)
    out_slots: dict[int, list[int]] = {}
    for i, v in enumerate(out_values):
        out_slots.setdefault(v.id, []).append(i)

    origin: dict[int, int] = {}
    extra_after: dict[int, list] = {}  # id(record) or -1 (inputs) -> copy/delete records

    general_of = getattr(b, "general_of", {})

    def plan(v: Value, after_key: int, groups, producer=None):
        n_uses = len(uses.get(v.id, ())) + len(out_slots.get(v.id, ()))
        general = general_of.get(v.id)
        if general is not None and producer is not None and not out_slots.get(v.id) and all(
                r.inputs[pos] is not v for r, pos in uses.get(v.id, ())):
            # relabelled on leaving a repetition, but only used inside it: it keeps its general form
            producer.outputs[producer.outputs.index(v)] = general
            v = general
        if n_uses == 0:
            rec = OpRecord(OpKind.DELETE, "", [v], [], (v.axes,), (), ((),), _NO_PARAMS, (all_core([v]), ()),
                           groups=groups, span=v.span)
            extra_after.setdefault(after_key, []).append(rec)
        elif n_uses > 1:
            copies = []
            # each branch carries the axes its use saw (a use inside a repetition sees the general form
            # of a value that leaves it relabelled)
            seen = [r.inputs[pos].axes for r, pos in uses.get(v.id, ())]
            seen += [v.axes] * len(out_slots.get(v.id, ()))
            for axes in seen:
                c = b.new_value(v.name, axes, v.span)
                origin[c.id] = v.id
                copies.append(c)
            rec = OpRecord(OpKind.COPY, "", [v], copies, (v.axes,), tuple(c.axes for c in copies), ((),),
                           _NO_PARAMS, (all_core([v]), all_core(copies)), groups=groups, span=v.span)
            extra_after.setdefault(after_key, []).append(rec)
            k = 0
            for r, pos in uses.get(v.id, ()):
                r.inputs[pos] = copies[k]
                k += 1
            for slot in out_slots.get(v.id, ()):
                out_values[slot] = copies[k]
                k += 1

    for v in inputs:
        plan(v, -1, ())
    for r in records:
        for v in list(r.outputs):
            plan(v, id(r), r.groups, r)

    ordered: list = list(extra_after.get(-1, ()))
    for r in records:
        ordered.append(r)
        ordered.extend(extra_after.get(id(r), ()))

    # -- levels ------------------------------------------------------------------------------
    producer: dict[int, object] = {}
    last_save: dict[str, object] = {}
    load_after: dict[int, object] = {}
    for r in ordered:
        lvl = 0
        for v in r.inputs:
            p = producer.get(v.id)
            if p is not None and p.level > lvl:
                lvl = p.level
        if r.kind == OpKind.LOAD:
            dep = last_save.get(_slot_base(r))
            if dep is not None:
                load_after[id(r)] = dep
        r.level = lvl + 1
        if r.kind == OpKind.SAVE:
            last_save[_slot_base(r)] = r
        for v in r.outputs:
            producer[v.id] = r
    consumers: dict[int, list] = {}
    for r in ordered:
        for v in r.inputs:
            consumers.setdefault(v.id, []).append(r)
    for r in reversed(ordered):
        if r.inputs or r.kind not in (OpKind.LOAD, OpKind.UNIT):
            continue
        cl = [c.level for v in r.outputs for c in consumers.get(v.id, ())]
        floor = 1
        dep = load_after.get(id(r))
        if dep is not None:
            floor = dep.level + 1
        r.level = max(floor, (min(cl) - 1) if cl else floor)
        for v in r.outputs:
            for c in consumers.get(v.id, ()):
                if c.level <= r.level:
                    _push(c, r.level + 1, consumers)

    n_steps = max((r.level for r in ordered), default=0)
    by_level: dict[int, list] = {}
    for r in ordered:
        by_level.setdefault(r.level, []).append(r)

    # when each 'order' statement applies: after the step of the last op written before it
    order_at: dict[int, list] = {}
    for n_before, values in b.orders:
        lvl = max((records[i].level for i in range(n_before)), default=0)
        order_at.setdefault(lvl, []).append(values)

    # -- sections --------------------------------------------------------------------------------
    state = list(inputs)
    if 0 in order_at:
        state = _reorder(state, order_at[0], origin)
    sections = [Section("state", tuple(state))]
    frozen: dict[int, Operation] = {}
    operations = []
    next_id = op_id_start
    for lvl in range(1, n_steps + 1):
        step = by_level.get(lvl, [])
        pos = {v.id: i for i, v in enumerate(state)}
        big = len(state) + 1
        step.sort(key=lambda r: min((pos.get(v.id, big) for v in r.inputs), default=big))
        first_of: dict[int, object] = {}
        consumed = set()
        for r in step:
            for v in r.inputs:
                consumed.add(v.id)
            if r.inputs:
                first = min(r.inputs, key=lambda v: pos.get(v.id, big))
                first_of[first.id] = r
        ops_here = []
        for r in step:
            op = Operation(next_id, r.kind, r.label, tuple(r.inputs), tuple(r.outputs), r.core_in, r.core_out,
                           r.broadcast, r.params, r.binding, r.groups, r.body, r.span, r.core_pos[0], r.core_pos[1],
                           r.pairs)
            next_id += 1
            frozen[id(r)] = op
            ops_here.append(op)
            operations.append(op)
        new_state = []
        passing = []
        for v in state:
            if v.id in consumed:
                r = first_of.get(v.id)
                if r is not None:
                    new_state.extend(r.outputs)
            else:
                new_state.append(v)
                passing.append(v)
        for r in step:
            if not r.inputs:
                new_state.extend(r.outputs)
        state = new_state
        if lvl in order_at:
            state = _reorder(state, order_at[lvl], origin)
        sections.append(Section("step", tuple(passing), tuple(ops_here)))
        sections.append(Section("state", tuple(state)))
    final = tuple(out_values)
    if {v.id for v in final} == {v.id for v in state} and len(final) == len(state):
        if [v.id for v in final] != [v.id for v in state]:
            sections[-1] = Section("state", final)
    else:
        final = tuple(state)
    return Panel(tuple(inputs), final, tuple(sections), tuple(operations), tuple(b.groups), tuple(legend),
                 header, span)


def _push(r, level, consumers):
    r.level = level
    for v in r.outputs:
        for c in consumers.get(v.id, ()):
            if c.level <= level:
                _push(c, level + 1, consumers)


def _slot_base(r) -> str:
    from .infer import _slot
    return _slot(r.label)[0]


def _root(vid: int, origin: dict) -> int:
    while vid in origin:
        vid = origin[vid]
    return vid


def _reorder(state: list, orders: list, origin: dict) -> list:
    for values in orders:
        wanted = [v.id for v in values]
        slots = []
        picked = []
        for want in wanted:
            for i, v in enumerate(state):
                if i not in slots and _root(v.id, origin) == want:
                    slots.append(i)
                    picked.append(v)
                    break
        for i, v in zip(sorted(slots), picked):
            state[i] = v
    return state
