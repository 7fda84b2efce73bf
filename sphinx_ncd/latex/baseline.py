"""LaTeX integration: where a diagram's main wire sits, for ``align=wire``.

``ncd.sty`` raises a diagram so that its main wire lies on the math axis (the
height of the bar of ``=``), which lines up ``diagram = diagram`` in an
equation.  It needs the wire's height as a fraction of the PDF's height,
measured from the bottom; this module asks the renderer for it.  When the
renderer cannot say, ``None`` is returned and the diagram is centred instead.
"""
from __future__ import annotations

__all__ = ["wire_fraction"]


def wire_fraction(diagram) -> float | None:
    try:
        from ..render import api
    except ImportError:
        return None
    fn = getattr(api, "main_wire_fraction", None)
    if fn is None:
        return None
    try:
        value = fn(diagram)
    except Exception:  # alignment is a nicety; the drawing itself is what counts
        return None
    if value is None:
        return None
    value = float(value)
    return value if 0.0 <= value <= 1.0 else None
