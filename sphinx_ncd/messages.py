"""Messages (shared by every stage): the catalogue of every user-facing message.

Each entry is a ``str.format`` template.  Code raises errors with
``NCDError(msg.UNKNOWN_AXIS.format(...), span, kind="shape")``; no message text
is written anywhere else, so wording stays consistent and can be reviewed in
one place.  Keep each stage's messages in its own section.
"""

# --- syntax -----------------------------------------------------------------

# --- model: names, sizes, signatures, shape inference ----------------------

# --- layout and render -------------------------------------------------------

# --- shape checking ------------------------------------------------------------

# --- Sphinx extension --------------------------------------------------------------

# --- LaTeX package and ncd-latex ----------------------------------------------------

# --- command line ----------------------------------------------------------------------
