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

Number types (the same rule in every function of the family and in every trace):

* **Integer inputs** of any width, signed or unsigned (int8 ... int64, uint8 ...
  uint64), are computed and returned as **int64**, as ``np.sum`` does for small
  integers: a uint8 digit convolved with a uint8 kernel gives the true sums, never
  sums wrapped around at 256. Before any arithmetic the largest sum the inputs
  could make (``max|x| * max|kernel| * terms + max|bias|``) is checked against
  int64's range, so an integer result is always exact; values that could
  overflow int64 (uint64 above 2**63, say) are refused with a ValueError.
* If any input is **floating point**, the result has numpy's
  ``np.result_type`` of the inputs: float32 stays float32, float64 stays float64,
  an 8- or 16-bit integer image with a float32 kernel gives float32.
* **Pooling**: ``max_pool2d`` returns the input's dtype (a maximum never leaves
  the input's range); ``avg_pool2d`` returns ``np.result_type(x, np.float32)``
  (float32 for integers up to 16 bits, float64 for wider ones).

Keras casts integer inputs to float32, so the two agree wherever float32 holds
the sums exactly (below 2**24).

Sizes and memory: a call is refused with a ValueError naming the argument
responsible (``padding``, ``strides``, ``dilation_rate``, ``pool_size`` or the
input itself) when its output, or its padded input, would have more than
``MAX_VALUES`` = 2**31 values (8 GiB of float32). Below that, the work is done in
blocks of output (:mod:`convviz.blocks`), so a call needs its output plus a few
MiB of scratch, never more than ``blocks.WORK_BUDGET_BYTES`` (256 MiB).

This module depends on numpy only; :mod:`convviz.trace` holds the loop version
that records every step.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .blocks import WORK_BUDGET_BYTES, Window, fill_slab, plan_blocks, slab_buffer
from .taps import depthwise_nhwc

__all__ = [
    "conv2d",
    "conv_output_size",
    "same_padding",
    "resolve_padding",
    "pad2d",
    "max_pool2d",
    "avg_pool2d",
    "MAX_VALUES",
]

DATA_FORMATS = ("channels_last", "channels_first")
PADDING_MODES = ("valid", "same", "full")
CONV_MODES = ("cross_correlation", "convolution")

# The largest output (or padded input) a call may ask for: 2**31 values, 8 GiB of
# float32. Beyond it the numbers are a mistake (padding=10**6) more often than a plan.
MAX_VALUES = 2**31


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
    and ``out_hw`` the output's ``(H', W')``. ``dtype`` is what the result is
    computed in (the number-type rule at the top of this module); ``x`` and
    ``kernel`` keep the caller's dtypes, ``bias`` is already in ``dtype``.
    ``restore`` turns an ``(N, H', W', C_out)`` result back into the caller's layout.

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
    dtype: np.dtype = np.dtype(np.float64)

    @property
    def window(self) -> Window:
        return Window(self.kernel.shape[:2], self.strides, self.dilation, self.pads)

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


def check_bias(bias, c_out: int, single_channel: bool) -> np.ndarray | None:
    """``bias`` as a ``(C_out,)`` array, or None; a scalar is accepted in the
    single-channel case."""
    if bias is None:
        return None
    bias_arr = _numeric_array(bias, "bias")
    if single_channel and bias_arr.ndim == 0:
        bias_arr = bias_arr.reshape(1)
    if bias_arr.shape != (c_out,):
        raise ValueError(
            f"bias must have shape (C_out,) = ({c_out},), got shape {bias_arr.shape}"
        )
    return bias_arr


def compute_dtype(factors, terms: int, bias=None) -> np.dtype:
    """The dtype a convolution of ``factors`` is computed and returned in.

    ``factors`` is ``[(name, array), ...]``, the arrays whose elements are multiplied
    together (input, kernel; for separable also the pointwise kernel); ``terms`` the
    number of such products in one output sum. Integers only: int64, after checking
    that ``prod(max|factor|) * terms + max|bias|`` fits int64. Otherwise numpy's
    ``result_type``.
    """
    arrays = [a for _, a in factors] + ([] if bias is None else [bias])
    if not all(a.dtype.kind in "iu" for a in arrays):
        return np.result_type(*arrays)
    largest = math.prod(_max_abs(a) for _, a in factors) * terms
    largest += 0 if bias is None else _max_abs(bias)
    if largest > np.iinfo(np.int64).max:
        names = " and ".join(f"|{name}| up to {_max_abs(a):.3g}" for name, a in factors)
        raise ValueError(
            f"integer inputs are computed in int64, but {names} over {terms} products "
            f"could reach {largest:.3g}, beyond int64's {np.iinfo(np.int64).max:.3g}; "
            "pass float arrays instead (float64 holds integers exactly up to 2**53)"
        )
    return np.dtype(np.int64)


def _max_abs(a: np.ndarray) -> int:
    return max(abs(int(a.min())), abs(int(a.max())))


def check_size(shape, what: str, cause: str) -> None:
    """Refuse an array of ``shape`` with more than ``MAX_VALUES`` values, naming ``cause``."""
    values = math.prod(shape)
    if values > MAX_VALUES:
        dims = " x ".join(str(d) for d in shape)
        raise ValueError(
            f"{cause} would need {what} of {dims} = {values:,} values "
            f"({values * 4 / 2**30:,.0f} GiB as float32); convviz refuses arrays of more "
            f"than MAX_VALUES = 2**31 = {MAX_VALUES:,} values (8 GiB of float32)"
        )


def check_window(window: Window, channels: int, dtype, cause: str) -> None:
    """Refuse a window whose input cells alone exceed the scratch budget of a call."""
    (eh, ew), itemsize = window.span, np.dtype(dtype).itemsize
    need = eh * ew * channels * itemsize
    if need > WORK_BUDGET_BYTES:
        raise ValueError(
            f"{cause} spreads one window over {eh} x {ew} input cells x {channels} channel(s) "
            f"= {need / 2**20:,.0f} MiB as {np.dtype(dtype)}, more than the "
            f"{WORK_BUDGET_BYTES >> 20} MiB of scratch memory a call may use "
            "(convviz.blocks.WORK_BUDGET_BYTES)"
        )


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

    bias_arr = check_bias(bias, c_out, single_channel)

    (n, h, w, c_in), (kh, kw) = x.shape, kernel.shape[:2]
    pads = resolve_padding(padding, (h, w), (kh, kw), strides, dilation)
    out_hw = []
    for axis, n_in, k, s, d, (before, after) in (
        ("height", h, kh, strides[0], dilation[0], pads[0]),
        ("width", w, kw, strides[1], dilation[1], pads[1]),
    ):
        effective_k = d * (k - 1) + 1
        if effective_k > n_in + before + after:
            raise ValueError(
                f"kernel {axis} {k} (dilated to {effective_k}) is larger than the padded "
                f"input {axis} {n_in + before + after} (input {n_in}, padding {before}+{after}); "
                "use a smaller kernel or more padding"
            )
        out_hw.append((n_in + before + after - effective_k) // s + 1)

    (top, bottom), (left, right) = pads
    if n * h * w * max(c_in, c_out) <= MAX_VALUES:    # it is the padding that makes it big
        cause = f"padding={padding!r}"
        if isinstance(padding, str) and dilation != (1, 1):
            cause += f" with dilation_rate={dilation_rate!r}"
    else:
        cause = f"x of shape {x.shape} (as NHWC) with C_out={c_out} filters"
    check_size((n, h + top + bottom, w + left + right, c_in), "a padded input", cause)
    check_size((n, *out_hw, c_out), "an output", cause)

    dtype = compute_dtype([("x", x), ("kernel", kernel)], kh * kw * kernel.shape[2], bias_arr)
    window = Window((kh, kw), strides, dilation, pads)
    check_window(window, c_in, dtype, f"dilation_rate={dilation_rate!r}" if dilation != (1, 1)
                 else f"a kernel of {kh} x {kw}")
    return ConvSetup(
        x=x, kernel=kernel,
        bias=np.zeros(c_out, dtype) if bias_arr is None else bias_arr.astype(dtype),
        has_bias=bias is not None, strides=strides, dilation=dilation, pads=pads,
        out_hw=tuple(out_hw), data_format=data_format, single_channel=single_channel,
        groups=groups, mode=mode, dtype=dtype,
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
        ``(N, H', W', C_out)`` (or ``(N, C_out, H', W')``), ``(H', W')`` for 2-D input;
        int64 for integer inputs, else numpy's result type (see the module docstring).

    Implementation: im2col, block by block (:mod:`convviz.blocks`). A block's
    windows become a matrix with one row per output position and one column per
    (kernel row, kernel column, input channel); one matrix product with the kernel
    reshaped to ``(kh*kw*C_in, C_out)`` gives every output channel at once (with
    groups: one such product per group; with one input channel per group, as in
    depthwise convolution, the kernel taps are added one by one instead).
    """
    setup = prepare_conv(x, kernel, bias, strides=strides, padding=padding,
                         dilation_rate=dilation_rate, data_format=data_format,
                         groups=groups, mode=mode)
    return setup.restore(conv_nhwc(setup))


def conv_nhwc(setup: ConvSetup) -> np.ndarray:
    """The ``(N, H', W', C_out)`` result of a validated :class:`ConvSetup`."""
    setup = dataclasses.replace(setup, kernel=setup.kernel.astype(setup.dtype, copy=False))
    kh, kw, c_group, c_out = setup.kernel.shape
    if setup.groups > 1 and c_group == 1:
        return depthwise_nhwc(setup)
    out = np.empty((setup.x.shape[0], *setup.out_hw, c_out), setup.dtype)
    if setup.groups > 1:
        _im2col_grouped(setup, out)
    elif (kh, kw) == (1, 1) and setup.pads == ((0, 0), (0, 0)):
        _pointwise(setup, out)
    else:
        _im2col(setup, out)
    return out


def _im2col(setup: ConvSetup, out: np.ndarray) -> None:
    x, window, dtype = setup.x, setup.window, setup.dtype
    kh, kw, c_in, c_out = setup.kernel.shape
    taps = kh * kw * c_in
    weights = setup.kernel.reshape(taps, c_out)
    blocks = plan_blocks(x.shape[0], setup.out_hw,
                         taps * dtype.itemsize + window.slab_bytes(c_in, dtype))
    slabs = slab_buffer(blocks, window, c_in, dtype)
    patches = np.empty(max(b.positions for b in blocks) * taps, dtype)
    # A patch row is (kh, kw, C_in): with one input channel its copy runs only kw
    # cells at a time. Tap-major patches (one row per tap, the transposed matrix)
    # copy whole output rows at once and halve the cost of the copy.
    tap_major = c_in == 1
    for block in blocks:
        windows = window.windows(fill_slab(slabs, x, block, window))  # (n, h', w', C_in, kh, kw)
        m, rows, cols = block.shape
        if tap_major:
            matrix = patches[: block.positions * taps].reshape(kh, kw, c_in, m, rows, cols)
            np.copyto(matrix, windows.transpose(4, 5, 3, 0, 1, 2))
            matrix = matrix.reshape(taps, -1).T
        else:
            matrix = patches[: block.positions * taps].reshape(m, rows, cols, kh, kw, c_in)
            np.copyto(matrix, windows.transpose(0, 1, 2, 4, 5, 3))
            matrix = matrix.reshape(-1, taps)
        result = block.of(out)
        np.matmul(matrix, weights, out=result)
        if setup.has_bias:
            result += setup.bias  # while the block is still in cache


def _pointwise(setup: ConvSetup, out: np.ndarray) -> None:
    """A 1x1 kernel without padding: the (strided) input is its own patch matrix."""
    sh, sw = setup.strides
    x = setup.x[:, ::sh, ::sw]
    c_in, c_out = setup.kernel.shape[2:]
    weights = setup.kernel.reshape(c_in, c_out)
    for block in plan_blocks(x.shape[0], setup.out_hw, (c_in + c_out) * setup.dtype.itemsize):
        pixels = x[block.images, block.rows, block.cols].reshape(-1, c_in)
        result = block.of(out)
        np.matmul(pixels.astype(setup.dtype, copy=False), weights, out=result)
        if setup.has_bias:
            result += setup.bias


def _im2col_grouped(setup: ConvSetup, out: np.ndarray) -> None:
    """im2col per group: ``(G, positions, kh*kw*C_in/G) @ (G, kh*kw*C_in/G, C_out/G)``."""
    x, window, dtype, groups = setup.x, setup.window, setup.dtype, setup.groups
    kh, kw, c_group, c_out = setup.kernel.shape
    per_group, taps = c_out // groups, kh * kw * c_group
    weights = setup.kernel.reshape(kh, kw, c_group, groups, per_group)
    weights = weights.transpose(3, 0, 1, 2, 4).reshape(groups, taps, per_group)
    blocks = plan_blocks(x.shape[0], setup.out_hw, groups * (taps + per_group) * dtype.itemsize
                         + window.slab_bytes(x.shape[3], dtype))
    slabs = slab_buffer(blocks, window, x.shape[3], dtype)
    most = max(b.positions for b in blocks)
    patches = np.empty(groups * most * taps, dtype)
    products = np.empty(groups * most * per_group, dtype)
    for block in blocks:
        windows = window.windows(fill_slab(slabs, x, block, window))
        m, rows, cols = block.shape
        by_group = windows.reshape(m, rows, cols, groups, c_group, kh, kw)
        matrix = patches[: groups * block.positions * taps]
        matrix = matrix.reshape(groups, m, rows, cols, kh, kw, c_group)
        np.copyto(matrix, by_group.transpose(3, 0, 1, 2, 5, 6, 4))
        part = products[: groups * block.positions * per_group]
        part = part.reshape(groups, block.positions, per_group)
        np.matmul(matrix.reshape(groups, block.positions, taps), weights, out=part)
        result = block.of(out)
        result.reshape(block.positions, groups, per_group)[...] = part.transpose(1, 0, 2)
        if setup.has_bias:
            result += setup.bias


# --------------------------------------------------------------------------- pooling
def _pool(x, pool_size, strides, padding, data_format, kind):
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
    n, h, w, c = x.shape
    pads = resolve_padding(padding, (h, w), pool, strides)
    out_hw = []
    for axis, size, k, s, (before, after) in zip(("height", "width"), (h, w), pool, strides, pads):
        if k > size + before + after:
            raise ValueError(
                f"pool_size {axis} {k} is larger than the input {axis} {size} "
                f"(padding={padding!r})"
            )
        out_hw.append((size + before + after - k) // s + 1)
    (top, bottom), (left, right) = pads
    check_size((n, h + top + bottom, w + left + right, c), "a padded input",
               f"pool_size={pool_size!r} with padding={padding!r}")

    window = Window(pool, strides, (1, 1), pads)
    check_window(window, c, x.dtype if kind == "max" else np.result_type(x.dtype, np.float32),
                 f"pool_size={pool_size!r}")
    if kind == "max":
        dtype = x.dtype
        fill = -np.inf if np.issubdtype(dtype, np.floating) else np.iinfo(dtype).min
    else:
        dtype, fill = np.result_type(x.dtype, np.float32), 0
        # Keras divides by the number of real cells in each window, so the padded
        # cells count neither in the sum nor in the divisor.
        counts = np.multiply.outer(_real_cells(h, pool[0], strides[0], top, out_hw[0]),
                                   _real_cells(w, pool[1], strides[1], left, out_hw[1]))
    out = np.empty((n, *out_hw, c), dtype)
    sh, sw = strides
    blocks = plan_blocks(n, tuple(out_hw), max(sh, pool[0]) * max(sw, pool[1]) * c * dtype.itemsize)
    slabs = slab_buffer(blocks, window, c, dtype)
    for block in blocks:
        windows = window.windows(fill_slab(slabs, x, block, window, fill))  # (n, h', w', C, ph, pw)
        result = out[block.images, block.rows, block.cols]
        if kind == "max":
            np.max(windows, axis=(4, 5), out=result)
        else:
            np.sum(windows, axis=(4, 5), out=result)
            result /= counts[block.rows, block.cols, None]
    if single:
        return out[0, :, :, 0]
    return out.transpose(0, 3, 1, 2) if data_format == "channels_first" else out


def _real_cells(size: int, k: int, stride: int, before: int, n_out: int) -> np.ndarray:
    """How many of each window's ``k`` cells along one axis lie inside the input."""
    starts = np.arange(n_out) * stride - before
    return np.minimum(starts + k, size) - np.maximum(starts, 0)


def max_pool2d(x, pool_size=2, strides=None, padding="valid",
               data_format="channels_last") -> np.ndarray:
    """Max pooling equal to ``keras.layers.MaxPooling2D``.

    ``x`` is ``(N, H, W, C)`` / ``(N, C, H, W)`` or a single-channel ``(H, W)``;
    ``strides`` defaults to ``pool_size``; ``padding`` is ``"valid"`` or ``"same"``
    (padded cells never win). Output ``(N, H', W', C)`` with
    ``H' = floor((H - ph) / sh) + 1`` (valid) or ``ceil(H / sh)`` (same), in the
    input's dtype.
    """
    return _pool(x, pool_size, strides, padding, data_format, "max")


def avg_pool2d(x, pool_size=2, strides=None, padding="valid",
               data_format="channels_last") -> np.ndarray:
    """Average pooling equal to ``keras.layers.AveragePooling2D``.

    Same shapes as :func:`max_pool2d`. With ``"same"`` padding each window is
    divided by the number of real (unpadded) cells it covers, as Keras does.
    The result is ``np.result_type(x, np.float32)``: floating point even for
    integer input.
    """
    return _pool(x, pool_size, strides, padding, data_format, "avg")
