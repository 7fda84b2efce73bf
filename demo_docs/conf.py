"""Sphinx configuration of the demo site: the paper's neural circuit diagrams,
drawn from their specs and checked against the PyTorch code beside them."""
from __future__ import annotations

import importlib.util
import os

project = "Neural circuit diagrams"
author = "sphinx_ncd"
copyright = "sphinx_ncd authors"
version = release = "0.1"  # an EPUB needs a version (epubcheck RSC-005 on an empty one)

# Maths as SVG images made at build time (LaTeX + dvisvgm), so the pages need no
# script from a CDN and read the same offline.
extensions = ["sphinx_ncd", "sphinx.ext.imgmath"]
imgmath_image_format = "svg"
imgmath_use_preview = True  # baseline alignment with the surrounding text
imgmath_font_size = 14
if importlib.util.find_spec("myst_parser") is not None:
    extensions.append("myst_parser")
    myst_fence_as_directive = ["ncd"]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "code", "**/README.md"]
numfig = True
numfig_format = {"figure": "Fig. %s"}

html_theme = "furo" if importlib.util.find_spec("furo") is not None else "alabaster"
html_title = "Neural circuit diagrams"
html_static_path = ["_static"]
html_css_files = ["math.css"]  # the maths images follow the theme's dark mode

# sphinx_ncd: block libraries for `use NAME`, where :code: import specs are found,
# and the shape-check policy (a failed check is a warning, so -W fails the build).
ncd_template_path = [p for p in ("../templates", "templates") if os.path.isdir(p)]
ncd_check_path = ["code"]
ncd_check = "strict"
# one cache for the HTML and the LaTeX builds, outside both output directories
ncd_cache_dir = "_build/ncd-cache"

latex_engine = "pdflatex"

_SYMBOLS = {
    "√": r"\surd", "→": r"\rightarrow", "←": r"\leftarrow", "·": r"\cdot", "×": r"\times",
    "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "≈": r"\approx", "′": r"^{\prime}", "∑": r"\sum",
    "★": r"\star", "⋆": r"\star", "∘": r"\circ", "⊗": r"\otimes", "⊕": r"\oplus", "∞": r"\infty",
    "ᵀ": r"^{\mathsf{T}}", "²": r"^{2}", "³": r"^{3}", "ⁱ": r"^{i}", "…": r"\ldots", "∈": r"\in",
    "∂": r"\partial", "∇": r"\nabla", "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil",
    "⌉": r"\rceil", "↦": r"\mapsto", "∀": r"\forall", "—": r"\textrm{---}", "–": r"\textrm{--}",
}


def _unicode_preamble() -> str:
    """``\\DeclareUnicodeCharacter`` for every symbol outside Latin-1 that the sources use."""
    import pathlib
    import unicodedata

    here = pathlib.Path(__file__).resolve().parent
    chars = set()
    for path in here.rglob("*"):
        if path.suffix in (".rst", ".md", ".py", ".ncd") and "_build" not in path.parts:
            chars.update(c for c in path.read_text(encoding="utf-8") if ord(c) > 0xFF)
    lines = []
    for c in sorted(chars):
        name = unicodedata.name(c, "")
        if c in _SYMBOLS:
            macro = _SYMBOLS[c]
            body = macro if macro.startswith(r"\textrm") else rf"\ensuremath{{{macro}}}"
        elif name.startswith("GREEK") and " LETTER " in name:
            letter = name.split(" LETTER ")[1].lower().replace("lamda", "lambda")
            if " CAPITAL " in name:
                letter = letter.capitalize()
            body = rf"\ensuremath{{\{letter}}}"
        else:
            body = r"\textrm{?}"  # no glyph in pdflatex's fonts: a visible placeholder, not a failed build
        lines.append(rf"\DeclareUnicodeCharacter{{{ord(c):04X}}}{{{body}}}")
    return "\n".join(lines)

latex_documents = [
    ("index", "neural-circuit-diagrams.tex", "Neural circuit diagrams", "sphinx\\_ncd", "manual"),
]
latex_elements = {
    "papersize": "a4paper",
    "extraclassoptions": "openany",  # chapters start on the next page, not the next right-hand page
    "figure_align": "htbp",
    # Latin Modern, like the diagrams' labels (and in Debian's base TeX Live, unlike tex-gyre)
    "fontpkg": r"\usepackage{lmodern}",
    # pdflatex has no Unicode maths: declare the symbols the pages and the included code use
    "preamble": _unicode_preamble(),
}
