"""Scheduling (model stage): parallel operations of one kind share a step, and a copy is drawn in the groups its
uses share -- what makes the paper's multi-head attention and residual block compact."""
from __future__ import annotations

from pathlib import Path

import sphinx_ncd

ROOT = Path(__file__).resolve().parents[2]


def _steps(d):
    return [[(op.kind, op.label) for op in s.ops] for s in d.sections if s.kind == "step"]


QKV = ("input E: y m, X: x m\n"
       "Q = L^Q[q] E : m -> k\nK = L^K[k] X : m -> k\nV = L^V[v] X : m -> k\n"
       "S = einsum Q K : y k, x k -> y x\nO = einsum S V : y x, x k -> y k\noutput O\n")


def test_a_map_on_an_uncopied_input_waits_for_its_siblings_on_a_copied_one():
    steps = _steps(sphinx_ncd.parse(QKV))
    assert steps[0] == [("copy", "")]
    assert steps[1] == [("learned", "L^Q"), ("learned", "L^K"), ("learned", "L^V")]


def test_maps_whose_results_are_outputs_line_up_too():
    text = "input E: y m, X: x m\nQ = L^Q E : m -> k\nK = L^K X : m -> k\nV = L^V X : m -> k\n"
    steps = _steps(sphinx_ncd.parse(text))
    assert steps == [[("copy", "")], [("learned", "L^Q"), ("learned", "L^K"), ("learned", "L^V")]]


def test_multihead_attention_draws_its_three_maps_in_one_column():
    d = sphinx_ncd.parse((ROOT / "demo_docs" / "figures" / "fig21.ncd").read_text(encoding="utf-8"))
    labels = [[op.label for op in s.ops] for s in d.sections if s.kind == "step"]
    assert ["L^Q", "L^K", "L^V"] in labels


SHORTCUT = ("input X: a\nR = L[f1] X : a -> a\nR = relu R\nR = L[f2] R : a -> a\nR = L[f3] R : a -> a\n"
            "S = L[s] X : a -> a\nY = add R S\noutput Y\n")


def test_a_shortcut_map_stays_beside_the_first_map_of_the_main_path():
    steps = _steps(sphinx_ncd.parse(SHORTCUT))
    assert steps[0] == [("copy", "")]
    assert sorted(steps[1]) == [("learned", "L"), ("learned", "L")]  # f1 and the shortcut s


def test_a_map_that_may_not_wait_keeps_its_step():
    # Q's result is used in the very next step: it cannot wait for the copy
    text = "input E: m, X: m\nQ = L[q] E : m -> k\nP = relu Q\nK = L[k] X : m -> k\nV = L[v] X : m -> k\n" \
           "output P, K, V\n"
    steps = _steps(sphinx_ncd.parse(text))
    assert ("learned", "L") in steps[0] and ("copy", "") in steps[0]


def test_a_copy_lies_in_the_fence_all_its_uses_lie_in():
    text = ('input X: x m\nfence "F" {\n  K = L[k] X : m -> k\n  V = L[v] X : m -> k\n}\noutput K, V\n')
    d = sphinx_ncd.parse(text)
    copy = next(op for op in d.panels[0].operations if op.kind == "copy")
    fence = next(g for g in d.panels[0].groups if g.kind == "fence")
    assert copy.groups == (fence.id,)


def test_a_copy_used_both_inside_and_outside_a_fence_stays_outside():
    text = ('input X: x m\nfence "F" {\n  K = L[k] X : m -> k\n}\nV = L[v] X : m -> k\noutput K, V\n')
    d = sphinx_ncd.parse(text)
    copy = next(op for op in d.panels[0].operations if op.kind == "copy")
    assert copy.groups == ()


def test_a_residual_blocks_copy_lies_inside_its_repetition():
    """The ResNet block (fig 26): the value the first addition makes is used twice inside the repetition that
    follows, so each pass copies it -- the copy is inside the repetition's brackets, as the paper draws it."""
    d = sphinx_ncd.parse((ROOT / "demo_docs" / "figures" / "fig26.ncd").read_text(encoding="utf-8"))
    block = dict(d.blocks)["Block"]
    repeat = next(g.id for g in block.groups if g.kind == "repeat")
    copies = [op for op in block.operations if op.kind == "copy"]
    assert [repeat in op.groups for op in copies] == [False, True]  # the shortcut's copy, the repetition's


def test_a_copy_leaves_the_fence_its_uses_lie_outside_of():
    """The U-Net (fig 27): the double convolution's result is saved and pooled, both outside that fence but in
    the repetition; the copy is drawn there too, so a fold may cut before it (three wires, not six)."""
    d = sphinx_ncd.parse((ROOT / "demo_docs" / "figures" / "fig27.ncd").read_text(encoding="utf-8"))
    panel = d.panels[0]
    kinds = {g.id: g.kind for g in panel.groups}
    copy = next(op for op in panel.operations if op.kind == "copy")
    assert [kinds[g] for g in copy.groups] == ["repeat"]


def test_a_copy_whose_uses_are_in_other_fences_keeps_its_producers():
    text = ('input X: m\nfence "A" {\n  X = relu X\n}\nfence "B" {\n  K = L[k] X : m -> k\n}\n'
            'fence "C" {\n  V = L[v] X : m -> k\n}\noutput K, V\n')
    panel = sphinx_ncd.parse(text).panels[0]
    copy = next(op for op in panel.operations if op.kind == "copy")
    assert copy.groups == ()  # the uses share no fence: the copy lies between them, outside A
