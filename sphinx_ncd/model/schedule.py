"""Model stage: from evaluated operations to vertical sections.

A pure function: :func:`schedule` reads what one panel's statements evaluated
to (:class:`~sphinx_ncd.model.records.Evaluated`) and returns a new
:class:`~sphinx_ncd.model.types.Panel`; it works on its own copies of the
records and never changes the evaluator's.

It infers copies (a value used by several operations gets a copy dot with one
branch per use) and deletions (a value never used again ends), then packs
independent operations into the same step: each operation goes in the first
step after all its inputs exist (operations without inputs, such as loads and
units, as late as their consumers allow).  Memory states alternate with steps;
an operation's outputs take the place of its first input, so the tuple order
follows the data flow; ``order`` statements and the ``output`` list override it.
A ``break`` statement marks the memory state after the step of the last
operation written before it as a forced fold cut (``Section.brk``).
"""
from __future__ import annotations

from .records import Evaluated, OpRecord, slot_name
from .types import NoParams, Operation, OpKind, Panel, Section, Value
from .wiring import all_core

__all__ = ["schedule"]

_NO_PARAMS = NoParams()
_new = object.__new__


def schedule(ev: Evaluated, *, span=None, header=None, legend=(), op_id_start: int = 0) -> tuple[Panel, int]:
    """The panel ``ev`` describes, and the first Value id it left free (copies take new ids)."""
    records = [r.copy() for r in ev.records]
    flow = _Flow(ev, records)
    ordered = flow.plan_all()
    consumers: dict[int, list] = {}  # value id -> the records that read it (the levels change, this does not)
    for r in ordered:
        for v in r.inputs:
            consumers.setdefault(v.id, []).append(r)
    n_steps = _levels(ordered, consumers)
    _line_up(ordered, consumers)
    if ev.breaks:
        n_steps = _cut(records, ordered, ev.breaks, consumers)
    panel = _sections(ev, records, ordered, n_steps, flow, span, header, legend, op_id_start)
    return panel, flow.next_value


class _Flow:
    """Copies and deletions: which value goes where, on the schedule's own records."""

    def __init__(self, ev: Evaluated, records: list):
        self.records = records
        self.inputs = list(ev.inputs)
        self.general_of = ev.general_of
        self.next_value = ev.next_value
        self.origin: dict[int, int] = {}  # copy's value id -> the value it copies
        self.extra_after: dict = {}  # id(record) or -1 (inputs) -> copy/delete records
        self.uses: dict[int, list] = {}
        for r in records:
            for k, v in enumerate(r.inputs):
                self.uses.setdefault(v.id, []).append((r, k))
        if ev.outputs is not None:
            self.out_values = list(ev.outputs)
        else:
            seen = set()
            self.out_values = []
            for v in self.inputs + [o for r in records for o in r.outputs]:
                if v.id not in self.uses and v.id not in seen:
                    seen.add(v.id)
                    self.out_values.append(v)
        self.out_slots: dict[int, list[int]] = {}
        for i, v in enumerate(self.out_values):
            self.out_slots.setdefault(v.id, []).append(i)

    def plan_all(self) -> list:
        """Every record in data-flow order, with the copies and deletions it needs after it."""
        for v in self.inputs:
            self.plan(v, -1, ())
        for r in self.records:
            for v in list(r.outputs):
                self.plan(v, id(r), r.groups, r)
        ordered: list = list(self.extra_after.get(-1, ()))
        for r in self.records:
            ordered.append(r)
            ordered.extend(self.extra_after.get(id(r), ()))
        return ordered

    def plan(self, v: Value, after_key: int, groups, producer=None):
        uses = self.uses.get(v.id, ())
        slots = self.out_slots.get(v.id, ())
        general = self.general_of.get(v.id)
        if general is not None and producer is not None and not slots and all(
                r.inputs[pos] is not v for r, pos in uses):
            # relabelled on leaving a repetition, but only used inside it: it keeps its general form
            producer.outputs[producer.outputs.index(v)] = general
            v = general
        n_uses = len(uses) + len(slots)
        if n_uses == 0:
            rec = OpRecord(OpKind.DELETE, "", [v], [], (v.axes,), (), ((),), _NO_PARAMS, (all_core([v]), ()),
                           groups=groups, span=v.span)
            self.extra_after.setdefault(after_key, []).append(rec)
        elif n_uses > 1:
            groups = _copy_groups(groups, [r.groups for r, _ in uses]) if not slots else groups
            # each branch carries the axes its use saw (a use inside a repetition sees the general form
            # of a value that leaves it relabelled)
            seen = [r.inputs[pos].axes for r, pos in uses] + [v.axes] * len(slots)
            copies = []
            for axes in seen:
                c = Value(self.next_value, v.name, axes, v.span)
                self.next_value += 1
                self.origin[c.id] = v.id
                copies.append(c)
            rec = OpRecord(OpKind.COPY, "", [v], copies, (v.axes,), tuple(c.axes for c in copies), ((),),
                           _NO_PARAMS, (all_core([v]), all_core(copies)), groups=groups, span=v.span)
            self.extra_after.setdefault(after_key, []).append(rec)
            k = 0
            for r, pos in uses:
                r.inputs[pos] = copies[k]
                k += 1
            for slot in slots:
                self.out_values[slot] = copies[k]
                k += 1


def _copy_groups(own: tuple, of_uses: list) -> tuple:
    """The fences and repetitions a copy is drawn in: those every use of the copied value lies in, when they
    nest with its producer's (the paper copies multi-head attention's X inside its fence, a residual block's
    input inside the repetition that uses it twice, and the U-Net's double convolution's result outside that
    fence, where its save and its pooling are); else its producer's."""
    common = list(of_uses[0]) if of_uses else []
    for g in of_uses[1:]:
        n = 0
        while n < len(common) and n < len(g) and common[n] == g[n]:
            n += 1
        del common[n:]
    short, long_ = sorted((tuple(own), tuple(common)), key=len)
    return tuple(common) if long_[:len(short)] == short else own


def _levels(ordered: list, consumers: dict) -> int:
    """Give each record its step (``level``, from 1); returns the number of steps."""
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
            dep = last_save.get(slot_name(r.label)[0])
            if dep is not None:
                load_after[id(r)] = dep
        r.level = lvl + 1
        if r.kind == OpKind.SAVE:
            last_save[slot_name(r.label)[0]] = r
        for v in r.outputs:
            producer[v.id] = r
    for r in reversed(ordered):  # sources (loads, units) as late as their consumers allow
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
    return max((r.level for r in ordered), default=0)


#: kinds that never move to line up with others: pure wiring that follows its value (a copy, a deletion, a save),
#: and sources, which :func:`_levels` already places as late as their consumers allow
_STAY = frozenset((OpKind.COPY, OpKind.DELETE, OpKind.SAVE, OpKind.LOAD, OpKind.UNIT))


def _line_up(ordered: list, consumers: dict) -> None:
    """Parallel operations of one kind share a step.  A copy delays the operations on its branches by one step,
    so an operation on an uncopied value stands a step ahead of its siblings on copied ones (multi-head
    attention's L^Q ahead of L^K and L^V, which wait for the copy of X; the paper draws the three in one
    column).  An operation alone of its kind in its step that may wait one step (its consumers all come later)
    moves into the next step when an operation of its kind, in its fences and repetitions, stands there.  One
    already beside one of its kind stays, and none moves more than a step: a residual block's shortcut map
    stays beside the main path's first map, not beside its last."""
    count: dict[tuple, int] = {}  # (kind, groups, step) -> how many such operations stand there
    at: dict[tuple, set] = {}  # (kind, groups) -> the steps where such operations stand
    last = 0
    for r in ordered:
        key = (r.kind, tuple(r.groups))
        level = r.level
        steps = at.get(key)
        if steps is None:
            at[key] = {level}
        else:
            steps.add(level)
        count[key, level] = count.get((key, level), 0) + 1
        if level > last:
            last = level
    for r in reversed(ordered):
        if r.kind in _STAY or not r.inputs or not r.outputs:
            continue
        key = (r.kind, tuple(r.groups))
        if count[key, r.level] != 1 or r.level + 1 not in at[key]:
            continue
        # an output of the diagram (used by nothing) may wait until the last step
        latest = min((c.level for v in r.outputs for c in consumers.get(v.id, ())), default=last + 1) - 1
        if latest > r.level:
            count[key, r.level] -= 1
            if not count[key, r.level]:
                at[key].discard(r.level)
            r.level += 1
            count[key, r.level] += 1


def _cut(records: list, ordered: list, breaks, consumers: dict) -> int:
    """Every operation written after a ``break`` goes after every one written before it (independent ones
    are not packed across the cut); returns the number of steps."""
    for n in breaks:
        cut = max(r.level for r in records[:n])
        for r in records[n:]:
            if r.level <= cut:
                _push(r, cut + 1, consumers)
    return max((r.level for r in ordered), default=0)


def _after(records: list, marks) -> dict[int, list]:
    """Statement marks (number of records written before) -> the step they follow, with their payloads."""
    at: dict[int, list] = {}
    for n_before, payload in marks:
        lvl = max((records[i].level for i in range(n_before)), default=0)
        at.setdefault(lvl, []).append(payload)
    return at


def _sections(ev, records, ordered, n_steps, flow, span, header, legend, op_id_start) -> Panel:
    by_level: dict[int, list] = {}
    for r in ordered:
        by_level.setdefault(r.level, []).append(r)
    order_at = _after(records, ev.orders) if ev.orders else {}
    breaks_at = _after(records, [(n, True) for n in ev.breaks]) if ev.breaks else {}
    state = list(flow.inputs)
    if 0 in order_at:
        state = _reorder(state, order_at[0], flow.origin)
    sections = [Section("state", tuple(state), brk=0 in breaks_at)]
    operations = []
    for lvl in range(1, n_steps + 1):
        step = by_level.get(lvl, [])
        ops_here, passing, state = _step(step, state, op_id_start + len(operations))
        operations.extend(ops_here)
        if lvl in order_at:
            state = _reorder(state, order_at[lvl], flow.origin)
        sections.append(Section("step", tuple(passing), tuple(ops_here)))
        sections.append(Section("state", tuple(state), brk=lvl in breaks_at and lvl < n_steps))
    final = tuple(flow.out_values)
    if {v.id for v in final} == {v.id for v in state} and len(final) == len(state):
        if [v.id for v in final] != [v.id for v in state]:
            sections[-1] = Section("state", final)
    else:
        final = tuple(state)
    return Panel(tuple(flow.inputs), final, tuple(sections), tuple(operations), tuple(ev.groups), tuple(legend),
                 header, span)


def _step(step: list, state: list, next_id: int):
    """Freeze one step's records in top-to-bottom order; returns (operations, passing values, new state)."""
    pos = {v.id: i for i, v in enumerate(state)}
    big = len(state) + 1
    get = pos.get
    first_of: dict[int, object] = {}
    consumed = set()
    keyed = []
    for k, r in enumerate(step):
        # the record's first input in the state (the lowest position; the earliest such input on a tie)
        key = big
        first = None
        for v in r.inputs:
            consumed.add(v.id)
            p = get(v.id, big)
            if first is None or p < key:
                key, first = p, v
        keyed.append((key, k, r, first))
    if len(keyed) > 1:
        keyed.sort()  # by (key, k): k is unique, so the records are never compared, and ties keep their order
        step[:] = [item[2] for item in keyed]
    for _, _, r, first in keyed:
        if first is not None:
            first_of[first.id] = r
    new = _new
    ops_here = []
    for r in step:
        op = new(Operation)
        cp = r.core_pos
        op.__dict__.update(
            id=next_id, kind=r.kind, label=r.label, inputs=tuple(r.inputs), outputs=tuple(r.outputs),
            core_in=r.core_in, core_out=r.core_out, broadcast=r.broadcast, params=r.params, binding=r.binding,
            groups=r.groups, body=r.body, span=r.span, core_in_pos=cp[0], core_out_pos=cp[1],
            broadcast_pairs=r.pairs)
        ops_here.append(op)
        next_id += 1
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
    return ops_here, passing, new_state


def _push(r, level, consumers):
    """Move ``r`` to ``level`` and its consumers after it (iteratively: chains can be long)."""
    todo = [(r, level)]
    while todo:
        r, level = todo.pop()
        if r.level >= level:
            continue
        r.level = level
        for v in r.outputs:
            for c in consumers.get(v.id, ()):
                if c.level <= level:
                    todo.append((c, level + 1))


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
