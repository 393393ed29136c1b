"""The rest of the convolution family versus TensorFlow on the CPU, side by side in one run.

* ``conv2d_transpose`` vs ``tf.nn.conv2d_transpose`` (what ``Conv2DTranspose`` runs):
  an MNIST decoder, 7x7x64 -> 14x14x32 -> 28x28x1, 5x5 kernels, stride 2, "same";
* ``depthwise_conv2d`` vs ``tf.nn.depthwise_conv2d``: 28x28x32 3x3 and 14x14x64 5x5, "same";
* ``separable_conv2d`` vs ``tf.nn.separable_conv2d``: 14x14x32 -> 64, 5x5, "same";
* ``conv2d(groups=4)`` vs ``keras.layers.Conv2D(groups=4)``: 14x14x32 -> 64, 5x5, "same".
  TensorFlow has no grouped CPU kernel; Keras compiles the op with XLA on every eager
  call, so it is timed both as called (eager) and inside one ``tf.function`` (compiled
  once, as in ``model.predict``).

Every case includes a bias on both sides (ours added inside the call, TensorFlow's by
``tf.nn.bias_add``), starts from arrays already in memory and ends with a numpy
array. Every number is the best of ``--repeat`` interleaved runs; the ratio is ours /
TensorFlow (lower is better for us). The largest absolute difference of the two
results is printed too, and for depthwise the time per multiply-add of both, next
to what numpy's two elementwise passes per multiply-add cost on data in cache.

    python benchmarks/bench_family.py [--repeat 9] [--batch 64 256] [--threads N]
                                      [--clock wall|cpu] [--write-readme] [--sweep]
"""
from __future__ import annotations

import argparse
import os
import platform

from benchlib import (best_times, pin_threads, publish, sweep_table, tensorflow,
                      threads_note, timing_arguments, usable_cores)

SWEEP = [256 << 10, 512 << 10, 1 << 20, 2 << 20, 4 << 20, 8 << 20]


def _cases(batch: int, rng, tf):
    import keras
    import numpy as np

    import convviz

    f32 = lambda *shape: rng.standard_normal(shape, dtype=np.float32)
    cases = []

    # transposed: kernel (kh, kw, C_out, C_in) in both libraries
    for name, (h, c_in), c_out in (("transpose 7x7x64 -> 14x14x32", (7, 64), 32),
                                   ("transpose 14x14x32 -> 28x28x1", (14, 32), 1)):
        x, k, b = f32(batch, h, h, c_in), f32(5, 5, c_out, c_in), f32(c_out)
        xt, kt, bt = tf.constant(x), tf.constant(k), tf.constant(b)
        shape = (batch, 2 * h, 2 * h, c_out)
        cases.append((
            f"{name}, batch {batch}", "tf.nn.conv2d_transpose", 0,
            lambda x=x, k=k, b=b: convviz.conv2d_transpose(x, k, b, strides=2, padding="same"),
            lambda xt=xt, kt=kt, bt=bt, shape=shape: tf.nn.bias_add(
                tf.nn.conv2d_transpose(xt, kt, shape, 2, "SAME"), bt).numpy(),
        ))

    # depthwise
    for name, (h, c), k_size in (("depthwise 28x28x32, 3x3", (28, 32), 3),
                                 ("depthwise 14x14x64, 5x5", (14, 64), 5)):
        x, k, b = f32(batch, h, h, c), f32(k_size, k_size, c, 1), f32(c)
        xt, kt, bt = tf.constant(x), tf.constant(k), tf.constant(b)
        cases.append((
            f"{name}, batch {batch}", "tf.nn.depthwise_conv2d", batch * h * h * c * k_size ** 2,
            lambda x=x, k=k, b=b: convviz.depthwise_conv2d(x, k, b, padding="same"),
            lambda xt=xt, kt=kt, bt=bt: tf.nn.bias_add(
                tf.nn.depthwise_conv2d(xt, kt, (1, 1, 1, 1), "SAME"), bt).numpy(),
        ))

    # separable
    x, dk, pk, b = f32(batch, 14, 14, 32), f32(5, 5, 32, 1), f32(1, 1, 32, 64), f32(64)
    xt, dkt, pkt, bt = map(tf.constant, (x, dk, pk, b))
    cases.append((
        f"separable 14x14x32 -> 64, 5x5, batch {batch}", "tf.nn.separable_conv2d", 0,
        lambda x=x, dk=dk, pk=pk, b=b: convviz.separable_conv2d(x, dk, pk, b, padding="same"),
        lambda xt=xt, dkt=dkt, pkt=pkt, bt=bt: tf.nn.bias_add(
            tf.nn.separable_conv2d(xt, dkt, pkt, (1, 1, 1, 1), "SAME"), bt).numpy(),
    ))

    # grouped: the Keras layer (TensorFlow's own CPU kernel has no groups)
    x, k, b = f32(batch, 14, 14, 32), f32(5, 5, 8, 64), f32(64)
    layer = keras.layers.Conv2D(64, 5, padding="same", groups=4)
    layer.build(x.shape)
    layer.set_weights([k, b])
    xt = tf.constant(x)
    compiled = tf.function(lambda t: layer(t))
    ours = lambda x=x, k=k, b=b: convviz.conv2d(x, k, b, padding="same", groups=4)
    cases.append((f"groups=4 14x14x32 -> 64, 5x5, batch {batch}", "Conv2D(groups) eager", 0,
                  ours, lambda xt=xt: np.asarray(layer(xt))))
    cases.append((f"groups=4 14x14x32 -> 64, 5x5, batch {batch}", "Conv2D(groups) tf.function",
                  0, ours, lambda xt=xt: compiled(xt).numpy()))
    return cases


def _elementwise_floor(repeat: int, clock: str) -> float:
    """Seconds per multiply-add of numpy's best case: one multiply and one add over
    contiguous float32 arrays of 1 MiB (in cache), the two passes a tap costs."""
    import numpy as np

    a, b, product = (np.ones(1 << 18, np.float32) for _ in range(3))

    def passes():
        for _ in range(64):
            np.multiply(a, b, out=product)
            np.add(product, a, out=product)
    return best_times([passes], repeat, clock)[0] / (64 * a.size)


def run(batches, repeat: int, clock: str, threads: int):
    import numpy as np

    import convviz

    tf = tensorflow(threads)
    rng = np.random.default_rng(0)
    rows = []
    for batch in batches:
        for name, reference, macs, ours, theirs in _cases(batch, rng, tf):
            err = float(np.abs(ours() - theirs()).max())
            t_ours, t_tf = best_times([ours, theirs], repeat, clock)
            rows.append((name, reference, t_ours, t_tf, t_ours / t_tf, err, macs))

    # the scatter trace: plain Python loops, one record per input cell per channel
    x = rng.standard_normal((1, 7, 7, 4), dtype=np.float32)
    k = rng.standard_normal((5, 5, 8, 4), dtype=np.float32)
    stamp = lambda: convviz.trace_conv2d_transpose(x, k, strides=2, padding="same")
    steps, seconds = len(stamp()), best_times([stamp], 3, clock)[0]
    return rows, seconds / steps, steps, _elementwise_floor(repeat, clock)


def markdown(rows, per_step, n_steps, floor, repeat, clock, threads) -> str:
    import tensorflow as tf

    lines = [
        f"The convolution family vs TensorFlow {tf.__version__}, float32, every case with a "
        f"bias on both sides ({usable_cores()} CPU cores, {platform.machine()}): "
        f"{threads_note(threads, clock)} (best of {repeat}); measured by "
        "`benchmarks/bench_family.py`:",
        "",
        "| case | TensorFlow reference | convviz ms | TensorFlow ms | ratio | max abs diff |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, ref, to, tt, r, err, _ in rows:
        lines.append(f"| {name} | {ref} | {to * 1e3:.2f} | {tt * 1e3:.2f} | **{r:.2f}x** "
                     f"| {err:.1e} |")
    lines += [
        "",
        "Depthwise per multiply-add: numpy has no fused multiply-add, so each kernel tap "
        "is two elementwise passes (multiply, then add); on this machine those cost "
        f"**{floor * 1e9:.2f} ns** per multiply-add at best (contiguous float32 in cache, "
        "one thread).",
        "",
        "| case | convviz ns per multiply-add (x threads) | TensorFlow ns per multiply-add "
        "(x threads) |",
        "|---|---:|---:|",
    ]
    for name, _, to, tt, _, _, macs in rows:
        if macs:
            lines.append(f"| {name} | {to / macs * threads * 1e9:.2f} | "
                         f"{tt / macs * threads * 1e9:.2f} |")
    lines += ["", f"`trace_conv2d_transpose` costs {per_step * 1e6:.0f} µs per stamp "
                  f"({n_steps} stamps of a 7x7x4 input into 8 channels): for small examples."]
    return "\n".join(lines)


def sweep(batches, repeat: int, clock: str) -> None:
    """depthwise_conv2d for each block size in SWEEP: how taps.TAP_BLOCK_BYTES was chosen."""
    import numpy as np

    import convviz
    from convviz import taps

    rng = np.random.default_rng(0)
    cases = []
    for batch in batches:
        for h, c, k_size in ((28, 32, 3), (14, 64, 5)):
            x = rng.standard_normal((batch, h, h, c), dtype=np.float32)
            k = rng.standard_normal((k_size, k_size, c, 1), dtype=np.float32)
            cases.append((f"depthwise {h}x{h}x{c}, {k_size}x{k_size}, batch {batch}",
                          lambda x=x, k=k: convviz.depthwise_conv2d(x, k, padding="same")))
    print(sweep_table(cases, SWEEP, lambda size: setattr(taps, "TAP_BLOCK_BYTES", size),
                      repeat, clock))


def main() -> None:
    parser = timing_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]),
                              "bench-family")
    parser.add_argument("--batch", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--sweep", action="store_true",
                        help="time depthwise_conv2d for several block sizes instead")
    args = parser.parse_args()
    pin_threads(args.threads)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if args.sweep:
        sweep(args.batch, args.repeat, args.clock)
        return
    rows, per_step, n_steps, floor = run(args.batch, args.repeat, args.clock, args.threads)
    publish(markdown(rows, per_step, n_steps, floor, args.repeat, args.clock, args.threads),
            args, "bench-family")


if __name__ == "__main__":
    main()
