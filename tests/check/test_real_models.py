"""Checking real models: no false alarms on correct code, no wrong diagram accepted."""
from __future__ import annotations

R = "ncd_check_models.real"

MLP_LET = """block MLP(d)
let f = 4d
input X: b t d
H = L+[fc1] X : d -> f
H = relu H
Y = L+[fc2] H : f -> d
output Y
"""

HEADS_LET = """block Heads(d, h)
let e = d/h
input X: b t d
Y = L+[qkv] X : d -> 3 h e
output Y
"""

MLP_FREE = """block MLP(d, f)
input X: b t d
H = L+[fc1] X : d -> f
H = relu H
Y = L+[fc2] H : f -> d
output Y
"""

BLOCK_USED = """block MLP(d, f) {
  input X: b d
  H = L+[fc1] X : d -> f
  H = relu H
  Y = L+[fc2] H : f -> d
  output Y
}
input X: n t m
Y = MLP(m, 2m)[mlp] X
output Y
"""

CONV = """tandem Y
input X: b c Y
A = conv+[c1] X over Y : c -> k kernel 5 padding 2
output A
"""


def test_let_sizes_reach_the_checker(run, parse):
    report = run(parse(MLP_LET), f"{R}:MLP(d=d, f=4*d)")
    assert report.status == "proved", report.format()
    report = run(parse(HEADS_LET), f"{R}:Heads(d=d, h=h)")
    assert report.status == "proved", report.format()
    # and a let still catches code that disagrees with it
    report = run(parse(MLP_LET), f"{R}:MLP(d=d, f=2*d)")
    assert report.status == "mismatch" and "L+[fc1]" in report.summary, report.format()


def test_literal_constructor_sizes_are_taken_as_the_diagram_sizes(run, parse):
    report = run(parse(MLP_FREE), f"{R}:MLP(d=512, f=1376)")
    assert report.status == "proved", report.format()
    assert "the code's call fixes d=512, f=1376" in " ".join(report.notes)


def test_literals_under_other_names_get_a_hint_to_pass_the_sizes(run, parse):
    report = run(parse(MLP_FREE), f"{R}:Renamed(width=512, hidden=1376)")
    assert report.status in ("error", "mismatch"), report.format()
    if report.status == "error":
        assert "give the diagram those sizes (--sizes" in (report.error.hint or ""), report.format()


def test_sizes_no_wire_shows_reach_the_constructor(run, parse):
    diagram = parse("input X: b t d\nY = L+[qkv] X : d -> 3 d\noutput Y\n")
    report = run(diagram, f"{R}:Fused(d=d, n_head=nh)", {"nh": 4})
    assert report.status == "proved", report.format()


def test_boxes_inside_a_block_used_by_name_are_checked(run, parse):
    wrong = run(parse(BLOCK_USED), f"{R}:Outer(m=m, k=4)")
    assert wrong.status == "mismatch", wrong.format()
    assert wrong.mismatch.name == "L+[fc1] in mlp"
    assert wrong.mismatch.span.line == 3  # the box's own line in the block
    assert "expected n t 2m" in wrong.summary
    right = run(parse(BLOCK_USED), f"{R}:Outer(m=m, k=2)")
    assert right.status == "proved", right.format()
    assert [b.name for b in right.boxes] == ["MLP(m, 2m)[mlp]", "L+[fc1] in mlp", "L+[fc2] in mlp"]


def test_conv_settings_are_compared_at_the_box(run, parse):
    report = run(parse(CONV), f"{R}:Conv(c=c, k=k, kernel=7, padding=3)")
    assert report.status == "mismatch", report.format()
    assert report.mismatch.name == "conv+[c1]"
    assert "kernel: diagram 5, code 7" in report.mismatch.detail
    assert "padding: diagram 2, code 3" in report.mismatch.detail
    assert report.error.span.line == 3
    assert "\\star" not in report.format()
    for code in (f"{R}:Conv(c=c, k=k, stride=1)", f"{R}:Conv(c=c, k=k, groups=c)"):
        report = run(parse(CONV), code, {"c": 4, "k": 8})
        assert report.status == ("proved" if "groups" not in code else "mismatch"), report.format()
    assert "groups: diagram 1, code c" in report.mismatch.detail
    assert run(parse(CONV), f"{R}:Conv(c=c, k=k)").status == "proved"


def test_layer_norm_axis_is_compared_with_over(run, parse):
    spec = "input X: b a c\nY = norm[ln] X over a\noutput Y\n"
    report = run(parse(spec), f"{R}:Normed(a=c)")
    assert report.status == "mismatch", report.format()
    assert "normalised axis: diagram a, code c" in report.mismatch.detail
    assert run(parse("input X: b c a\nY = norm[ln] X over a\noutput Y\n"), f"{R}:Normed(a=a)").status == "proved"


def test_strided_convolutions_over_separate_axes_need_no_assumption(run, parse):
    spec = ("input X: b c p q\nA = conv[c1] X over p q : c -> k kernel 5 stride 2\n"
            "A = conv[c2] A over p q : k -> k kernel 3 stride 2\noutput A\n")
    report = run(parse(spec), f"{R}:Strided(c=c, k=k)")
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, c, p, q, k"


def test_an_assumption_equating_two_axes_is_a_finding(run, parse):
    from check_specs import SDPA

    report = run(parse(SDPA), "ncd_check_models.attention:sdpa_transposed")
    assert report.status == "proved_if"
    assert report.findings and "y = x" in report.findings[0]
    assert report.exit_status == 1
    fine = run(parse(SDPA), "ncd_check_models.attention:sdpa")
    assert not fine.findings and fine.exit_status == 0


def test_a_binding_selects_one_element_of_a_returned_tuple(run, parse):
    spec = "input X: b t d\nY = L+[attn:0] X : d -> d\noutput Y\n"
    report = run(parse(spec), f"{R}:Wrapped(d=d)")
    assert report.status == "proved", report.format()
    assert report.boxes[0].name == "L+[attn:0]"
    whole = run(parse("input X: b t d\nY = L+[attn] X : d -> d\noutput Y\n"), f"{R}:Wrapped(d=d)")
    assert whole.status == "mismatch", whole.format()  # without :0 the box is the whole tuple


def test_a_forward_template_passes_more_inputs_and_picks_an_element(run, parse):
    spec = "input X: b d, B: b d\nY = L+[proj] X : d -> d\nZ = add Y B\noutput Z\n"
    report = run(parse(spec), f"{R}:Needs(config(d=d))(X, B, scale=2)[0]")
    assert report.status == "proved", report.format()
    assert report.summary == "proved for every b, d"
