"""Draft (stage: steps -> statements): tensors the module makes from no input (a causal mask built with
``torch.ones(t, t).tril()``).  They draw nothing; their values are computed here, at the traced sizes, so
that an operation using one can be recognised (``masked_fill`` with a causal mask is the language's
``mask S over t u``).  torch is imported only when a draft meets such a tensor.
"""
from __future__ import annotations

__all__ = ["evaluate", "is_causal"]


def evaluate(node, known: dict):
    """The real tensor ``node`` computes from the constants in ``known`` (graph node -> tensor); None when it
    cannot be computed (an input it does not know, an op that fails)."""
    import torch

    def real(a):
        if hasattr(a, "op") and hasattr(a, "target"):  # a graph node
            if a not in known:
                raise KeyError(a)
            return known[a]
        if isinstance(a, (list, tuple)):
            return type(a)(real(x) for x in a)
        return a

    try:
        value = node.target(*real(node.args), **{k: real(v) for k, v in node.kwargs.items()})
    except Exception:  # noqa: BLE001 - not a constant we can compute: the draft falls back as before
        return None
    return value if isinstance(value, torch.Tensor) else None


def is_causal(mask, size: int, masked_where_true: bool = True) -> bool:
    """``mask`` (broadcast to ``size x size`` over its last two axes) hides exactly the keys after each query."""
    import torch

    if mask is None or mask.dim() < 2 or tuple(mask.shape[-2:]) != (size, size) or mask.numel() != size * size:
        return False
    hidden = mask.reshape(size, size).to(torch.bool)
    if not masked_where_true:
        hidden = ~hidden
    upper = torch.ones(size, size, dtype=torch.bool).triu(1)
    return bool(torch.equal(hidden, upper))
