"""Benchmarks (not a pipeline stage): run every ``bench_*.py`` here and print figures.

    python3 benchmarks/run.py            # all benchmarks
    python3 benchmarks/run.py parse      # only bench_parse.py

Each module defines ``main(results: dict) -> None``: it prints its figures
(medians, and ratios against an anchor measured in the same run) and stores
them in ``results``.  Everything is written to ``benchmarks/results/latest.json``
so a later run can be compared with this one.
"""
from __future__ import annotations

import importlib.util
import json
import pathlib
import platform
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    wanted = set(argv)
    results: dict = {"python": platform.python_version(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    for path in sorted(HERE.glob("bench_*.py")):
        name = path.stem.removeprefix("bench_")
        if wanted and name not in wanted:
            continue
        print(f"== {name} ==", flush=True)
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        section: dict = {}
        module.main(section)
        results[name] = section
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2, sort_keys=True, default=str))
    print(f"results written to {out.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main(sys.argv[1:]))
