extensions = ["sphinx_ncd"]
project = "ncd-themes"
copyright = "2026, sphinx_ncd"
version = release = "1.0"
html_theme = "alabaster"  # tests override it: sphinx_rtd_theme, pydata_sphinx_theme, furo
html_static_path = ["_static"]
# writes the size of every diagram and its box into <body data-ncd-measure="...">
html_js_files = ["measure.js"]
