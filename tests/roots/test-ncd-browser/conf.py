import importlib.util

extensions = ["sphinx_ncd"]
project = "ncd-browser"
numfig = True
html_theme = "furo" if importlib.util.find_spec("furo") else "alabaster"
html_static_path = ["_static"]
# lets a test pick furo's explicit light/dark toggle with ?theme=dark / ?theme=light
html_js_files = ["pick-theme.js"]
