"""Codegen (stage: Diagram -> Python source): masks, splits and rotary embeddings.

``mask S over t u`` becomes ``masked_fill`` with a causal (upper-triangular) boolean mask laid along the
query and key dimensions, or the addition of the given mask reshaped onto the scores' dimensions;
``chunk P over f`` becomes ``torch.chunk``; a rotary embedding is generated only when bound to the
user's function (``rotary[apply_rotary_pos_emb] ...``), which the module then calls; ``topk``, ``gather``
and ``scatter`` become the torch functions of those names.
"""
from __future__ import annotations

from .. import messages as msg
from ..errors import NCDError
from .layout import dim_names, flat, positions

__all__ = ["mask", "chunk", "rotary", "topk", "gather", "scatter"]


def _dim(value, axis, step) -> int:
    """The tensor dimension of ``axis`` (one wire of rank 1) in ``value``."""
    per = dim_names(value.axes)
    pos = positions(value.axes, (axis,))[0]
    if len(per[pos]) != 1:
        raise NCDError(msg.CODEGEN_UNSUPPORTED.format(what=f"{step.kind} over a tandem axis"), step.span,
                       kind="shape")
    return len(flat(per[:pos]))


def mask(em, step) -> str:
    scores = step.inputs[0]
    x = em.of(scores)
    ndim = len(flat(dim_names(scores.axes)))
    shape = ["1"] * ndim
    if step.causal:
        q, k = (_dim(scores, a, step) for a in step.over)
        shape[q], shape[k] = f"{x}.shape[{q}]", f"{x}.shape[{k}]"
        # keys after the query's position are masked (aligned at the end when there are more keys)
        tri = (f"{x}.new_ones({x}.shape[{q}], {x}.shape[{k}], dtype=torch.bool)"
               f".triu({x}.shape[{k}] - {x}.shape[{q}] + 1)")
        if k < q:
            tri += ".T"
        if ndim > 2 or k < q:
            tri += f'.reshape({", ".join(shape)})'
        return f'{x}.masked_fill({tri}, float("-inf"))'
    given = step.inputs[1]
    m = em.of(given)
    j = 0
    for d, ax in enumerate(given.axes):  # the mask's axes are the scores' in order, or 1 (as the model typed)
        if ax.size == 1:
            continue
        while j < len(scores.axes) and not (scores.axes[j].label == ax.label or scores.axes[j].size == ax.size):
            j += 1
        if j == len(scores.axes):
            raise NCDError(msg.CODEGEN_UNSUPPORTED.format(what="a mask whose axes are not the scores'"), step.span,
                           kind="shape")
        shape[_dim(scores, scores.axes[j], step)] = f"{m}.shape[{d}]"
        j += 1
    return f'{x} + {m}.reshape({", ".join(shape)})'


def chunk(em, step) -> str:
    value = step.inputs[0]
    return f"torch.chunk({em.of(value)}, {step.parts}, dim={_dim(value, step.over[0], step)})"


def rotary(em, step) -> str:
    if not step.binding:
        raise NCDError(msg.CODEGEN_ROTARY.format(), step.span, kind="shape", hint=msg.HINT_CODEGEN_ROTARY.format())
    fn = em.function(step.label or "rotary", step.binding)
    return f"{fn}({', '.join(em.of(v) for v in step.inputs)})"


def topk(em, step) -> str:
    value = step.inputs[0]
    k = em.size(step.core_out[0][0].size, step)
    call = f"torch.topk({em.of(value)}, {k}, dim={_dim(value, step.over[0], step)})"
    return call if step.parts == 2 else call + ".values"


def gather(em, step) -> str:
    x, i = step.inputs
    return f"torch.gather({em.of(x)}, {_dim(x, step.over[0], step)}, {em.of(i)})"


def scatter(em, step) -> str:
    x, i, s = step.inputs
    return f"{em.of(x)}.scatter({_dim(x, step.over[0], step)}, {em.of(i)}, {em.of(s)})"
