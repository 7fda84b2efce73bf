extensions = ["sphinx_ncd"]
project = "ncd-basic"
numfig = True
latex_documents = [("index", "ncdbasic.tex", "ncd basic", r"sphinx\_ncd", "howto")]
texinfo_documents = [("index", "ncdbasic", "ncd basic", "sphinx_ncd", "ncdbasic", "test", "Misc")]
man_pages = [("index", "ncdbasic", "ncd basic", ["sphinx_ncd"], 1)]
latex_elements = {"fontpkg": r"\usepackage{lmodern}"}  # TeX Live from Debian without tex-gyre
