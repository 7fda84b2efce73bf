extensions = ["sphinx_ncd"]
project = "ncd-i18n"
numfig = True
ncd_check_path = ["."]
locale_dirs = ["locale"]
gettext_compact = False
# tests build it with language="de" (the catalog in locale/de) and without
