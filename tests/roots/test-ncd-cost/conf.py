extensions = ["sphinx_ncd"]
project = "ncd-cost"
numfig = True
latex_documents = [("index", "ncdcost.tex", "ncd cost", r"sphinx\_ncd", "howto")]
latex_elements = {"fontpkg": r"\usepackage{lmodern}"}
