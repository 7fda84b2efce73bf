"""Sphinx extension (integration): what the directive and the writers need of the build.

A small frozen record set on ``builder-inited`` and kept on the environment
(``env.ncd_context``), so the directive (which sees ``env``) and the writers
(which see ``builder.env``) reach the same cache directory and builder format
without touching the application object.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .cache import cache_dir, pipeline_fingerprint

__all__ = ["Context", "init", "context"]


@dataclass(frozen=True)
class Context:
    cache: Path  # where rendered files live (outside the output directory)
    builder_format: str  # "html", "latex", "texinfo", "text", "man", ...
    confdir: str  # the directory of conf.py (configured paths are relative to it)
    fingerprint: str  # package version + pipeline source digest (part of every cache key)


def init(app) -> None:
    """``builder-inited``; also sets the labels' face (``ncd_label_face``) for this process and the readers
    it forks, and makes it part of every cache key."""
    from ..layout.mathtext import set_default_face

    face = getattr(app.config, "ncd_label_face", "serif")
    set_default_face(face)
    app.env.ncd_context = Context(cache=cache_dir(app.config, app.confdir, app.doctreedir, app.outdir),
                                  builder_format=getattr(app.builder, "format", ""),
                                  confdir=str(app.confdir), fingerprint=pipeline_fingerprint() + "-" + face)


def context(env) -> Context:
    return env.ncd_context
