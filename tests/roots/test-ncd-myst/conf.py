extensions = ["myst_parser", "sphinx_ncd"]
project = "ncd-myst"
numfig = True
myst_fence_as_directive = ["ncd"]
