extensions = ["sphinx_ncd"]
project = "ncd-fold"
