"""Syntax stage (stage 1 of syntax -> model -> layout -> render): spec text to AST.

:func:`parse_spec` turns spec text into a :class:`~sphinx_ncd.syntax.ast.Spec`
whose every node keeps its :class:`~sphinx_ncd.errors.Span`.  The lexer
(:mod:`.lexer`) is hand written and line oriented; the parser (:mod:`.parser`)
is recursive descent.  Nothing here knows about shapes, geometry or torch.
"""
from .parser import parse_spec

__all__ = ["parse_spec"]
