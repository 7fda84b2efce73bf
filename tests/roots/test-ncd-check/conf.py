extensions = ["sphinx_ncd"]
project = "ncd-check"
numfig = True
ncd_check_path = ["."]
