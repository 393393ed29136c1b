"""Convolution step by step: the textbook loops, recorded for plots and animations.

:func:`trace_conv2d` takes exactly the arguments of :func:`convviz.conv2d` and
returns a :class:`ConvTrace`: for every output position of every filter, one
:class:`ConvStep` with the input window, the element-wise products with each
kernel, the per-channel sums, the bias and the total that lands in the output.

The arrays inside a trace are *channels first* whatever the data format of the
call, because that is how a filter is drawn: a stack of ``C_in`` kernels.

With ``groups=G`` a filter is a stack of only ``C_in / G`` kernels and each step
records which input channels its window comes from (:attr:`ConvStep.channels`).
With ``mode="convolution"`` the kernels recorded are the *flipped* ones, because
those are the numbers that are multiplied with the window.

>>> import numpy as np
>>> t = trace_conv2d(np.arange(25).reshape(5, 5), np.ones((3, 3), int))
>>> len(t), t.output.shape
(9, (3, 3))
>>> t[0].total, t[0].window_values[0].tolist()
(54, [[0, 1, 2], [5, 6, 7], [10, 11, 12]])
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .conv import pad2d, prepare_conv

__all__ = ["ConvStep", "ConvTrace", "trace_conv2d", "MAX_STEPS"]


@dataclass(frozen=True)
class ConvStep:
    """One output cell: where the window sits and how its value is made.

    Attributes:
        index: position of this step in the trace (batch, filter, row, column order).
        batch, filter: which image and which filter (output channel).
        out_row, out_col: the output cell this step writes.
        rows, cols: input coordinates covered by the kernel's rows / columns, in the
            *unpadded* input; a value < 0 or >= H (W) lies in the padding.
        window_values: ``(C_in, kh, kw)`` input values under the kernel (0 in padding).
        is_padding: ``(kh, kw)`` True where the kernel cell lies in the padding.
        kernel: ``(C_in, kh, kw)`` this filter's kernels.
        products: ``(C_in, kh, kw)`` ``window_values * kernel``.
        channel_sums: ``(C_in,)`` sum of the products of each input channel.
        bias: this filter's bias (0 when there is none).
        total: ``channel_sums.sum() + bias``, the value written to the output.
        channels: the input channels the window comes from (all of them unless
            the convolution is grouped): ``window_values[i]`` is channel ``channels[i]``.

    With ``groups=G`` the ``C_in`` above is the ``C_in / G`` channels of the filter's group.
    """

    index: int
    batch: int
    filter: int
    out_row: int
    out_col: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    window_values: np.ndarray
    is_padding: np.ndarray
    kernel: np.ndarray
    products: np.ndarray
    channel_sums: np.ndarray
    bias: float
    total: float
    channels: tuple[int, ...] = ()

    @property
    def output_index(self) -> tuple[int, int, int, int]:
        """``(batch, filter, out_row, out_col)``."""
        return self.batch, self.filter, self.out_row, self.out_col


@dataclass(frozen=True)
class ConvTrace:
    """Every step of one convolution plus the arrays needed to draw it.

    Attributes:
        input: ``(N, C_in, H, W)`` the unpadded input.
        padded_input: ``(N, C_in, H + top + bottom, W + left + right)``.
        kernel: ``(C_out, C_in / groups, kh, kw)``: filter ``f`` is ``kernel[f]``
            (flipped in both spatial axes when ``mode="convolution"``).
        bias: ``(C_out,)``.
        strides, dilation: ``(h, w)`` pairs.
        pads: ``((top, bottom), (left, right))``.
        steps: the :class:`ConvStep` s in batch, filter, row, column order.
        output: the result in the same layout as :func:`convviz.conv2d` returns it.
        feature_maps: ``(N, C_out, H', W')`` the same numbers, channels first.
        groups: the number of channel groups (1: every filter sees every channel).
        mode: ``"cross_correlation"`` or ``"convolution"``.
    """

    input: np.ndarray
    padded_input: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    strides: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    steps: tuple[ConvStep, ...]
    output: np.ndarray
    feature_maps: np.ndarray
    _by_index: dict = field(repr=False, compare=False, default_factory=dict)
    groups: int = 1
    mode: str = "cross_correlation"

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i) -> ConvStep:
        return self.steps[i]

    @property
    def kernel_size(self) -> tuple[int, int]:
        return self.kernel.shape[2], self.kernel.shape[3]

    @property
    def output_size(self) -> tuple[int, int]:
        return self.feature_maps.shape[2], self.feature_maps.shape[3]

    def step_at(self, out_row: int, out_col: int, filter: int = 0, batch: int = 0) -> ConvStep:
        """The step that writes output cell ``(out_row, out_col)`` of ``filter``."""
        key = (batch, filter, out_row, out_col)
        if key not in self._by_index:
            raise KeyError(
                f"no step writes output (batch={batch}, filter={filter}, row={out_row}, "
                f"col={out_col}); feature_maps has shape {self.feature_maps.shape}"
            )
        return self._by_index[key]

    def steps_for(self, filter: int = 0, batch: int = 0) -> list[ConvStep]:
        """The steps of one filter on one image, in sliding order."""
        return [s for s in self.steps if s.filter == filter and s.batch == batch]

    def _repr_html_(self) -> str:
        """Jupyter shows a trace as a table of its steps (:func:`convviz.notebook.trace_html`)."""
        from .notebook import trace_html

        return trace_html(self)


# The most steps a trace records unless asked for more (``max_steps=None``): a trace
# keeps every window, product and sum (about 2 KB a step) for a person to read;
# 100,000 steps are already far more than anyone reads, and cost about 200 MB.
MAX_STEPS = 100_000


def check_steps(steps: int, max_steps, what: str, function: str, numbers: str) -> None:
    """Refuse a trace of more than ``max_steps`` steps (None: no limit), saying why."""
    if max_steps is None:
        return
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ValueError(f"max_steps must be a positive int or None, got {max_steps!r}")
    if steps > max_steps:
        raise ValueError(
            f"{function} would record {steps:,} steps ({what}), more than max_steps="
            f"{max_steps:,}: a trace keeps every window, product and sum (about 2 KB a "
            f"step) for a person to read, so it is for small examples; use {numbers} for "
            "the numbers alone, trace fewer images or channels, or pass max_steps=None"
        )


def trace_conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1,
                 data_format="channels_last", groups=1,
                 mode="cross_correlation", max_steps=MAX_STEPS) -> ConvTrace:
    """Compute :func:`convviz.conv2d` with plain loops and record every step.

    Same arguments, same validation and the same output numbers (and dtype) as
    ``conv2d``; it is meant for the small examples a person looks at (one step per
    output cell per filter per image), not for whole data sets: more than
    ``max_steps`` steps (default 100,000) are refused unless ``max_steps=None``.
    """
    setup = prepare_conv(x, kernel, bias, strides=strides, padding=padding,
                         dilation_rate=dilation_rate, data_format=data_format,
                         groups=groups, mode=mode)
    n_images, n_filters, (out_h, out_w) = setup.x.shape[0], setup.kernel.shape[3], setup.out_hw
    check_steps(n_images * n_filters * out_h * out_w, max_steps,
                f"{n_images} image(s) x {n_filters} filter(s) x {out_h} x {out_w} output cells",
                "trace_conv2d", "conv2d")
    dtype = setup.dtype
    images = setup.x.astype(dtype).transpose(0, 3, 1, 2)                  # (N, C_in, H, W)
    padded = pad2d(setup.x.astype(dtype), setup.pads).transpose(0, 3, 1, 2)
    filters = setup.kernel.astype(dtype).transpose(3, 2, 0, 1)            # (C_out, C_in, kh, kw)
    biases = setup.bias

    _, _, height, width = images.shape
    kh, kw = filters.shape[2:]
    (stride_h, stride_w), (dil_h, dil_w) = setup.strides, setup.dilation
    (top, _), (left, _) = setup.pads
    per_group_in, per_group_out = filters.shape[1], n_filters // setup.groups

    feature_maps = np.zeros((n_images, n_filters, out_h, out_w), dtype=dtype)
    steps = []
    for b in range(n_images):
        for f in range(n_filters):
            for i in range(out_h):
                for j in range(out_w):
                    # Top-left corner of the window in the padded input.
                    r0, c0 = i * stride_h, j * stride_w
                    prows = [r0 + u * dil_h for u in range(kh)]
                    pcols = [c0 + v * dil_w for v in range(kw)]
                    first = (f // per_group_out) * per_group_in             # the group's channels
                    channels = tuple(range(first, first + per_group_in))
                    window = padded[b][first:first + per_group_in][:, prows][:, :, pcols]
                    products = window * filters[f]
                    channel_sums = products.sum(axis=(1, 2))
                    total = channel_sums.sum() + biases[f]
                    feature_maps[b, f, i, j] = total

                    rows = tuple(r - top for r in prows)
                    cols = tuple(c - left for c in pcols)
                    is_padding = np.array(
                        [[not (0 <= r < height and 0 <= c < width) for c in cols] for r in rows]
                    )
                    steps.append(ConvStep(
                        index=len(steps), batch=b, filter=f, out_row=i, out_col=j,
                        rows=rows, cols=cols, window_values=window,
                        is_padding=is_padding, kernel=filters[f], products=products,
                        channel_sums=channel_sums, bias=biases[f].item(), total=total.item(),
                        channels=channels,
                    ))

    output = setup.restore(feature_maps.transpose(0, 2, 3, 1))
    return ConvTrace(
        input=images, padded_input=padded, kernel=filters, bias=biases,
        strides=setup.strides, dilation=setup.dilation, pads=setup.pads,
        steps=tuple(steps), output=output, feature_maps=feature_maps,
        _by_index={s.output_index: s for s in steps}, groups=setup.groups, mode=setup.mode,
    )
