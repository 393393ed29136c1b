"""Depthwise convolution tap by tap: one block of output at a time, in cache.

A depthwise convolution (``groups == C_in``) gives each output channel from ONE
input channel, so im2col would multiply matrices only ``kh*kw`` wide. Instead every
kernel tap ``(u, v)`` adds ``window_tap * kernel[u, v]`` to a block of output
(:mod:`convviz.blocks`) while the block stays in cache, and the blocks run on every
core, because numpy's elementwise loops use one. :func:`convviz.conv2d` with
``groups == C_in`` and :func:`convviz.separable_conv2d` use it. Numpy only.
"""
from __future__ import annotations

import numpy as np

from .blocks import Block, PerThread, Window, fill_slab, plan_blocks, run_parallel, slab_buffer

__all__ = ["TapSum", "depthwise_nhwc", "TAP_BLOCK_BYTES"]

# Scratch per block of the tap-by-tap loop: 2 MiB (an accumulator and a product of
# 1 MiB each), the fastest of 64 KiB .. 4 MiB for the README's depthwise shapes
# (benchmarks/bench_family.py --sweep): both stay in a core's L2 cache for all taps.
TAP_BLOCK_BYTES = 2 << 20


def depthwise_nhwc(setup) -> np.ndarray:
    """The ``(N, H', W', C_in*M)`` result of a validated :class:`convviz.conv.ConvSetup`
    with ``groups == C_in``: output channel ``c*M + m`` is input channel ``c`` times
    kernel ``[:, :, 0, c*M + m]``."""
    x, dtype = setup.x, setup.dtype
    out = np.empty((x.shape[0], *setup.out_hw, setup.kernel.shape[3]), dtype)
    taps = TapSum(setup.kernel, x.shape[3], setup.window, dtype, setup.out_hw, x.shape[0])

    def work(block, scratch):
        result = block.of(out)
        taps.run(x, block, result, scratch)
        if setup.has_bias:
            result += setup.bias

    run_parallel(work, taps.blocks, PerThread(taps.scratch))
    return out


class TapSum:
    """Depthwise convolution of one block at a time, tap by tap.

    ``kernel`` is the grouped ``(kh, kw, 1, C_in*M)`` form. For each tap ``(u, v)``
    the block's input under that tap (a shifted view of the block's slab) is
    multiplied by the tap's ``C_in*M`` kernel values and added to the block's output.
    numpy has no fused multiply-add, so that is two passes per tap; what makes them
    fast is that each is one long contiguous loop over data in cache:

    * with strides 1 and ``M = 1`` (the common case) a tap is ONE contiguous run of
      the slab per image: the sum is computed on the slab's full width (the
      ``kw - 1`` extra columns per row are dropped at the end), and the kernel
      values are laid out along that run once per call;
    * otherwise a tap is a strided view and the kernel values are repeated along one
      output row, so each output row is one contiguous loop.
    """

    def __init__(self, kernel, c_in, window: Window, dtype, out_hw, n_images):
        kh, kw, _, c_out = kernel.shape
        self.window, self.dtype, self.c_in, self.multiplier = window, dtype, c_in, c_out // c_in
        self.flat = window.strides == (1, 1) and self.multiplier == 1
        self.blocks = plan_blocks(n_images, out_hw, 2 * c_out * dtype.itemsize
                                  + window.slab_bytes(c_in, dtype), TAP_BLOCK_BYTES)
        rows = max(b.shape[1] for b in self.blocks)
        cols = max(b.shape[2] for b in self.blocks)
        # the row of kernel values that one tap multiplies, position by position
        width = rows * (cols + window.span[1] - 1) if self.flat else cols
        taps = kernel.reshape(kh, kw, 1, c_in, self.multiplier)
        self.tiled = np.ascontiguousarray(
            np.broadcast_to(taps, (kh, kw, width, c_in, self.multiplier)), dtype=dtype)

    def scratch(self):
        """``(slab buffer, sum buffer, product buffer)`` for one thread, for any block."""
        blocks = self.blocks
        slabs = slab_buffer(blocks, self.window, self.c_in, self.dtype)
        if self.flat:   # the sums span the slab's full width
            most = max(b.shape[0] * b.shape[1] * (b.shape[2] + self.window.span[1] - 1)
                       for b in blocks) * self.c_in
            return slabs, np.empty(most, self.dtype), np.empty(most, self.dtype)
        most = max(b.positions for b in blocks) * self.c_in * self.multiplier
        return slabs, None, np.empty(most, self.dtype)

    def run(self, x, block: Block, result, scratch) -> None:
        """Write the depthwise convolution of ``block`` of ``x`` into ``result``
        (the block's ``(positions, C_in*M)`` output)."""
        slabs, sums, products = scratch
        slab = fill_slab(slabs, x, block, self.window)
        m, ho, wo = block.shape
        kh, kw = self.tiled.shape[:2]
        (sh, sw), (dh, dw) = self.window.strides, self.window.dilation
        if self.flat:
            width, c = slab.shape[2], self.c_in
            length = (ho * width - (self.window.span[1] - 1)) * c  # ends at the slab's end
            runs = slab.reshape(m, -1)
            acc = sums[: m * ho * width * c].reshape(m, -1)[:, :length]
            product = products[: m * length].reshape(m, length)
            kernel = self.tiled.reshape(kh, kw, -1)
        else:
            acc = result.reshape(m, ho, wo, self.c_in, self.multiplier)
            product = products[: result.size].reshape(acc.shape)
        for u in range(kh):
            for v in range(kw):
                if self.flat:
                    start = (u * dh * width + v * dw) * c
                    tap, values = runs[:, start: start + length], kernel[u, v, :length]
                else:
                    r0, c0 = u * dh, v * dw
                    tap = slab[:, r0: r0 + sh * (ho - 1) + 1: sh,
                               c0: c0 + sw * (wo - 1) + 1: sw, :, None]
                    values = self.tiled[u, v, :wo]
                if u == v == 0:
                    np.multiply(tap, values, out=acc)
                else:
                    np.multiply(tap, values, out=product)
                    acc += product
        if self.flat:
            full = sums[: m * ho * width * c].reshape(m, ho, width, c)
            result.reshape(m, ho, wo, c)[...] = full[:, :, :wo]
