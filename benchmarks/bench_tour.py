"""How long `convviz tour` takes: a first run from an empty cache, then a re-run.

Both runs are ``python -m convviz tour`` in a subprocess, timed from outside (Python
start-up and every import included, the package install excluded), with a fresh
cache (``CONVVIZ_HOME``) so the first run trains the models and renders every scene.
The phases come from the tour's own ``tour.json``, with the CPU seconds of each: the
main process's (TensorFlow's threads included) and each scene's in its worker.
"CPU s" is the user + system time of the whole run, workers included, which bounds
what a quiet machine can do: at best ``CPU s / cores`` of wall time. Under load the
wall times stretch but the CPU seconds stay roughly true.

    python benchmarks/bench_tour.py [--jobs N] [--quality medium] [--quick]
                                    [--home DIR] [--write-readme]

Run it alone on a quiet machine; the load average before and after each run is
printed so that a number measured under load says so.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time

from benchlib import write_table

PHASES = ("startup", "data", "model", "figures", "scenes", "render", "total")
CPU = ("startup_cpu", "model_cpu", "figures_cpu", "main_cpu", "render_cpu")


def run_tour(out: pathlib.Path, home: pathlib.Path, extra: list[str]) -> dict:
    """One ``convviz tour`` run: wall and CPU seconds, load averages and its tour.json."""
    env = dict(os.environ, CONVVIZ_HOME=str(home), TF_CPP_MIN_LOG_LEVEL="2")
    load_before = os.getloadavg()[0]
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "convviz", "tour", "--out", str(out), *extra],
                          env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"bench_tour: the tour failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return {"wall": wall, "cpu": cpu, "load": (load_before, os.getloadavg()[0]),
            "manifest": json.loads((out / "tour.json").read_text())}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, help="worker processes (default: the tour's)")
    parser.add_argument("--quality", choices=("low", "medium", "high"))
    parser.add_argument("--quick", action="store_true", help="time `convviz tour --quick`")
    parser.add_argument("--home", type=pathlib.Path,
                        help="an empty folder for the cache (default: a temporary one)")
    parser.add_argument("--write-readme", action="store_true",
                        help="put the table into README.md between the bench-tour markers")
    args = parser.parse_args(argv)
    extra = (["--quick"] if args.quick else []) + (
        ["--jobs", str(args.jobs)] if args.jobs else []) + (
        ["--quality", args.quality] if args.quality else [])

    with tempfile.TemporaryDirectory(prefix="convviz-bench-tour-") as scratch:
        home = args.home or pathlib.Path(scratch) / "home"
        if home.exists() and any(home.iterdir()):
            sys.exit(f"bench_tour: --home must be an empty folder, got {str(home)!r}")
        out = pathlib.Path(scratch) / "out"
        runs = {}
        for name in ("first run", "re-run"):
            print(f"{name}: convviz tour {' '.join(extra)} ...", flush=True)
            runs[name] = run_tour(out, home, extra)
            r = runs[name]
            print(f"  {r['wall']:.1f} s wall, {r['cpu']:.1f} CPU s, load average "
                  f"{r['load'][0]:.1f} before, {r['load'][1]:.1f} after", flush=True)

    first = runs["first run"]["manifest"]
    settings = first["settings"]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    videos = [i for i in first["items"] if i["kind"] == "video"]
    size = f"{videos[0]['width']}x{videos[0]['height']}" if videos else "no videos"
    lines = [
        f"`convviz tour{' ' + ' '.join(extra) if extra else ''}` ({settings['epochs']} "
        f"epoch{'s' if settings['epochs'] != 1 else ''}, videos {size}) on this machine ({cores} CPU cores), measured by "
        "`benchmarks/bench_tour.py`: wall seconds from the command's start (imports "
        "included, package install excluded), an empty cache for the first run. \"scenes\" "
        "counts from the start and overlaps the model and figures; \"render\" adds up the "
        "scenes' own render times in the worker processes.",
        "",
        "| run | wall s | CPU s | load avg start-end | " + " | ".join(PHASES) + " |",
        "|---|---:|---:|---:|" + "---:|" * len(PHASES),
    ]
    for name, r in runs.items():
        t = r["manifest"]["times"]
        lines.append(f"| {name} | {r['wall']:.0f} | {r['cpu']:.0f} | "
                     f"{r['load'][0]:.1f}-{r['load'][1]:.1f} | "
                     + " | ".join(f"{t[p]:.1f}" if p in t else "" for p in PHASES) + " |")
    lines += ["", "CPU seconds: the main process by phase, and the scenes' workers:", "",
              "| run | " + " | ".join(c.replace("_cpu", "") for c in CPU) + " |",
              "|---|" + "---:|" * len(CPU)]
    for name, r in runs.items():
        t = r["manifest"]["times"]
        lines.append(f"| {name} | " + " | ".join(f"{t[c]:.1f}" if c in t else "" for c in CPU)
                     + " |")
    lines += ["", "Scenes in the first run, each in a worker process beside the training "
              "and the other scenes (a model scene's time includes importing TensorFlow "
              "and loading its model):", "",
              "| scene | wall s | CPU s | frames |", "|---|---:|---:|---:|"]
    for item in videos:
        lines.append(f"| {item['key']} | {item['seconds']:.1f} | "
                     f"{item.get('cpu_seconds', 0):.1f} | {item['frames']} |"
                     if item["status"] == "ok" else f"| {item['key']} | {item['status']} | | |")
    table = "\n".join(lines)
    print("\n" + table)
    if args.write_readme:
        print(f"\nwritten into {write_table(table, 'bench-tour')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
