"""Render (stage 4): colour themes.

Layout names colours by role ("ink", "learned", "index"...); a theme maps each
role to a light and a dark colour.  Literal colours in the scene (a fence's
``#ffe2bb``) get a dark variant by blending toward the dark background, so a
figure stays readable when the page turns dark.
"""
from __future__ import annotations

__all__ = ["LIGHT", "DARK", "colour", "dark_variant"]

LIGHT = {
    "ink": "#111111",
    "paper": "#ffffff",
    "learned": "#e8eeeb",
    "index": "#2a6fd6",
    "index-text": "#ffffff",
    "conv": "#a9e3ff",
    "alert": "#d62728",
    "tangent": "#c0560e",
    "shadow": "#000000",
    "extrude": "#d6d6d6",
    "fence": "#dbdfef",
    "fence-edge": "#8c8c8c",
    "legend": "#eeeeee",
    "legend-edge": "#9a9a9a",
    "muted": "#5f5f5f",
    "note": "#fff1a8",
    "note-edge": "#b59a2a",
    "block": "#c8ec9c",  # a configured component's header box: the paper's green Block(s, N)
    "block-side": "#9fcf6a",
}

DARK = {
    "ink": "#e4e4e4",
    "paper": "#202124",
    "learned": "#34443c",
    "index": "#4d8ff2",
    "index-text": "#ffffff",
    "conv": "#2b6580",
    "alert": "#ff6b6b",
    "tangent": "#ff9f50",
    "shadow": "#000000",
    "extrude": "#4a4c52",
    "fence": "#363b52",
    "fence-edge": "#7a7a7a",
    "legend": "#2b2d31",
    "legend-edge": "#6a6a6a",
    "muted": "#a8a8a8",
    "note": "#4a4322",
    "note-edge": "#b8a35a",
    "block": "#3c5a2a",
    "block-side": "#2c4220",
}

DARK_BACKGROUND = "#1b1c1f"


def _rgb(h: str) -> tuple[int, int, int]:
    h = h.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def dark_variant(hex_colour: str, amount: float = 0.32) -> str:
    """``hex_colour`` blended toward the dark background (keeps its hue, loses its glare)."""
    try:
        r, g, b = _rgb(hex_colour)
    except ValueError:
        return hex_colour
    br, bg, bb = _rgb(DARK_BACKGROUND)
    mix = [round(c * amount + d * (1 - amount)) for c, d in zip((r, g, b), (br, bg, bb))]
    return "#" + "".join(f"{c:02x}" for c in mix)


def is_literal(c: str) -> bool:
    return c.startswith("#") or c.startswith("rgb")


def colour(role: str, dark: bool) -> str:
    """The concrete colour of a role (or a literal) in one theme."""
    if is_literal(role):
        return dark_variant(role) if dark else role
    table = DARK if dark else LIGHT
    return table.get(role, table["ink"])
