"""Sphinx configuration of the demo site: the paper's neural circuit diagrams,
drawn from their specs and checked against the PyTorch code beside them."""
from __future__ import annotations

import importlib.util
import os

project = "Neural circuit diagrams"
author = "sphinx_ncd"
copyright = "sphinx_ncd authors"

extensions = ["sphinx_ncd"]
if importlib.util.find_spec("myst_parser") is not None:
    extensions.append("myst_parser")
    myst_fence_as_directive = ["ncd"]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "code", "**/README.md"]
numfig = True
numfig_format = {"figure": "Fig. %s"}

html_theme = "furo" if importlib.util.find_spec("furo") is not None else "alabaster"
html_title = "Neural circuit diagrams"

# sphinx_ncd: block libraries for `use NAME`, where :code: import specs are found,
# and the shape-check policy (a failed check is a warning, so -W fails the build).
ncd_template_path = [p for p in ("../templates", "templates") if os.path.isdir(p)]
ncd_check_path = ["code"]
ncd_check = "strict"

latex_engine = "pdflatex"
latex_documents = [
    ("index", "neural-circuit-diagrams.tex", "Neural circuit diagrams", "sphinx\\_ncd", "manual"),
]
latex_elements = {
    "papersize": "a4paper",
    "figure_align": "htbp",
    # Latin Modern, like the diagrams' labels (and in Debian's base TeX Live, unlike tex-gyre)
    "fontpkg": r"\usepackage{lmodern}",
}
