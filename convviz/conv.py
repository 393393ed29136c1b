"""2-D convolution and pooling in plain numpy, the way a textbook explains them.

Conventions (the same as Keras):

* ``x`` is ``(N, H, W, C)`` for ``data_format="channels_last"`` and ``(N, C, H, W)``
  for ``"channels_first"``. A 2-D ``x`` of shape ``(H, W)`` together with a 2-D
  kernel ``(kh, kw)`` is the single-channel case and gives a 2-D result.
* ``kernel`` is ``(kh, kw, C_in, C_out)`` in both data formats: one *filter* per
  output channel, each filter a stack of ``C_in`` 2-D *kernels*.
* ``groups=G`` splits the input channels and the filters into ``G`` groups; filter
  group ``g`` only sees input channel group ``g``, so ``kernel`` is
  ``(kh, kw, C_in / G, C_out)`` (as ``keras.layers.Conv2D(groups=G)`` stores it).
* ``mode="cross_correlation"`` (the default) is what every deep-learning library
  computes: the kernel is laid on the input as it is. ``mode="convolution"`` is the
  textbook operation (and ``scipy.signal.convolve2d``): the kernel is flipped
  left-right and upside-down first.
* ``padding`` is ``"valid"`` (none), ``"same"`` (TensorFlow's rule: the output has
  ``ceil(n / stride)`` positions and, when the total padding is odd, the extra
  row/column goes at the bottom/right), ``"full"`` (``d*(k-1)`` on every side), an
  int, a pair ``(ph, pw)`` or ``((top, bottom), (left, right))``.

The output size along one axis is ``floor((n + p_total - d*(k-1) - 1) / s) + 1``.

This module depends on numpy only; :mod:`convviz.trace` holds the loop version
that records every step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "conv2d",
    "conv_output_size",
    "same_padding",
    "resolve_padding",
    "pad2d",
    "max_pool2d",
    "avg_pool2d",
]

DATA_FORMATS = ("channels_last", "channels_first")
PADDING_MODES = ("valid", "same", "full")
CONV_MODES = ("cross_correlation", "convolution")

# Elements of the im2col matrix per BLAS call: 8 MiB of float32 patches (the best
# of 2**16..2**22 measured by benchmarks/bench_conv.py on a 2-core Xeon),
# large enough for an efficient matmul, small enough to bound memory for big batches.
_IM2COL_CHUNK_ELEMENTS = 1 << 21


# --------------------------------------------------------------------------- checks
def _pair(value, name: str, minimum: int = 1) -> tuple[int, int]:
    """``value`` as a pair of ints ``>= minimum``; ``name`` is used in errors."""
    if isinstance(value, Integral) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, Integral) and not isinstance(v, bool) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise TypeError(f"{name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return pair


def _check_data_format(data_format) -> str:
    if data_format not in DATA_FORMATS:
        raise ValueError(
            f"data_format must be one of {DATA_FORMATS}, got {data_format!r}"
        )
    return data_format


def _numeric_array(value, name: str) -> np.ndarray:
    """``value`` as a non-empty numeric (int or float) numpy array."""
    try:
        array = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}: {exc}") from exc
    if array.dtype == bool or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise TypeError(
            f"{name} must have an integer or floating dtype, got dtype {array.dtype}"
        )
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    return array


# --------------------------------------------------------------------------- sizes
def same_padding(n: int, k: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """Padding ``(before, after)`` that TensorFlow uses for ``padding="same"``.

    The output has ``ceil(n / stride)`` positions; the total padding needed for
    that is split with the odd cell going *after* (bottom/right).

    >>> same_padding(28, 5)
    (2, 2)
    >>> same_padding(5, 2, stride=2)  # 3 outputs need 6 cells: one extra, at the end
    (0, 1)
    """
    n, k = _positive_int(n, "n"), _positive_int(k, "k")
    stride, dilation = _positive_int(stride, "stride"), _positive_int(dilation, "dilation")
    effective_k = dilation * (k - 1) + 1
    out = -(-n // stride)
    total = max((out - 1) * stride + effective_k - n, 0)
    return total // 2, total - total // 2


def _positive_int(value, name: str) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1, got {value!r}")
    return int(value)


def _axis_padding(padding, n: int, k: int, stride: int, dilation: int, name="padding"):
    """Resolve the padding of one axis to ``(before, after)``."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return 0, 0
        if mode == "same":
            return same_padding(n, k, stride, dilation)
        if mode == "full":
            return (dilation * (k - 1),) * 2
        raise ValueError(
            f"{name} must be one of {PADDING_MODES}, an int or pairs of ints, got {padding!r}"
        )
    if isinstance(padding, Integral) and not isinstance(padding, bool):
        before = after = int(padding)
    elif (
        isinstance(padding, (tuple, list))
        and len(padding) == 2
        and all(isinstance(p, Integral) and not isinstance(p, bool) for p in padding)
    ):
        before, after = int(padding[0]), int(padding[1])
    else:
        raise TypeError(
            f"{name} must be 'valid', 'same', 'full', an int or a pair of ints, got {padding!r}"
        )
    if before < 0 or after < 0:
        raise ValueError(f"{name} must be >= 0, got {padding!r}")
    return before, after


def conv_output_size(n: int, k: int, stride: int = 1, padding="valid", dilation: int = 1) -> int:
    """Number of output positions along one axis.

    ``padding`` is ``"valid"``, ``"same"``, ``"full"``, an int (both sides) or a
    pair ``(before, after)``. The formula is
    ``floor((n + p_total - d*(k-1) - 1) / s) + 1``.

    >>> conv_output_size(5, 3)            # the article's 5x5 input, 3x3 kernel
    3
    >>> conv_output_size(28, 5, padding="same")
    28
    >>> conv_output_size(28, 2, stride=2)  # 2x2 pooling halves 28
    14
    """
    n, k = _positive_int(n, "n"), _positive_int(k, "k")
    stride, dilation = _positive_int(stride, "stride"), _positive_int(dilation, "dilation")
    before, after = _axis_padding(padding, n, k, stride, dilation)
    effective_k = dilation * (k - 1) + 1
    padded = n + before + after
    if effective_k > padded:
        raise ValueError(
            f"kernel of size {k} (dilated to {effective_k}) is larger than the padded "
            f"input of size {padded} (n={n}, padding={before}+{after})"
        )
    return (padded - effective_k) // stride + 1


def resolve_padding(padding, in_hw, kernel_hw, strides=1, dilation_rate=1):
    """Any accepted ``padding`` form as explicit ``((top, bottom), (left, right))``."""
    (h, w), (kh, kw) = in_hw, kernel_hw
    sh, sw = _pair(strides, "strides")
    dh, dw = _pair(dilation_rate, "dilation_rate")
    if isinstance(padding, str) or isinstance(padding, Integral):
        per_axis = (padding, padding)
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(isinstance(p, Integral) and not isinstance(p, bool) for p in padding):
            per_axis = (int(padding[0]), int(padding[1]))  # (ph, pw): symmetric
        else:
            per_axis = (padding[0], padding[1])  # ((top, bottom), (left, right))
    else:
        raise TypeError(
            "padding must be 'valid', 'same', 'full', an int, a pair (ph, pw) or "
            f"((top, bottom), (left, right)), got {padding!r}"
        )
    return (
        _axis_padding(per_axis[0], h, kh, sh, dh),
        _axis_padding(per_axis[1], w, kw, sw, dw),
    )


def pad2d(x: np.ndarray, pads, value=0) -> np.ndarray:
    """Pad the two spatial axes of an ``(N, H, W, C)`` array with ``value``."""
    (top, bottom), (left, right) = pads
    return np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)), constant_values=value)


# --------------------------------------------------------------------------- setup
@dataclass(frozen=True)
class ConvSetup:
    """A validated convolution problem in one canonical layout.

    ``x`` is ``(N, H, W, C_in)``, ``kernel`` ``(kh, kw, C_in, C_out)``, ``bias``
    ``(C_out,)`` (zeros when none was given), ``pads`` ``((top, bottom), (left, right))``
    and ``out_hw`` the output's ``(H', W')``. ``restore`` turns an
    ``(N, H', W', C_out)`` result back into the caller's layout.

    With ``groups=G`` the kernel is ``(kh, kw, C_in / G, C_out)``. With
    ``mode="convolution"`` ``kernel`` is already flipped: it is the array that
    is laid on the input, so every consumer computes a plain cross-correlation.
    """

    x: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    has_bias: bool
    strides: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    out_hw: tuple[int, int]
    data_format: str
    single_channel: bool
    groups: int = 1
    mode: str = "cross_correlation"

    def restore(self, out_nhwc: np.ndarray) -> np.ndarray:
        return restore_layout(out_nhwc, self.single_channel, self.data_format)


def as_nhwc(x: np.ndarray, kernel: np.ndarray, data_format: str,
            kernel_layout: str = "(kh, kw, C_in, C_out)"):
    """``(x, kernel, single_channel)``: ``x`` as ``(N, H, W, C)`` and a 4-D kernel.

    A 2-D ``x`` ``(H, W)`` with a 2-D kernel ``(kh, kw)`` is one image with one
    channel and one filter; ``kernel_layout`` names the 4-D layout in errors.
    """
    if x.ndim == 2:
        if kernel.ndim != 2:
            raise ValueError(
                "kernel must be 2-D (kh, kw) when x is 2-D (H, W), "
                f"got kernel of shape {kernel.shape}"
            )
        return x[None, :, :, None], kernel[:, :, None, None], True
    if x.ndim != 4:
        layout = "(N, H, W, C)" if data_format == "channels_last" else "(N, C, H, W)"
        raise ValueError(
            f"x must be 4-D {layout} or 2-D (H, W), got {x.ndim}-D of shape {x.shape}"
        )
    if kernel.ndim != 4:
        raise ValueError(
            f"kernel must be 4-D {kernel_layout} when x is 4-D, "
            f"got kernel of shape {kernel.shape}"
        )
    if data_format == "channels_first":
        x = x.transpose(0, 2, 3, 1)
    return x, kernel, False


def restore_layout(out_nhwc: np.ndarray, single_channel: bool, data_format: str) -> np.ndarray:
    """An ``(N, H', W', C)`` result in the caller's layout (the inverse of :func:`as_nhwc`)."""
    if single_channel:
        return out_nhwc[0, :, :, 0]
    if data_format == "channels_first":
        return out_nhwc.transpose(0, 3, 1, 2)
    return out_nhwc


def check_bias(bias, c_out: int, dtype, single_channel: bool) -> np.ndarray:
    """``bias`` as a ``(C_out,)`` array, zeros of ``dtype`` when None; a scalar is
    accepted in the single-channel case."""
    if bias is None:
        return np.zeros(c_out, dtype=dtype)
    bias_arr = _numeric_array(bias, "bias")
    if single_channel and bias_arr.ndim == 0:
        bias_arr = bias_arr.reshape(1)
    if bias_arr.shape != (c_out,):
        raise ValueError(
            f"bias must have shape (C_out,) = ({c_out},), got shape {bias_arr.shape}"
        )
    return bias_arr


def prepare_conv(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1,
                 data_format="channels_last", groups=1,
                 mode="cross_correlation") -> ConvSetup:
    """Validate a ``conv2d`` call and bring it into the canonical NHWC layout.

    Every check happens here, before any arithmetic, so that ``conv2d`` and the
    step-by-step trace refuse exactly the same inputs with the same messages.
    """
    data_format = _check_data_format(data_format)
    mode = _check_mode(mode)
    x = _numeric_array(x, "x")
    kernel = _numeric_array(kernel, "kernel")
    strides = _pair(strides, "strides")
    dilation = _pair(dilation_rate, "dilation_rate")
    groups = _positive_int(groups, "groups")

    x, kernel, single_channel = as_nhwc(x, kernel, data_format)

    c_out = kernel.shape[3]
    if groups == 1:
        c_in = kernel.shape[2]
        if x.shape[3] != c_in:
            raise ValueError(
                f"kernel expects C_in={c_in} input channels (kernel shape {kernel.shape}) "
                f"but x has {x.shape[3]} channels (x shape {x.shape} as NHWC, "
                f"data_format={data_format!r})"
            )
    else:
        _check_groups(groups, x.shape[3], kernel.shape, single_channel)
    if mode == "convolution":
        kernel = kernel[::-1, ::-1]

    bias_arr = check_bias(bias, c_out, np.result_type(x, kernel), single_channel)

    (h, w), (kh, kw) = x.shape[1:3], kernel.shape[:2]
    pads = resolve_padding(padding, (h, w), (kh, kw), strides, dilation)
    out_hw = []
    for axis, n, k, s, d, (before, after) in (
        ("height", h, kh, strides[0], dilation[0], pads[0]),
        ("width", w, kw, strides[1], dilation[1], pads[1]),
    ):
        effective_k = d * (k - 1) + 1
        if effective_k > n + before + after:
            raise ValueError(
                f"kernel {axis} {k} (dilated to {effective_k}) is larger than the padded "
                f"input {axis} {n + before + after} (input {n}, padding {before}+{after}); "
                "use a smaller kernel or more padding"
            )
        out_hw.append((n + before + after - effective_k) // s + 1)

    return ConvSetup(
        x=x, kernel=kernel, bias=bias_arr, has_bias=bias is not None,
        strides=strides, dilation=dilation, pads=pads, out_hw=tuple(out_hw),
        data_format=data_format, single_channel=single_channel, groups=groups, mode=mode,
    )


def _check_mode(mode) -> str:
    if mode not in CONV_MODES:
        raise ValueError(f"mode must be one of {CONV_MODES}, got {mode!r}")
    return mode


def _check_groups(groups: int, c_in: int, kernel_shape, single_channel: bool) -> None:
    """``groups`` must divide both channel counts and match the kernel's C_in / groups."""
    if single_channel:
        raise ValueError(
            f"groups must be 1 for a 2-D (H, W) input, which has one channel; got groups={groups}"
        )
    c_out = kernel_shape[3]
    if c_in % groups:
        raise ValueError(
            f"groups={groups} must divide the number of input channels, but x has "
            f"C_in={c_in} channels ({c_in} % {groups} = {c_in % groups})"
        )
    if c_out % groups:
        raise ValueError(
            f"groups={groups} must divide the number of filters, but the kernel has "
            f"C_out={c_out} (kernel shape {tuple(kernel_shape)}; {c_out} % {groups} = {c_out % groups})"
        )
    if kernel_shape[2] != c_in // groups:
        raise ValueError(
            f"with groups={groups} each filter sees C_in / groups = {c_in} / {groups} = "
            f"{c_in // groups} input channels, so the kernel must be "
            f"(kh, kw, {c_in // groups}, C_out); got kernel shape {tuple(kernel_shape)}"
        )


# --------------------------------------------------------------------------- conv2d
def conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1,
           data_format="channels_last", groups=1, mode="cross_correlation") -> np.ndarray:
    """2-D convolution equal to ``keras.layers.Conv2D`` (including ``groups``).

    Args:
        x: ``(N, H, W, C_in)`` (channels_last), ``(N, C_in, H, W)`` (channels_first),
            or ``(H, W)`` for a single channel.
        kernel: ``(kh, kw, C_in / groups, C_out)``, or ``(kh, kw)`` when ``x`` is 2-D.
        bias: ``(C_out,)`` or None.
        strides, dilation_rate: int or ``(h, w)`` pair, each >= 1.
        padding: ``"valid"``, ``"same"``, ``"full"``, int, ``(ph, pw)`` or
            ``((top, bottom), (left, right))``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        groups: int >= 1 dividing ``C_in`` and ``C_out``: output channels
            ``g*C_out/G ... (g+1)*C_out/G - 1`` are sums over input channels
            ``g*C_in/G ... (g+1)*C_in/G - 1`` only (``groups=C_in`` is depthwise).
        mode: ``"cross_correlation"`` (default, what Keras and every deep-learning
            library compute) or ``"convolution"``. Cross-correlation slides the
            kernel over the input as it is, ``out[i, j] = sum x[i+u, j+v] * k[u, v]``;
            true convolution first flips the kernel in both spatial axes,
            ``out[i, j] = sum x[i+u, j+v] * k[kh-1-u, kw-1-v]``, which is what the
            mathematics textbook and ``scipy.signal.convolve2d`` mean by it.
            (Padding is the same in both modes, so with ``padding="same"`` and an
            even kernel size the result is scipy's ``"same"`` window shifted by one
            cell: scipy centres its full result, TensorFlow's rule pads the extra
            cell after.)

    Returns:
        ``(N, H', W', C_out)`` (or ``(N, C_out, H', W')``), ``(H', W')`` for 2-D input.

    Implementation: im2col. Each chunk of images becomes a matrix with one row per
    output position and one column per (kernel row, kernel column, input channel);
    one matrix product with the kernel reshaped to ``(kh*kw*C_in, C_out)`` gives
    every output channel at once (with groups: one such product per group).
    """
    setup = prepare_conv(x, kernel, bias, strides=strides, padding=padding,
                         dilation_rate=dilation_rate, data_format=data_format,
                         groups=groups, mode=mode)
    return setup.restore(conv_nhwc(setup))


def conv_nhwc(setup: ConvSetup) -> np.ndarray:
    """The ``(N, H', W', C_out)`` result of a validated :class:`ConvSetup` (im2col)."""
    dtype = np.result_type(setup.x, setup.kernel, setup.bias)
    n, h, w, c_in = setup.x.shape
    kh, kw, c_group, c_out = setup.kernel.shape
    groups = setup.groups
    ho, wo = setup.out_hw
    (sh, sw), (dh, dw) = setup.strides, setup.dilation
    (top, bottom), (left, right) = setup.pads
    bias = setup.bias.astype(dtype, copy=False)
    kernel = setup.kernel.astype(dtype, copy=False)
    if groups > 1 and c_group == 1:
        return _depthwise_nhwc(setup, dtype, kernel, bias)
    if groups == 1:
        weights = kernel.reshape(kh * kw * c_in, c_out)
    else:  # (G, kh*kw*C_in/G, C_out/G): the filters of group g over its channels
        weights = kernel.reshape(kh, kw, c_group, groups, c_out // groups)
        weights = np.ascontiguousarray(weights.transpose(3, 0, 1, 2, 4))
        weights = weights.reshape(groups, kh * kw * c_group, c_out // groups)

    out = np.empty((n, ho, wo, c_out), dtype=dtype)
    chunk = max(1, _IM2COL_CHUNK_ELEMENTS // (ho * wo * kh * kw * c_in))
    # Buffers reused by every chunk: the zero border of ``padded`` is written once.
    padded = np.zeros((min(chunk, n), h + top + bottom, w + left + right, c_in), dtype=dtype)
    if groups == 1:
        patches = np.empty((min(chunk, n), ho, wo, kh, kw, c_in), dtype=dtype)
    else:
        patches = np.empty((groups, min(chunk, n), ho, wo, kh, kw, c_group), dtype=dtype)
        products = np.empty((groups, min(chunk, n) * ho * wo, c_out // groups), dtype=dtype)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        rows = (stop - start) * ho * wo
        xp = padded[: stop - start]
        xp[:, top: top + h, left: left + w] = setup.x[start:stop]
        # (n, H', W', C_in, kh, kw) view of every dilated window at every stride step
        windows = sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(1, 2))
        windows = windows[:, : sh * (ho - 1) + 1: sh, : sw * (wo - 1) + 1: sw, :, ::dh, ::dw]
        out_chunk = out[start:stop].reshape(-1, c_out)
        if groups == 1:
            cols = patches[: stop - start]
            np.copyto(cols, windows.transpose(0, 1, 2, 4, 5, 3))
            np.matmul(cols.reshape(-1, kh * kw * c_in), weights, out=out_chunk)
        else:
            cols = patches[:, : stop - start]
            grouped = windows.reshape(*windows.shape[:3], groups, c_group, kh, kw)
            np.copyto(cols, grouped.transpose(3, 0, 1, 2, 5, 6, 4))
            part = products[:, :rows]
            np.matmul(cols.reshape(groups, rows, kh * kw * c_group), weights, out=part)
            out_chunk.reshape(rows, groups, c_out // groups)[...] = part.transpose(1, 0, 2)
        if setup.has_bias:
            out_chunk += bias  # while the chunk is still in cache
    return out


# Output elements per chunk of the depthwise path: 128 Ki values (512 KiB float32)
# keep the accumulator in cache (benchmarks/bench_family.py, 2-core Xeon).
_DEPTHWISE_CHUNK_ELEMENTS = 1 << 17


def _depthwise_nhwc(setup: ConvSetup, dtype, kernel, bias) -> np.ndarray:
    """``groups == C_in`` (one input channel per group, e.g. depthwise): tap by tap.

    Output channel ``c*M + m`` is input channel ``c`` times kernel ``[:, :, 0, c*M + m]``.
    Instead of im2col, which would multiply matrices only ``kh*kw`` wide, every kernel
    tap ``(u, v)`` adds ``window_tap * kernel[u, v]`` to the output, ``M`` channels
    at a time, in chunks of images small enough to stay in cache.
    """
    n, h, w, c_in = setup.x.shape
    kh, kw, _, c_out = kernel.shape
    multiplier = c_out // c_in
    ho, wo = setup.out_hw
    (sh, sw), (dh, dw) = setup.strides, setup.dilation
    (top, bottom), (left, right) = setup.pads
    taps = kernel.reshape(kh, kw, c_in, multiplier)

    out = np.empty((n, ho, wo, c_out), dtype=dtype)
    chunk = max(1, min(n, _DEPTHWISE_CHUNK_ELEMENTS // (ho * wo * c_out)))
    padded = np.zeros((chunk, h + top + bottom, w + left + right, c_in), dtype=dtype)
    acc = np.empty((multiplier, chunk, ho, wo, c_in), dtype=dtype)
    product = np.empty((chunk, ho, wo, c_in), dtype=dtype)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        size = stop - start
        xp = padded[:size]
        xp[:, top: top + h, left: left + w] = setup.x[start:stop]
        part, prod = acc[:, :size], product[:size]
        part.fill(0)
        for u in range(kh):
            for v in range(kw):
                r0, c0 = u * dh, v * dw
                tap = xp[:, r0: r0 + sh * (ho - 1) + 1: sh, c0: c0 + sw * (wo - 1) + 1: sw]
                for m in range(multiplier):
                    np.multiply(tap, taps[u, v, :, m], out=prod)
                    part[m] += prod
        # (M, n, H', W', C_in) -> (n, H', W', C_in, M): channel c*M + m
        out[start:stop].reshape(size, ho, wo, c_in, multiplier)[...] = np.moveaxis(part, 0, -1)
        if setup.has_bias:
            out[start:stop] += bias
    return out


# --------------------------------------------------------------------------- pooling
def _pool(x, pool_size, strides, padding, data_format, reduce):
    data_format = _check_data_format(data_format)
    x = _numeric_array(x, "x")
    pool = _pair(pool_size, "pool_size")
    strides = pool if strides is None else _pair(strides, "strides")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"padding for pooling must be 'valid' or 'same', got {padding!r}")
    single = x.ndim == 2
    if single:
        x = x[None, :, :, None]
    elif x.ndim == 4:
        if data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)
    else:
        layout = "(N, H, W, C)" if data_format == "channels_last" else "(N, C, H, W)"
        raise ValueError(f"x must be 4-D {layout} or 2-D (H, W), got shape {x.shape}")
    pads = resolve_padding(padding, x.shape[1:3], pool, strides)
    out_hw = []
    for axis, n, k, s, (before, after) in zip(("height", "width"), x.shape[1:3], pool, strides, pads):
        if k > n + before + after:
            raise ValueError(
                f"pool_size {axis} {k} is larger than the input {axis} {n} "
                f"(padding={padding!r})"
            )
        out_hw.append((n + before + after - k) // s + 1)
    out = reduce(x, pool, strides, pads)[:, : out_hw[0], : out_hw[1], :]
    if single:
        return out[0, :, :, 0]
    return out.transpose(0, 3, 1, 2) if data_format == "channels_first" else out


def _windows(xp, pool, strides):
    """``(N, H', W', C, ph, pw)`` view of the pooling windows of a padded NHWC array."""
    view = sliding_window_view(xp, pool, axis=(1, 2))
    return view[:, :: strides[0], :: strides[1]]


def _max_reduce(x, pool, strides, pads):
    fill = -np.inf if np.issubdtype(x.dtype, np.floating) else np.iinfo(x.dtype).min
    return _windows(pad2d(x, pads, fill), pool, strides).max(axis=(-2, -1))


def _avg_reduce(x, pool, strides, pads):
    # Keras divides by the number of real cells in each window, so the padded
    # cells count neither in the sum nor in the divisor.
    dtype = np.result_type(x.dtype, np.float32)
    sums = _windows(pad2d(x.astype(dtype), pads), pool, strides).sum(axis=(-2, -1))
    ones = np.ones((1, *x.shape[1:3], 1), dtype=dtype)
    counts = _windows(pad2d(ones, pads), pool, strides).sum(axis=(-2, -1))
    return sums / counts


def max_pool2d(x, pool_size=2, strides=None, padding="valid",
               data_format="channels_last") -> np.ndarray:
    """Max pooling equal to ``keras.layers.MaxPooling2D``.

    ``x`` is ``(N, H, W, C)`` / ``(N, C, H, W)`` or a single-channel ``(H, W)``;
    ``strides`` defaults to ``pool_size``; ``padding`` is ``"valid"`` or ``"same"``
    (padded cells never win). Output ``(N, H', W', C)`` with
    ``H' = floor((H - ph) / sh) + 1`` (valid) or ``ceil(H / sh)`` (same).
    """
    return _pool(x, pool_size, strides, padding, data_format, _max_reduce)


def avg_pool2d(x, pool_size=2, strides=None, padding="valid",
               data_format="channels_last") -> np.ndarray:
    """Average pooling equal to ``keras.layers.AveragePooling2D``.

    Same shapes as :func:`max_pool2d`. With ``"same"`` padding each window is
    divided by the number of real (unpadded) cells it covers, as Keras does.
    The result is floating point even for integer input.
    """
    return _pool(x, pool_size, strides, padding, data_format, _avg_reduce)
