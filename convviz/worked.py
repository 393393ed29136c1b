"""The article's worked examples, with numbers, and their step-by-step text.

The source article explains convolution with a single-channel ``(1, 5, 5)`` input
and a 3x3 kernel, then a three-channel ``(3, 5, 5)`` "RGB" input convolved with
ONE filter of three 3x3 kernels, whose three per-channel results are added into
one output channel. Its pictures carry the numbers; these are ours:

* the single-channel numbers are the classic example of Dumoulin & Visin, "A guide
  to convolution arithmetic for deep learning" (2016), whose output
  ``[[12, 12, 17], [10, 17, 19], [9, 6, 14]]`` can be checked by hand;
* the multi-channel numbers are small integers in the style of the CS231n
  convolution demo, so every product and sum can be checked by hand too.

Scenes, plots and the CLI default to these arrays.
"""
from __future__ import annotations

import numpy as np

from .trace import ConvStep, ConvTrace

__all__ = [
    "single_channel_example",
    "multi_channel_example",
    "describe_step",
    "describe_trace",
]


def single_channel_example() -> tuple[np.ndarray, np.ndarray]:
    """``(x, kernel)``: a ``(5, 5)`` input and a ``(3, 3)`` kernel (integers)."""
    x = np.array([
        [3, 3, 2, 1, 0],
        [0, 0, 1, 3, 1],
        [3, 1, 2, 2, 3],
        [2, 0, 0, 2, 2],
        [2, 0, 0, 0, 1],
    ])
    kernel = np.array([
        [0, 1, 2],
        [2, 2, 0],
        [0, 1, 2],
    ])
    return x, kernel


def multi_channel_example() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, kernel, bias)`` for the "RGB" example, all integers.

    ``x`` is ``(1, 3, 5, 5)`` (channels_first: one image, 3 channels),
    ``kernel`` ``(3, 3, 3, 1)`` (Keras layout: ONE filter of three 3x3 kernels),
    ``bias`` ``(1,)``.
    """
    red = [[1, 0, 2, 1, 0], [0, 1, 1, 2, 2], [2, 2, 0, 0, 1], [1, 0, 1, 2, 0], [0, 2, 1, 1, 2]]
    green = [[2, 1, 0, 0, 1], [1, 2, 2, 0, 0], [0, 1, 2, 1, 1], [2, 0, 0, 1, 2], [1, 1, 0, 2, 0]]
    blue = [[0, 0, 1, 2, 2], [2, 1, 0, 1, 0], [1, 0, 2, 2, 1], [0, 1, 1, 0, 2], [2, 2, 0, 1, 1]]
    x = np.array([red, green, blue])[None]                       # (1, 3, 5, 5)
    kernels = np.array([
        [[1, 0, -1], [1, 0, -1], [1, 0, -1]],                     # for red
        [[0, 1, 0], [1, -1, 1], [0, 1, 0]],                       # for green
        [[-1, -1, 0], [0, 1, 0], [0, 1, 1]],                      # for blue
    ])                                                           # (C_in, kh, kw)
    kernel = kernels.transpose(1, 2, 0)[..., None]               # (kh, kw, C_in, 1)
    bias = np.array([1])
    return x, kernel, bias


def _num(value) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.4g}"


def _factor(value) -> str:
    text = _num(value)
    return f"({text})" if text.startswith("-") else text


def describe_step(step: ConvStep, n_steps: int | None = None) -> str:
    """A few lines of text: where the window is, each channel's products, the total."""
    of = f"/{n_steps}" if n_steps else ""
    head = (f"step {step.index + 1}{of}: output[{step.out_row}, {step.out_col}]"
            + (f" of filter {step.filter}" if step.filter else "")
            + f"  <- window rows {step.rows[0]}..{step.rows[-1]}, "
              f"cols {step.cols[0]}..{step.cols[-1]}")
    lines = [head]
    n_channels = step.window_values.shape[0]
    for c in range(n_channels):
        terms = " + ".join(
            f"{_factor(v)}*{_factor(k)}"
            for v, k in zip(step.window_values[c].ravel(), step.kernel[c].ravel())
        )
        label = f"channel {c}: " if n_channels > 1 else ""
        lines.append(f"    {label}{terms} = {_num(step.channel_sums[c])}")
    parts = " + ".join(_num(s) for s in step.channel_sums)
    if n_channels > 1 or step.bias:
        lines.append(f"    total = {parts} + bias {_num(step.bias)} = {_num(step.total)}")
    return "\n".join(lines)


def describe_trace(trace: ConvTrace, max_steps: int | None = None) -> str:
    """Every step (or the first ``max_steps``) followed by the output feature maps."""
    steps = trace.steps if max_steps is None else trace.steps[:max_steps]
    lines = [describe_step(s, len(trace)) for s in steps]
    if len(steps) < len(trace):
        lines.append(f"... {len(trace) - len(steps)} more steps")
    for b in range(trace.feature_maps.shape[0]):
        for f in range(trace.feature_maps.shape[1]):
            rows = "\n".join("    " + " ".join(f"{_num(v):>6}" for v in row)
                             for row in trace.feature_maps[b, f])
            lines.append(f"output feature map (image {b}, filter {f}):\n{rows}")
    return "\n".join(lines)
