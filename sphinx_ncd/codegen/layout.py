"""Codegen (stage: Diagram -> Python source): where a box's axes sit in its tensors.

A box acts on its *core* axes and is lifted over the others.  These helpers find
the core axes' positions in a value, give each tensor dimension an einops name,
and write the ``rearrange`` patterns that move core axes to where a torch call
wants them (last for ``nn.Linear``, after the batch for ``nn.Conv2d``) and back.
"""
from __future__ import annotations

from .names import SizePrinter, _einops_name

__all__ = ["positions", "dim_names", "flat", "group", "Pattern"]


def positions(value_axes, core_axes) -> list[int]:
    """Positions of ``core_axes`` in ``value_axes``, in order (the model matched them in order)."""
    out, start = [], 0
    for core in core_axes:
        for j in range(start, len(value_axes)):
            if value_axes[j] == core and j not in out:
                out.append(j)
                start = j + 1
                break
        else:  # not in order: take the first unused equal axis
            for j, ax in enumerate(value_axes):
                if ax == core and j not in out:
                    out.append(j)
                    break
            else:
                for j, ax in enumerate(value_axes):
                    if ax.label == core.label and j not in out:
                        out.append(j)
                        break
    return out


def dim_names(axes, avoid=()) -> list[list[str]]:
    """Per wire, the einops names of its tensor dimensions (a tandem wire of rank 2: ``Y1 Y2``)."""
    used = set(avoid)
    out = []
    for ax in axes:
        base = _einops_name(ax.label.strip("()").replace(" ", "_")) + ("d" if ax.tangent else "")
        parts = [base] if ax.rank <= 1 else [f"{base}{i}" for i in range(1, ax.rank + 1)]
        out.append([fresh_name(p, used) for p in parts])
    return out


def fresh_name(base: str, used: set, sep: str = "") -> str:
    """``base``, or ``base2``, ``base3``... (with ``sep`` before the number): the first not in ``used``,
    which it joins."""
    name, n = base, 2
    while name in used:
        name, n = f"{base}{sep}{n}", n + 1
    used.add(name)
    return name


def flat(per_axis) -> list[str]:
    return [n for names in per_axis for n in names]


def group(names) -> str:
    """``(a b)`` for several names, ``a`` for one, ``1`` for none."""
    if not names:
        return "1"
    return names[0] if len(names) == 1 else "(" + " ".join(names) + ")"


class Pattern:
    """An einops ``rearrange`` call, or nothing when the two sides are the same."""

    def __init__(self, left: list[str], right: list[str], sizes: dict[str, str] | None = None):
        self.left, self.right, self.sizes = left, right, dict(sizes or {})

    @property
    def identity(self) -> bool:
        return self.left == self.right

    def apply(self, expr: str) -> str:
        if self.identity:
            return expr
        kwargs = "".join(f", {k}{v}" if k.startswith("**") else f", {k}={v}" for k, v in self.sizes.items())
        return f'einops.rearrange({expr}, "{" ".join(self.left)} -> {" ".join(self.right)}"{kwargs})'


def split_sizes(per_axis, axes, printer: SizePrinter) -> dict[str, str] | None:
    """Size keywords for names that a rearrange splits out of a group (rank-1 wires only)."""
    out = {}
    for names, ax in zip(per_axis, axes):
        if ax.rank != 1:
            continue
        text = printer(ax.size)
        if text is None:
            return None
        out[names[0]] = text
    return out
