extensions = ["sphinx_ncd"]
project = "ncd-errors"
numfig = True
