"""convviz.conv2d versus tf.nn.conv2d on the CPU, side by side in one run.

Shapes are the article's: a batch of 28x28x1 MNIST digits into 32 filters 5x5
"same", and the second layer, 14x14x32 into 64 filters 5x5 "same". For each the
script prints the best-of-N wall time of both and the ratio ours / TensorFlow
(1.0 = as fast as TensorFlow's oneDNN kernels; lower is better for us). It also
prints what the step-by-step trace costs per output position, which is why the
trace is for small examples only.

    python benchmarks/bench_conv.py [--repeat 7] [--markdown] [--write-readme]
"""
from __future__ import annotations

import argparse
import os
import pathlib
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

import convviz
from benchlib import best_times, write_table

CASES = [
    # name, x shape (NHWC), kernel shape (kh, kw, C_in, C_out)
    ("conv1, batch 64", (64, 28, 28, 1), (5, 5, 1, 32)),
    ("conv1, batch 1000", (1000, 28, 28, 1), (5, 5, 1, 32)),
    ("conv2, batch 64", (64, 14, 14, 32), (5, 5, 32, 64)),
    ("conv2, batch 1000", (1000, 14, 14, 32), (5, 5, 32, 64)),
]


def run(repeat: int):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    rows = []
    for name, x_shape, k_shape in CASES:
        x = rng.standard_normal(x_shape, dtype=np.float32)
        k = rng.standard_normal(k_shape, dtype=np.float32)
        b = rng.standard_normal(k_shape[-1], dtype=np.float32)
        xt, kt, bt = tf.constant(x), tf.constant(k), tf.constant(b)

        ours = convviz.conv2d(x, k, b, padding="same")
        theirs = tf.nn.bias_add(tf.nn.conv2d(xt, kt, 1, "SAME"), bt).numpy()
        err = float(np.abs(ours - theirs).max())

        t_ours, t_tf = best_times([
            lambda: convviz.conv2d(x, k, b, padding="same"),
            lambda: tf.nn.bias_add(tf.nn.conv2d(xt, kt, 1, "SAME"), bt).numpy(),
        ], repeat)
        rows.append((name, x_shape, k_shape, t_ours, t_tf, t_ours / t_tf, err))

    # The trace: plain Python loops, one record per output position.
    x = rng.standard_normal((1, 28, 28, 1), dtype=np.float32)
    k = rng.standard_normal((5, 5, 1, 4), dtype=np.float32)
    start = time.perf_counter()
    trace = convviz.trace_conv2d(x, k, padding="same")
    per_step = (time.perf_counter() - start) / len(trace)
    return rows, per_step, len(trace)


def markdown(rows, per_step, n_steps) -> str:
    lines = [
        f"`conv2d` vs `tf.nn.conv2d`, float32, best of interleaved runs, on this machine "
        f"({os.cpu_count()} CPU cores, {platform.machine()}); measured by "
        "`benchmarks/bench_conv.py`:",
        "",
        "| case | input (NHWC) | kernel | convviz ms | TensorFlow ms | ratio | max abs diff |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for name, xs, ks, to, tt, r, err in rows:
        lines.append(f"| {name} | {xs} | {ks} | {to * 1e3:.2f} | {tt * 1e3:.2f} | "
                     f"{r:.2f}x | {err:.1e} |")
    lines += ["", f"`trace_conv2d` costs {per_step * 1e6:.0f} µs per output position "
                  f"({n_steps} positions of a 28x28 digit with 4 filters): it is for the "
                  "small examples a person reads, not for data sets."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--write-readme", action="store_true",
                        help="put the table into README.md between the bench-conv markers")
    args = parser.parse_args()
    rows, per_step, n_steps = run(args.repeat)
    text = markdown(rows, per_step, n_steps)
    print(text)
    if args.write_readme:
        print(f"\nwritten into {write_table(text, 'bench-conv')}")


if __name__ == "__main__":
    main()
