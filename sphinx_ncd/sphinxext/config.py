"""Sphinx extension (integration): the ``ncd_*`` configuration values.

One table, :data:`CONFIG_VALUES`, names every value with its default, its
rebuild scope and the text that documents it (the README's table is written
from the same words).  ``'env'`` values change what is read (parsing,
checking, the rendered file), so changing them re-reads every document;
``'html'`` values only change how finished diagrams are written out.
:func:`validate` runs on ``config-inited`` and checks every value (type, range,
choices: ``_CHECKS``); a bad one becomes a located ``ncd.config`` warning plus a
safe value -- the default, except that an unclear ``ncd_check`` means ``"off"`` --
never a crash.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.util import logging

from .. import messages as msg
from . import compat

__all__ = ["ConfigValue", "CONFIG_VALUES", "register", "validate", "OUTPUT_FORMATS", "THEMES",
           "CHECK_MODES"]

logger = logging.getLogger(__name__)

#: HTML output: inline SVG (follows the theme's dark-mode toggle), or an ``<img>`` of a file
OUTPUT_FORMATS = ("inline", "svg", "png")
THEMES = ("auto", "light", "dark")
CHECK_MODES = ("auto", "off", "strict")
#: how the checker runs code (sphinx_ncd.check's ``mode``)
CHECK_METHODS = ("auto", "symbolic", "fake", "dynamic", "real")


@dataclass(frozen=True)
class ConfigValue:
    name: str  # the conf.py name
    default: Any  # the value when conf.py does not set it
    rebuild: str  # Sphinx rebuild scope: 'env' (re-read documents) or 'html' (rewrite only)
    types: tuple  # accepted Python types
    doc: str  # one sentence for users (README table)


CONFIG_VALUES: tuple[ConfigValue, ...] = (
    ConfigValue("ncd_output_format", "inline", "html", (str,),
                'HTML output: "inline" (inline SVG that follows the theme\'s dark-mode toggle), '
                '"svg" (an <img> of an SVG file) or "png" (an <img> of a PNG file). '
                "The directive's :format: option overrides it."),
    ConfigValue("ncd_theme", "auto", "html", (str,),
                'Colours: "auto" (dark where the page is dark -- the theme\'s dark mode, as in furo, '
                'pydata-sphinx-theme or sphinx-book-theme -- and light on themes without one), '
                '"light" or "dark". PDF and PNG output use "light" when this is "auto".'),
    ConfigValue("ncd_scale", 1.2, "env", (int, float),
                "Default drawing scale for every diagram (the :scale: option multiplies it); the default 1.2 "
                "shows wire labels at about 13 px, as large as the paper's figures at column width."),
    ConfigValue("ncd_template_path", [], "env", (list, tuple),
                "Directories (relative to conf.py) searched by `use NAME` for NAME.ncd block libraries."),
    ConfigValue("ncd_cache_dir", None, "", (str, type(None)),
                "Where rendered diagrams are cached (relative to conf.py); default <doctreedir>/ncd-cache, "
                "outside the output directory (with sphinx-build -b, whose doctrees are inside it: "
                ".ncd-cache beside the output directory)."),
    ConfigValue("ncd_check", "auto", "env", (str,),
                '"auto": run the shape check of every directive with a :code: option (a mismatch or a failed '
                'run is a warning); "off": never run user code; "strict": a diagram left unchecked '
                '(torch missing, no verdict) is a warning too.'),
    ConfigValue("ncd_check_path", [], "env", (list, tuple),
                "Directories (relative to conf.py) from which :code: import specs are imported, "
                "besides conf.py's own directory."),
    ConfigValue("ncd_check_mode", "auto", "env", (str,),
                'How checks run: "auto" (symbolic fake tensors, then fallbacks), "symbolic", "fake", '
                '"dynamic" or "real" (real tensors at small sizes). The :check-mode: option overrides it.'),
    ConfigValue("ncd_check_timeout", 30.0, "env", (int, float),
                "Seconds one shape check may run before its worker is stopped."),
    ConfigValue("ncd_caption_verdict", True, "env", (bool,),
                "Append the shape-check verdict to the caption of checked diagrams."),
    ConfigValue("ncd_max_width", 736, "env", (int, float, type(None)),
                "Width in px (as shown, after the scale) above which a diagram is folded into rows at memory "
                "states; the default fits furo's 736 px text column. None or 0: never fold. The directive's "
                ":max-width: option overrides it."),
    ConfigValue("ncd_latex_labels", "tex", "", (str,),
                'LaTeX builder: "tex" (labels typeset by the document\'s own TeX run over the drawing, in its '
                'fonts and size, and searchable in the PDF; their sizes are measured in one TeX run of the '
                'document\'s preamble, cached) or "outline" (labels drawn into the PDF as outlines).'),
    ConfigValue("ncd_label_face", "serif", "env", (str,),
                'The face of diagram labels: "serif" (the paper\'s Latin Modern Math italic, the default) or '
                '"sans" (Latin Modern Sans oblique, the look of the first releases).'),
)


def register(app) -> None:
    for value in CONFIG_VALUES:
        compat.add_config_value(app, value.name, value.default, value.rebuild, frozenset(value.types),
                                value.doc)


def _where(app, name: str) -> str | None:
    """``conf.py:LINE`` of the assignment to ``name`` (the file when not found)."""
    path = Path(app.confdir) / "conf.py"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    line = next((i for i, text in enumerate(lines, 1) if pattern.match(text)), 1)
    return f"{path}:{line}"


def validate(app, config) -> None:
    """``config-inited``: every ``ncd_*`` value is checked; a bad one becomes a located warning
    and a safe value (the default, or ``"off"`` for ``ncd_check``: an unclear value never runs code)."""
    for value in CONFIG_VALUES:
        current = getattr(config, value.name)
        try:
            setattr(config, value.name, _CHECKS.get(value.name, _typed(value))(current, app))
        except _Bad as bad:
            safe = _SAFE.get(value.name, value.default)
            logger.warning(msg.SPHINX_BAD_CONFIG.format(name=value.name, value=_shown(current),
                                                        choices=bad.expected, default=safe),
                           type="ncd", subtype="config", location=_where(app, value.name))
            setattr(config, value.name, safe)


class _Bad(Exception):
    def __init__(self, expected: str):
        super().__init__(expected)
        self.expected = expected


def _shown(value) -> Any:
    text = repr(value)
    return value if len(text) <= 80 else _Short(text[:77] + "...")


class _Short(str):
    def __repr__(self) -> str:
        return str(self)


def _typed(value: ConfigValue):
    def check(current, app):
        if isinstance(current, value.types):
            return current
        raise _Bad("a " + " or ".join(t.__name__ for t in value.types))
    return check


def _choice(choices):
    def check(value, app):
        if isinstance(value, str) and value in choices:
            return value
        raise _Bad("one of " + ", ".join(map(repr, choices)))
    return check


def _number(low: float, high: float):
    def check(value, app):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
                and low < value <= high:
            return float(value)
        raise _Bad(f"a number above {low:g} and at most {high:g}")
    return check


def _flag(value, app):
    if isinstance(value, bool):
        return value
    raise _Bad("True or False")


def _directories(value, app):
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, os.PathLike)) for v in value):
        return list(value)
    raise _Bad("a list of directory names")


def _cache_directory(value, app):
    if value is None:
        return None
    if not isinstance(value, (str, os.PathLike)) or not str(value).strip():
        raise _Bad("None or a directory name")
    path = Path(value) if Path(value).is_absolute() else Path(app.confdir) / value
    if path.exists() and not path.is_dir():
        raise _Bad("None or a directory name (it names an existing file)")
    return value


def _fold_width(value, app):
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return value
    raise _Bad("a width in px, or 0 or None (never fold)")


_CHECKS = {
    "ncd_output_format": _choice(OUTPUT_FORMATS),
    "ncd_theme": _choice(THEMES),
    "ncd_scale": _number(0.0, 100.0),
    "ncd_template_path": _directories,
    "ncd_cache_dir": _cache_directory,
    "ncd_check": _choice(CHECK_MODES),
    "ncd_check_path": _directories,
    "ncd_check_mode": _choice(CHECK_METHODS),
    "ncd_check_timeout": _number(0.0, 24 * 3600.0),
    "ncd_caption_verdict": _flag,
    "ncd_max_width": _fold_width,
    "ncd_latex_labels": _choice(("tex", "outline")),
    "ncd_label_face": _choice(("serif", "sans")),
}
#: what a bad value becomes when the default would not be safe
_SAFE = {"ncd_check": "off"}
