import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
extensions = ["sphinx.ext.autodoc", "sphinx_ncd"]
project = "ncd-autodoc"
