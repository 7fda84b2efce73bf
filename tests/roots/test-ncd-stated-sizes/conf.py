extensions = ["sphinx_ncd"]
project = "ncd-stated-sizes"
