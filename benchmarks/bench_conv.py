"""convviz.conv2d versus tf.nn.conv2d on the CPU, side by side in one run.

Shapes are the article's: a batch of 28x28x1 MNIST digits into 32 filters 5x5
"same", and the second layer, 14x14x32 into 64 filters 5x5 "same", float32. Two
comparisons per shape, each the best of ``--repeat`` interleaved runs:

* **plain**: ``convviz.conv2d(x, k, padding="same")`` against
  ``tf.nn.conv2d(x, k, 1, "SAME").numpy()`` — the convolution alone;
* **with bias**: ``convviz.conv2d(x, k, b, padding="same")`` (the bias is added
  inside, block by block) against ``tf.nn.bias_add(tf.nn.conv2d(...), b).numpy()``
  (TensorFlow's separate bias pass), i.e. a conv layer's work without activation.

Both sides start from arrays already in memory (numpy arrays for convviz,
``tf.constant`` s for TensorFlow) and end with a numpy array of the result
(``.numpy()`` is inside TensorFlow's timing). The ratio is ours / TensorFlow
(lower is better for us). A second table says where the time goes: the
arithmetic rate of both, and of numpy's matrix product alone on the same
im2col blocks (the ceiling of an im2col convolution in numpy).

    python benchmarks/bench_conv.py [--repeat 9] [--threads N] [--clock wall|cpu]
                                    [--write-readme] [--sweep]

``--threads`` (default: every usable core) applies to both sides; ``--clock cpu``
measures CPU time instead of wall time (use it with ``--threads 1`` on a busy
machine); ``--sweep`` times conv2d for several block sizes (convviz.blocks.BLOCK_BYTES).
"""
from __future__ import annotations

import argparse
import os
import platform

from benchlib import (best_times, pin_threads, publish, sweep_table, tensorflow,
                      threads_note, timing_arguments, usable_cores)

CASES = [
    # name, x shape (NHWC), kernel shape (kh, kw, C_in, C_out)
    ("conv1, batch 64", (64, 28, 28, 1), (5, 5, 1, 32)),
    ("conv1, batch 1000", (1000, 28, 28, 1), (5, 5, 1, 32)),
    ("conv2, batch 64", (64, 14, 14, 32), (5, 5, 32, 64)),
    ("conv2, batch 1000", (1000, 14, 14, 32), (5, 5, 32, 64)),
]
SWEEP = [256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20, 16 << 20]


def _gemm_alone(np, x_shape, k_shape):
    """numpy's matmul on random im2col blocks of the sizes conv2d uses, nothing else."""
    from convviz.blocks import BLOCK_BYTES, plan_blocks

    n, h, w, _ = x_shape
    taps, c_out = k_shape[0] * k_shape[1] * k_shape[2], k_shape[3]
    blocks = plan_blocks(n, (h, w), taps * 4, BLOCK_BYTES)
    rng = np.random.default_rng(1)
    patches = rng.standard_normal((blocks[0].positions, taps), dtype=np.float32)
    weights = rng.standard_normal((taps, c_out), dtype=np.float32)
    out = np.empty((n * h * w, c_out), np.float32)

    def run():
        start = 0
        for block in blocks:
            np.matmul(patches[: block.positions], weights,
                      out=out[start: start + block.positions])
            start += block.positions
    return run


def run(repeat: int, clock: str, threads: int):
    import numpy as np

    import convviz

    tf = tensorflow(threads)
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

        times = best_times([
            lambda: convviz.conv2d(x, k, padding="same"),
            lambda: tf.nn.conv2d(xt, kt, 1, "SAME").numpy(),
            lambda: convviz.conv2d(x, k, b, padding="same"),
            lambda: tf.nn.bias_add(tf.nn.conv2d(xt, kt, 1, "SAME"), bt).numpy(),
            _gemm_alone(np, x_shape, k_shape),
        ], repeat, clock)
        flops = 2 * np.prod(x_shape[:3]) * np.prod(k_shape)
        rows.append((name, x_shape, k_shape, times, flops, err))

    # The trace: plain Python loops, one record per output position.
    x = rng.standard_normal((1, 28, 28, 1), dtype=np.float32)
    k = rng.standard_normal((5, 5, 1, 4), dtype=np.float32)
    steps = len(convviz.trace_conv2d(x, k, padding="same"))
    seconds = best_times([lambda: convviz.trace_conv2d(x, k, padding="same")], 3, clock)[0]
    return rows, seconds / steps, steps


def markdown(rows, per_step, n_steps, repeat, clock, threads) -> str:
    import tensorflow as tf

    lines = [
        f"`conv2d` vs TensorFlow {tf.__version__} (oneDNN), float32, padding \"same\", on this "
        f"machine ({usable_cores()} CPU cores, {platform.machine()}): {threads_note(threads, clock)} "
        f"(best of {repeat}); measured by `benchmarks/bench_conv.py`. **plain**: "
        "`conv2d(x, k)` vs `tf.nn.conv2d(x, k).numpy()`. **with bias**: `conv2d(x, k, b)` "
        "(bias added inside) vs `tf.nn.bias_add(tf.nn.conv2d(x, k), b).numpy()`. Inputs "
        "are in memory beforehand on both sides; both end with a numpy array.",
        "",
        "| case | input (NHWC) | kernel | plain: convviz ms | tf.nn.conv2d ms | ratio "
        "| with bias: convviz ms | conv2d + bias_add ms | ratio | max abs diff |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, xs, ks, t, _, err in rows:
        lines.append(f"| {name} | {xs} | {ks} | {t[0] * 1e3:.2f} | {t[1] * 1e3:.2f} | "
                     f"**{t[0] / t[1]:.2f}x** | {t[2] * 1e3:.2f} | {t[3] * 1e3:.2f} | "
                     f"**{t[2] / t[3]:.2f}x** | {err:.1e} |")
    lines += [
        "",
        "Where the time goes (plain convolution, GFLOP/s = 2 * multiply-adds / time): "
        "convviz is im2col, so its ceiling is numpy's matrix product on the same blocks of "
        "patches, timed alone (patches already built, same block sizes).",
        "",
        "| case | convviz GFLOP/s | TensorFlow GFLOP/s | numpy matmul alone GFLOP/s "
        "| time beyond the products alone (share of convviz) |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, _, _, t, flops, _ in rows:
        lines.append(f"| {name} | {flops / t[0] / 1e9:.0f} | {flops / t[1] / 1e9:.0f} | "
                     f"{flops / t[4] / 1e9:.0f} | {max(0.0, 1 - t[4] / t[0]):.0%} |")
    lines += ["", f"`trace_conv2d` costs {per_step * 1e6:.0f} µs per output position "
                  f"({n_steps} positions of a 28x28 digit with 4 filters): it is for the "
                  "small examples a person reads, not for data sets."]
    return "\n".join(lines)


def sweep(repeat: int, clock: str) -> None:
    """conv2d for each block size in SWEEP: how blocks.BLOCK_BYTES was chosen."""
    import numpy as np

    import convviz
    from convviz import blocks

    rng = np.random.default_rng(0)
    cases = []
    for name, x_shape, k_shape in CASES:
        x = rng.standard_normal(x_shape, dtype=np.float32)
        k = rng.standard_normal(k_shape, dtype=np.float32)
        cases.append((name, lambda x=x, k=k: convviz.conv2d(x, k, padding="same")))
    print(sweep_table(cases, SWEEP, lambda size: setattr(blocks, "BLOCK_BYTES", size),
                      repeat, clock))


def main() -> None:
    parser = timing_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]),
                              "bench-conv")
    parser.add_argument("--sweep", action="store_true",
                        help="time conv2d for several block sizes instead")
    args = parser.parse_args()
    pin_threads(args.threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.sweep:
        sweep(args.repeat, args.clock)
        return
    rows, per_step, n_steps = run(args.repeat, args.clock, args.threads)
    publish(markdown(rows, per_step, n_steps, args.repeat, args.clock, args.threads), args,
            "bench-conv")


if __name__ == "__main__":
    main()
