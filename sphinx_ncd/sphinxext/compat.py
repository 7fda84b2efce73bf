"""Sphinx extension (integration): the few Sphinx APIs that differ between supported versions.

sphinx_ncd supports Sphinx 7.2 to the newest release (CI builds a small
project with the oldest and the newest).  Everything version-dependent goes
through this module, so the rest of the extension is written against one API:

* ``app.add_config_value(..., description=...)`` exists from Sphinx 7.4;
* ``env.current_document`` exists from Sphinx 8.2 (before: ``env.docname``,
  backed by ``env.temp_data``);
* ``SphinxDirective.parse_inline`` exists from Sphinx 7.4 (before: the
  state's ``inline_text``);
* ``env.app`` is deprecated from Sphinx 9 (``env._builder_cls`` names the
  builder there; before, only ``env.app.builder`` does).
"""
from __future__ import annotations

import inspect

__all__ = ["add_config_value", "builder_name", "docname", "parse_inline", "OLDEST_SPHINX"]

#: the oldest Sphinx release this package is tested with (pyproject.toml's lower bound)
OLDEST_SPHINX = (7, 2, 6)


def _accepts(fn, name: str) -> bool:
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):  # a builtin or a mock without a signature
        return False


def add_config_value(app, name: str, default, rebuild: str, types, description: str) -> None:
    """``app.add_config_value`` with the description where this Sphinx takes one."""
    kwargs = {"types": types}
    if _accepts(app.add_config_value, "description"):
        kwargs["description"] = description
    app.add_config_value(name, default, rebuild, **kwargs)


def docname(env) -> str:
    """The name of the document being read."""
    current = getattr(env, "current_document", None)
    if current is not None and getattr(current, "docname", None):
        return current.docname
    return env.docname


def parse_inline(directive, text: str):
    """(inline nodes, system messages) of ``text`` at the directive's line."""
    if hasattr(directive, "parse_inline"):
        return directive.parse_inline(text)
    return directive.state.inline_text(text, directive.lineno)


def builder_name(env) -> str:
    """The name of the builder running (``html``, ``latex``, ...), without Sphinx 9's deprecated ``env.app``."""
    cls = getattr(env, "_builder_cls", None)
    name = getattr(cls, "name", None)
    if isinstance(name, str) and name:
        return name
    return env.app.builder.name
