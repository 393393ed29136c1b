"""The classic wrong conventions, each computed on purpose with the core.

A :class:`Convention` is a mistake a hand-written convolution (pooling, size formula)
makes, as a small function of a case that returns what the mistaken code would
return, in the caller's layout. Where the mistake makes no difference (a flipped
kernel of size 1, 'same' padding with an even total) it returns the right answer;
where the mistaken code could not return anything (an index out of range) it raises
:class:`~convviz.testing.cases.NotApplicable`. A check diagnoses a function by finding
the convention that equals its output on every case it answered.

The lists are in order of preference: when two conventions fit the same evidence, the
first is named and the others are mentioned.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..conv import avg_pool2d, conv_output_size, max_pool2d, pad2d, resolve_padding
from .cases import LIBRARY, NotApplicable, _UNSET, _as_pair

__all__ = ["Convention", "CONV_CONVENTIONS", "POOL_CONVENTIONS", "SIZE_CONVENTIONS"]


@dataclass(frozen=True)
class Convention:
    """A named mistake: ``compute(case)`` is its result, ``explain(case)`` one plain sentence."""

    name: str
    compute: Callable
    sentence: Callable

    def explain(self, case) -> str:
        return self.sentence(case)


def _registry(target: list, in_layout: bool = True):
    """A decorator that appends a convention computed in NHWC (converted to the caller's
    layout when ``in_layout``) with the sentence ``text`` (a format string or a function)."""
    def convention(name: str, text):
        sentence = text if callable(text) else (
            lambda case: text.format(lib=LIBRARY.get(case.layout, "")))

        def register(compute):
            result = (lambda case: case.to_layout(compute(case))) if in_layout else compute
            target.append(Convention(name, result, sentence))
            return compute
        return register
    return convention


CONV_CONVENTIONS: list[Convention] = []
POOL_CONVENTIONS: list[Convention] = []
SIZE_CONVENTIONS: list[Convention] = []
_conv = _registry(CONV_CONVENTIONS)
_pool = _registry(POOL_CONVENTIONS)
_size = _registry(SIZE_CONVENTIONS, in_layout=False)


# --------------------------------------------------------------------------- helpers
def _is_same(case) -> bool:
    return isinstance(case.padding, str) and case.padding.lower() == "same"


def _explicit(case) -> bool:
    return not isinstance(case.padding, str)


def _k_eff(case):
    (kh, kw), (dh, dw) = case.kernel.shape[:2], case.dilation_pair
    return dh * (kh - 1) + 1, dw * (kw - 1) + 1


def _same_pads(case, rule):
    """'same' padding split by ``rule(n, k_eff, stride) -> (before, after)`` on each axis."""
    return tuple(rule(n, k, s) for n, k, s in zip(case.x.shape[1:3], _k_eff(case),
                                                  case.stride_pair))


def _swap(pair):
    return pair if isinstance(pair, (int, str)) else (pair[1], pair[0])


def _crop(out, rows: bool, cols: bool):
    return out[:, : out.shape[1] - rows, : out.shape[2] - cols]


def _core_or_empty(case, **changes):
    """``case.core(**changes)``, or, where the kernel no longer fits, the empty output a
    plain loop returns when its size formula gives 0 rows or columns."""
    try:
        return case.core(**changes)
    except ValueError:
        pass
    kernel = changes.get("kernel", case.kernel)
    x = changes.get("x", case.x)
    strides = _as_pair(changes.get("strides", case.strides))
    dilation = _as_pair(changes.get("dilation_rate", case.dilation))
    pads = resolve_padding(changes.get("padding", case.padding), x.shape[1:3],
                           kernel.shape[:2], strides, dilation)
    sizes = [(n + sum(p) - d * (k - 1) - 1) // s + 1
             for n, k, s, d, p in zip(x.shape[1:3], kernel.shape[:2], strides, dilation, pads)]
    if min(sizes) < 0 or 0 not in sizes:
        raise NotApplicable("the mistaken loop would fail")
    return np.zeros((x.shape[0], *sizes, kernel.shape[3]))


def _stride_one(case):
    """The stride-1 result with this case's own padding (the window moving cell by cell)."""
    return case.core(strides=1, padding=case.pads)


# --------------------------------------------------------------------------- conv2d
@_conv("flipped_kernel", "your kernel is flipped: this is convolution, {lib} computes "
       "cross-correlation (the kernel is laid on the input as it is, not turned upside "
       "down and left to right)")
def flipped_kernel(case):
    return case.core(mode="convolution")


@_conv("kernel_rows_flipped", "your kernel is flipped upside down (its rows are in reverse "
       "order) but not left to right; {lib} lays the kernel on the input as it is")
def kernel_rows_flipped(case):
    return case.core(kernel=case.kernel[::-1])


@_conv("kernel_cols_flipped", "your kernel is flipped left to right (its columns are in "
       "reverse order) but not upside down; {lib} lays the kernel on the input as it is")
def kernel_cols_flipped(case):
    return case.core(kernel=case.kernel[:, ::-1])


@_conv("kernel_transposed", "your kernel is transposed: you use kernel[v, u] where "
       "kernel[u, v] belongs, so its rows and columns are swapped")
def kernel_transposed(case):
    if case.kernel.shape[0] != case.kernel.shape[1]:
        raise NotApplicable("a transposed non-square kernel does not fit")
    return case.core(kernel=case.kernel.transpose(1, 0, 2, 3))


def _same_sentence(case):
    who = "TensorFlow puts" if case.layout != "torch" else "PyTorch (like TensorFlow) puts"
    return (f"your 'same' padding puts the extra zero at the top/left; {who} it at the "
            "bottom/right when the total padding is odd")


@_conv("same_extra_top_left", _same_sentence)
def same_extra_top_left(case):
    if not _is_same(case):
        return case.core()
    (top, bottom), (left, right) = case.pads
    return case.core(padding=((bottom, top), (right, left)))


@_conv("same_ignores_stride", "your 'same' padding ignores the stride: you pad k-1 cells "
       "as for stride 1, but TensorFlow pads only what ceil(n / stride) output positions need "
       "((ceil(n/s) - 1)*s + k - n cells), so your windows sit in other places")
def same_ignores_stride(case):
    if not _is_same(case) or case.stride_pair == (1, 1):
        return case.core()
    return case.core(padding=_same_pads(case, lambda n, k, s: ((k - 1) // 2, k - 1 - (k - 1) // 2)))


@_conv("same_drops_extra_zero", "your 'same' padding is (k-1)//2 on both sides, which drops "
       "the odd extra zero, so the output size is wrong; TensorFlow adds the extra cell at "
       "the bottom/right")
def same_drops_extra_zero(case):
    if not _is_same(case):
        return case.core()
    return _core_or_empty(case, padding=_same_pads(case, lambda n, k, s: ((k - 1) // 2,) * 2))


@_conv("same_pads_half_kernel", "your 'same' padding is k//2 on both sides, which with an "
       "even kernel adds one zero too many, so the output size is wrong; TensorFlow pads "
       "(k-1)//2 at the top/left and the rest at the bottom/right")
def same_pads_half_kernel(case):
    if not _is_same(case):
        return case.core()
    return case.core(padding=_same_pads(case, lambda n, k, s: (k // 2,) * 2))


@_conv("padding_ignored", "your function ignores the padding: the output is the 'valid' "
       "result, with no zeros added around the input")
def padding_ignored(case):
    if case.pads == ((0, 0), (0, 0)):
        return case.core()
    return _core_or_empty(case, padding="valid")


@_conv("padding_full", "your padding is applied as 'full' (k-1 zeros on every side), "
       "which makes the output size too large")
def padding_full(case):
    return case.core(padding="full")


@_conv("padding_doubled", "your padding is applied twice: 2p zeros on each side instead "
       "of p, which makes the output size too large")
def padding_doubled(case):
    if not _explicit(case):
        return case.core()
    (top, bottom), (left, right) = case.pads
    return case.core(padding=((2 * top, 2 * bottom), (2 * left, 2 * right)))


@_conv("padding_top_left_only", "your padding is added only at the top/left; the zeros go "
       "on both sides (top and bottom, left and right), so the output size is wrong")
def padding_top_left_only(case):
    if not _explicit(case):
        return case.core()
    (top, _), (left, _) = case.pads
    return _core_or_empty(case, padding=((top, 0), (left, 0)))


@_conv("padding_bottom_right_only", "your padding is added only at the bottom/right; the "
       "zeros go on both sides (top and bottom, left and right), so the output size is wrong")
def padding_bottom_right_only(case):
    if not _explicit(case):
        return case.core()
    (_, bottom), (_, right) = case.pads
    return _core_or_empty(case, padding=((0, bottom), (0, right)))


def _padded_with(mode):
    def compute(case):
        (top, bottom), (left, right) = pads = case.pads
        if pads == ((0, 0), (0, 0)):
            return case.core()
        x = np.pad(case.x, ((0, 0), (top, bottom), (left, right), (0, 0)), mode=mode)
        return case.core(x=x, padding="valid")
    return compute


_conv("padding_edge", "you pad with copies of the border values (np.pad's mode='edge'); "
      "convolution pads with zeros")(_padded_with("edge"))
_conv("padding_reflect", "you pad with the input mirrored at its border (np.pad's "
      "mode='reflect'); convolution pads with zeros")(_padded_with("reflect"))


@_conv("stride_ignored", "your function ignores the stride: the window moves 1 cell at a time "
       "and the output has the stride-1 size")
def stride_ignored(case):
    if case.stride_pair == (1, 1):
        return case.core()
    return case.core(strides=1)


@_conv("stride_in_size_not_position", lambda case: (
    "stride is applied in the output size but not in the window position: your window "
    f"moves 1 cell from one output to the next instead of the stride {case.strides}"))
def stride_in_size_not_position(case):
    out = case.core()
    if case.stride_pair == (1, 1):
        return out
    return _stride_one(case)[:, : out.shape[1], : out.shape[2]]


def _position_not_size(spread: bool):
    def compute(case):
        out = case.core()
        if case.stride_pair == (1, 1):
            return out
        (sh, sw), ho, wo = case.stride_pair, out.shape[1], out.shape[2]
        full = np.zeros_like(_stride_one(case))
        if spread:  # out[i*s] = window at i*s: a loop over range(0, n, s) writing out[i]
            full[:, : (ho - 1) * sh + 1: sh, : (wo - 1) * sw + 1: sw] = out
        else:
            full[:, :ho, :wo] = out
        return full
    return compute


_POSITION_NOT_SIZE = (
    "stride is applied in the window position but not in the output size: your output "
    "has the stride-1 size, with the stride-{stride} results {where} and zeros elsewhere")
_conv("stride_in_position_not_size", lambda case: _POSITION_NOT_SIZE.format(
    stride=case.strides, where="in every stride-th row and column"))(_position_not_size(True))
_conv("stride_in_position_not_size_packed", lambda case: _POSITION_NOT_SIZE.format(
    stride=case.strides, where="in the top-left corner"))(_position_not_size(False))


@_conv("pairs_swapped", "you read the (height, width) pairs the other way round: the "
       "height's stride, dilation and padding are applied to the width and vice versa")
def pairs_swapped(case):
    padding = case.padding
    if isinstance(padding, tuple):
        padding = _swap(padding)
    return _core_or_empty(case, strides=_swap(case.strides), dilation_rate=_swap(case.dilation),
                          padding=padding)


@_conv("dilation_ignored", "your function ignores dilation: the kernel's cells stay next to "
       "each other, but dilation d spreads them out, leaving d-1 input cells between them")
def dilation_ignored(case):
    if case.dilation_pair == (1, 1):
        return case.core()
    return case.core(dilation_rate=1)


@_conv("dilation_on_input", "dilation is applied to the input instead of the kernel: you "
       "spread the input's cells apart with zeros between them, but dilation spreads the "
       "kernel's cells, so each kernel cell reads every d-th input cell")
def dilation_on_input(case):
    (dh, dw) = case.dilation_pair
    if (dh, dw) == (1, 1):
        return case.core()
    n, h, w, c = case.x.shape
    spread = np.zeros((n, (h - 1) * dh + 1, (w - 1) * dw + 1, c))
    spread[:, ::dh, ::dw] = case.x
    return case.core(x=spread, dilation_rate=1)


@_conv("dilation_off_by_one", "your dilation leaves d input cells between the kernel's cells; "
       "dilation d leaves d-1 (dilation 1 is an ordinary kernel, dilation 2 skips one cell)")
def dilation_off_by_one(case):
    if "dilation" not in case.features:
        return case.core()
    dh, dw = case.dilation_pair
    return _core_or_empty(case, dilation_rate=(dh + 1, dw + 1))


_CHANNEL_SUM = ("your channel sum is missing: only the {which} input channel counts, but a "
                "filter has one kernel per input channel and the per-channel results are "
                "summed into one output")


def _one_channel(index: int):
    def compute(case):
        if case.groups > 1:
            raise NotApplicable("grouped")
        if case.x.shape[3] == 1:
            return case.core()
        keep = slice(0, 1) if index == 0 else slice(-1, None)
        return case.core(x=case.x[..., keep], kernel=case.kernel[:, :, keep])
    return compute


_conv("channel_sum_missing", _CHANNEL_SUM.format(which="first"))(_one_channel(0))
_conv("channel_sum_overwritten", _CHANNEL_SUM.format(which="last") + " (the sum is "
      "overwritten in the channel loop, not added to)")(_one_channel(-1))


def _without_bias(case):
    return case.core(bias=None)


def _plus_bias(case, out, times=1):
    return out if case.bias is None else out + times * case.bias


@_conv("channels_averaged", "you average the input channels' results; they are summed, not "
       "averaged")
def channels_averaged(case):
    per_group = case.kernel.shape[2]
    return _plus_bias(case, _without_bias(case) / per_group)


@_conv("bias_missing", "your output has no bias: each filter's bias is added once to every "
       "output cell of that filter")
def bias_missing(case):
    return _without_bias(case)


@_conv("bias_per_channel", "your bias is added once per input channel; it is added once per "
       "output cell, after the channel sum")
def bias_per_channel(case):
    return _plus_bias(case, _without_bias(case), times=case.kernel.shape[2])


@_conv("bias_of_first_filter", "every output channel gets the first filter's bias; output "
       "channel f adds bias[f]")
def bias_of_first_filter(case):
    if case.bias is None:
        return case.core()
    return case.core(bias=np.full_like(case.bias, case.bias[0]))


@_conv("bias_on_width", "your bias is added along the last axis (the width) instead of the "
       "channel axis: in (N, C, H, W) reshape it to (C, 1, 1) before adding")
def bias_on_width(case):
    if case.layout != "torch" or case.bias is None:
        return case.core()
    try:  # exactly what `out + bias` does to an (N, C, H, W) array
        wrong = case.to_layout(_without_bias(case)) + case.bias
    except ValueError:
        raise NotApplicable("bias does not broadcast") from None
    return case.from_layout(wrong)


@_conv("filters_all_first", "every output channel is computed with the first filter; output "
       "channel f uses filter f")
def filters_all_first(case):
    if case.groups > 1:
        raise NotApplicable("grouped")
    c_out = case.kernel.shape[3]
    return case.core(kernel=np.repeat(case.kernel[..., :1], c_out, axis=3))


def _in_out_sentence(case):
    if case.layout == "torch":
        return ("your kernel axes are in another library's order: you read the weight as "
                "(C_in, C_out, kh, kw), PyTorch's ConvTranspose2d order; Conv2d stores "
                "(C_out, C_in, kh, kw)")
    return ("your kernel axes are in another library's order: you read the kernel as "
            "(kh, kw, C_out, C_in); Keras stores it as (kh, kw, C_in, C_out)")


@_conv("kernel_in_out_swapped", _in_out_sentence)
def kernel_in_out_swapped(case):
    _, _, c_in, c_out = case.kernel.shape
    if case.groups > 1 or c_in != c_out:
        raise NotApplicable("C_in != C_out")
    return case.core(kernel=case.kernel.transpose(0, 1, 3, 2))


def _reshaped_sentence(what: str, keras_shape: str, torch_shape: str):
    def sentence(case):
        given, wanted = ((keras_shape, torch_shape) if case.layout == "keras"
                         else (torch_shape, keras_shape))
        return (f"you reshaped {what} from {given} to {wanted} with reshape instead of "
                "transpose: the axes are in another library's order, and reshape keeps the "
                "memory order, so it scrambles the numbers")
    return sentence


@_conv("kernel_reshaped", _reshaped_sentence("the kernel", "(kh, kw, C_in, C_out)",
                                             "(C_out, C_in, kh, kw)"))
def kernel_reshaped(case):
    kh, kw, c_in, c_out = case.kernel.shape
    if case.layout == "keras":
        return case.core(kernel=case.kernel.reshape(c_out, c_in, kh, kw).transpose(2, 3, 1, 0))
    if case.layout == "torch":
        weight = np.ascontiguousarray(case.kernel.transpose(3, 2, 0, 1))
        return case.core(kernel=weight.reshape(kh, kw, c_in, c_out))
    return case.core()


@_conv("input_reshaped", _reshaped_sentence("x", "(N, H, W, C)", "(N, C, H, W)"))
def input_reshaped(case):
    n, h, w, c = case.x.shape
    if case.layout == "keras":
        return case.core(x=case.x.reshape(n, c, h, w).transpose(0, 2, 3, 1))
    if case.layout == "torch":
        return case.core(x=np.ascontiguousarray(case.x.transpose(0, 3, 1, 2)).reshape(n, h, w, c))
    return case.core()


@_conv("output_reshaped", _reshaped_sentence("the output", "(N, C, H, W)", "(N, H, W, C)"))
def output_reshaped(case):
    out = case.core()
    n, h, w, c = out.shape
    if case.layout == "keras":  # computed as (N, C, H, W), reshaped to (N, H, W, C)
        return np.ascontiguousarray(out.transpose(0, 3, 1, 2)).reshape(n, h, w, c)
    if case.layout == "torch":  # computed as (N, H, W, C), reshaped to (N, C, H, W)
        return out.reshape(n, c, h, w).transpose(0, 2, 3, 1)
    return out


@_conv("groups_interleaved", "your groups take every G-th input channel; group g uses the "
       "consecutive channels g*C_in/G to (g+1)*C_in/G - 1")
def groups_interleaved(case):
    if case.groups == 1:
        return case.core()
    order = np.concatenate([np.arange(g, case.x.shape[3], case.groups)
                            for g in range(case.groups)])
    return case.core(x=case.x[..., order])


def _window_mean(per_channel: bool):
    def compute(case):
        kh, kw, per_group, _ = case.kernel.shape
        cells = kh * kw * (1 if per_channel else per_group)
        return _plus_bias(case, _without_bias(case) / cells)
    return compute


_MEAN = "you average the products in each window (np.mean) instead of summing them"
_conv("window_mean", _MEAN)(_window_mean(False))
_conv("window_mean_per_channel", _MEAN)(_window_mean(True))


@_conv("relu_applied", "your output has every negative value replaced by 0 (a ReLU); a "
       "convolution alone has no activation")
def relu_applied(case):
    return np.maximum(case.core(), 0)


@_conv("batch_all_first", "every image of the batch gets the first image's result; output "
       "image n comes from x[n]")
def batch_all_first(case):
    out = case.core()
    return np.repeat(out[:1], out.shape[0], axis=0)


def _size_sentence(rows: bool, cols: bool, short: bool):
    what = " and ".join(w for w, on in (("row", rows), ("column", cols)) if on)
    if short:
        return (f"your output size is off by one: it is one {what} short (the last window "
                "position is missing); the size is floor((n + p - d*(k-1) - 1)/s) + 1")
    return (f"your output size is off by one: it has one {what} too many (left at 0); the "
            "size is floor((n + p - d*(k-1) - 1)/s) + 1")


def _off_by_one(rows: bool, cols: bool):
    return lambda case: _crop(case.core(), rows, cols)


for _rows, _cols, _name in ((True, True, "output_one_short"),
                            (True, False, "output_one_row_short"),
                            (False, True, "output_one_column_short")):
    _conv(_name, _size_sentence(_rows, _cols, True))(_off_by_one(_rows, _cols))


@_conv("output_one_too_many", _size_sentence(True, True, False))
def output_one_too_many(case):
    out = case.core()
    return np.pad(out, ((0, 0), (0, 1), (0, 1), (0, 0)))


@_conv("output_transposed", "your output is transposed: out[j, i] holds what belongs in "
       "out[i, j], so its rows and columns are swapped")
def output_transposed(case):
    return case.core().transpose(0, 2, 1, 3)


# --------------------------------------------------------------------------- pooling
def _pool_with_pads(case, pads, kind=None, real_cells_only=True):
    """Pooling over the input padded by ``pads``: max ignores the padding (-inf);
    average divides by the real cells (or by the whole window)."""
    kind = kind or case.kind
    strides = case.stride_pair
    if kind == "max":
        fill = -np.inf if real_cells_only else 0.0
        return max_pool2d(pad2d(case.x, pads, fill), case.pool, strides, "valid")
    area = case.pool_pair[0] * case.pool_pair[1]
    sums = avg_pool2d(pad2d(case.x, pads), case.pool, strides, "valid") * area
    if not real_cells_only:
        return sums / area
    ones = np.ones((1, *case.x.shape[1:3], 1))
    return sums / (avg_pool2d(pad2d(ones, pads), case.pool, strides, "valid") * area)


def _other_kind(case):
    return "average" if case.kind == "max" else "maximum"


@_pool("pool_kind_swapped", lambda case: (
    f"you compute the {_other_kind(case)} of each window; {case.kind} pooling takes the "
    + ("maximum" if case.kind == "max" else "average")))
def pool_kind_swapped(case):
    return case.core(kind="avg" if case.kind == "max" else "max")


@_pool("pool_default_stride_one", "when strides is None or not given your window moves by 1; "
       "{lib} then moves it by pool_size, so windows do not overlap")
def pool_default_stride_one(case):
    if case.strides not in (None, _UNSET) or case.pool_pair == (1, 1):
        return case.core()
    return case.core(strides=1)


@_pool("pool_stride_ignored", "your function ignores strides: the window always moves by "
       "pool_size")
def pool_stride_ignored(case):
    if case.strides in (None, _UNSET):
        return case.core()
    return case.core(strides=None)


@_pool("pool_pads_with_zeros", "your 'same' padding pads with 0, so a padded cell wins over "
       "negative values; in max pooling padded cells never win (they count as minus "
       "infinity)")
def pool_pads_with_zeros(case):
    if case.kind != "max" or case.padding != "same":
        return case.core()
    return _pool_with_pads(case, case.pads, real_cells_only=False)


@_pool("pool_average_counts_padding", "your average divides by the whole window, counting the "
       "padded zeros; Keras divides each window by the number of real (unpadded) cells in it")
def pool_average_counts_padding(case):
    if case.kind != "avg" or case.padding != "same":
        return case.core()
    return _pool_with_pads(case, case.pads, real_cells_only=False)


@_pool("pool_same_extra_top_left", _same_sentence)
def pool_same_extra_top_left(case):
    if case.padding != "same":
        return case.core()
    (top, bottom), (left, right) = case.pads
    return _pool_with_pads(case, ((bottom, top), (right, left)))


@_pool("pool_padding_ignored", "your function ignores the padding: the output is the 'valid' "
       "result")
def pool_padding_ignored(case):
    return case.core(padding="valid")


@_pool("pool_pairs_swapped", "you read the (height, width) pairs the other way round: "
       "pool_size and strides for the height are applied to the width and vice versa")
def pool_pairs_swapped(case):
    strides = case.core_strides
    return case.core(pool_size=_swap(case.pool),
                     strides=None if strides is None else _swap(strides))


@_pool("pool_channels_all_first", "every channel gets the first channel's result; pooling "
       "works on each channel separately")
def pool_channels_all_first(case):
    out = case.core()
    return np.repeat(out[..., :1], out.shape[3], axis=3)


for _rows, _cols, _name in ((True, True, "pool_output_one_short"),
                            (True, False, "pool_output_one_row_short"),
                            (False, True, "pool_output_one_column_short")):
    _pool(_name, _size_sentence(_rows, _cols, True).replace(
        "floor((n + p - d*(k-1) - 1)/s) + 1", "floor((n + p - pool)/s) + 1"))(
        _off_by_one(_rows, _cols))

_pool("pool_output_transposed", "your output is transposed: out[j, i] holds what belongs in "
      "out[i, j]")(lambda case: case.core().transpose(0, 2, 1, 3))
_pool("pool_batch_all_first", "every image of the batch gets the first image's result")(
    lambda case: np.repeat(case.core()[:1], case.x.shape[0], axis=0))


# --------------------------------------------------------------------------- output size
def _span(case) -> int:
    """``n + p - k_eff``: how far the window can travel."""
    return case.n + case.pad_total - case.k_eff


_FORMULA = "the size is floor((n + p - d*(k-1) - 1)/s) + 1"


@_size("size_forgot_plus_one", "your formula forgets the + 1: floor((n + p - k_eff)/s) counts "
       "the steps between window positions, not the positions; " + _FORMULA)
def size_forgot_plus_one(case):
    return _span(case) // case.stride


@_size("size_ignores_stride", "your formula ignores the stride: " + _FORMULA)
def size_ignores_stride(case):
    return _span(case) + 1


@_size("size_ignores_dilation", "your formula ignores dilation: a kernel of k cells with "
       "dilation d spans d*(k-1) + 1 input cells; " + _FORMULA)
def size_ignores_dilation(case):
    return conv_output_size(case.n, case.k, case.stride, case.padding, 1)


@_size("size_dilation_times_k", "your formula takes the dilated kernel as d*k cells; it "
       "spans d*(k-1) + 1; " + _FORMULA)
def size_dilation_times_k(case):
    return (_span(case) + case.k_eff - case.dilation * case.k) // case.stride + 1


@_size("size_padding_once", "your formula adds the padding once; p zeros go on each side, "
       "2p in all; " + _FORMULA)
def size_padding_once(case):
    if not isinstance(case.padding, int):
        return case.expected
    return (_span(case) - case.padding) // case.stride + 1


@_size("size_padding_ignored", "your formula ignores the padding; " + _FORMULA)
def size_padding_ignored(case):
    return (case.n - case.k_eff) // case.stride + 1


@_size("size_ceil", "your formula rounds the division up (ceil); " + _FORMULA)
def size_ceil(case):
    return -(-_span(case) // case.stride) + 1


@_size("size_rounded", "your formula rounds the division to the nearest integer (round); "
       + _FORMULA)
def size_rounded(case):
    return round(_span(case) / case.stride) + 1


@_size("size_true_division", "your formula divides with / and returns a float; " + _FORMULA
       + ", an int: divide with //")
def size_true_division(case):
    return _span(case) / case.stride + 1


@_size("size_same_ignores_stride", "your 'same' size ignores the stride: 'same' gives "
       "ceil(n/s) outputs, not n")
def size_same_ignores_stride(case):
    return case.n if case.padding == "same" else case.expected


@_size("size_same_floor", "your 'same' size rounds down: 'same' gives ceil(n/s) outputs, "
       "not floor(n/s)")
def size_same_floor(case):
    return case.n // case.stride if case.padding == "same" else case.expected


@_size("size_same_symmetric", "your 'same' size pads (k_eff-1)//2 on both sides, dropping "
       "the odd extra cell; TensorFlow pads what ceil(n/s) outputs need, the extra cell at "
       "the bottom/right")
def size_same_symmetric(case):
    if case.padding != "same":
        return case.expected
    pad = 2 * ((case.k_eff - 1) // 2)
    return (case.n + pad - case.k_eff) // case.stride + 1


@_size("size_full_one_side", "your 'full' size adds k_eff-1 cells once; 'full' pads k_eff-1 "
       "on each side")
def size_full_one_side(case):
    if case.padding != "full":
        return case.expected
    return (case.n - 1) // case.stride + 1


def _float_result(case):
    return float(case.expected)


_size("size_returns_float", "your formula returns a float; a size is an int: divide with // "
      "(or wrap the result in int())")(_float_result)

del _rows, _cols, _name
