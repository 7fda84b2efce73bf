"""Render (stage 4): Scene -> SVG text, byte for byte deterministic.

A narrow backend: paths, circles, labels (glyph outlines from the shipped
fonts, defined once in ``<defs>`` and placed with ``<use>``) and groups.
Numbers use one fixed format; every id starts with a prefix derived from a
hash of the drawing itself, so two figures inlined in one page never clash and
the same diagram always gives the same bytes.

A scene laid out only to be written (``render()``) carries its primitives as parts not yet moved into
place (:attr:`~sphinx_ncd.layout.scene.Scene.parts`); the writer moves each coordinate as it writes it, with the
same sums as moving the primitives, so both give the same bytes.

Two flavours:

* ``resolved=False`` (the default, for browsers): colours are CSS custom
  properties (``--ncd-ink`` ...) set on the root; ``theme="auto"`` draws light
  unless an ancestor marks the page dark (``data-theme="dark"`` as furo,
  pydata-sphinx-theme and sphinx-book-theme set it, or ``data-theme="auto"``
  with the reader's system in dark mode), so a page without a dark mode keeps
  dark ink on its white background; the background is transparent;
  label text is kept as invisible ``<text>`` for search and selection, and
  ``<title>`` / ``aria-label`` name the figure for screen readers.
* ``resolved=True`` (for cairosvg, which ignores CSS variables): the same
  drawing with literal colours of one theme and no CSS.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from xml.sax.saxutils import escape

from ..layout.fonts import glyph as font_glyph
from ..layout.glyph_parts import OVER
from ..layout.pieces import _moved_cmds
from ..layout.scene import Circle, Group, Path, Scene, Text
from .theme import colour, is_literal

__all__ = ["scene_to_svg", "num"]

_PREFIX = "\x00P"  # replaced by the content-hash prefix once the body is known
#: finds :data:`_PREFIX` (``re``'s literal search is about twice as quick as ``str.replace`` over a long body)
_PREFIX_RE = re.compile(re.escape(_PREFIX))


def _num(v: float) -> str:
    s = f"{v:.2f}"
    if s[-1] == "0":
        s = s[:-3] if s[-2] == "0" else s[:-1]
    return "0" if s == "-0" else s


class _Numbers(dict):
    """value -> its text (``_NUMS[v]``): a drawing repeats its coordinates (rows, columns, widths) many times."""

    def __missing__(self, v: float) -> str:
        if len(self) > 65536:
            self.clear()
        s = f"{v:.2f}"  # (:func:`_num`, inline: most moved coordinates are new)
        if s[-1] == "0":
            s = s[:-3] if s[-2] == "0" else s[:-1]
        if s == "-0":
            s = "0"
        self[v] = s
        return s


_NUMS = _Numbers()


def num(v: float) -> str:
    """The one number format: at most two decimals, no trailing zeros, no negative zero."""
    return _NUMS[v]


def _attr(s: str) -> str:
    return escape(s, {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(s: str) -> str:
    """Drop characters XML 1.0 cannot carry."""
    return _XML_BAD.sub("", s)


class _Writer:
    def __init__(self, resolved: bool, dark: bool, data: bool = False):
        self.resolved = resolved
        self.dark = dark
        self.data = data  # interactive HTML: data-w / data-op hooks (see rendering/interactive.py)
        self.out: list[str] = []
        self.glyph_ids: dict[tuple[str, str], str] = {}
        self.glyph_defs: list[str] = []
        self.roles: dict[str, str] = {}  # role or literal -> css variable suffix
        self.texts: list[str] = []
        self.paints: dict = {}  # (fill, stroke) -> the attribute text painting them
        self.fills: dict = {}  # fill role -> the attribute text painting it (labels)
        self.tails: dict = {}  # a path's (fill, stroke, width, dash, opacity, cap) -> its attributes after ``d``
        self.kinds = {Group: self.group, Path: self.path, Circle: self.circle, Text: self.text}
        self.placed = _PLACED.setdefault((resolved, dark, self.data), {})  # see :meth:`group`
        self.placing = False  # writing a placed group to remember: the groups inside it are written plainly

    def _var(self, role: str) -> str:
        if role not in self.roles:
            self.roles[role] = ("c" + role.lstrip("#").lower()) if is_literal(role) else role
        return self.roles[role]

    def paint(self, prop: str, role: str | None) -> str:
        """The attribute text painting ``prop`` (fill / stroke) with ``role``."""
        if not role:
            return f' {prop}="none"'
        if self.resolved:
            return f' {prop}="{colour(role, self.dark)}"'
        return f' style="{prop}:var(--ncd-{self._var(role)})"'

    def fill(self, role: str | None) -> str:
        """:meth:`paint` of ``fill``, kept per role."""
        out = self.fills.get(role)
        if out is None:
            out = self.fills[role] = self.paint("fill", role)
        return out

    def paint2(self, fill: str | None, stroke: str | None) -> str:
        key = (fill, stroke)
        out = self.paints.get(key)
        if out is None:
            if self.resolved or not fill or not stroke:
                out = self.paint("fill", fill) + self.paint("stroke", stroke)
            else:
                out = f' style="fill:var(--ncd-{self._var(fill)});stroke:var(--ncd-{self._var(stroke)})"'
            self.paints[key] = out
        return out

    def glyph_def(self, style: str, char: str):
        key = (style, char)
        if key not in self.glyph_ids:
            g = font_glyph(style, char)
            gid = _glyph_id(style, char)
            self.glyph_ids[key] = gid
            if g.path:
                self.glyph_defs.append(f'<path id="{gid}" d="{g.path}"/>')

    # --- primitives -----------------------------------------------------------------------

    def path(self, p: Path, d_text: str | None = None):
        key = (p.fill, p.stroke, p.width, p.dash, p.opacity, p.cap)
        tail = self.tails.get(key)
        if tail is None:
            tail = self.tails[key] = self._tail(p)
        d = _d_text(p.d) if d_text is None else d_text
        self.out.append(f'<path d="{d}"{tail}{self.hook(p)}/>' if self.data else f'<path d="{d}"{tail}/>')

    def _tail(self, p: Path) -> str:
        """The attributes of a path after its ``d``: its paint, stroke width, dashes, opacity and caps."""
        n = _NUMS
        a = self.paint2(p.fill, p.stroke or None)
        if p.stroke:
            a += f' stroke-width="{n[p.width]}"'
        if p.dash:
            a += f' stroke-dasharray="{" ".join(n[v] for v in p.dash)}"'
        if p.opacity != 1.0:
            a += f' {"fill-opacity" if p.fill else "opacity"}="{n[p.opacity]}"'
        if p.cap != "butt":
            a += f' stroke-linecap="{p.cap}"'
        return a

    def moved(self, it, offs) -> None:
        """``it`` moved by each (dx, dy) of ``offs`` in turn, written without making the moved copy: the numbers
        are those :func:`~sphinx_ncd.layout.pieces.translate_by` gives (a scene made by :func:`render`)."""
        kind = type(it)
        if kind is Path:
            if len(offs) == 2:  # a glyph in a placed piece: moved twice, without the copy in between
                (ax, ay), (bx, by) = offs
                self.path(it, _d_text_moved2(it.d, ax, ay, bx, by))
                return
            d = it.d
            for dx, dy in offs[:-1]:
                d = _moved_cmds(d, dx, dy)
            dx, dy = offs[-1]
            self.path(it, _d_text_moved(d, dx, dy))
        elif kind is Group:
            self.group(it, offs)
        elif kind is Text or kind is Circle:
            x, y = (it.x, it.y) if kind is Text else (it.cx, it.cy)
            for dx, dy in offs:
                x += dx
                y += dy
            if kind is Text:
                self.text(it, x, y)
            else:
                self.circle(it, x, y)

    def circle(self, c: Circle, cx: float | None = None, cy: float | None = None):
        if cx is None:
            cx, cy = c.cx, c.cy
        a = f'<circle cx="{num(cx)}" cy="{num(cy)}" r="{num(c.r)}"'
        a += self.paint2(c.fill, c.stroke)
        if c.stroke:
            a += f' stroke-width="{num(c.width)}"'
        self.out.append(a + "/>")

    def text(self, t: Text, x: float | None = None, y: float | None = None):
        if x is None:
            x, y = t.x, t.y
        lab = t.label
        inner, keys, plain = _label_parts(lab)
        if not inner:
            return
        for key in keys:
            if key not in self.glyph_ids:
                self.glyph_def(*key)
        n = _NUMS
        self.out.append(f'<g{self.fill(t.fill)}{self.hook(t) if self.data else ""} '
                        f'transform="translate({n[x]} {n[y]})">{inner}</g>')
        if not self.resolved and plain:
            self.texts.append(
                f'<text x="{n[x]}" y="{n[y]}" font-size="{n[lab.size]}" textLength="{n[max(lab.width, 0.01)]}" '
                f'lengthAdjust="spacingAndGlyphs">{plain}</text>')

    def hook(self, it) -> str:
        """``data-w="<value>.<row>"`` on a wire or its axis label, when writing for interactive HTML."""
        if self.data and it.role in ("wire", "label", "arrow") and it.owner.startswith("wire:"):
            return f' data-w="{it.owner[5:]}"'
        if self.data and it.role == "wire" and OVER + ":" in it.owner:  # a broadcast wire drawn over a box
            return f' data-w="{it.owner.rpartition(":")[2]}"'
        return ""

    def item(self, it):
        write = self.kinds.get(type(it))
        if write is not None:
            write(it)

    def group(self, it: Group, offs=()):
        """A group's ``<g>``; a placed one (a glyph or fence moved into its piece) as written before, when the same
        primitives were placed at the same offsets by this kind of writer (see :data:`_PLACED`)."""
        if not offs or self.placing:
            self._group(it, offs)
            return
        key = (it.role, it.owner, it.title, offs, tuple(map(id, it.items)))
        placed = self.placed
        hit = placed.get(key)
        if hit is not None and hit is not _SEEN:
            self._replay(hit)
            return
        n, t = len(self.out), len(self.texts)
        self.placing = True
        try:
            self._group(it, offs)
        finally:
            self.placing = False
        if hit is None:  # met once: only remembered (most groups of a first render are not met again)
            if len(placed) >= _PLACED_MAX:
                placed.clear()
            placed[key] = _SEEN
            return
        markup = "".join(self.out[n:])
        del self.out[n:]
        self.out.append(markup)
        keys, roles = _group_uses(it)
        placed[key] = (it.items, markup, keys, roles, tuple(self.texts[t:]))  # (the items: their ids stay theirs)

    def _replay(self, hit) -> None:
        """What writing a placed group did (:meth:`group`): its markup, the glyphs and colours it uses, its text."""
        _, markup, keys, roles, texts = hit
        glyph_ids = self.glyph_ids
        for key in keys:
            if key not in glyph_ids:
                self.glyph_def(*key)
        if not self.resolved:
            for role in roles:
                if role not in self.roles:
                    self._var(role)
        self.out.append(markup)
        self.texts.extend(texts)

    def _group(self, it: Group, offs=()):
        cls = f' class="ncd-{it.role}"' if it.role else ""
        if self.data and it.role == "op" and it.owner.startswith("op:"):
            cls += f' data-op="{it.owner[3:]}"'
        self.out.append(f"<g{cls}>")
        if it.title and not self.resolved:
            self.out.append(_title(it.title))
        if offs:
            for sub in it.items:
                self.moved(sub, offs)
        else:
            kinds = self.kinds
            for sub in it.items:
                write = kinds.get(type(sub))
                if write is not None:
                    write(sub)
        self.out.append("</g>")


#: per writer kind (resolved, dark, data): (role, owner, title, offsets, ids of the items) of a placed group ->
#: _SEEN once met, then (its items, kept alive so their ids stay theirs; its markup; the (style, char) of each
#: label glyph it writes, in order; the colour roles it paints; its invisible texts)
_PLACED: dict = {}
_PLACED_MAX = 4096
_SEEN = object()


def _group_uses(group: Group) -> tuple:
    """The (style, char) of each glyph the group's labels write, in writing order, and the colour roles its
    primitives paint (what :meth:`_Writer.text` and :meth:`_Writer.paint` note as they write)."""
    keys, roles = [], set()
    stack = list(reversed(group.items))
    while stack:
        it = stack.pop()
        kind = type(it)
        if kind is Group:
            stack.extend(reversed(it.items))
            continue
        if kind is Text:
            if _label_parts(it.label)[0]:
                keys += _label_parts(it.label)[1]
            if it.fill:
                roles.add(it.fill)
        elif kind is Path or kind is Circle:
            for role in (it.fill, it.stroke):
                if role:
                    roles.add(role)
    return tuple(keys), tuple(sorted(roles))


def _title(title: str) -> str:
    """A group's ``<title>`` element (kept per title: an operation's is written at each render)."""
    out = _TITLES.get(title)
    if out is None:
        if len(_TITLES) > 8192:
            _TITLES.clear()
        out = _TITLES[title] = f"<title>{escape(_clean(title))}</title>"
    return out


_TITLES: dict = {}


_LABELS: dict = {}  # id(label) -> (label, its parts): labels are measured once and shared (mathtext's cache)


def _label_parts(lab) -> tuple:
    """(the label's ``<use>`` / ``<rect>`` markup, the (style, char) of each glyph, its plain text escaped for a
    ``<text>``, or "" when it has none)."""
    hit = _LABELS.get(id(lab))
    if hit is not None and hit[0] is lab:
        return hit[1]
    if len(_LABELS) > 8192:
        _LABELS.clear()
    parts = (_label_markup(lab), tuple(dict.fromkeys((style, ch) for style, ch, _, _, _ in lab.glyphs)),
             escape(_clean(lab.text)) if lab.text.strip() else "")
    _LABELS[id(lab)] = (lab, parts)  # the label is kept: its id is not reused while it is here
    return parts


def _d_text(d) -> str:
    """A path's ``d`` attribute."""
    n = _NUMS
    out = []
    for c in d:
        op = c[0]
        if op == "L" or op == "M":
            out.append(f"{op}{n[c[1]]} {n[c[2]]}")
        elif op == "C":
            out.append(f"C{n[c[1]]} {n[c[2]]} {n[c[3]]} {n[c[4]]} {n[c[5]]} {n[c[6]]}")
        elif op == "A":
            r = n[c[1]]
            out.append(f"A{r} {r} 0 0 {int(c[2])} {n[c[3]]} {n[c[4]]}")
        elif op == "Z":
            out.append("Z")
    return "".join(out)


def _d_text_moved(d, dx: float, dy: float) -> str:
    """:func:`_d_text` of the path moved by (dx, dy)."""
    n = _NUMS
    out = []
    for c in d:
        op = c[0]
        if op == "L" or op == "M":
            out.append(f"{op}{n[c[1] + dx]} {n[c[2] + dy]}")
        elif op == "C":
            out.append(f"C{n[c[1] + dx]} {n[c[2] + dy]} {n[c[3] + dx]} {n[c[4] + dy]} {n[c[5] + dx]} {n[c[6] + dy]}")
        elif op == "A":
            r = n[c[1]]
            out.append(f"A{r} {r} 0 0 {int(c[2])} {n[c[3] + dx]} {n[c[4] + dy]}")
        elif op == "Z":
            out.append("Z")
    return "".join(out)


def _d_text_moved2(d, ax: float, ay: float, bx: float, by: float) -> str:
    """:func:`_d_text` of the path moved by (ax, ay), then by (bx, by) (the same sums as moving it twice)."""
    n = _NUMS
    out = []
    for c in d:
        op = c[0]
        if op == "L" or op == "M":
            out.append(f"{op}{n[c[1] + ax + bx]} {n[c[2] + ay + by]}")
        elif op == "C":
            out.append(f"C{n[c[1] + ax + bx]} {n[c[2] + ay + by]} {n[c[3] + ax + bx]} {n[c[4] + ay + by]} "
                       f"{n[c[5] + ax + bx]} {n[c[6] + ay + by]}")
        elif op == "A":
            r = n[c[1]]
            out.append(f"A{r} {r} 0 0 {int(c[2])} {n[c[3] + ax + bx]} {n[c[4] + ay + by]}")
        elif op == "Z":
            out.append("Z")
    return "".join(out)


def _glyph_id(style: str, char: str) -> str:
    """A stable id per glyph: the same letter has the same id in every figure (prefixed per figure)."""
    return f"{_PREFIX}-{style[0]}{style[-1]}{ord(char):x}"


@lru_cache(maxsize=4096)
def _label_markup(lab) -> str:
    """The ``<use>`` and ``<rect>`` elements of one label, relative to its baseline origin."""
    parts = []
    for style, ch, gx, gy, size in lab.glyphs:
        if not font_glyph(style, ch).path:
            continue
        gid = _glyph_id(style, ch)
        sc = size / 1000.0
        parts.append(f'<use href="#{gid}" xlink:href="#{gid}" transform="matrix({num4(sc)} 0 0 {num4(-sc)} '
                     f'{num(gx)} {num(gy)})"/>')
    for x0, y, x1, th in lab.rules:
        parts.append(f'<rect x="{num(x0)}" y="{num(y - th / 2)}" width="{num(x1 - x0)}" height="{num(th)}"/>')
    return "".join(parts)


def num4(v: float) -> str:
    s = f"{v:.4f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _css(pid: str, roles: dict[str, str], theme: str) -> str:
    def block(dark: bool) -> str:
        out = []
        for role, var in sorted(roles.items(), key=lambda kv: kv[1]):
            out.append(f"--ncd-{var}:{colour(role, dark)}")
        return ";".join(out)

    sel = f"#{pid}"
    text = f"{sel} text{{fill:transparent;font-family:sans-serif;white-space:pre}}"
    if theme == "light":
        return f"{sel}{{{block(False)}}}" + text
    if theme == "dark":
        return f"{sel}{{{block(True)}}}" + text
    light, dark = block(False), block(True)
    # light unless the page says it is dark (see DARK_PAGE): a page without a dark
    # mode stays white when the reader's system is dark, so the ink must stay dark
    dark_page = ",".join(f"{marker} {sel}" for marker in DARK_PAGE)
    auto = ",".join(f"{marker} {sel}" for marker in AUTO_PAGE)
    return (f"{sel}{{{light}}}"
            f"{dark_page}{{{dark}}}"
            f"@media (prefers-color-scheme:dark){{{auto}{{{dark}}}}}" + text)


#: ancestors that mark a dark page: pydata-sphinx-theme and sphinx-book-theme
#: (``html[data-theme]``), furo's toggle (``body[data-theme]``), JupyterLab,
#: VS Code, and a plain ``dark`` class for any other page
DARK_PAGE = ('[data-theme="dark"]', '[data-jp-theme-light="false"]', ".vscode-dark", ".dark")
#: ancestors of a page that follows the reader's system setting (furo's default)
AUTO_PAGE = ('[data-theme="auto"]',)


def scene_to_svg(scene: Scene, *, theme: str = "auto", scale: float = 1.0, id_prefix: str | None = None,
                 resolved: bool = False, data: bool = False) -> str:
    """The SVG text of ``scene``.  ``resolved`` writes literal colours of ``theme`` (cairosvg input); ``data``
    marks wires, axis labels and boxes for the interactive HTML page (``data-w``, ``data-op``)."""
    dark = theme == "dark"
    w = _Writer(resolved, dark, data and not resolved)
    if scene.parts:  # placed lazily: each part moved as it is written
        for offs, items in scene.parts:
            for it in items:
                if offs:
                    w.moved(it, offs)
                else:
                    w.item(it)
    else:
        for it in scene.items:
            w.item(it)
    vx, vy, vw, vh = scene.viewbox
    body = "".join(w.out)
    defs = "<defs>" + "".join(w.glyph_defs) + "</defs>" if w.glyph_defs else ""
    title = _clean(scene.title)
    desc = _clean(scene.description)
    texts = ('<g aria-hidden="true">' + "".join(w.texts) + "</g>") if w.texts else ""
    # the digest of their concatenation, hashed part by part (no copy of the whole text made for it)
    digest = hashlib.sha1(body.encode("utf-8"))
    for part in (defs, texts, title, desc, theme, repr(scene.viewbox)):
        digest.update(part.encode("utf-8"))
    pid = id_prefix or f"ncd-{digest.hexdigest()[:10]}"
    style = "" if resolved else f"<style>{_css(pid, w.roles, theme)}</style>"
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
            f'id="{_attr(pid)}" class="ncd-diagram" role="img" '
            f'aria-label="{_attr(desc or title)}" '
            f'viewBox="{num(vx)} {num(vy)} {num(vw)} {num(vh)}" '
            f'width="{num(vw * scale)}" height="{num(vh * scale)}">')
    # the placeholder is replaced in each part (none ends in its first character, so none spans two parts)
    apid = _attr(pid)
    put, literal = _PREFIX_RE.sub, apid.replace("\\", "\\\\")  # (a backslash in the template: itself)
    return "".join(put(literal, part) for part in (
        head, f'<title id="{_attr(pid)}-title">{escape(title)}</title>', f"<desc>{escape(desc)}</desc>" if desc else "",
        style, defs, '<g fill="none" stroke-linejoin="round">', body, "</g>", texts, "</svg>\n"))
