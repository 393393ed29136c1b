"""Depthwise and depthwise-separable convolution, the MobileNet building blocks.

An ordinary convolution sums over every input channel: each of its ``C_out``
filters has ``C_in`` kernels. A *depthwise* convolution never mixes channels:
input channel ``c`` is convolved with its own ``depth_multiplier`` kernels and
gives output channels ``c*M ... c*M + M - 1``, with no sum across channels. It is
the grouped convolution with ``groups = C_in``. A *separable* convolution follows
it with a 1x1 *pointwise* convolution that does the channel mixing, for far fewer
weights than one full convolution: ``kh*kw*C_in*M + C_in*M*C_out`` instead of
``kh*kw*C_in*C_out``.

Kernel layouts are Keras': ``DepthwiseConv2D`` stores ``(kh, kw, C_in, M)``,
``SeparableConv2D`` a depthwise ``(kh, kw, C_in, M)`` and a pointwise
``(1, 1, C_in*M, C_out)`` kernel. Numpy only.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .blocks import PerThread, run_parallel, worker_count
from .conv import (
    _check_data_format,
    _numeric_array,
    check_bias,
    compute_dtype,
    conv2d,
    prepare_conv,
)
from .taps import TapSum
from .trace import MAX_STEPS, ConvTrace, trace_conv2d

__all__ = ["depthwise_conv2d", "separable_conv2d", "trace_depthwise_conv2d"]


def _as_grouped(x, depthwise_kernel, data_format, name="depthwise_kernel"):
    """``(kernel, groups)`` turning a depthwise call into a grouped ``conv2d`` call.

    ``(kh, kw, C_in, M)`` becomes ``(kh, kw, 1, C_in*M)`` whose filter ``c*M + m``
    is kernel ``[:, :, c, m]``: group ``c`` holds exactly input channel ``c``'s
    ``M`` kernels.
    """
    data_format = _check_data_format(data_format)
    x = _numeric_array(x, "x")
    kernel = _numeric_array(depthwise_kernel, name)
    if x.ndim == 2:
        if kernel.ndim != 2:
            raise ValueError(
                f"{name} must be 2-D (kh, kw) when x is 2-D (H, W), got shape {kernel.shape}"
            )
        return x, kernel, 1
    if x.ndim != 4:
        layout = "(N, H, W, C)" if data_format == "channels_last" else "(N, C, H, W)"
        raise ValueError(f"x must be 4-D {layout} or 2-D (H, W), got {x.ndim}-D of shape {x.shape}")
    if kernel.ndim != 4:
        raise ValueError(
            f"{name} must be 4-D (kh, kw, C_in, depth_multiplier) when x is 4-D, "
            f"got shape {kernel.shape}"
        )
    c_in = x.shape[3] if data_format == "channels_last" else x.shape[1]
    if kernel.shape[2] != c_in:
        raise ValueError(
            f"{name} (kh, kw, C_in, depth_multiplier) = {kernel.shape} expects C_in="
            f"{kernel.shape[2]} input channels but x has {c_in} (x shape {x.shape}, "
            f"data_format={data_format!r})"
        )
    kh, kw, _, multiplier = kernel.shape
    return x, kernel.reshape(kh, kw, 1, c_in * multiplier), c_in


def depthwise_conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1,
                     data_format="channels_last") -> np.ndarray:
    """Depthwise 2-D convolution equal to ``keras.layers.DepthwiseConv2D``.

    Args:
        x: ``(N, H, W, C_in)`` / ``(N, C_in, H, W)``, or ``(H, W)`` with a 2-D kernel.
        kernel: ``(kh, kw, C_in, M)`` with ``M`` the depth multiplier.
        bias: ``(C_in*M,)`` or None.
        strides, padding, dilation_rate, data_format: as :func:`convviz.conv2d`.

    Returns:
        ``(N, H', W', C_in*M)`` (or channels first); output channel ``c*M + m`` is
        input channel ``c`` convolved with ``kernel[:, :, c, m]`` alone.
    """
    x, grouped, groups = _as_grouped(x, kernel, data_format, "kernel")
    return conv2d(x, grouped, bias, strides=strides, padding=padding,
                  dilation_rate=dilation_rate, data_format=data_format, groups=groups)


def trace_depthwise_conv2d(x, kernel, bias=None, *, strides=1, padding="valid",
                           dilation_rate=1, data_format="channels_last",
                           max_steps=MAX_STEPS) -> ConvTrace:
    """:func:`depthwise_conv2d` step by step: a grouped :class:`ConvTrace`.

    Every step's window holds ONE input channel (``step.channels == (c,)``), so
    its ``channel_sums`` has one entry: nothing is summed across channels. More than
    ``max_steps`` steps (default 100,000) are refused unless ``max_steps=None``.
    """
    x, grouped, groups = _as_grouped(x, kernel, data_format, "kernel")
    return trace_conv2d(x, grouped, bias, strides=strides, padding=padding,
                        dilation_rate=dilation_rate, data_format=data_format, groups=groups,
                        max_steps=max_steps)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, bias=None, *, strides=1,
                     padding="valid", dilation_rate=1,
                     data_format="channels_last") -> np.ndarray:
    """Depthwise then 1x1 pointwise convolution, equal to ``keras.layers.SeparableConv2D``.

    Args:
        x: ``(N, H, W, C_in)`` or ``(N, C_in, H, W)``.
        depthwise_kernel: ``(kh, kw, C_in, M)``.
        pointwise_kernel: ``(1, 1, C_in*M, C_out)``.
        bias: ``(C_out,)`` or None, added after the pointwise step.
        strides, padding, dilation_rate, data_format: of the depthwise step, as
            :func:`convviz.conv2d`; the pointwise step is a 1x1, stride-1 convolution.

    Returns:
        ``(N, H', W', C_out)`` (or channels first).
    """
    x, grouped, groups = _as_grouped(x, depthwise_kernel, data_format)
    if x.ndim != 4:
        raise ValueError(f"x must be 4-D for separable_conv2d, got shape {x.shape}")
    pointwise = _numeric_array(pointwise_kernel, "pointwise_kernel")
    mid = grouped.shape[3]
    if pointwise.ndim != 4 or pointwise.shape[:3] != (1, 1, mid):
        raise ValueError(
            f"pointwise_kernel must be (1, 1, C_in*depth_multiplier, C_out) = (1, 1, {mid}, "
            f"C_out) for depthwise_kernel of shape {np.shape(depthwise_kernel)}, "
            f"got shape {pointwise.shape}"
        )
    setup = prepare_conv(x, grouped, None, strides=strides, padding=padding,
                         dilation_rate=dilation_rate, data_format=data_format, groups=groups)
    c_out = pointwise.shape[3]
    bias_arr = check_bias(bias, c_out, False)
    kh, kw = grouped.shape[:2]
    dtype = compute_dtype([("x", setup.x), ("depthwise_kernel", grouped),
                           ("pointwise_kernel", pointwise)], kh * kw * mid, bias_arr)
    setup = dataclasses.replace(setup, dtype=dtype, kernel=setup.kernel.astype(dtype))
    out = _separable_nhwc(setup, pointwise.reshape(mid, c_out).astype(dtype),
                          None if bias_arr is None else bias_arr.astype(dtype))
    return setup.restore(out)


def _separable_nhwc(setup, pointwise: np.ndarray, bias) -> np.ndarray:
    """Depthwise then pointwise, block by block, so the depthwise result of a block
    is multiplied by the ``(C_in*M, C_out)`` pointwise matrix while it is in cache.

    The blocks go in waves of one block per core: the depthwise sums of a wave run
    side by side (elementwise loops), then one matrix product (which uses every core
    by itself) turns the wave's sums into its consecutive rows of output.
    """
    x, dtype = setup.x, setup.dtype
    mid, c_out = pointwise.shape
    out = np.empty((x.shape[0], *setup.out_hw, c_out), dtype)
    rows = out.reshape(-1, c_out)
    taps = TapSum(setup.kernel, x.shape[3], setup.window, dtype, setup.out_hw, x.shape[0])
    wave_size = min(worker_count(), len(taps.blocks))
    sums = np.empty(wave_size * max(b.positions for b in taps.blocks) * mid, dtype)
    scratch = PerThread(taps.scratch)
    start = 0
    for first in range(0, len(taps.blocks), wave_size):
        wave = taps.blocks[first: first + wave_size]
        offsets = np.cumsum([0] + [b.positions for b in wave])
        wave_sums = sums[: offsets[-1] * mid].reshape(-1, mid)

        def work(block, scratch, wave=wave, offsets=offsets, wave_sums=wave_sums):
            i = wave.index(block)
            taps.run(x, block, wave_sums[offsets[i]: offsets[i + 1]], scratch)

        run_parallel(work, wave, scratch)
        result = rows[start: start + offsets[-1]]
        np.matmul(wave_sums, pointwise, out=result)
        if bias is not None:
            result += bias
        start += offsets[-1]
    return out
