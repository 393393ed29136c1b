"""Transposed convolution: every input value stamps a scaled copy of the kernel.

A stride-``s`` convolution maps ``n`` cells to about ``n / s``; its *transpose*
goes the other way, from ``n`` cells to about ``n * s``. It is computed as a
scatter: input cell ``i`` adds ``x[i] * kernel`` into the output starting at
``i * s``, so the copies overlap (and add up) where ``s`` is smaller than the
kernel. The whole scatter, the *canvas*, is ``(n - 1) * s + d * (k - 1) + 1`` cells
long; the ``padding`` of a transposed convolution does not add cells, it *crops*
them off the canvas, because it is the padding of the forward convolution it is the
transpose of:

* ``"valid"`` keeps the whole canvas (plus ``output_padding`` cells at the end);
* ``"same"`` keeps ``n * s`` cells: it crops ``max(k_eff - s, 0)`` cells, the
  smaller half at the start and, when the total is odd, the extra one at the end
  (TensorFlow's rule, mirrored from the forward ``"same"``);
* an int, ``(ph, pw)`` or ``((top, bottom), (left, right))`` crops exactly that.

``output_padding`` (each < stride) picks which of the ``s`` input sizes that a
stride-``s`` convolution maps to ``n`` the result should have: it adds cells at
the bottom/right.

Kernel layout is Keras' ``Conv2DTranspose`` one, ``(kh, kw, C_out, C_in)``: the
same array as the forward ``Conv2D`` kernel ``(kh, kw, C_in', C_out')`` whose
transpose this is, with the channel roles swapped. Numpy only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np

from .blocks import plan_blocks
from .conv import (
    MAX_VALUES,
    _check_data_format,
    _numeric_array,
    _pair,
    _positive_int,
    as_nhwc,
    check_bias,
    check_size,
    compute_dtype,
    restore_layout,
)
from .trace import MAX_STEPS, check_steps

__all__ = [
    "conv2d_transpose",
    "conv_transpose_output_size",
    "conv_transpose_crop",
    "trace_conv2d_transpose",
    "ScatterStep",
    "TransposeTrace",
]


# --------------------------------------------------------------------------- sizes
def _axis_geometry(n, k, stride, padding, output_padding, dilation):
    """``(before, out)`` of one axis: cells cropped off the canvas start, output size.

    All arguments are validated ints except ``padding`` (``"valid"``, ``"same"``,
    an int or a ``(before, after)`` pair) and ``output_padding`` (None or int).
    """
    k_eff = dilation * (k - 1) + 1
    canvas = (n - 1) * stride + k_eff
    if output_padding is not None and output_padding >= stride:
        raise ValueError(
            f"output_padding must be smaller than strides, got output_padding={output_padding} "
            f"with strides={stride}: a stride-{stride} convolution maps {stride} neighbouring "
            f"input sizes to the same output size, and output_padding (0..{stride - 1}) "
            "picks one of them"
        )
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            extra = max(k_eff, stride) - k_eff if output_padding is None else output_padding
            return 0, canvas + extra
        if mode == "same":
            if output_padding is None:
                out = n * stride
            else:
                out = (n - 1) * stride + k_eff % 2 + output_padding
                if k_eff % 2 + output_padding == 0:
                    raise ValueError(
                        f"output_padding=0 with padding='same' and an even (dilated) kernel "
                        f"size {k_eff} gives {out} output cells, but a 'same' convolution with "
                        f"strides={stride} maps {out} cells to ceil({out}/{stride}) = "
                        f"{-(-out // stride)} positions, not the {n} of the input: no "
                        "convolution has this transpose (Keras refuses it too). Use "
                        "output_padding=None or >= 1"
                    )
            return max(canvas - out, 0) // 2, out
        if mode == "full":
            raise ValueError(
                "padding='full' has no transposed counterpart: the padding of a transposed "
                "convolution crops cells off its output; 'valid' already keeps every cell "
                "the kernel reaches. Use 'valid', 'same', an int or pairs of ints"
            )
        raise ValueError(
            f"padding must be 'valid', 'same', an int or pairs of ints, got {padding!r}"
        )
    before, after = padding
    out = canvas - before - after + (output_padding or 0)
    if out < 1:
        raise ValueError(
            f"padding crops {before}+{after} cells off a transposed output of only "
            f"{canvas + (output_padding or 0)} cells ((n-1)*s + d*(k-1) + 1 = "
            f"({n}-1)*{stride} + {dilation}*({k}-1) + 1 = {canvas}"
            f"{f' + output_padding {output_padding}' if output_padding else ''}); "
            "nothing would be left"
        )
    return before, out


def _one_axis_padding(padding):
    """``padding`` of one axis as a string or a validated ``(before, after)`` pair."""
    if isinstance(padding, str):
        return padding
    if isinstance(padding, Integral) and not isinstance(padding, bool):
        pair = (int(padding), int(padding))
    elif (isinstance(padding, (tuple, list)) and len(padding) == 2
          and all(isinstance(p, Integral) and not isinstance(p, bool) for p in padding)):
        pair = (int(padding[0]), int(padding[1]))
    else:
        raise TypeError(
            f"padding must be 'valid', 'same', an int or a pair of ints, got {padding!r}"
        )
    if min(pair) < 0:
        raise ValueError(f"padding must be >= 0, got {padding!r}")
    return pair


def _check_output_padding(output_padding):
    if output_padding is None:
        return None, None
    return _pair(output_padding, "output_padding", minimum=0)


def conv_transpose_output_size(n: int, k: int, stride: int = 1, padding="valid",
                               output_padding: int | None = None, dilation: int = 1) -> int:
    """Number of output cells of a transposed convolution along one axis.

    With ``k_eff = d*(k-1) + 1``, ``op = output_padding``:

    * ``"valid"``: ``(n-1)*s + k_eff + op`` (``op`` defaults to ``max(k_eff, s) - k_eff``);
    * ``"same"``: ``n*s`` when ``op`` is None, else ``(n-1)*s + k_eff % 2 + op``;
    * explicit ``(before, after)`` or int ``p``: ``(n-1)*s + k_eff - before - after + op``.

    >>> conv_transpose_output_size(7, 5, stride=2, padding="same")   # 7x7 -> 14x14
    14
    >>> conv_transpose_output_size(3, 3, stride=2)  # canvas (3-1)*2 + 3
    7
    >>> conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1)
    6
    """
    n, k = _positive_int(n, "n"), _positive_int(k, "k")
    stride, dilation = _positive_int(stride, "stride"), _positive_int(dilation, "dilation")
    if output_padding is not None:
        output_padding = _pair(output_padding, "output_padding", minimum=0)[0]
    return _axis_geometry(n, k, stride, _one_axis_padding(padding), output_padding, dilation)[1]


def conv_transpose_crop(n: int, k: int, stride: int = 1, padding="valid",
                        output_padding: int | None = None, dilation: int = 1) -> tuple[int, int]:
    """Where a transposed convolution's padding goes along one axis.

    Returns ``(before, after)``: how many cells of the full scatter (the canvas of
    ``(n-1)*s + d*(k-1) + 1`` cells) are cropped at the start and at the end. A
    negative ``after`` means that many zero cells are *added* at the end instead
    (``output_padding``, or a kernel shorter than the stride).

    >>> conv_transpose_crop(7, 5, stride=2, padding="same")  # canvas 17, keep 14
    (1, 2)
    >>> conv_transpose_crop(3, 2, stride=2, padding="valid", output_padding=1)
    (0, -1)
    """
    n, k = _positive_int(n, "n"), _positive_int(k, "k")
    stride, dilation = _positive_int(stride, "stride"), _positive_int(dilation, "dilation")
    if output_padding is not None:
        output_padding = _pair(output_padding, "output_padding", minimum=0)[0]
    before, out = _axis_geometry(n, k, stride, _one_axis_padding(padding), output_padding, dilation)
    canvas = (n - 1) * stride + dilation * (k - 1) + 1
    return before, canvas - before - out


# --------------------------------------------------------------------------- setup
@dataclass(frozen=True)
class TransposeSetup:
    """A validated transposed convolution in NHWC.

    ``x`` ``(N, H, W, C_in)``, ``kernel`` ``(kh, kw, C_out, C_in)``, ``bias``
    ``(C_out,)``; ``before`` the cells cropped off the canvas start per axis,
    ``out_hw`` the output size and ``canvas_hw`` the scatter area that covers both
    the whole scatter and the output; ``dtype`` what the result is computed in
    (int64 for integer inputs, see :mod:`convviz.conv`): ``x`` and ``kernel`` keep
    the caller's dtypes, ``bias`` is already in ``dtype``.
    """

    x: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    has_bias: bool
    strides: tuple[int, int]
    dilation: tuple[int, int]
    before: tuple[int, int]
    out_hw: tuple[int, int]
    canvas_hw: tuple[int, int]
    data_format: str
    single_channel: bool
    dtype: np.dtype = np.dtype(np.float64)

    @property
    def crops(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """``((top, bottom), (left, right))`` cropped off the scatter (negative: added)."""
        (h, w), (kh, kw) = self.x.shape[1:3], self.kernel.shape[:2]
        result = []
        for n, k, s, d, b, o in zip((h, w), (kh, kw), self.strides, self.dilation,
                                    self.before, self.out_hw):
            result.append((b, (n - 1) * s + d * (k - 1) + 1 - b - o))
        return tuple(result)

    def restore(self, out_nhwc: np.ndarray) -> np.ndarray:
        return restore_layout(out_nhwc, self.single_channel, self.data_format)


def prepare_conv_transpose(x, kernel, bias=None, *, strides=1, padding="valid",
                           output_padding=None, dilation_rate=1,
                           data_format="channels_last") -> TransposeSetup:
    """Validate a :func:`conv2d_transpose` call; every check happens here."""
    data_format = _check_data_format(data_format)
    x = _numeric_array(x, "x")
    kernel = _numeric_array(kernel, "kernel")
    strides = _pair(strides, "strides")
    dilation = _pair(dilation_rate, "dilation_rate")
    output_padding = _check_output_padding(output_padding)

    x, kernel, single_channel = as_nhwc(
        x, kernel, data_format, "(kh, kw, C_out, C_in) (Keras' Conv2DTranspose layout)")
    c_out, c_in = kernel.shape[2], kernel.shape[3]
    if x.shape[3] != c_in:
        raise ValueError(
            f"kernel (kh, kw, C_out, C_in) = {kernel.shape} expects C_in={c_in} input "
            f"channels but x has {x.shape[3]} (x shape {x.shape} as NHWC, "
            f"data_format={data_format!r}); note the transposed layout puts C_in last"
        )
    bias_arr = check_bias(bias, c_out, single_channel)

    if isinstance(padding, str) or isinstance(padding, Integral):
        per_axis = (padding, padding)
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        if all(isinstance(p, Integral) and not isinstance(p, bool) for p in padding):
            per_axis = (int(padding[0]), int(padding[1]))
        else:
            per_axis = (padding[0], padding[1])
    else:
        raise TypeError(
            "padding must be 'valid', 'same', an int, a pair (ph, pw) or "
            f"((top, bottom), (left, right)), got {padding!r}"
        )
    before, out_hw, canvas_hw = [], [], []
    for axis, n, k, s, d, p, op in zip(("height", "width"), x.shape[1:3], kernel.shape[:2],
                                       strides, dilation, per_axis, output_padding):
        try:
            b, o = _axis_geometry(n, k, s, _one_axis_padding(p), op, d)
        except ValueError as exc:
            raise ValueError(f"{exc} (along the {axis})") from None
        before.append(b)
        out_hw.append(o)
        canvas_hw.append(max((n - 1) * s + d * (k - 1) + 1, b + o))

    (n, h, w, _), (kh, kw) = x.shape, kernel.shape[:2]
    spread = [f"{name}={pair}" for name, pair in (("strides", strides), ("dilation_rate", dilation))
              if pair != (1, 1)]
    if spread and n * (h + kh - 1) * (w + kw - 1) * c_out <= MAX_VALUES:
        cause = " and ".join(spread)        # without them the output would fit
    else:
        cause = f"x of shape {x.shape} (as NHWC) with C_out={c_out} filters"
    check_size((n, *out_hw, c_out), "an output", cause)
    check_size((n, *canvas_hw, c_out), "a canvas (the uncropped scatter)", cause)

    dtype = compute_dtype([("x", x), ("kernel", kernel)], kh * kw * c_in, bias_arr)
    return TransposeSetup(
        x=x, kernel=kernel,
        bias=np.zeros(c_out, dtype) if bias_arr is None else bias_arr.astype(dtype),
        has_bias=bias is not None, strides=strides,
        dilation=dilation, before=tuple(before), out_hw=tuple(out_hw),
        canvas_hw=tuple(canvas_hw), data_format=data_format, single_channel=single_channel,
        dtype=dtype,
    )


# --------------------------------------------------------------------------- compute
def conv2d_transpose(x, kernel, bias=None, *, strides=1, padding="valid", output_padding=None,
                     dilation_rate=1, data_format="channels_last") -> np.ndarray:
    """Transposed 2-D convolution equal to ``keras.layers.Conv2DTranspose``.

    Args:
        x: ``(N, H, W, C_in)`` (channels_last), ``(N, C_in, H, W)`` (channels_first),
            or ``(H, W)`` for a single channel.
        kernel: ``(kh, kw, C_out, C_in)`` as Keras stores it for ``Conv2DTranspose``,
            or ``(kh, kw)`` when ``x`` is 2-D.
        bias: ``(C_out,)`` or None.
        strides, dilation_rate: int or ``(h, w)`` pair, each >= 1.
        padding: ``"valid"``, ``"same"``, int, ``(ph, pw)`` or
            ``((top, bottom), (left, right))``: cells cropped off the scatter.
        output_padding: None, int or ``(h, w)`` pair, each ``< strides``: extra
            cells at the bottom/right.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        ``(N, H', W', C_out)`` (or ``(N, C_out, H', W')``), ``(H', W')`` for 2-D
        input, with ``H'`` given by :func:`conv_transpose_output_size`.

    Implementation: one matrix product ``x (N*H*W, C_in) @ kernel^T (C_in,
    kh*kw*C_out)`` gives every scaled kernel copy at once; ``kh*kw`` strided
    additions put them onto the canvas (col2im), which is then cropped.
    """
    setup = prepare_conv_transpose(x, kernel, bias, strides=strides, padding=padding,
                                   output_padding=output_padding,
                                   dilation_rate=dilation_rate, data_format=data_format)
    return setup.restore(_scatter_nhwc(setup))


def _scatter_nhwc(setup: TransposeSetup) -> np.ndarray:
    """Block by block of input cells: the stamps of a block, then ``kh*kw`` strided
    additions of them straight into the (zeroed) output, each clipped to the cells
    that the padding does not crop."""
    x, dtype = setup.x, setup.dtype
    n, h, w, c_in = x.shape
    kh, kw, c_out, _ = setup.kernel.shape
    (sh, sw), (dh, dw) = setup.strides, setup.dilation
    (ho, wo), (top, left) = setup.out_hw, setup.before
    # (C_in, kh*kw*C_out): row c is input channel c's kernel stamp for every output channel
    weights = setup.kernel.astype(dtype, copy=False).transpose(3, 0, 1, 2).reshape(c_in, -1)

    out = np.zeros((n, ho, wo, c_out), dtype)
    blocks = plan_blocks(n, (h, w), (c_in + weights.shape[1]) * dtype.itemsize)
    buffer = np.empty(max(b.positions for b in blocks) * weights.shape[1], dtype)
    for block in blocks:
        pixels = x[block.images, block.rows, block.cols].reshape(-1, c_in)
        stamps = buffer[: block.positions * weights.shape[1]].reshape(block.positions, -1)
        np.matmul(pixels.astype(dtype, copy=False), weights, out=stamps)
        stamps = stamps.reshape(*block.shape, kh, kw, c_out)
        board = out[block.images]
        for u in range(kh):
            rows = _landing(block.rows, u * dh, sh, top, ho)
            for v in range(kw):
                cols = _landing(block.cols, v * dw, sw, left, wo)
                if rows and cols:
                    board[:, rows[1], cols[1]] += stamps[:, rows[0], cols[0], u, v]
    if setup.has_bias:
        out += setup.bias
    return out


def _landing(cells: slice, offset: int, stride: int, cropped: int, size: int):
    """Where input cells ``cells`` land along one axis for one kernel tap.

    Input cell ``i`` lands on output cell ``i*stride + offset - cropped``. Returns
    ``(block-relative input cells, output cells)`` as two slices, only for the cells
    that land inside ``[0, size)``, or None when none does.
    """
    first = max(cells.start, -((offset - cropped) // stride))        # ceil((cropped-offset)/s)
    stop = min(cells.stop, (size - 1 + cropped - offset) // stride + 1)
    if stop <= first:
        return None
    land = first * stride + offset - cropped
    return (slice(first - cells.start, stop - cells.start),
            slice(land, land + (stop - first - 1) * stride + 1, stride))


# --------------------------------------------------------------------------- trace
@dataclass(frozen=True)
class ScatterStep:
    """One input value stamping a scaled copy of its kernels into the output.

    Attributes:
        index: position in the trace (batch, input channel, row, column order).
        batch, channel: which image and which input channel the value comes from.
        in_row, in_col: the input cell.
        value: ``x`` at that cell.
        kernel: ``(C_out, kh, kw)`` the kernels this input channel stamps, one per
            output channel.
        contribution: ``(C_out, kh, kw)`` ``value * kernel``, what is added.
        rows, cols: output coordinates that the kernel's rows / columns land on:
            ``in_row * s + u * d - top``. A value < 0 or >= H' was cropped off by
            the padding.
        is_cropped: ``(kh, kw)`` True where that part of the stamp is cropped off.
    """

    index: int
    batch: int
    channel: int
    in_row: int
    in_col: int
    value: float
    kernel: np.ndarray
    contribution: np.ndarray
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    is_cropped: np.ndarray


@dataclass(frozen=True)
class TransposeTrace:
    """Every stamp of one transposed convolution plus the arrays to draw it.

    Attributes:
        input: ``(N, C_in, H, W)``.
        kernel: ``(C_in, C_out, kh, kw)``: ``kernel[c]`` is what input channel ``c``
            stamps (Keras' ``(kh, kw, C_out, C_in)`` rearranged).
        bias: ``(C_out,)``.
        strides, dilation: ``(h, w)`` pairs.
        crops: ``((top, bottom), (left, right))`` cells cropped off the canvas
            (negative: zero cells added, e.g. by ``output_padding``).
        canvas: ``(N, C_out, Hc, Wc)`` the summed stamps before cropping, without
            bias; output cell ``(r, c)`` is canvas cell ``(r + top, c + left)``.
        steps: the :class:`ScatterStep` s.
        output: the result in the layout :func:`conv2d_transpose` returns.
        feature_maps: ``(N, C_out, H', W')`` the same numbers, channels first.
    """

    input: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    strides: tuple[int, int]
    dilation: tuple[int, int]
    crops: tuple[tuple[int, int], tuple[int, int]]
    canvas: np.ndarray
    steps: tuple[ScatterStep, ...]
    output: np.ndarray
    feature_maps: np.ndarray
    _by_index: dict = field(repr=False, compare=False, default_factory=dict)

    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i) -> ScatterStep:
        return self.steps[i]

    @property
    def offset(self) -> tuple[int, int]:
        """``(top, left)``: canvas coordinates of output cell ``(0, 0)``."""
        return self.crops[0][0], self.crops[1][0]

    def step_at(self, in_row: int, in_col: int, channel: int = 0, batch: int = 0) -> ScatterStep:
        """The stamp of input cell ``(in_row, in_col)`` of ``channel``."""
        key = (batch, channel, in_row, in_col)
        if key not in self._by_index:
            raise KeyError(
                f"no step stamps input (batch={batch}, channel={channel}, row={in_row}, "
                f"col={in_col}); input has shape {self.input.shape}"
            )
        return self._by_index[key]

    def _repr_html_(self) -> str:
        """Jupyter shows the trace as a table of its stamps
        (:func:`convviz.notebook.transpose_trace_html`)."""
        from .notebook import transpose_trace_html

        return transpose_trace_html(self)

    def canvas_after(self, count: int, batch: int = 0) -> np.ndarray:
        """``(C_out, Hc, Wc)`` the canvas of ``batch`` after its first ``count`` stamps."""
        board = np.zeros(self.canvas.shape[1:], dtype=self.canvas.dtype)
        top, left = self.offset
        for step in [s for s in self.steps if s.batch == batch][:count]:
            rows = [r + top for r in step.rows]
            cols = [c + left for c in step.cols]
            board[:, rows[0]: rows[-1] + 1: self.dilation[0],
                  cols[0]: cols[-1] + 1: self.dilation[1]] += step.contribution
        return board


def trace_conv2d_transpose(x, kernel, bias=None, *, strides=1, padding="valid",
                           output_padding=None, dilation_rate=1,
                           data_format="channels_last", max_steps=MAX_STEPS) -> TransposeTrace:
    """:func:`conv2d_transpose` with plain loops, recording every stamp.

    Same arguments, validation and numbers as ``conv2d_transpose``; one step per
    input cell per input channel per image, so it is for small examples: more than
    ``max_steps`` steps (default 100,000) are refused unless ``max_steps=None``.
    """
    setup = prepare_conv_transpose(x, kernel, bias, strides=strides, padding=padding,
                                   output_padding=output_padding,
                                   dilation_rate=dilation_rate, data_format=data_format)
    n, h, w, c_in = setup.x.shape
    check_steps(n * c_in * h * w, max_steps,
                f"{n} image(s) x {c_in} input channel(s) x {h} x {w} input cells",
                "trace_conv2d_transpose", "conv2d_transpose")
    dtype = setup.dtype
    images = setup.x.astype(dtype).transpose(0, 3, 1, 2)                 # (N, C_in, H, W)
    kernels = setup.kernel.astype(dtype).transpose(3, 2, 0, 1)          # (C_in, C_out, kh, kw)
    biases = setup.bias
    n_images, n_channels, height, width = images.shape
    c_out, kh, kw = kernels.shape[1:]
    (sh, sw), (dh, dw) = setup.strides, setup.dilation
    (top, left), (out_h, out_w) = setup.before, setup.out_hw

    canvas = np.zeros((n_images, c_out, *setup.canvas_hw), dtype=dtype)
    steps = []
    for b in range(n_images):
        for c in range(n_channels):
            for i in range(height):
                for j in range(width):
                    value = images[b, c, i, j]
                    contribution = value * kernels[c]
                    crows = [i * sh + u * dh for u in range(kh)]
                    ccols = [j * sw + v * dw for v in range(kw)]
                    canvas[b][:, crows[0]: crows[-1] + 1: dh,
                              ccols[0]: ccols[-1] + 1: dw] += contribution
                    rows = tuple(r - top for r in crows)
                    cols = tuple(q - left for q in ccols)
                    is_cropped = np.array(
                        [[not (0 <= r < out_h and 0 <= q < out_w) for q in cols] for r in rows]
                    )
                    steps.append(ScatterStep(
                        index=len(steps), batch=b, channel=c, in_row=i, in_col=j,
                        value=value.item(), kernel=kernels[c], contribution=contribution,
                        rows=rows, cols=cols, is_cropped=is_cropped,
                    ))
    feature_maps = canvas[:, :, top: top + out_h, left: left + out_w] + biases[None, :, None, None]
    return TransposeTrace(
        input=images, kernel=kernels, bias=biases, strides=setup.strides,
        dilation=setup.dilation, crops=setup.crops, canvas=canvas, steps=tuple(steps),
        output=setup.restore(feature_maps.transpose(0, 2, 3, 1)), feature_maps=feature_maps,
        _by_index={(s.batch, s.channel, s.in_row, s.in_col): s for s in steps},
    )
