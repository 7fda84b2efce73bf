"""``python3 -m sphinx_ncd.latex <jobname>``: the same as ``ncd-latex`` (integration stage)."""
import sys

from ..cli.latex_cmd import main

sys.exit(main())
