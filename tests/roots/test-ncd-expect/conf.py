extensions = ["sphinx_ncd"]
project = "ncd-expect"
numfig = True
ncd_check_path = ["code"]
