"""Why a convolution's output has the size it has, in words and numbers.

:func:`explain_shape` writes the derivation a teacher would write on the board
for one spatial axis: the effective kernel, the padding on each side and why
(including TensorFlow's rule for an odd total), and the output-size formula with
the numbers substituted. Settings that cannot work are explained, not just
refused. :func:`derive_shape` returns the same as data for scenes and plots.

>>> print(explain_shape(28, 5, stride=2, padding="same"))  # doctest: +NORMALIZE_WHITESPACE
Convolution along one axis: input n = 28, kernel k = 5, stride s = 2, dilation d = 1, padding 'same'.
1. Effective kernel: k_eff = d*(k-1) + 1 = 1*(5-1) + 1 = 5 cells.
2. Padding 'same': Keras wants ceil(n/s) = ceil(28/2) = 14 outputs; 14 windows need (14-1)*2 + 5 = 31 cells and the input has 28, so the total padding is p = 31 - 28 = 3.
   p = 3 is odd: TensorFlow/Keras put the smaller half before and the extra cell after: 1 before (top/left), 2 after (bottom/right).
3. Output: floor((n + p - k_eff)/s) + 1 = floor((28 + 3 - 5)/2) + 1 = floor(26/2) + 1 = 14.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral

from .transposed import _axis_geometry

__all__ = ["ShapeDerivation", "derive_shape", "explain_shape"]


@dataclass(frozen=True)
class ShapeDerivation:
    """The output size of one axis and how it comes about.

    ``output_size``, ``pad_before`` and ``pad_after`` are None when the settings
    are invalid; ``problem`` then says why. For a transposed convolution
    ``pad_before``/``pad_after`` are the cells *cropped* off the scatter
    (``pad_after`` < 0: cells added). ``lines`` is the derivation, ``text`` joins it.
    """

    input_size: int
    kernel_size: int
    stride: int
    dilation: int
    padding: object
    transposed: bool
    output_padding: int | None
    effective_kernel: int | None
    pad_before: int | None
    pad_after: int | None
    output_size: int | None
    problem: str | None
    lines: tuple[str, ...] = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _int(value, name: str) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    return int(value)


def _padding_arg(padding):
    """``padding`` as a lower-case name or a ``(before, after)`` pair of ints."""
    if isinstance(padding, str):
        return padding.lower()
    if isinstance(padding, Integral) and not isinstance(padding, bool):
        return (int(padding), int(padding))
    if (isinstance(padding, (tuple, list)) and len(padding) == 2
            and all(isinstance(p, Integral) and not isinstance(p, bool) for p in padding)):
        return (int(padding[0]), int(padding[1]))
    raise TypeError(
        f"padding must be 'valid', 'same', 'full', an int or a (before, after) pair, got {padding!r}"
    )


def _cells(count: int, kind: str = "") -> str:
    """'1 cell', '3 cells', '2 zero cells'."""
    words = f"{kind} cell" if kind else "cell"
    return f"{count} {words}" if count == 1 else f"{count} {words}s"


def _describe_padding(padding) -> str:
    return f"'{padding}'" if isinstance(padding, str) else (
        f"{padding[0]}" if padding[0] == padding[1] else f"({padding[0]} before, {padding[1]} after)"
    )


def _basic_problems(n, k, s, d, padding, output_padding, transposed) -> str | None:
    if n < 1:
        return f"input size must be >= 1 cell, got {n}: there is nothing to convolve."
    if k < 1:
        return f"kernel size must be >= 1, got {k}: a kernel needs at least one weight."
    if s < 1:
        return (f"stride must be >= 1, got {s}: the stride is how far the window moves; "
                "with 0 it would never move.")
    if d < 1:
        return (f"dilation must be >= 1, got {d}: dilation 1 means the kernel's cells touch, "
                "2 leaves one cell out between them.")
    if isinstance(padding, str) and padding not in (("valid", "same") if transposed
                                                    else ("valid", "same", "full")):
        allowed = "'valid', 'same'" if transposed else "'valid', 'same', 'full'"
        if transposed and padding == "full":
            return ("padding 'full' has no transposed counterpart: the padding of a transposed "
                    "convolution crops cells off its output, and 'valid' already keeps every "
                    "cell the kernel reaches.")
        return f"padding must be {allowed} or a number of cells, got {padding!r}."
    if not isinstance(padding, str) and min(padding) < 0:
        return f"padding must be >= 0 cells on each side, got {padding}."
    if output_padding is not None:
        if not transposed:
            return "output_padding only exists for transposed convolutions (use --transposed)."
        if output_padding < 0:
            return f"output_padding must be >= 0, got {output_padding}."
    return None


def derive_shape(input_size: int, kernel_size: int, stride: int = 1, padding="valid",
                 dilation: int = 1, *, transposed: bool = False,
                 output_padding: int | None = None) -> ShapeDerivation:
    """The output size along one axis with its derivation, as data.

    Arguments are those of one axis of ``conv2d`` (or ``conv2d_transpose`` when
    ``transposed``): ``padding`` is ``"valid"``, ``"same"``, ``"full"`` (not for
    transposed), an int (each side) or a ``(before, after)`` pair. Wrong *types*
    raise TypeError; impossible *values* give a derivation whose ``problem`` says why.
    """
    n, k = _int(input_size, "input_size"), _int(kernel_size, "kernel_size")
    s, d = _int(stride, "stride"), _int(dilation, "dilation")
    if output_padding is not None:
        output_padding = _int(output_padding, "output_padding")
    padding = _padding_arg(padding)
    kind = "Transposed convolution" if transposed else "Convolution"
    head = (f"{kind} along one axis: input n = {n}, kernel k = {k}, stride s = {s}, "
            f"dilation d = {d}, padding {_describe_padding(padding)}"
            + (f", output_padding {output_padding}" if transposed and output_padding is not None
               else "") + ".")
    args = dict(input_size=n, kernel_size=k, stride=s, dilation=d, padding=padding,
                transposed=transposed, output_padding=output_padding)

    problem = _basic_problems(n, k, s, d, padding, output_padding, transposed)
    if problem:
        return ShapeDerivation(**args, effective_kernel=None, pad_before=None, pad_after=None,
                               output_size=None, problem=problem,
                               lines=(head, f"Invalid: {problem}"))
    k_eff = d * (k - 1) + 1
    lines = [head, f"1. Effective kernel: k_eff = d*(k-1) + 1 = {d}*({k}-1) + 1 = {k_eff} "
             f"{'cell' if k_eff == 1 else 'cells'}."
             + (" (Dilation spreads the kernel's cells apart.)" if d > 1 else "")]
    derive = _derive_transposed if transposed else _derive_forward
    result = derive(n, k, s, d, k_eff, padding, output_padding, lines)
    if isinstance(result, str):
        lines.append(f"Invalid: {result}")
        return ShapeDerivation(**args, effective_kernel=k_eff, pad_before=None, pad_after=None,
                               output_size=None, problem=result, lines=tuple(lines))
    before, after, out = result
    return ShapeDerivation(**args, effective_kernel=k_eff, pad_before=before, pad_after=after,
                           output_size=out, problem=None, lines=tuple(lines))


def _split_line(total: int, before: int, after: int) -> str:
    if total == 0:
        return ""
    if total % 2:
        return (f"   p = {total} is odd: TensorFlow/Keras put the smaller half before and the "
                f"extra cell after: {before} before (top/left), {after} after (bottom/right).")
    return f"   p = {total} is even: {before} before (top/left) and {after} after (bottom/right)."


def _derive_forward(n, k, s, d, k_eff, padding, output_padding, lines):
    if padding == "valid":
        before = after = 0
        lines.append("2. Padding 'valid': none, p = 0; the kernel only sits where it fits "
                     "entirely inside the input.")
    elif padding == "same":
        wanted = -(-n // s)
        needed = (wanted - 1) * s + k_eff
        total = max(needed - n, 0)
        before, after = total // 2, total - total // 2
        text = (f"2. Padding 'same': Keras wants ceil(n/s) = ceil({n}/{s}) = {wanted} outputs; "
                f"{wanted} windows need ({wanted}-1)*{s} + {k_eff} = {needed} cells and the "
                f"input has {n}, so the total padding is ")
        text += (f"p = {needed} - {n} = {total}." if total > 0
                 else f"p = max({needed} - {n}, 0) = 0: no padding is needed.")
        lines.append(text)
        if total:
            lines.append(_split_line(total, before, after))
    elif padding == "full":
        before = after = k_eff - 1
        lines.append(f"2. Padding 'full': k_eff - 1 = {_cells(k_eff - 1)} on each side, so every "
                     f"kernel cell meets every input cell: p = 2*{k_eff - 1} = {2 * before}.")
    else:
        before, after = padding
        side = (f"{_cells(before)} on each side" if before == after
                else f"{before} before (top/left), {after} after (bottom/right)")
        lines.append(f"2. Padding given explicitly: {side}, p = {before + after}.")
    total = before + after
    padded = n + total
    if k_eff > padded:
        return (f"the kernel spans k_eff = {k_eff} cells but the padded input has only "
                f"n + p = {n} + {total} = {padded}: there is no place to put it. Use padding "
                "'same' (always at least one output), more padding, a smaller kernel or a "
                "smaller dilation.")
    span = padded - k_eff
    out = span // s + 1
    lines.append(f"3. Output: floor((n + p - k_eff)/s) + 1 = floor(({n} + {total} - {k_eff})/{s})"
                 f" + 1 = floor({span}/{s}) + 1 = {out}.")
    if span % s:
        lines.append(f"   {span} is not a multiple of {s}: the last {_cells(span % s, 'padded')} "
                     f"{'is' if span % s == 1 else 'are'} never covered by a window and "
                     f"{'does' if span % s == 1 else 'do'} not affect the output.")
    return before, after, out


def _derive_transposed(n, k, s, d, k_eff, padding, output_padding, lines):
    canvas = (n - 1) * s + k_eff
    lines.append(f"2. Scatter: input cell i stamps a copy of the kernel, scaled by its value, "
                 f"starting at i*s; together the stamps cover (n-1)*s + k_eff = "
                 f"({n}-1)*{s} + {k_eff} = {_cells(canvas)}.")
    try:
        before, out = _axis_geometry(n, k, s, padding, output_padding, d)
    except ValueError as exc:
        return str(exc) + "."
    after = canvas - before - out
    if padding == "valid":
        text = f"3. Padding 'valid' crops nothing: all {_cells(canvas)} are kept"
        if output_padding:
            text += f", and output_padding adds {_cells(output_padding, 'zero')} at the end (bottom/right)"
        elif output_padding is None and after < 0:
            text += (f", and Keras adds max(k_eff, s) - k_eff = {_cells(-after, 'zero')} at the end "
                     f"so that the output is n*s = {n * s}")
        lines.append(text + ".")
    elif padding == "same":
        if output_padding is None:
            text = f"3. Padding 'same' keeps n*s = {n}*{s} = {_cells(out)}"
        else:
            text = (f"3. Padding 'same' with output_padding keeps (n-1)*s + k_eff%2 + "
                    f"output_padding = ({n}-1)*{s} + {k_eff % 2} + {output_padding} = {_cells(out)}")
        total = canvas - out
        if total > 0:
            text += f": it crops {canvas} - {out} = {_cells(total)} off the scatter."
            lines.append(text)
            lines.append(_split_line(total, before, after).replace("put", "crop"))
        else:
            text += (f"; the scatter has only {canvas}, so {_cells(-total, 'zero')} "
                     f"{'is' if total == -1 else 'are'} added at the end (bottom/right)."
                     if total < 0 else ": exactly the scatter.")
            lines.append(text)
    else:
        lines.append(f"3. Padding {_describe_padding(padding)} crops that many cells off the "
                     f"scatter: {before} at the start, {padding[1]} at the end"
                     + (f", and output_padding adds back {output_padding} at the end"
                        if output_padding else "") + ".")
    lines.append(f"4. Output: {_cells(out)}.")
    if s > 1:
        if padding == "same":
            lo, name = (n - 1) * s + 1, "'same'"
        elif padding == "valid":
            lo, name = (n - 1) * s + k_eff, "'valid'"
        else:
            lo, name = (n - 1) * s + k_eff - padding[0] - padding[1], f"padding {_describe_padding(padding)}"
        lo = max(lo, 1)
        lines.append(f"   Why: a stride-{s} convolution with {name} maps inputs of {lo} to "
                     f"{lo + s - 1} cells all to {n} outputs, so going back is ambiguous; this "
                     f"transposed convolution returns {out} (output_padding picks among them).")
    return before, after, out


def explain_shape(input_size: int, kernel_size: int, stride: int = 1, padding="valid",
                  dilation: int = 1, *, transposed: bool = False,
                  output_padding: int | None = None) -> str:
    """A short plain-text derivation of the output size along one axis.

    See :func:`derive_shape` for the arguments; invalid settings give a text that
    ends with ``Invalid: <why>`` instead of raising.
    """
    return derive_shape(input_size, kernel_size, stride, padding, dilation,
                        transposed=transposed, output_padding=output_padding).text
