"""What the benchmarks share: threads, side-by-side timing, and writing their tables into README.md.

    pin_threads(2)                        # BEFORE numpy or TensorFlow is imported
    tf = tensorflow(2)                    # TensorFlow on the same number of threads
    best_times([ours, theirs], repeat=7)  # best-of-N seconds, runs interleaved
    write_table(text, "bench-conv")       # replaces what stands between
                                          # <!-- bench-conv:start --> and <!-- bench-conv:end -->

The README is rewritten atomically (temporary file, then rename), so an
interrupted benchmark never leaves half a README.
"""
from __future__ import annotations

import os
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

sys.path.insert(0, str(ROOT))

CLOCKS = {
    "wall": (time.perf_counter, "wall-clock time"),
    # CPU seconds of every thread of the process: with one thread per side it is the
    # work done, and a busy machine (other jobs taking turns on the cores) inflates it
    # far less than the wall clock.
    "cpu": (time.process_time, "CPU time of the process (all its threads)"),
}


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def pin_threads(threads: int) -> None:
    """Run numpy's BLAS and convviz's block threads on ``threads`` threads.

    Must run before numpy is imported: OpenBLAS reads these variables when it loads.
    """
    if "numpy" in sys.modules:
        raise RuntimeError("pin_threads must run before numpy is imported")
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)


def tensorflow(threads: int):
    """TensorFlow, quiet, with ``threads`` threads per op and as many ops at once."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    return tf


def threads_note(threads: int, clock: str) -> str:
    """The sentence that says how a table was measured."""
    return (f"both sides on {threads} thread(s) (numpy's BLAS and convviz's block threads via "
            f"OMP_NUM_THREADS/OPENBLAS_NUM_THREADS={threads}; TensorFlow intra- and inter-op "
            f"threads = {threads}), {CLOCKS[clock][1]}, best of interleaved runs")


def timing_arguments(parser, marker: str):
    """The options every timing benchmark takes; returns ``parser``."""
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--threads", type=int, default=usable_cores(),
                        help="threads for both sides (default: every usable core)")
    parser.add_argument("--clock", choices=tuple(CLOCKS), default="wall",
                        help="cpu: CPU seconds (use with --threads 1 on a busy machine)")
    parser.add_argument("--note", default="",
                        help="a sentence to print above the tables (e.g. how busy the machine was)")
    parser.add_argument("--write-readme", action="store_true",
                        help=f"put the tables into README.md between the {marker} markers")
    return parser


def publish(text: str, args, marker: str) -> None:
    """Print ``text`` (after ``args.note``) and, with ``--write-readme``, put it in the README."""
    text = f"{args.note}\n\n{text}" if args.note else text
    print(text)
    if args.write_readme:
        print(f"\nwritten into {write_table(text, marker)}")


def sweep_table(cases, sizes, set_size, repeat: int, clock: str) -> str:
    """Markdown: the best time of each ``(name, call)`` in ``cases`` for each block
    size, ``set_size(size)`` being what sets it before every call."""
    lines = ["| case | " + " | ".join(f"{size >> 10} KiB ms" for size in sizes) + " |",
             "|---|" + "---:|" * len(sizes)]
    for name, call in cases:
        def at(size, call=call):
            def sized():
                set_size(size)
                call()
            return sized
        times = best_times([at(size) for size in sizes], repeat, clock)
        lines.append(f"| {name} | " + " | ".join(f"{t * 1e3:.2f}" for t in times) + " |")
    return "\n".join(lines)


def write_table(text: str, marker: str, readme: pathlib.Path = README) -> pathlib.Path:
    """Replace the text between ``<!-- {marker}:start -->`` and ``<!-- {marker}:end -->``."""
    from convviz.cache import atomic_write

    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    content = readme.read_text(encoding="utf-8")
    if content.count(start) != 1 or content.count(end) != 1 \
            or content.index(start) > content.index(end):
        raise ValueError(f"{readme} must contain {start} followed by {end} exactly once")
    head, rest = content.split(start)
    _, tail = rest.split(end)
    return atomic_write(readme, f"{head}{start}\n{text}\n{end}{tail}")


def best_times(fns, repeat: int, clock: str = "wall") -> list[float]:
    """Best-of-``repeat`` seconds of each function, their runs interleaved.

    Each function runs once first (first-call allocation, oneDNN primitive creation).
    Interleaving puts every contender under the same background load, so the ratio
    stays meaningful on a busy machine.
    """
    now = CLOCKS[clock][0]
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = now()
            fn()
            best[i] = min(best[i], now() - start)
    return best
