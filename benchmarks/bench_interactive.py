"""Benchmark (not a pipeline stage): what interactive HTML diagrams cost.

* bytes: the SVG of the paper's figure 21 (``demo_docs/figures/fig21.ncd``) as
  ``ncd render`` writes it (the anchor) against the interactive SVG a page
  inlines (hooks and metadata); target at most 1.15x;
* bytes: the script and styles every page gets; target at most 5,000;
* time: a no-change rebuild of a site of ``.. ncd::`` diagrams with
  ``ncd_interactive`` on, against the same site with code blocks instead of
  diagrams (the anchor, built in the same run) and against ``ncd_interactive``
  off; target at most 1.10x the anchor.  Site size: ``NCD_BENCH_DIAGRAMS``
  (default here 200), ``NCD_BENCH_RUNS`` (default 3).
"""
from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _bench_sphinx():
    os.environ.setdefault("NCD_BENCH_DIAGRAMS", "200")
    spec = importlib.util.spec_from_file_location("bench_sphinx_for_interactive", HERE / "bench_sphinx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sizes(results: dict) -> None:
    import sphinx_ncd
    from sphinx_ncd.rendering.interactive import render_interactive
    from sphinx_ncd.sphinxext.interactive import page_assets

    path = ROOT / "demo_docs" / "figures" / "fig21.ncd"
    diagram = sphinx_ncd.parse(path.read_text(encoding="utf-8"), filename=path.name)
    plain = len(sphinx_ncd.render(diagram).encode("utf-8"))
    rich = len(render_interactive(diagram, max_width=613.0, sizes=(("y", 20), ("x", 22))).encode("utf-8"))
    assets = {name: len(text.encode("utf-8")) for name, text in page_assets().items()}
    total = sum(assets.values())
    results.update(fig21_svg_bytes=plain, fig21_interactive_bytes=rich, fig21_growth=rich / plain,
                   page_assets_bytes=total, **{f"asset_{k}": v for k, v in assets.items()})
    print(f"  fig 21 SVG: {plain} bytes, interactive {rich} bytes ({rich / plain:.3f}x; target <= 1.15x)")
    print(f"  script + styles per page: {total} bytes ({', '.join(f'{k} {v}' for k, v in assets.items())}; "
          f"target <= 5000)")


def rebuild(results: dict) -> None:
    bench = _bench_sphinx()
    with tempfile.TemporaryDirectory(prefix="ncd-bench-interactive-") as tmp:
        work = Path(tmp)
        code, ncd = bench.make_site(work, "code"), bench.make_site(work, "ncd")
        off = work / "src-off"
        off.mkdir()
        for item in ncd.iterdir():
            (off / item.name).write_text(item.read_text())
        with open(off / "conf.py", "a") as fh:
            fh.write("ncd_interactive = False\n")
        figures = {}
        for name, src in (("code", code), ("interactive", ncd), ("static", off)):
            out = work / f"out-{name}"
            bench.build(src, out)  # the cold build the rebuilds start from
            figures[name] = bench.nochange(src, out)
            print(f"  no-change rebuild {name:12s} {figures[name][0]:6.2f} s wall {figures[name][1]:6.2f} s cpu")
        ratio = figures["interactive"][0] / figures["code"][0]
        cpu = figures["interactive"][1] / figures["code"][1]
        results.update(diagrams=bench.N, nochange_code_s=figures["code"][0],
                       nochange_interactive_s=figures["interactive"][0], nochange_static_s=figures["static"][0],
                       nochange_ratio_wall=ratio, nochange_ratio_cpu=cpu)
        print(f"  interactive against code blocks: {ratio:.2f}x wall, {cpu:.2f}x cpu (target <= 1.10x); "
              f"against ncd_interactive off {figures['interactive'][0] / figures['static'][0]:.2f}x wall")


def main(results: dict) -> None:
    sizes(results)
    rebuild(results)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    main({})
