"""Render (stage 4): Scene -> PDF, byte for byte deterministic.

A narrow backend beside :mod:`.svg`, drawing the same scene primitives into
the content stream of a one-page PDF: paths (lines, cubic curves, the
circular arcs of cups, closed polygons), circles, and labels (the outlines
of the shipped fonts' glyphs, filled, plus the rules of overlines and
roots).  The page is the scene's view box, 1 scene unit = 1 CSS px = 0.75 pt
times ``scale``, exactly the page cairosvg gives the SVG route; colours are
one theme's literal colours (light unless ``theme="dark"``).

Deterministic bytes: no creation date, no random ids, one number format
(at most three decimals; six for glyph scales), a fixed object order and
compression level.  Glyph outlines are written inline where they are used
(one content stream compresses them better than one form object per glyph).

Label text is drawn as outlines, as in the cairosvg route's PDF (whose
resolved SVG drops the browser SVG's invisible ``<text>``), so the PDF holds
no text to search or copy.  An invisible text layer would need a font
resource of its own with a ``ToUnicode`` map (an embedded Type 3 font with
empty glyphs would do); it is not written.

What it cannot draw (an unknown primitive, a colour it cannot read, a
non-finite coordinate) raises :class:`Unsupported`; :func:`.api.scene_to`
then draws the whole diagram through SVG and cairosvg instead and says so
with a :class:`PDFFallbackWarning`.
"""
from __future__ import annotations

import math
import re
import zlib
from functools import lru_cache

from ..layout.fonts import glyph as font_glyph
from ..layout.scene import Circle, Group, Path, Scene, Text
from .theme import colour

__all__ = ["Unsupported", "PDFFallbackWarning", "scene_to_pdf", "PT_PER_UNIT"]

PT_PER_UNIT = 0.75  # 1 CSS px in PostScript points, as cairosvg converts

_KAPPA = 0.5522847498  # control-point distance of a quarter circle as a cubic curve, radius 1


class Unsupported(Exception):
    """The scene holds something this backend does not draw."""


class PDFFallbackWarning(UserWarning):
    """A diagram's PDF went through SVG and cairosvg because the PDF backend could not draw it."""


def num(v: float) -> str:
    """The one PDF number format: at most three decimals, no trailing zeros, no negative zero."""
    s = f"{v:.3f}"
    if s[-1] in "nf":  # nan, inf
        raise Unsupported(f"the coordinate {v!r}")
    s = s.rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


@lru_cache(maxsize=256)
def _fine(v: float) -> str:
    """A positive scale factor with six decimals (trailing zeros dropped)."""
    return f"{v:.6f}".rstrip("0").rstrip(".")


_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_RGB = re.compile(r"rgb\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*\)")


@lru_cache(maxsize=256)
def _rgb(c: str) -> str:
    """``"r g b"`` (0..1) of a resolved colour ``#rgb``, ``#rrggbb`` or ``rgb(r, g, b)``."""
    c = c.strip()
    m = _HEX.fullmatch(c)
    if m:
        h = m.group(1)
        if len(h) == 3:
            h = "".join(x * 2 for x in h)
        vals = [int(h[i:i + 2], 16) for i in (0, 2, 4)]
    else:
        m = _RGB.fullmatch(c)
        if not m:
            raise Unsupported(f"the colour {c!r}")
        vals = [min(255, int(g)) for g in m.groups()]
    return " ".join(num(v / 255) for v in vals)


def _arc(x0: float, y0: float, r: float, sweep: int, x1: float, y1: float) -> list[str]:
    """The scene's arc ``("A", r, sweep, x1, y1)`` from (x0, y0) as cubic curve operators.

    It is the SVG arc ``A r r 0 0 sweep x1 y1``: the small arc (large-arc flag 0)
    of a circle of radius ``r`` through both ends, drawn clockwise on the page
    (y down) when ``sweep`` is 1; a radius too small for the chord is scaled up,
    as SVG specifies.
    """
    if r <= 0 or (x0 == x1 and y0 == y1):
        return [f"{num(x1)} {num(y1)} l"]
    dx, dy = (x0 - x1) / 2, (y0 - y1) / 2
    d2 = dx * dx + dy * dy
    if d2 > r * r:
        r = math.sqrt(d2)
    k = math.sqrt(max(0.0, (r * r - d2) / d2))
    if not sweep:  # the centre lies on the side that makes the arc the short way round
        k = -k
    cx = k * dy + (x0 + x1) / 2
    cy = -k * dx + (y0 + y1) / 2
    a0 = math.atan2(y0 - cy, x0 - cx)
    da = math.atan2(y1 - cy, x1 - cx) - a0
    if sweep and da < 0:
        da += 2 * math.pi
    elif not sweep and da > 0:
        da -= 2 * math.pi
    n = max(1, math.ceil(abs(da) / (math.pi / 2) - 1e-9))  # at most a quarter circle per curve
    step = da / n
    t = 4 / 3 * math.tan(step / 4)
    ops = []
    a = a0
    for _ in range(n):
        b = a + step
        ca, sa, cb, sb = math.cos(a), math.sin(a), math.cos(b), math.sin(b)
        pts = (cx + r * (ca - t * sa), cy + r * (sa + t * ca),
               cx + r * (cb + t * sb), cy + r * (sb - t * cb),
               cx + r * cb, cy + r * sb)
        ops.append(" ".join(num(v) for v in pts) + " c")
        a = b
    return ops


_GLYPH_TOKEN = re.compile(r"\s*(?:([MLCQZ])|(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))\s*,?")
_ARITY = {"M": 2, "L": 2, "C": 6, "Q": 4, "Z": 0}


@lru_cache(maxsize=None)
def _glyph_ops(style: str, char: str) -> str:
    """The PDF path operators of one glyph outline (1/1000 em, y up), from the shipped fonts.

    Reads the SVG path data :mod:`..layout.fonts` makes (absolute ``M L C Q Z``,
    repeated arguments allowed); quadratic curves become cubic ones.
    """
    data = font_glyph(style, char).path.strip()
    toks: list[str | float] = []
    pos = 0
    while pos < len(data):
        m = _GLYPH_TOKEN.match(data, pos)
        if not m or m.end() == pos:
            raise Unsupported(f"the glyph outline of {char!r} near {data[pos:pos + 12]!r}")
        toks.append(m.group(1) or float(m.group(2)))
        pos = m.end()
    out: list[str] = []
    cur = start = (0.0, 0.0)
    i = 0
    op = None
    while i < len(toks):
        if isinstance(toks[i], str):
            op = toks[i]
            i += 1
            if op == "Z":
                out.append("h")
                cur = start
                continue
        elif op in (None, "Z"):
            raise Unsupported(f"the glyph outline of {char!r}: a number without a command")
        k = _ARITY[op]
        v = toks[i:i + k]
        if len(v) < k or any(isinstance(x, str) for x in v):
            raise Unsupported(f"the glyph outline of {char!r}: {op} needs {k} numbers")
        i += k
        if op == "M":
            out.append(f"{num(v[0])} {num(v[1])} m")
            cur = start = (v[0], v[1])
            op = "L"  # numbers after a moveto are linetos
        elif op == "L":
            out.append(f"{num(v[0])} {num(v[1])} l")
            cur = (v[0], v[1])
        elif op == "C":
            out.append(" ".join(num(x) for x in v) + " c")
            cur = (v[4], v[5])
        else:  # Q: the cubic curve with the same shape
            qx, qy, x, y = v
            pts = (cur[0] + 2 / 3 * (qx - cur[0]), cur[1] + 2 / 3 * (qy - cur[1]),
                   x + 2 / 3 * (qx - x), y + 2 / 3 * (qy - y), x, y)
            out.append(" ".join(num(c) for c in pts) + " c")
            cur = (x, y)
    return " ".join(out)


_CAPS = {"butt": "0", "round": "1", "square": "2"}


class _Page:
    """The content stream of one page, and the graphics states (opacities) it uses."""

    def __init__(self, dark: bool):
        self.dark = dark
        self.ops: list[str] = []
        self.gstates: dict[tuple[str, str], str] = {}  # (kind, opacity) -> resource name

    def _colour(self, role: str) -> str:
        return _rgb(colour(role, self.dark))

    def _paint(self, fill, stroke, width=1.0, dash=None, cap="butt", opacity=1.0) -> str:
        """Set colours and line state; the operator that paints the path ("n": nothing visible)."""
        ops = self.ops
        if fill:
            ops.append(self._colour(fill) + " rg")
        if stroke:
            ops.append(self._colour(stroke) + " RG")
            ops.append(f"{num(width)} w")
            if dash:
                ops.append("[" + " ".join(num(d) for d in dash) + "] 0 d")
            if cap != "butt":
                if cap not in _CAPS:
                    raise Unsupported(f"the line cap {cap!r}")
                ops.append(_CAPS[cap] + " J")
        if opacity != 1.0:
            # SVG: fill-opacity when filled, else the element's opacity (its stroke)
            key = ("fill" if fill else "all", num(opacity))
            name = self.gstates.setdefault(key, f"G{len(self.gstates)}")
            ops.append(f"/{name} gs")
        if fill and stroke:
            return "B"
        return "f" if fill else ("S" if stroke else "n")

    def path(self, p: Path) -> None:
        body: list[str] = []
        cur = start = (0.0, 0.0)
        for c in p.d:
            op = c[0]
            if op == "M":
                cur = start = (c[1], c[2])
                body.append(f"{num(c[1])} {num(c[2])} m")
            elif op == "L":
                cur = (c[1], c[2])
                body.append(f"{num(c[1])} {num(c[2])} l")
            elif op == "C":
                body.append(" ".join(num(v) for v in c[1:7]) + " c")
                cur = (c[5], c[6])
            elif op == "A":
                body.extend(_arc(cur[0], cur[1], c[1], int(c[2]), c[3], c[4]))
                cur = (c[3], c[4])
            elif op == "Z":
                body.append("h")
                cur = start
            else:
                raise Unsupported(f"the path command {op!r}")
        if not body:
            return
        self.ops.append("q")
        paint = self._paint(p.fill, p.stroke or None, p.width, p.dash, p.cap, p.opacity)
        self.ops.extend(body)
        self.ops.append(paint)
        self.ops.append("Q")

    def circle(self, c: Circle) -> None:
        x, y, r = c.cx, c.cy, c.r
        k = _KAPPA * r
        self.ops.append("q")
        paint = self._paint(c.fill, c.stroke, c.width)
        self.ops.append(f"{num(x + r)} {num(y)} m")
        for pts in ((x + r, y + k, x + k, y + r, x, y + r), (x - k, y + r, x - r, y + k, x - r, y),
                    (x - r, y - k, x - k, y - r, x, y - r), (x + k, y - r, x + r, y - k, x + r, y)):
            self.ops.append(" ".join(num(v) for v in pts) + " c")
        self.ops.append("h " + paint)
        self.ops.append("Q")

    def text(self, t: Text) -> None:
        if not t.fill:
            return
        lab = t.label
        parts: list[str] = []
        for style, ch, gx, gy, size in lab.glyphs:
            ops = _glyph_ops(style, ch)
            if ops:
                s = _fine(size / 1000.0)  # glyph units to scene units: three decimals would not do
                parts.append(f"q {s} 0 0 -{s} {num(t.x + gx)} {num(t.y + gy)} cm {ops} f Q")
        for x0, y, x1, th in lab.rules:
            parts.append(f"{num(t.x + x0)} {num(t.y + y - th / 2)} {num(x1 - x0)} {num(th)} re f")
        if parts:
            self.ops.append("q " + self._colour(t.fill) + " rg")
            self.ops.extend(parts)
            self.ops.append("Q")

    def item(self, it) -> None:
        if isinstance(it, Group):
            for sub in it.items:
                self.item(sub)
        elif isinstance(it, Path):
            self.path(it)
        elif isinstance(it, Circle):
            self.circle(it)
        elif isinstance(it, Text):
            self.text(it)
        else:
            raise Unsupported(f"a scene item of type {type(it).__name__}")


def _pdf_text(s: str) -> str:
    """A PDF text string: literal when printable ASCII, else UTF-16BE hex with a byte order mark."""
    if all(" " <= ch <= "~" for ch in s):
        return "(" + s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"
    return "<feff" + s.encode("utf-16-be").hex() + ">"


def scene_to_pdf(scene: Scene, *, theme: str = "light", scale: float = 1.0) -> bytes:
    """A one-page PDF of ``scene``: the page is its view box times ``scale``; ``theme`` "light" or "dark".

    Raises :class:`Unsupported` for anything it cannot draw.
    """
    if not isinstance(scene, Scene):
        raise Unsupported(f"a {type(scene).__name__} instead of a scene")
    vx, vy, vw, vh = scene.viewbox
    if not (vw > 0 and vh > 0 and math.isfinite(vw) and math.isfinite(vh)):
        raise Unsupported(f"the view box {scene.viewbox!r}")
    if not (scale > 0 and math.isfinite(scale)):
        raise Unsupported(f"the scale {scale!r}")
    page = _Page(theme == "dark")
    s = PT_PER_UNIT * scale
    # scene units, y down, onto points, y up; round joins as the SVG's root group sets them
    page.ops.append(f"{num(s)} 0 0 {num(-s)} {num(-vx * s)} {num((vy + vh) * s)} cm 1 j")
    for it in scene.items:
        page.item(it)
    content = zlib.compress("\n".join(page.ops).encode("ascii"), 3)  # level 3: 6 and up cost 3x the time
    gs = " ".join(f"/{name} << /ca {val}{' /CA ' + val if kind == 'all' else ''} >>"
                  for (kind, val), name in sorted(page.gstates.items(), key=lambda kv: int(kv[1][1:])))
    resources = f"<< /ExtGState << {gs} >> >>" if gs else "<< >>"
    title = " ".join(scene.title.split())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {num(vw * s)} {num(vh * s)}] /Contents 4 0 R "
         f"/Resources {resources} >>").encode("ascii"),
        f"<< /Length {len(content)} /Filter /FlateDecode >>\nstream\n".encode("ascii") + content + b"\nendstream",
        (f"<< {'/Title ' + _pdf_text(title) + ' ' if title else ''}/Producer (sphinx_ncd) >>").encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode("ascii") + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode("ascii")
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n"
            .encode("ascii"))
    return bytes(out)
