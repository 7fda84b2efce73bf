"""Model stage: the author's names and notes on a figure (``name`` and ``note`` statements).

While a panel's statements are evaluated (:class:`~.infer.PanelBuilder`), :func:`collect_name` and
:func:`collect_note` resolve what each statement points at -- the value a name is bound to *at that line*, the
fence with a given title -- and :func:`attach` puts them on the scheduled :class:`~.types.Panel`, where an
operation is known by its id.  Every wrong target is a located error.
"""
from __future__ import annotations

import dataclasses

from .. import messages as msg
from ..errors import NCDError
from ..syntax import ast as A
from .types import Note, OpKind, Panel

__all__ = ["collect_name", "collect_note", "attach"]


def collect_name(builder, stmt: A.NameValues) -> None:
    """``name Q, K`` -> (value id, name) on the builder's ``value_names``."""
    seen = {vid for vid, _, _ in builder.value_names}
    for name in stmt.names:
        v = builder.value(name)
        if v.id in seen:
            raise NCDError(msg.NAME_TWICE.format(name=name.text), name.span, kind="shape")
        seen.add(v.id)
        builder.value_names.append((v.id, name.text, name))


def collect_note(builder, stmt: A.Note) -> None:
    """A ``note`` statement -> (text, targets, highlight, span) on the builder's ``notes``; an operation is
    recorded by the value it makes (its id is known after scheduling)."""
    targets = []
    if stmt.kind == "fence":
        title = stmt.targets[0]
        fences = [g for g in builder.groups if g.kind == "fence"]
        hit = next((g for g in fences if g.title == title.text), None)
        if hit is None:
            titles = ", ".join(f'"{g.title}"' for g in fences if g.title)
            hint = msg.HINT_FENCES.format(titles=titles) if titles else msg.HINT_NO_FENCES.format()
            raise NCDError(msg.NOTE_UNKNOWN_FENCE.format(title=title.text), title.span, kind="shape", hint=hint)
        if stmt.highlight is not None:
            raise NCDError(msg.NOTE_FENCE_HIGHLIGHT.format(), stmt.span, kind="shape")
        targets.append(("fence", hit.id, title))
    elif stmt.kind == "save":
        for slot in stmt.targets:
            targets.append(("save", _save_span(builder, slot), slot))
    else:
        inputs = {v.id for v in builder.inputs}
        for name in stmt.targets:
            v = builder.value(name)
            if stmt.kind == "op" and v.id in inputs:
                raise NCDError(msg.NOTE_NO_OP.format(name=name.text), name.span, kind="shape",
                               hint=msg.HINT_NOTE_NO_OP.format(name=name.text))
            targets.append((stmt.kind, v.id, name))
    builder.notes.append((stmt.text, tuple(targets), stmt.highlight, stmt.span))


def _save_span(builder, slot):
    """The statement of the latest ``save ... to SLOT`` before the note (the schedule keeps it on the op)."""
    saves = [rec for rec in builder.ops if rec.kind == OpKind.SAVE]
    hit = next((rec for rec in reversed(saves) if rec.label == slot.text), None)
    if hit is None:
        slots = ", ".join(dict.fromkeys(rec.label for rec in saves))
        hint = msg.HINT_SAVES.format(slots=slots) if slots else msg.HINT_NO_SAVES.format()
        raise NCDError(msg.NOTE_NO_SAVE.format(slot=slot.text), slot.span, kind="shape", hint=hint)
    return hit.span


def attach(panel: Panel, builder) -> Panel:
    """``panel`` with the names and notes its statements wrote (operations by id)."""
    if not builder.value_names and not builder.notes:
        return panel
    made_by = {v.id: op.id for op in panel.operations for v in op.outputs}
    saved_by = {}
    for op in panel.operations:
        if op.kind == OpKind.SAVE:
            saved_by.setdefault(op.span, op.id)
    consumed = {v.id for op in panel.operations for v in op.inputs}
    drawn = {v.id for v in panel.inputs} | consumed | {v.id for v in panel.outputs}
    silent = {v.id for op in panel.operations for v in op.outputs if not v.axes and v.id not in drawn}

    def check_drawn(vid: int, name) -> None:
        if vid in silent:
            raise NCDError(msg.NOTE_SILENT.format(name=name.text), name.span, kind="shape")

    names = []
    for vid, text, name in builder.value_names:
        check_drawn(vid, name)
        names.append((vid, text))
    notes = []
    for text, targets, highlight, span in builder.notes:
        resolved = []
        for kind, tid, name in targets:
            if kind == "op":
                if tid not in made_by:
                    raise NCDError(msg.NOTE_NO_OP.format(name=name.text), name.span, kind="shape",
                                   hint=msg.HINT_NOTE_NO_OP.format(name=name.text))
                tid = made_by[tid]
            elif kind == "save":
                kind, tid = "op", saved_by[tid]
            elif kind == "value":
                check_drawn(tid, name)
            resolved.append((kind, tid))
        notes.append(Note(text, tuple(resolved), highlight, span))
    return dataclasses.replace(panel, names=tuple(names), notes=tuple(notes))
