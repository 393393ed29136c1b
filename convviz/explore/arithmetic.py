"""Part 1 of the explorer page: one small convolution under every setting, traced.

The page lets a student change padding, stride, dilation, mode and bias and click
any output cell. It does no arithmetic, so every combination of those controls
(:data:`CONTROLS`, 120 in all) is traced here by :func:`convviz.trace_conv2d`
and embedded; the derivation of the output size is :func:`convviz.explain_shape`'s
text, and a setting the core refuses carries the core's own error message.

Layouts used in the page data (channels first, as a filter is drawn):
input ``(C, H, W)``, kernel ``(N, C, kh, kw)`` (N filters of C kernels), bias ``(N,)``.

numpy only: this module needs neither Keras nor matplotlib.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..conv import CONV_MODES, _numeric_array
from ..shapes import explain_shape
from ..trace import trace_conv2d
from ..worked import multi_channel_example, single_channel_example

__all__ = ["CONTROLS", "LIMITS", "Example", "article_examples", "custom_example",
           "combo_key", "trace_combo", "arithmetic_data"]

# The page's controls and the values each offers, in the order the combo keys use.
CONTROLS = {
    "padding": ("valid", "same", "full", 1, 2),
    "stride": (1, 2, 3),
    "dilation": (1, 2),
    "mode": CONV_MODES,
    "bias": ("off", "on"),
}

# Every number is shown on the page, so inputs stay small enough to read.
LIMITS = {"size": 12, "kernel": 7, "channels": 4, "filters": 4}


@dataclass(frozen=True)
class Example:
    """One convolution problem the page explores.

    ``input`` is ``(C, H, W)``, ``kernel`` ``(N, C, kh, kw)``, ``bias`` ``(N,)``:
    the value the bias control switches on.
    """

    key: str
    title: str
    input: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    note: str = ""


def article_examples() -> list[Example]:
    """The source article's two worked examples: 5x5 with a 3x3 kernel, and "RGB"."""
    x, kernel = single_channel_example()
    xm, km, bm = multi_channel_example()
    return [
        Example("single", "one channel: 5x5 input, 3x3 kernel", x[None], kernel[None, None],
                np.array([1]), note="The article's single-channel example; it has no bias, "
                                   "so the bias control adds 1 to show where a bias goes."),
        Example("rgb", "three channels: 3x5x5 input, one filter of three 3x3 kernels",
                xm[0], km.transpose(3, 2, 0, 1), bm,
                note="The article's multi-channel example: each channel is convolved with "
                     "its own kernel and the three sums plus the bias make ONE output cell."),
    ]


def custom_example(input, kernel=None, bias=None, title="your numbers") -> Example:
    """An :class:`Example` from arrays in ``convviz render``'s shapes.

    ``input`` is ``(H, W)`` or ``(C, H, W)``; ``kernel`` ``(kh, kw)``, one filter
    ``(C, kh, kw)`` or N filters ``(N, C, kh, kw)`` (default: the article's 3x3
    kernel, for a one-channel input); ``bias`` a number or one per filter (default 1
    for each filter, what the bias control switches on).
    """
    x = _numeric_array(input, "input")
    if x.ndim == 2:
        x = x[None]
    if x.ndim != 3:
        raise ValueError(f"input must be (H, W) or (C, H, W), got shape {x.shape}")
    if kernel is None:
        if x.shape[0] != 1:
            raise ValueError(f"kernel must be given for an input with {x.shape[0]} channels "
                             "(the default kernel is the article's 3x3 one, for one channel)")
        kernel = single_channel_example()[1]
    k = _numeric_array(kernel, "kernel")
    if k.ndim == 2:
        k = k[None, None]
    elif k.ndim == 3:
        k = k[None]
    if k.ndim != 4:
        raise ValueError(f"kernel must be (kh, kw), (C, kh, kw) or (N, C, kh, kw), "
                         f"got shape {k.shape}")
    if k.shape[1] != x.shape[0]:
        raise ValueError(f"kernel has {k.shape[1]} channel(s) per filter but input has "
                         f"{x.shape[0]} (kernel shape {k.shape} as (N, C, kh, kw), input "
                         f"shape {x.shape} as (C, H, W))")
    for name, value, limit in (("input height and width", max(x.shape[1:]), LIMITS["size"]),
                               ("kernel height and width", max(k.shape[2:]), LIMITS["kernel"]),
                               ("input channels", x.shape[0], LIMITS["channels"]),
                               ("kernel filters", k.shape[0], LIMITS["filters"])):
        if value > limit:
            raise ValueError(f"{name} must be <= {limit} so that every number fits on the "
                             f"page, got {value} (input {x.shape}, kernel {k.shape})")
    # squeeze: "2" and "1 2" parse as 1x1 and 1x2 matrices
    b = np.ones(k.shape[0], dtype=np.int64) if bias is None else np.squeeze(
        _numeric_array(bias, "bias"))
    if b.ndim == 0:
        b = np.full(k.shape[0], b.item())
    if b.shape != (k.shape[0],):
        raise ValueError(f"bias must be one number or one per filter ({k.shape[0]}), "
                         f"got shape {b.shape}")
    return Example("custom", title, x, k, b)


def combo_key(padding, stride, dilation, mode, bias) -> str:
    """The page's key of one setting, e.g. ``"same|2|1|cross_correlation|on"``."""
    return "|".join(str(v) for v in (padding, stride, dilation, mode, bias))


def _derivations(example: Example, padding, stride, dilation) -> list[dict]:
    (h, w), (kh, kw) = example.input.shape[1:], example.kernel.shape[2:]
    if (h, kh) == (w, kw):
        return [{"axis": "height and width",
                 "text": explain_shape(h, kh, stride, padding, dilation)}]
    return [{"axis": "height", "text": explain_shape(h, kh, stride, padding, dilation)},
            {"axis": "width", "text": explain_shape(w, kw, stride, padding, dilation)}]


def trace_combo(example: Example, padding, stride, dilation, mode, bias) -> dict:
    """Everything the page shows for one setting, as JSON-ready lists.

    ``ok`` False: ``error`` is the message :func:`convviz.trace_conv2d` raised.
    Otherwise ``padded`` ``(C, Hp, Wp)`` and ``is_pad`` ``(Hp, Wp)``; ``kernel``
    ``(N, C, kh, kw)`` as multiplied (flipped in convolution mode); ``output``
    ``(N, H', W')``; ``step_of[f][i][j]`` the index of the step writing that cell;
    ``steps``: per step its number ``n`` (from 1), ``f, i, j``, the window's ``rows``/``cols`` on the padded
    grid, ``window``/``products`` ``(C, kh, kw)``, ``pad`` ``(kh, kw)`` 1 where the
    window lies in the padding, channel ``sums``, ``bias`` and ``total``.
    """
    data = {"derivation": _derivations(example, padding, stride, dilation)}
    kernel = example.kernel.transpose(2, 3, 1, 0)               # Keras' (kh, kw, C, N)
    try:
        trace = trace_conv2d(example.input[None], kernel,
                             example.bias if bias == "on" else None, strides=stride,
                             padding=padding, dilation_rate=dilation,
                             data_format="channels_first", mode=mode)
    except ValueError as exc:
        return {"ok": False, "error": str(exc), **data}
    (top, bottom), (left, right) = trace.pads
    h, w = example.input.shape[1:]
    is_pad = np.ones(trace.padded_input.shape[2:], dtype=np.int8)
    is_pad[top:top + h, left:left + w] = 0
    out = trace.feature_maps[0]
    step_of = np.zeros(out.shape, dtype=np.int64)
    steps = []
    for step in trace.steps:
        step_of[step.filter, step.out_row, step.out_col] = step.index
        steps.append({
            "n": step.index + 1, "f": step.filter, "i": step.out_row, "j": step.out_col,
            "rows": [r + top for r in step.rows], "cols": [c + left for c in step.cols],
            "window": step.window_values.tolist(), "products": step.products.tolist(),
            "pad": step.is_padding.astype(np.int8).tolist(),
            "sums": step.channel_sums.tolist(), "bias": step.bias, "total": step.total,
        })
    return {
        "ok": True, **data, "pads": [list(p) for p in trace.pads],
        "padded": trace.padded_input[0].tolist(), "is_pad": is_pad.tolist(),
        "kernel": trace.kernel.tolist(), "output": out.tolist(),
        "size": list(out.shape[1:]), "step_of": step_of.tolist(), "steps": steps,
    }


def arithmetic_data(examples=None) -> dict:
    """Part 1 of the page data: each example with every setting of :data:`CONTROLS`."""
    examples = article_examples() if examples is None else list(examples)
    if not examples or not all(isinstance(e, Example) for e in examples):
        raise TypeError(f"examples must be a non-empty list of Example, got {examples!r}")
    return {
        "controls": {name: [str(v) for v in values] for name, values in CONTROLS.items()},
        "examples": [{
            "key": e.key, "title": e.title, "note": e.note,
            "input": e.input.tolist(), "kernel": e.kernel.tolist(), "bias": e.bias.tolist(),
            "combos": {combo_key(*setting): trace_combo(e, *setting)
                       for setting in itertools.product(*CONTROLS.values())},
        } for e in examples],
    }
