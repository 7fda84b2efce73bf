"""Check (stage: Diagram + PyTorch code -> ShapeReport): a bound module's settings against the box.

Shapes alone miss some wrong diagrams: a convolution drawn with kernel 5 and
padding 2 has the same output size as code with kernel 7 and padding 3.  The
plan sends what each box draws (:func:`drawn_settings`, no torch); inside the
worker :func:`compare_settings` reads the bound module's own settings
(``nn.Conv*`` / pooling ``kernel_size``, ``stride``, ``padding``, ``dilation``,
``groups``; ``nn.LayerNorm.normalized_shape`` and a batch/group norm's channel
count against the ``over`` axis; a linear map's in and out features against the
box's signature) and names each that disagrees: ``kernel: diagram 5, code 7``.
"""
from __future__ import annotations

__all__ = ["drawn_settings", "compare_settings"]

_CONV_SETTINGS = ("kernel", "stride", "padding", "dilation", "groups")
_TORCH_NAME = {"kernel": "kernel_size", "stride": "stride", "padding": "padding", "dilation": "dilation",
               "groups": "groups"}


def drawn_settings(op, kind: str, core_in: list, core_out: list, over: list | None) -> dict:
    """What the box draws, as plain data: ``{"kernel": "5", ...}``; sizes as worker expressions.

    ``core_in`` / ``core_out``: the signature's dimensions (expressions); ``over``: the normalised axis's.
    """
    out: dict = {}
    if kind in ("conv", "pool"):
        windowed = op.param("kernel") is not None  # no kernel drawn (a global pooling): no window to compare
        for name in _CONV_SETTINGS:
            value = op.param(name, 1 if name == "groups" else None)
            if value is None or (name == "groups" and kind == "pool") or (name != "groups" and not windowed):
                continue
            out[name] = str(value)
        out["spatial"] = len(core_in[0]) - 1 if kind == "conv" and core_in else None
    elif kind == "norm" and over:
        out["over"] = list(over)
    elif kind == "learned" and len(core_in) == 1 and len(core_out) == 1:
        out["in"], out["out"] = list(core_in[0]), list(core_out[0])
    return out


def compare_settings(box: dict, module, expected_of, backend) -> dict | None:
    """A mismatch naming every setting of ``module`` that disagrees with the box; None when all agree."""
    drawn = box.get("settings") or {}
    if not drawn:
        return None
    found = []  # (setting, diagram text, code text)
    if box["kind"] in ("conv", "pool"):
        found = _conv(drawn, module, expected_of, backend)
    elif box["kind"] == "norm":
        found = _norm(drawn, module, expected_of, backend)
    elif box["kind"] == "learned":
        found = _features(drawn, module, expected_of, backend)
    if not found:
        return None
    from .. import messages as msg

    detail = "; ".join(msg.CHECK_SETTING.format(setting=s, diagram=d, code=c) for s, d, c in found)
    return {"op": box["op"], "status": "mismatch", "setting": True,
            "expected": ", ".join(f"{s} {d}" for s, d, _ in found),
            "got": ", ".join(f"{s} {c}" for s, _, c in found),
            "detail": msg.CHECK_SETTINGS_DIFFER.format(binding=box["binding"], details=detail)}


def _values(value) -> tuple | None:
    """A module setting as a tuple (``3`` or ``(3, 3)``, whole numbers, maybe symbolic); None for ``'same'``."""
    if isinstance(value, (tuple, list)):
        return tuple(value) if all(not isinstance(v, str) for v in value) else None
    return None if isinstance(value, str) else (value,)


def _conv(drawn: dict, module, expected_of, backend) -> list:
    found = []
    for name in _CONV_SETTINGS:
        if name not in drawn or not hasattr(module, _TORCH_NAME[name]):
            continue
        code = _values(getattr(module, _TORCH_NAME[name]))
        if code is None:
            continue
        try:
            want = expected_of({"dims": [drawn[name]]})[0]
        except (TypeError, ValueError, KeyError):
            continue  # a block parameter with no value here
        if not all(backend.equal(c, want) for c in code):
            shown = [backend.show(c) for c in code]
            found.append((name, backend.show(want), shown[0] if len(set(shown)) == 1 else "×".join(shown)))
    return found


def _norm(drawn: dict, module, expected_of, backend) -> list:
    over = expected_of({"dims": drawn["over"]})
    shape = getattr(module, "normalized_shape", None)
    if shape is not None:
        code = list(shape)
        if len(code) != len(over) or not all(backend.equal(c, e, True) for c, e in zip(code, over)):
            return [("normalised axis", _show(over, backend), _show(code, backend))]
        return []
    channels = getattr(module, "num_features", None) or getattr(module, "num_channels", None)
    if channels is not None and len(over) == 1 and not backend.equal(channels, over[0], True):
        return [("normalised axis", _show(over, backend), _show([channels], backend))]
    return []


def _features(drawn: dict, module, expected_of, backend) -> list:
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        code_in, code_out = module.in_features, module.out_features
    elif type(module).__name__ == "Conv1D" and hasattr(module, "nf") and hasattr(module, "nx"):
        code_in, code_out = module.nx, module.nf  # Hugging Face's transposed linear
    else:
        return []
    found = []
    for name, dims, code in (("in features", drawn["in"], code_in), ("out features", drawn["out"], code_out)):
        want = 1
        for d in expected_of({"dims": dims}):
            want = want * d
        if not backend.equal(code, want, True):  # as the shapes: equal at the samples is an assumption
            found.append((name, _show([want], backend), _show([code], backend)))
    return found


def _show(dims, backend) -> str:
    return " ".join(backend.show(d) for d in dims) or "1"
