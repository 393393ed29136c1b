"""How long `convviz explore` takes and how big its page is, with the model cached.

Two measurements, both with the article's simple_cnn already in the cache (trained
first if it is not; that time is printed and not counted):

1. End to end, as a user runs it: ``python -m convviz explore --out F`` in a fresh
   process (Python start, TensorFlow import, model load, both parts, the write),
   interleaved with ``--no-model`` runs (part 1 only, no TensorFlow), best of N.
2. In one process, where the time goes: importing Keras, loading the cached model,
   part 1's data, part 2's data, building and writing the page.

    python benchmarks/bench_explore.py [--repeat 3] [--write-readme]

The machine's load moves the numbers (2 shared cores here); the ratio of the two
end-to-end runs is the steadier figure.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchlib import ROOT, write_table  # noqa: E402


def _run(args, out: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "convviz", "explore", "--out", str(out), *args],
                   check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def _phases(out: Path) -> tuple[dict, int]:
    """Seconds of each phase in THIS process; call it before anything imports Keras."""
    times = {}
    start = time.perf_counter()
    import keras  # noqa: F401

    times["import Keras/TensorFlow"] = time.perf_counter() - start
    from convviz.explore.arithmetic import arithmetic_data
    from convviz.explore.network import network_data
    from convviz.explore.page import build_html, write_page
    from convviz.train import load_trained

    start = time.perf_counter()
    model = load_trained("simple_cnn", verbose=0)
    times["load the cached simple_cnn"] = time.perf_counter() - start
    start = time.perf_counter()
    data = {"arith": arithmetic_data()}
    times["part 1: 2 examples x 120 settings, traced"] = time.perf_counter() - start
    start = time.perf_counter()
    data["net"] = network_data(model, description="simple_cnn")
    times["part 2: 10 digits through every layer"] = time.perf_counter() - start
    start = time.perf_counter()
    page = write_page(out, build_html(data), overwrite=True)
    times["build and write the page"] = time.perf_counter() - start
    return times, page.stat().st_size


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--write-readme", action="store_true",
                        help="put the table into README.md between the bench-explore markers")
    parser.add_argument("--phases-json", metavar="FILE.html", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phases_json:                        # the child process of the breakdown
        times, size = _phases(Path(args.phases_json))
        print(json.dumps({"times": times, "size": size}))
        return 0

    from convviz.train import is_cached, load_trained

    if not is_cached("simple_cnn"):
        start = time.perf_counter()
        load_trained("simple_cnn", verbose=0)
        print(f"trained simple_cnn first ({time.perf_counter() - start:.0f} s, not counted)")

    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        full, part1 = Path(tmp) / "full.html", Path(tmp) / "part1.html"
        runs = {"full": [], "part1": []}
        for _ in range(args.repeat):
            runs["full"].append(_run([], full))
            runs["part1"].append(_run(["--no-model"], part1))
        sizes = {"full": full.stat().st_size, "part1": part1.stat().st_size}
        child = subprocess.run([sys.executable, __file__, "--phases-json",
                                str(Path(tmp) / "phases.html")],
                               check=True, capture_output=True, text=True)
        result = json.loads(child.stdout.strip().splitlines()[-1])
        phases, phase_size = result["times"], result["size"]

    best = {k: min(v) for k, v in runs.items()}
    lines = [
        f"`convviz explore`, best (median) of {args.repeat} interleaved runs in a fresh process, "
        f"simple_cnn cached, on this machine ({os.cpu_count()} CPU cores, {platform.machine()}, "
        f"load average {load:.1f} when the runs began); measured by "
        "`benchmarks/bench_explore.py`:",
        "",
        "| page | seconds | page size |",
        "|---|---:|---:|",
        f"| default (part 1 + simple_cnn, 10 digits) | {best['full']:.1f} "
        f"({statistics.median(runs['full']):.1f}) | {sizes['full'] / 1e6:.1f} MB |",
        f"| `--no-model` (part 1 only, no TensorFlow) | {best['part1']:.1f} "
        f"({statistics.median(runs['part1']):.1f}) | {sizes['part1'] / 1e6:.1f} MB |",
        "",
        f"The default page takes {best['full'] / best['part1']:.0f}x the part-1-only time. "
        "Where it goes, in one process: "
        + "; ".join(f"{name} {seconds:.1f} s" for name, seconds in phases.items())
        + f" ({phase_size / 1e6:.1f} MB).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_readme:
        print(f"wrote {write_table(text, 'bench-explore')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
