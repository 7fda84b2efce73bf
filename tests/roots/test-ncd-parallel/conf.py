extensions = ["sphinx_ncd"]
project = "ncd-parallel"
numfig = True
