"""LaTeX integration: where a diagram's main wire sits, for ``align=wire``.

``ncd.sty`` raises a diagram so that its main wire lies on the math axis (the
height of the bar of ``=``), which lines up ``diagram = diagram`` in an
equation.  It needs the wire's height as a fraction of the PDF page's height,
measured from the bottom.  It is read from the laid-out scene (whose view box
is the PDF page): the main wire is the middle one of the wires entering at the
left edge.  When it cannot tell, ``None`` is returned and ``ncd.sty`` centres
the diagram.
"""
from __future__ import annotations

__all__ = ["fraction_from_scene"]


def fraction_from_scene(sc) -> float | None:
    from ..layout.scene import Path, path_points

    x0, y0, w, h = sc.viewbox
    if h <= 0:
        return None
    starts: list[tuple[float, float]] = []
    for item in sc.walk():
        if isinstance(item, Path) and item.role == "wire" and item.d:
            pts = path_points(item.d)
            if pts:
                starts.append(min(pts))  # the wire's leftmost point
    if not starts:
        return None
    left = min(x for x, _ in starts)
    ys = sorted({round(y, 3) for x, y in starts if x <= left + 1.0})
    y = ys[(len(ys) - 1) // 2]
    value = (y0 + h - y) / h
    return value if 0.0 <= value <= 1.0 else None

