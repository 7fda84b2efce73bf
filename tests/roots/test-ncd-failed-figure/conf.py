extensions = ["sphinx_ncd"]
numfig = True
