"""How the numpy core splits one call into cache-sized blocks of output.

Every convolution and pooling call works through its output in *blocks*: a few
whole images, or a band of output rows of one image, or (for very wide images) a
run of output columns of one row. Each block needs only the input rectangle
under its windows, copied into a small *slab* with the padding written as zeros
(or as the pooling fill value), so the padded input is never built as a whole and
the scratch memory of a call stays a few MiB however large the batch or the image.

* :func:`plan_blocks` picks the blocks for a work size per output position;
* :func:`fill_slab` copies the input rectangle of one block into a buffer;
* :func:`run_parallel` runs independent blocks on the usable CPU cores (for the
  elementwise loops: numpy's ufuncs use one core, its matrix products all of them).

Numpy (and the standard library) only.
"""
from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["Block", "Window", "PerThread", "plan_blocks", "fill_slab", "slab_buffer",
           "run_parallel", "worker_count", "BLOCK_BYTES", "WORK_BUDGET_BYTES"]

# Scratch bytes per block and BLAS thread (the im2col patches of a block). 2 MiB was
# about the fastest of 256 KiB .. 16 MiB for the article's two conv layers on one
# thread of this 2-core machine (benchmarks/bench_conv.py --threads 1 --sweep): small
# enough to stay in a core's 2 MiB L2 between writing the patches and multiplying them.
BLOCK_BYTES = 2 << 20

# The promise the blocks keep: scratch memory of any call stays below this
# (plus its output). One output position's work is far below it for any kernel
# a person uses; a block is never larger than BLOCK_BYTES unless one output
# position alone needs more.
WORK_BUDGET_BYTES = 256 << 20


@dataclass(frozen=True)
class Block:
    """Images ``images``, output rows ``rows`` and output columns ``cols`` of one block.

    A block is whole images, or rows of one image, or columns of one row, so
    ``out[images, rows, cols]`` of a C-contiguous ``(N, H', W', C)`` output is
    always one contiguous piece.
    """

    images: slice
    rows: slice
    cols: slice

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(images, rows, cols)`` of the block."""
        return tuple(s.stop - s.start for s in (self.images, self.rows, self.cols))

    @property
    def positions(self) -> int:
        return math.prod(self.shape)

    def of(self, out: np.ndarray) -> np.ndarray:
        """The block of an ``(N, H', W', C)`` array as ``(positions, C)``, a view."""
        flat = out[self.images, self.rows, self.cols].reshape(-1, out.shape[-1])
        assert np.may_share_memory(flat, out), "a block must be a view of the output"
        return flat


@dataclass(frozen=True)
class Window:
    """Where windows sit on the input: kernel (or pool) size, strides, dilation, padding.

    ``pads`` is ``((top, bottom), (left, right))``; only ``top`` and ``left`` place
    the windows, the rest is implied by the output size.
    """

    size: tuple[int, int]
    strides: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]

    def slab_bytes(self, channels: int, dtype) -> int:
        """Slab bytes per output position (the ``sh x sw`` input cells it moves on by),
        to add to the scratch a block plans for; borders come on top."""
        return self.strides[0] * self.strides[1] * channels * np.dtype(dtype).itemsize

    @property
    def span(self) -> tuple[int, int]:
        """Input cells one window covers along each axis, ``d*(k-1) + 1``."""
        return tuple(d * (k - 1) + 1 for k, d in zip(self.size, self.dilation))

    def input_range(self, out_slice: slice, axis: int) -> tuple[int, int]:
        """``[start, stop)`` of the input cells (unpadded coordinates, may lie
        outside the input) under the windows of output cells ``out_slice``."""
        stride, span, before = self.strides[axis], self.span[axis], self.pads[axis][0]
        return out_slice.start * stride - before, (out_slice.stop - 1) * stride + span - before

    def windows(self, slab: np.ndarray) -> np.ndarray:
        """``(n, rows, cols, C, kh, kw)`` view of every window of a block's slab."""
        view = sliding_window_view(slab, self.span, axis=(1, 2))
        (sh, sw), (dh, dw) = self.strides, self.dilation
        return view[:, ::sh, ::sw, :, ::dh, ::dw]


def _split(total: int, most: int) -> list[slice]:
    """``range(total)`` in as few slices of at most ``most`` as possible, their
    sizes differing by one at most (the larger ones first)."""
    parts = -(-total // max(1, most))
    size, larger = divmod(total, parts)
    bounds = np.cumsum([0] + [size + (i < larger) for i in range(parts)])
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def plan_blocks(n: int, out_hw: tuple[int, int], position_bytes: int,
                target: int | None = None) -> list[Block]:
    """Blocks covering an ``(n, H', W')`` output, each about ``target`` bytes of work
    (default :data:`BLOCK_BYTES` per thread of :func:`worker_count`: a matrix product
    is split over the BLAS threads, and fewer, larger products mean fewer waits for them).

    ``position_bytes`` is the scratch one output position needs (its patch row,
    say). Whole images when one image fits the target, else bands of output rows
    of one image, else runs of columns of one output row.
    """
    target = BLOCK_BYTES * worker_count() if target is None else target
    ho, wo = out_hw
    every_row, every_col = slice(0, ho), slice(0, wo)
    image_bytes = ho * wo * position_bytes
    if image_bytes <= target:
        return [Block(images, every_row, every_col)
                for images in _split(n, target // image_bytes)]
    row_bytes = wo * position_bytes
    if row_bytes <= target:
        return [Block(slice(b, b + 1), rows, every_col)
                for b in range(n) for rows in _split(ho, target // row_bytes)]
    return [Block(slice(b, b + 1), slice(r, r + 1), cols)
            for b in range(n) for r in range(ho)
            for cols in _split(wo, target // position_bytes)]


def slab_buffer(blocks: list[Block], window: Window, channels: int, dtype) -> np.ndarray:
    """One flat buffer large enough for the slab of every block in ``blocks``."""
    (sh, sw), (eh, ew) = window.strides, window.span
    most = max(m * ((rows - 1) * sh + eh) * ((cols - 1) * sw + ew)
               for m, rows, cols in (b.shape for b in blocks))
    return np.empty(most * channels, dtype)


def fill_slab(buffer: np.ndarray, x: np.ndarray, block: Block, window: Window,
              fill=0) -> np.ndarray:
    """The input under ``block``'s windows, ``(n, rows, cols, C)``, padding set to ``fill``.

    ``x`` is the unpadded ``(N, H, W, C)`` input; the slab is a C-contiguous view of
    the start of ``buffer`` (see :func:`slab_buffer`), in the buffer's dtype (the
    copy converts).
    """
    (r0, r1), (c0, c1) = window.input_range(block.rows, 0), window.input_range(block.cols, 1)
    shape = (block.shape[0], r1 - r0, c1 - c0, x.shape[3])
    slab = buffer[: math.prod(shape)].reshape(shape)
    h, w = x.shape[1:3]
    top = min(max(r0, 0), r1)           # the input's rows [top, bottom) and columns
    bottom = max(min(r1, h), top)       # [left, right) lie in the slab; the rest is padding
    left = min(max(c0, 0), c1)
    right = max(min(c1, w), left)
    slab[:, : top - r0] = fill
    slab[:, bottom - r0:] = fill
    slab[:, top - r0: bottom - r0, : left - c0] = fill
    slab[:, top - r0: bottom - r0, right - c0:] = fill
    slab[:, top - r0: bottom - r0, left - c0: right - c0] = x[block.images, top:bottom, left:right]
    return slab


def worker_count() -> int:
    """Threads for the elementwise loops: ``OMP_NUM_THREADS`` if set (the variable
    that BLAS libraries follow too), else the CPU cores this process may use."""
    setting = os.environ.get("OMP_NUM_THREADS", "")
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@lru_cache(maxsize=None)
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="convviz")


class PerThread:
    """Buffers made once per thread on first use: ``buffers = per_thread()``."""

    def __init__(self, make):
        self._make, self._local = make, threading.local()

    def __call__(self):
        if not hasattr(self._local, "value"):
            self._local.value = self._make()
        return self._local.value


def run_parallel(work, blocks: list[Block], scratch: PerThread) -> None:
    """``work(block, scratch())`` for every block, on ``worker_count()`` threads.

    numpy releases the GIL inside its loops, so blocks that write disjoint parts of
    the output run side by side; a free thread takes the next block, so a core that
    is busy with something else delays no one.
    """
    workers = min(worker_count(), len(blocks))
    if workers <= 1:
        for block in blocks:
            work(block, scratch())
        return
    for _ in _pool(workers).map(lambda block: work(block, scratch()), blocks):
        pass  # re-raises the first exception of a worker
