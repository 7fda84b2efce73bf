"""Check (stage: Diagram + PyTorch code -> ValueReport): comparing two runs, inside the worker.

Given the calls recorded at every bound box in the user's run and in the
reference's run, say for each box (in the diagram's order) whether its inputs
and outputs agree, find the first box that differs, and say on which axis the
difference lies (``only where h = 3``).  A tensor is compared in the diagram's
shape when the code holds it flattened (``y (k h)`` against ``y k h``).
"""
from __future__ import annotations

import torch

from .engine import to_dim

__all__ = ["compare_runs", "where_differs", "TOLERANCE"]

TOLERANCE = 1e-10  # relative to the largest reference value (or 1)


def _diff(ref: torch.Tensor, got: torch.Tensor) -> tuple[float | None, bool]:
    """(largest difference, within tolerance); None when the shapes cannot be reconciled."""
    if ref.numel() != got.numel():
        return None, False
    r = ref.double().reshape(-1)
    g = got.double().reshape(-1)
    both_inf = torch.isinf(r) & torch.isinf(g) & (torch.sign(r) == torch.sign(g))
    d = torch.where(both_inf, torch.zeros_like(r), (r - g).abs())
    d = torch.nan_to_num(d, nan=float("inf"))
    largest = float(d.max()) if d.numel() else 0.0
    scale = max(1.0, float(r[torch.isfinite(r)].abs().max()) if torch.isfinite(r).any() else 1.0)
    return largest, largest <= TOLERANCE * scale


def _compare_lists(refs, gots):
    """(status, largest, index) over paired tensors: 'agree', 'differ' or 'shape'."""
    largest = 0.0
    if len(refs) != len(gots):
        return "count", None, 0
    for i, (r, g) in enumerate(zip(refs, gots)):
        d, ok = _diff(r, g)
        if d is None:
            return "shape", None, i
        largest = max(largest, d)
        if not ok:
            return "differ", d, i
    return "agree", largest, None


def _records(plan, by_path):
    """Per box (op id): its calls, boxes sharing a binding taking its calls in turn."""
    sharing: dict[str, list[int]] = {}
    for box in plan["boxes"]:
        sharing.setdefault(box["binding"], []).append(box["op"])
    out = {b["op"]: [] for b in plan["boxes"]}
    for path, ops in sharing.items():
        for i, call in enumerate(by_path.get(path, ())):
            out[ops[i % len(ops)]].append(call)
    return out


def _box(box, user, ref):
    """One box's verdict: its status, largest difference and the first differing pair."""
    entry = {"op": box["op"], "binding": box["binding"], "status": "agree", "max_diff": 0.0, "detail": ""}
    if not ref:
        entry["status"] = "not_run"
        return entry, None
    if not user:
        entry.update(status="not_called")
        return entry, None
    if len(user) != len(ref):
        entry.update(status="count", detail=f"called {len(user)} time(s), the diagram {len(ref)}")
    for (u_in, u_out), (r_in, r_out) in zip(user, ref):
        if len(u_in) == len(r_in):
            status, d, i = _compare_lists(r_in, u_in)
            if status != "agree":
                seg = box["inputs"][i] if i < len(box["inputs"]) else None
                entry.update(status="input", max_diff=d, value=seg["name"] if seg else "")
                return entry, (r_in[i], u_in[i], seg)
            entry["max_diff"] = max(entry["max_diff"], d)
        status, d, i = _compare_lists(r_out, u_out)
        if status != "agree":
            entry.update(status="output", max_diff=d)
            seg = box["outputs"][i] if i is not None and i < len(box["outputs"]) else None
            pair = (r_out[i], u_out[i], seg) if i is not None and i < len(u_out) else None
            return entry, pair
        entry["max_diff"] = max(entry["max_diff"], d)
    return entry, None


def compare_runs(plan, hints, user_by_path, ref_by_path, user_out, ref_out) -> dict:
    user, ref = _records(plan, user_by_path), _records(plan, ref_by_path)
    boxes, first, pair, largest = [], None, None, 0.0
    for box in plan["boxes"]:
        entry, p = _box(box, user[box["op"]], ref[box["op"]])
        boxes.append(entry)
        largest = max(largest, entry["max_diff"] or 0.0)
        inside = first is not None and first["binding"] and entry["binding"].startswith(first["binding"] + ".")
        if entry["status"] not in ("agree", "not_run") and (first is None or inside and first["status"] == "output"):
            first, pair = dict(entry), p  # a block whose output differs: the box inside it where it first does
    status, d, i = _compare_lists(ref_out, user_out)
    outputs = {"status": status, "max_diff": d}
    largest = max(largest, d or 0.0)
    if first is None and status != "agree":
        first = {"op": None, "binding": None, "status": "output" if status == "differ" else status,
                 "max_diff": d, "detail": ""}
        if i is not None and i < len(ref_out) and i < len(user_out):
            pair = (ref_out[i], user_out[i], plan["outputs"][i] if i < len(plan["outputs"]) else None)
    return {"status": "agree" if first is None else "differ", "boxes": boxes, "outputs": outputs,
            "first": first, "max_diff": largest, "_first_pair": pair}


def where_differs(pair, first, hints) -> str:
    """``h = 3`` when the difference lies only there; '' when it is everywhere (or unknown)."""
    if pair is None or pair[2] is None:
        return ""
    ref, got, seg = pair
    try:
        dims = [int(to_dim(d, hints.__getitem__)) for d in seg["dims"]]
    except (KeyError, ValueError, TypeError):
        return ""
    n = 1
    for x in dims:
        n *= x
    if ref.numel() != n or got.numel() != n:
        return ""
    d = (ref.double().reshape(dims) - got.double().reshape(dims)).abs()
    scale = max(1.0, float(ref.abs().max()))
    mask = torch.nan_to_num(d, nan=float("inf")) > TOLERANCE * scale
    parts = []
    for k, label in enumerate(seg["labels"]):
        if dims[k] < 2:
            continue
        other = [j for j in range(len(dims)) if j != k]
        hit = mask.any(dim=other) if other else mask
        idx = [int(i) for i in torch.nonzero(hit).flatten()]
        if idx and len(idx) < dims[k]:
            shown = ", ".join(str(i) for i in idx[:4]) + (", ..." if len(idx) > 4 else "")
            parts.append(f"{label} = {shown}" if len(idx) == 1 else f"{label} in {{{shown}}}")
    return " and ".join(parts)
