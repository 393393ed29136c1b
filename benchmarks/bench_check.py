"""What `convviz check` costs: 200 cases on the plain-loop examples/student_conv.py.

Side by side in one run, best of ``--repeat`` interleaved runs:

* **calls only**: the student's ``conv2d`` called on the same 200 configurations a
  check draws (drawn beforehand), nothing else: the floor any check pays;
* **check, passes**: ``check_conv2d(conv2d)``: draw, call, compare with ``convviz.conv2d``;
* **check, fails**: the example with its kernel flipped: the 200 cases, then the
  diagnosis (every wrong convention against every answered case), the shrinking to the
  smallest failure and the core's trace of the failing cell;
* **check of convviz.conv2d**: the check on a fast vectorised function, i.e. what
  convviz itself adds per check.

    python benchmarks/bench_check.py [--cases 200] [--repeat 5] [--write-readme]
"""
from __future__ import annotations

import argparse
import os
import platform

from benchlib import ROOT, best_times, write_table  # first: puts this checkout on the path

import convviz
from convviz.testing import check_conv2d
from convviz.testing.cases import draw_conv_case
from convviz.testing.check import drawn_cases

EXAMPLE = ROOT / "examples" / "student_conv.py"
FEATURES = frozenset({"padding", "stride", "dilation", "bias", "channels", "filters"})


def _load(source: str):
    namespace = {"__name__": "student"}
    exec(compile(source, str(EXAMPLE), "exec"), namespace)
    return namespace["conv2d"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()

    source = EXAMPLE.read_text()
    student = _load(source)
    flipped = _load(source.replace("kernel[u, v, c, f]", "kernel[kh - 1 - u, kw - 1 - v, c, f]"))
    draw = lambda choose, size: draw_conv_case(choose, "keras", FEATURES, size)  # noqa: E731
    calls = [(case.args, case.options) for case in drawn_cases(draw, args.cases, 0)]

    def calls_only():
        for (x, kernel), options in calls:
            student(x, kernel, **options)

    def check(fn):
        return lambda: check_conv2d(fn, features=FEATURES, cases=args.cases)

    contenders = [("calls only (the student's conv2d on the same cases)", calls_only),
                  ("check, passes (examples/student_conv.py)", check(student)),
                  ("check, fails (kernel flipped): + diagnosis, shrinking, trace", check(flipped)),
                  ("check of convviz.conv2d (vectorised)", check(convviz.conv2d))]
    times = best_times([fn for _, fn in contenders], args.repeat)
    failing = check_conv2d(flipped, features=FEATURES, cases=args.cases)
    lines = [
        f"`convviz check` on {args.cases} cases, layout keras, features "
        f"{', '.join(sorted(FEATURES))}; best of {args.repeat} interleaved runs on this "
        f"machine ({os.cpu_count()} CPU cores, {platform.machine()}, load average "
        f"{os.getloadavg()[0]:.1f} while measured), by `benchmarks/bench_check.py`:",
        "",
        "| run | seconds | vs calls only |",
        "|---|---:|---:|",
    ]
    for (name, _), seconds in zip(contenders, times):
        lines.append(f"| {name} | {seconds:.3f} | {seconds / times[0]:.2f}x |")
    lines += ["", f"The failing run calls the function {args.cases} times plus the shrinking "
                  f"calls, and finds: {failing.convention} ({failing.failed} of "
                  f"{failing.cases} cases fail)."]
    text = "\n".join(lines)
    print(text)
    if args.write_readme:
        print("updated", write_table(text, "bench-check"))


if __name__ == "__main__":
    main()
