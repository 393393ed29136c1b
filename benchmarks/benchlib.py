"""What the benchmarks share: side-by-side timing and writing their tables into README.md.

    best_times([ours, theirs], repeat=7)  # best-of-N seconds, runs interleaved
    write_table(text, "bench-conv")       # replaces what stands between
                                          # <!-- bench-conv:start --> and <!-- bench-conv:end -->

The README is rewritten atomically (temporary file, then rename), so an
interrupted benchmark never leaves half a README.
"""
from __future__ import annotations

import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

sys.path.insert(0, str(ROOT))
from convviz.cache import atomic_write  # noqa: E402


def write_table(text: str, marker: str, readme: pathlib.Path = README) -> pathlib.Path:
    """Replace the text between ``<!-- {marker}:start -->`` and ``<!-- {marker}:end -->``."""
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    content = readme.read_text(encoding="utf-8")
    if content.count(start) != 1 or content.count(end) != 1 \
            or content.index(start) > content.index(end):
        raise ValueError(f"{readme} must contain {start} followed by {end} exactly once")
    head, rest = content.split(start)
    _, tail = rest.split(end)
    return atomic_write(readme, f"{head}{start}\n{text}\n{end}{tail}")


def best_times(fns, repeat: int) -> list[float]:
    """Best-of-``repeat`` seconds of each function, their runs interleaved.

    Each function runs once first (first-call allocation, oneDNN primitive creation).
    Interleaving puts every contender under the same background load, so the ratio
    stays meaningful on a busy machine.
    """
    for fn in fns:
        fn()
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - start)
    return best
