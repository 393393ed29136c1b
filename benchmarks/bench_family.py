"""The rest of the convolution family versus TensorFlow on the CPU, side by side in one run.

* ``conv2d_transpose`` vs ``tf.nn.conv2d_transpose`` (what ``Conv2DTranspose`` runs):
  an MNIST decoder, 7x7x64 -> 14x14x32 -> 28x28x1, 5x5 kernels, stride 2, "same";
* ``depthwise_conv2d`` vs ``tf.nn.depthwise_conv2d``: 28x28x32 and 14x14x64, "same";
* ``separable_conv2d`` vs ``tf.nn.separable_conv2d``: 14x14x32 -> 64, 5x5, "same";
* ``conv2d(groups=4)`` vs ``keras.layers.Conv2D(groups=4)``: 14x14x32 -> 64, 5x5, "same".
  TensorFlow has no grouped CPU kernel; Keras compiles the op with XLA on every eager
  call, so it is timed both as called (eager) and inside one ``tf.function`` (compiled
  once, as in ``model.predict``).

Every number is the best of ``--repeat`` interleaved runs (both contenders under the
same background load); the ratio is ours / TensorFlow (lower is better for us). The
largest absolute difference of the two results is printed too.

    python benchmarks/bench_family.py [--repeat 7] [--batch 64 256]
"""
from __future__ import annotations

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

import convviz
from benchlib import best_times, write_table


def _cases(batch: int, rng):
    import keras
    import tensorflow as tf

    f32 = lambda *shape: rng.standard_normal(shape, dtype=np.float32)
    cases = []

    # transposed: kernel (kh, kw, C_out, C_in) in both libraries
    for name, (h, c_in), c_out in (("transpose 7x7x64 -> 14x14x32", (7, 64), 32),
                                   ("transpose 14x14x32 -> 28x28x1", (14, 32), 1)):
        x, k, b = f32(batch, h, h, c_in), f32(5, 5, c_out, c_in), f32(c_out)
        xt, kt, bt = tf.constant(x), tf.constant(k), tf.constant(b)
        shape = (batch, 2 * h, 2 * h, c_out)
        cases.append((
            f"{name}, batch {batch}", "tf.nn.conv2d_transpose",
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
            f"{name}, batch {batch}", "tf.nn.depthwise_conv2d",
            lambda x=x, k=k, b=b: convviz.depthwise_conv2d(x, k, b, padding="same"),
            lambda xt=xt, kt=kt, bt=bt: tf.nn.bias_add(
                tf.nn.depthwise_conv2d(xt, kt, (1, 1, 1, 1), "SAME"), bt).numpy(),
        ))

    # separable
    x, dk, pk, b = f32(batch, 14, 14, 32), f32(5, 5, 32, 1), f32(1, 1, 32, 64), f32(64)
    xt, dkt, pkt, bt = map(tf.constant, (x, dk, pk, b))
    cases.append((
        f"separable 14x14x32 -> 64, 5x5, batch {batch}", "tf.nn.separable_conv2d",
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
    cases.append((f"groups=4 14x14x32 -> 64, 5x5, batch {batch}", "Conv2D(groups) eager",
                  ours, lambda xt=xt: np.asarray(layer(xt))))
    cases.append((f"groups=4 14x14x32 -> 64, 5x5, batch {batch}", "Conv2D(groups) tf.function",
                  ours, lambda xt=xt: compiled(xt).numpy()))
    return cases


def run(batches, repeat: int):
    rng = np.random.default_rng(0)
    rows = []
    for batch in batches:
        for name, reference, ours, theirs in _cases(batch, rng):
            err = float(np.abs(ours() - theirs()).max())
            t_ours, t_tf = best_times([ours, theirs], repeat)
            rows.append((name, reference, t_ours, t_tf, t_ours / t_tf, err))

    # the scatter trace: plain Python loops, one record per input cell per channel
    x = rng.standard_normal((1, 7, 7, 4), dtype=np.float32)
    k = rng.standard_normal((5, 5, 8, 4), dtype=np.float32)
    start = time.perf_counter()
    trace = convviz.trace_conv2d_transpose(x, k, strides=2, padding="same")
    per_step = (time.perf_counter() - start) / len(trace)
    return rows, per_step, len(trace)


def markdown(rows, per_step, n_steps, repeat) -> str:
    lines = [
        f"The convolution family vs TensorFlow {_tf_version()}, float32, best of {repeat} "
        f"interleaved runs ({os.cpu_count()} CPU cores, {platform.machine()}); measured by "
        "`benchmarks/bench_family.py`:",
        "",
        "| case | TensorFlow reference | convviz ms | TensorFlow ms | ratio | max abs diff |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, ref, to, tt, r, err in rows:
        lines.append(f"| {name} | {ref} | {to * 1e3:.2f} | {tt * 1e3:.2f} | {r:.2f}x | {err:.1e} |")
    lines += ["", f"`trace_conv2d_transpose` costs {per_step * 1e6:.0f} µs per stamp "
                  f"({n_steps} stamps of a 7x7x4 input into 8 channels): for small examples."]
    return "\n".join(lines)


def _tf_version() -> str:
    import tensorflow as tf

    return tf.__version__


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--batch", type=int, nargs="+", default=[64, 256])
    parser.add_argument("--write-readme", action="store_true",
                        help="put the table into README.md between the bench-family markers")
    args = parser.parse_args()
    rows, per_step, n_steps = run(args.batch, args.repeat)
    text = markdown(rows, per_step, n_steps, args.repeat)
    print(text)
    if args.write_readme:
        print(f"\nwritten into {write_table(text, 'bench-family')}")


if __name__ == "__main__":
    main()
