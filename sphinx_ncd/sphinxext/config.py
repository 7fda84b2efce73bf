"""Sphinx extension (integration): the ``ncd_*`` configuration values.

One table, :data:`CONFIG_VALUES`, names every value with its default, its
rebuild scope and the text that documents it (the README's table is written
from the same words).  ``'env'`` values change what is read (parsing,
checking, the rendered file), so changing them re-reads every document;
``'html'`` values only change how finished diagrams are written out.
:func:`validate` runs on ``config-inited`` and turns a bad value into a
located ``ncd.config`` warning plus the default, never a crash.
"""
from __future__ import annotations

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
)


def register(app) -> None:
    for value in CONFIG_VALUES:
        compat.add_config_value(app, value.name, value.default, value.rebuild, frozenset(value.types),
                                value.doc)


_CHOICES = {
    "ncd_output_format": OUTPUT_FORMATS,
    "ncd_theme": THEMES,
    "ncd_check": CHECK_MODES,
    "ncd_check_mode": CHECK_METHODS,
}


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
    """``config-inited``: replace a value outside its choices by the default, with a warning."""
    defaults = {v.name: v.default for v in CONFIG_VALUES}
    for name, choices in _CHOICES.items():
        value = getattr(config, name)
        if value not in choices:
            logger.warning(msg.SPHINX_BAD_CONFIG.format(name=name, value=value,
                                                        choices=", ".join(map(repr, choices)),
                                                        default=defaults[name]),
                           type="ncd", subtype="config", location=_where(app, name))
            setattr(config, name, defaults[name])
    if config.ncd_max_width is not None and not config.ncd_max_width >= 0:
        logger.warning(msg.SPHINX_BAD_CONFIG.format(name="ncd_max_width", value=config.ncd_max_width,
                                                    choices="a width in px, or 0 or None (never fold)",
                                                    default=736),
                       type="ncd", subtype="config", location=_where(app, "ncd_max_width"))
        config.ncd_max_width = 736
    if config.ncd_scale <= 0:
        logger.warning(msg.SPHINX_BAD_CONFIG.format(name="ncd_scale", value=config.ncd_scale,
                                                    choices="a positive number", default=1.0),
                       type="ncd", subtype="config", location=_where(app, "ncd_scale"))
        config.ncd_scale = 1.0
