"""Sphinx extension (integration): the ``.. ncd::`` option converters.

docutils converters (``directives.*``) where one exists, small ones of our own
otherwise; each raises ``ValueError`` with a readable message, which docutils
(and myst-parser) turn into an error located at the directive.
"""
from __future__ import annotations

import re

from docutils.parsers.rst import directives

from .. import messages as msg
from .config import CHECK_METHODS, OUTPUT_FORMATS, THEMES

__all__ = ["OPTION_SPEC", "EXPECTATIONS", "align", "theme", "output_format", "scale", "sizes", "on_off",
           "expectation"]


def align(argument: str) -> str:
    return directives.choice(argument, ("left", "center", "right"))


def theme(argument: str) -> str:
    return directives.choice(argument, THEMES)


def output_format(argument: str) -> str:
    value = directives.choice(argument, (*OUTPUT_FORMATS, "img"))
    return "svg" if value == "img" else value


def scale(argument: str) -> float:
    """``1.5``, ``150%`` or ``150`` (a docutils-style percentage when > 10)."""
    text = (argument or "").strip()
    percent = text.endswith("%")
    try:
        value = float(text.rstrip("%").strip())
    except ValueError:
        raise ValueError(f"scale must be a positive number or a percentage, not {argument!r}") from None
    if percent or value > 10:
        value /= 100.0
    if not 0 < value <= 100:  # also refuses nan and inf
        raise ValueError(f"scale must be a positive number up to 100 (10000%), not {argument!r}")
    return value


_SIZE = re.compile(r"([A-Za-z_\\][\w\\']*)\s*=\s*(\d+)")


def sizes(argument: str) -> tuple[tuple[str, int], ...]:
    """``y=20 x=22`` (spaces or commas between pairs) -> (("y", 20), ("x", 22))."""
    text = (argument or "").replace(",", " ").strip()
    pairs = []
    for item in text.split():
        match = _SIZE.fullmatch(item)
        if not match:
            raise ValueError(msg.SPHINX_BAD_SIZES.format(text=argument))
        pairs.append((match.group(1), int(match.group(2))))
    if not pairs:
        raise ValueError(msg.SPHINX_BAD_SIZES.format(text=argument))
    return tuple(pairs)


def max_width(argument: str) -> float:
    """``736``, ``736px``; ``none`` (or ``0``): never fold.  0.0 stands for never."""
    text = (argument or "").strip().lower()
    if text in ("none", "off", "no"):
        return 0.0
    try:
        value = float(text[:-2] if text.endswith("px") else text)
    except ValueError:
        raise ValueError(f"max-width must be a width in px or 'none', not {argument!r}") from None
    if value < 0:
        raise ValueError(f"max-width must not be negative, not {argument!r}")
    return value


def check_mode(argument: str) -> str:
    return directives.choice(argument, CHECK_METHODS)


def on_off(argument: str) -> bool:
    value = directives.choice((argument or "on").lower(), ("on", "off", "yes", "no", "true", "false"))
    return value in ("on", "yes", "true")


def check_option(argument: str):
    """``:check:``: on / off (a bool), or ``values`` (the shape check, then the value check)."""
    if (argument or "").strip().lower() == "values":
        return "values"
    try:
        return on_off(argument)
    except ValueError:
        raise ValueError(msg.SPHINX_BAD_CHECK.format(value=argument)) from None


#: the verdicts ``:expect:`` accepts (a figure that shows a mistake the checker must catch)
EXPECTATIONS = ("mismatch", "error", "proved_if", "proved", "checked")


def expectation(argument: str) -> tuple[str | None, str]:
    """``:expect:``'s value -> (status or None when unknown, the text as written).

    ``proved if`` and ``proved-if`` are read as ``proved_if``.  An unknown value is
    not a docutils option error but an ``ncd.config`` warning at the directive
    (the directive reports it), so the diagram is still drawn and checked.
    """
    text = " ".join((argument or "").split())
    value = text.lower().replace("-", "_").replace(" ", "_")
    return (value if value in EXPECTATIONS else None), text


OPTION_SPEC = {
    # standard figure options (graphviz, mermaid, image)
    "alt": directives.unchanged,
    "align": align,
    "caption": directives.unchanged,
    "name": directives.unchanged,
    "class": directives.class_option,
    "width": directives.length_or_percentage_or_unitless,
    "height": directives.length_or_unitless,
    "scale": scale,
    "max-width": max_width,  # fold into rows above this width (px as shown)
    # drawing
    "theme": theme,
    "format": output_format,
    # shape checking (sphinx_ncd.check)
    "code": directives.unchanged_required,
    "sizes": sizes,
    "check": check_option,
    "check-mode": check_mode,
    "expect": directives.unchanged,  # validated by the directive (a located ncd.config warning)
    # cost analysis (sphinx_ncd.cost): sizes, machine=NAME, bytes=N; validated by the directive
    "cost": directives.unchanged,
    # the generated reference module (sphinx_ncd.codegen) shown under the figure
    "show-code": directives.flag,
}
