"""The gallery's derivative figures write the loss as \\mathcal{L} (the paper's 𝓛)."""
from sphinx_ncd.layout import mathtext


def test_mathcal_gives_script_capitals():
    assert mathtext.plain_text(r"D\mathcal{L}") == "Dℒ"
    assert mathtext.plain_text(r"\mathcal{A}") == "\U0001d49c"
    assert mathtext.plain_text(r"\mathbb{E}") == "𝔼"          # unchanged
    assert "mathcal" not in mathtext.plain_text(r"R\mathcal{L}")
