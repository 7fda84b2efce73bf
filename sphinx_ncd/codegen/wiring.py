"""Codegen (stage: Diagram -> Python source): views as one einops ``rearrange``.

A view's signature names its core axes (``28 28 -> 784``, ``(k h) -> k h``,
``k h -> h k``); the broadcast axes keep their wire names.  When both sides are
made of the same elementary axes the pattern is the diagram's own; otherwise
the side with one axis is written as a group of the other's (``d28 d28_2 ->
(d28 d28_2)``), and failing that the view flattens then splits.
"""
from __future__ import annotations

from .layout import Pattern, dim_names, flat, fresh_name, positions
from .names import _einops_name

__all__ = ["view_pattern"]


def _elements(axes, avoid):
    """Per core axis, its elementary names: a group ``(k h)`` gives ``k h``; every name distinct."""
    used = set(avoid)
    out = []
    for ax in axes:
        label = ax.label
        inner = label[1:-1].split() if label.startswith("(") and label.endswith(")") else [label]
        names = []
        for part in inner:
            base = _einops_name(part) + ("d" if ax.tangent else "")
            parts = [base] if ax.rank <= 1 or len(inner) > 1 else [f"{base}{i}" for i in range(1, ax.rank + 1)]
            names.extend(fresh_name(p, used, "_") for p in parts)
        out.append(names)
    return out


def _side(per, pos, core):
    """A side of the pattern: the value's names with the core positions written as the core's."""
    out = []
    for j, names in enumerate(per):
        if j in pos:
            names = core[pos.index(j)]
            out.append(names[0] if len(names) == 1 else "(" + " ".join(names) + ")")
        else:
            out.extend(names)
    return out


def view_pattern(em, step) -> Pattern:
    value, out = step.inputs[0], step.outputs[0]
    core_in, core_out = step.core_in[0], step.core_out[0]
    pos_in = positions(value.axes, core_in)
    pos_out = positions(out.axes, core_out)
    per_in = dim_names(value.axes)
    broad = {n for j, names in enumerate(per_in) if j not in pos_in for n in names}
    el_in = _elements(core_in, broad)
    el_out = _elements(core_out, broad)
    per_out = [per_in[j] for j in range(len(value.axes)) if j not in pos_in]  # broadcast names, kept
    per_out = _merge_broadcast(out, pos_out, per_out)
    same = sorted(flat(el_in)) == sorted(flat(el_out))
    if not same:
        if len(core_out) == 1 and len(el_out[0]) == 1:
            el_out = [flat(el_in)]
        elif len(core_in) == 1 and len(el_in[0]) == 1:
            el_in = [flat(el_out)]
        else:
            return _two_step(em, step, per_in, pos_in, el_in, per_out, pos_out, el_out)
    sizes = _split_sizes(em, el_in, el_out, core_out, {})
    return Pattern(_side(per_in, pos_in, el_in), _side(per_out, pos_out, el_out), sizes)


def _split_sizes(em, el_in, el_out, core_out, sizes):
    """Names that come out of a group on the left need their sizes (all but one would do)."""
    grouped = {n for g in el_in if len(g) > 1 for n in g}
    for names, ax in zip(el_out, core_out):
        if len(names) == 1 and names[0] in grouped and ax.rank == 1 and names[0] not in sizes:
            text = em.sizes(ax.size)
            if text is not None:
                sizes[names[0]] = text
    return sizes


def _merge_broadcast(out, pos_out, kept):
    """The output's names per wire: the kept broadcast names in order, a placeholder at core positions."""
    it = iter(kept)
    per = []
    for j in range(len(out.axes)):
        per.append(["?"] if j in pos_out else next(it, ["?"]))
    return per


def _two_step(em, step, per_in, pos_in, el_in, per_out, pos_out, el_out):
    """Flatten the core, then split it as the output's core: two rearranges in one expression."""
    left = _side(per_in, pos_in, el_in)
    first = Pattern(left, _collapse(per_in, pos_in, flat(el_in)))
    second_left = _collapse(per_out, pos_out, flat(el_out))
    right = _side(per_out, pos_out, el_out)
    sizes = {}
    for names, ax in zip(el_out, step.core_out[0]):
        if len(names) == 1 and ax.rank == 1:
            text = em.sizes(ax.size)
            if text is not None:
                sizes[names[0]] = text
    inner = first.apply(em.of(step.inputs[0]))
    return _Chained(Pattern(second_left, right, sizes), inner)


def _collapse(per, pos, names):
    """The value's names with its core replaced by one group of ``names``, at the first core position."""
    out = []
    for j, n in enumerate(per):
        if j in pos:
            if j == pos[0]:
                out.append("(" + " ".join(names) + ")")
        else:
            out.extend(n)
    return out


class _Chained(Pattern):
    def __init__(self, pattern: Pattern, inner: str):
        super().__init__(pattern.left, pattern.right, pattern.sizes)
        self.inner = inner

    def apply(self, expr: str) -> str:
        return super().apply(self.inner)
