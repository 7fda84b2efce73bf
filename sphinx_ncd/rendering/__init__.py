"""Render (stage 4): Scene -> SVG (``svg``) and PDF (``pdf``); PNG through cairosvg.

:mod:`sphinx_ncd.rendering.api` is the stage's entry point; the public
``sphinx_ncd.render(diagram, format=...)`` delegates to it.
"""
