extensions = ["sphinx_ncd"]
project = "ncd-notes"
latex_documents = [("index", "ncdnotes.tex", "ncd notes", r"sphinx\_ncd", "howto")]
latex_elements = {"fontpkg": r"\usepackage{lmodern}"}  # TeX Live from Debian without tex-gyre
