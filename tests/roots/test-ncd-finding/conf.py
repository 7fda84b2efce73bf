extensions = ["sphinx_ncd"]
project = "ncd-finding"
ncd_check_path = ["."]
