"""Every number the six "family" scenes draw, computed by the convviz core.

The scenes (TransposedConv, Dilation, DepthwiseSeparable, ConvolutionVsCorrelation,
ReluSoftmax, ReceptiveField) follow the split of :mod:`convviz.scene_data`: a
builder here computes, the scene only lays out and moves. The builders import
neither Manim nor TensorFlow (the two model builders use the Keras model they are
given); ``tests/test_family_data.py`` proves every number equal to the core, the
Keras layer or the model's own outputs. Arrays are ``(H, W)`` for one channel and
channels first ``(C, H, W)`` for stacks, as in :mod:`convviz.scene_data`.

Design note for the scene authors (what each builder returns, what to show):

* **TransposedConv** — :func:`transposed_conv_data` -> :class:`TransposedConvData`.
  First view: for each of ``stamps`` (one per input cell, in order) write the
  scaled kernel ``stamp.contribution`` at canvas cell ``(stamp.top, stamp.left)``
  and show ``stamp.canvas_after``, the running sum. Where stamps overlap,
  ``contributions[r][c]`` lists the products that add up to output cell ``(r, c)``
  (``overlaps`` counts them). Canvas cells outside ``crops`` are cut off by the
  padding (``stamp.is_cropped``); ``output`` is what remains, plus ``bias``. The
  size comes from ``derivations`` (one :class:`~convviz.shapes.ShapeDerivation`
  per axis; ``.lines`` is the text). Second view, ``zero_insert``: the input with
  ``stride - 1`` zeros between its cells, padded, and an ordinary stride-1
  convolution with ``zero_insert.flipped_kernel``; ``zero_insert.conv`` is a
  :class:`~convviz.scene_data.KernelSlideData`, so the KernelSlide widgets can
  draw it; ``zero_insert.is_inserted`` marks the inserted zeros in its padded grid.
  Its output equals ``output``.
* **Dilation** — :func:`dilation_data` -> :class:`DilationData`. Show the kernel,
  then ``spread_kernel`` with ``is_gap`` cells left empty, the effective size
  ``effective_size`` with ``derivations[0].lines[1]`` (``k_eff = d*(k-1) + 1 =
  ...``), then slide: each of ``steps`` lights the input cells at ``step.rows`` x
  ``step.cols`` (padded coordinates) and writes ``step.products`` and ``step.total``.
* **DepthwiseSeparable** — :func:`depthwise_separable_data` ->
  :class:`DepthwiseSeparableData`. (1) standard: ``standard_filters[o]`` is filter
  ``o``, a stack of ``C`` kernels; ``standard_partials[o, c]`` per channel, summed
  into ``standard[o]``. (2) depthwise: ``depthwise_kernels[c]`` on channel ``c``
  gives ``depthwise[c]``: no sum. (3) pointwise: ``pointwise[o, c]`` times
  ``depthwise[c]`` (``pointwise_terms[o, c]``) summed into ``separable[o]``. The
  standard filters are the ones that compute the same maps (``pointwise[o, c] *
  depthwise_kernels[c]``), so both routes end at equal numbers and only the costs
  differ: ``costs`` (weights and multiplies with their formulas). ``groups`` is the
  panel: one :class:`GroupCase` per ``groups=G`` that divides both channel counts
  (G=1 is the standard route, G=C the depthwise step when ``C_out = C``).
* **ConvolutionVsCorrelation** — :func:`flip_data` -> :class:`FlipData`: the same
  input with ``kernel`` (``correlation``, what Keras computes) and with
  ``flipped_kernel`` (``convolution``, scipy's and the textbook's); both are
  KernelSlideData, to draw side by side. The scene adds the sentence on why
  libraries skip the flip (the kernel is learned, so a flipped one is learned
  just as well).
* **ReluSoftmax** — :func:`relu_softmax_data` -> :class:`ReluSoftmaxData`:
  ``pre_activation`` of one filter of a conv layer, ``activated`` (the model's
  own ReLU output), ``zeroed`` cells and ``n_zeroed``; ``zoom_rows``/``zoom_cols``
  is a window with both signs to write numbers in. Then ``confident`` and
  ``unsure`` (:class:`SoftmaxStep`): ``logits`` -> ``exps`` -> ``total`` ->
  ``probabilities``; ``reason`` says how the digit was picked (``label`` and
  ``predicted`` say whether it is misclassified). A trained model's logits reach
  ~20, so ``exps`` reach ~1e8: ``shifted_exps`` (``exp(logit - max)``) gives the
  same probabilities with numbers in [0, 1]. The map is 28x28 for the default
  layer: draw it as an image and write numbers only in the zoom window. The tour
  draws the trained model; tests use an untrained one.
* **ReceptiveField** — :func:`receptive_field_data` ->
  :class:`ReceptiveFieldData`: the digit, the traced ``cell`` of ``layer`` (the
  cell with the largest value unless configured), one :class:`FieldMap` per level
  (input first; ``maps`` ``(C, H, W)``, e.g. draw ``maps[channel]`` or their max)
  with the region in it (``level.region``: clipped ``rows``/``cols``,
  ``rows_unclipped`` reaching into the padding), and ``field.steps[i].equations()``
  for the recurrence on screen (``FieldStep.kernel``/``stride``/... for labels).

Every size a scene writes is in the data (``output.shape``, ``derivations``,
``effective_size``, ``costs``, ``level.size``): derive labels from it, never type
them. :data:`SCENES` names the six, :data:`MODEL_SCENES` the two that draw a model,
:func:`default_config` gives their defaults (``convviz.render.default_config``
already delegates here) and :func:`build` dispatches. To wire a scene in phase B:
its entry in ``render.SCENES`` (and ``render.MODEL_SCENES`` for the two model
scenes), ``scene_data.build`` delegating these names here, and this module and
:mod:`convviz.receptive` in ``render._code_fingerprint`` so cached videos follow
changes to the numbers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .conv import _pair, conv2d, resolve_padding
from .depthwise import depthwise_conv2d, separable_conv2d
from .receptive import _POINTWISE, FieldLevel, ReceptiveField, receptive_field
from .scene_data import (
    KernelSlideData,
    _channels_first,
    _model_input,
    _padding_mask,
    kernel_slide_data,
    test_digit,
)
from .shapes import ShapeDerivation, derive_shape
from .trace import trace_conv2d
from .transposed import trace_conv2d_transpose

__all__ = [
    "SCENES",
    "MODEL_SCENES",
    "default_config",
    "build",
    "effective_size_formula",
    "output_size_formula",
    "transposed_size_formula",
    "Stamp",
    "Contribution",
    "ZeroInsertView",
    "TransposedConvData",
    "transposed_conv_data",
    "DilatedStep",
    "DilationData",
    "dilation_data",
    "RouteCost",
    "GroupCase",
    "DepthwiseSeparableData",
    "depthwise_separable_data",
    "FlipData",
    "flip_data",
    "SoftmaxStep",
    "ReluSoftmaxData",
    "relu_softmax_data",
    "FieldMap",
    "ReceptiveFieldData",
    "receptive_field_data",
]

SCENES = ("TransposedConv", "Dilation", "DepthwiseSeparable", "ConvolutionVsCorrelation",
          "ReluSoftmax", "ReceptiveField")
# The scenes that draw a model, with the model they use by default: ReluSoftmax the
# tour's trained simple CNN, ReceptiveField the article's channels_first CNN.
MODEL_SCENES = {"ReluSoftmax": "simple_cnn", "ReceptiveField": "deep_cnn"}


def _square(array, name: str, ndim: int = 2) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim != ndim:
        shape = {2: "(H, W)", 3: "(C, H, W)"}[ndim]
        raise ValueError(f"{name} must be {ndim}-D {shape}, got shape {array.shape}")
    return array


def _scalar_bias(bias) -> float:
    return 0.0 if bias is None else float(np.asarray(bias).reshape(()))


# --------------------------------------------------------------------------- size formulas
# The one-line size formulas the scenes write, with U+00D7 for times and U+2212 for
# minus as convviz.scene_data.format_number writes numbers. The numbers come from
# a ShapeDerivation of convviz.shapes; tests evaluate each line.
_TIMES, _MINUS = "\u00d7", "\u2212"


def _signed(value: int) -> str:
    """``" + 3"`` or ``" − 3"``."""
    return f" + {value}" if value >= 0 else f" {_MINUS} {-value}"


def effective_size_formula(derivation: ShapeDerivation) -> str:
    """``"k_eff = d×(k−1) + 1 = 2×(3−1) + 1 = 5"``: the dilated kernel's size on one axis."""
    d, k = derivation.dilation, derivation.kernel_size
    return (f"k_eff = d{_TIMES}(k{_MINUS}1) + 1 = {d}{_TIMES}({k}{_MINUS}1) + 1 = "
            f"{derivation.effective_kernel}")


def output_size_formula(derivation: ShapeDerivation) -> str:
    """``"floor((n + p − k_eff)/s) + 1 = floor((7 + 0 − 5)/1) + 1 = 3"``: the output
    size of a convolution on one axis (``p`` both sides' padding together)."""
    v = derivation
    p = v.pad_before + v.pad_after
    return (f"floor((n + p {_MINUS} k_eff)/s) + 1 = floor(({v.input_size} + {p} {_MINUS} "
            f"{v.effective_kernel})/{v.stride}) + 1 = {v.output_size}")


def transposed_size_formula(derivation: ShapeDerivation) -> str:
    """``"(n−1)×s + k = (2−1)×2 + 3 = 5"``: the output size of a transposed
    convolution on one axis; the stamps cover ``(n−1)×s + k_eff`` cells, the
    padding crops some (``− cropped``), ``output_padding`` may add some (``+ added``)."""
    v = derivation
    k = "k" if v.dilation == 1 else "k_eff"
    net = v.pad_before + v.pad_after                 # cells cropped; negative: added
    term = {1: f" {_MINUS} cropped", -1: " + added", 0: ""}[int(np.sign(net))]
    number = "" if net == 0 else _signed(-net)
    return (f"(n{_MINUS}1){_TIMES}s + {k}{term} = ({v.input_size}{_MINUS}1){_TIMES}{v.stride}"
            f" + {v.effective_kernel}{number} = {v.output_size}")


def _per_axis(derivations, formula) -> tuple[str, ...]:
    """``formula`` of both axes: one line when they read the same, else two."""
    height, width = (formula(d) for d in derivations)
    if height == width:
        return (f"height and width: {height}",)
    return f"height: {height}", f"width: {width}"


# --------------------------------------------------------------------------- TransposedConv
@dataclass(frozen=True)
class Stamp:
    """One input cell stamping its scaled kernel onto the canvas.

    ``value`` is the input cell ``(in_row, in_col)``; ``contribution`` ``(kh, kw)``
    is ``value * kernel``, written with its top-left at canvas cell ``(top, left) =
    (in_row * s, in_col * s)``. ``rows``/``cols`` are the output coordinates of
    its rows/columns (outside ``0 .. H'-1``: cropped off, ``is_cropped`` ``(kh, kw)``).
    ``canvas_after`` ``(Hc, Wc)`` is the running sum after this stamp (no bias),
    ``canvas_before`` the sum before it; ``covered_before`` ``(kh, kw)`` is True
    where an earlier stamp already wrote into the cell: there the canvas shows
    ``canvas_before + contribution``, a sum of overlapping stamps.
    """

    index: int
    in_row: int
    in_col: int
    value: float
    contribution: np.ndarray
    top: int
    left: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    is_cropped: np.ndarray
    canvas_before: np.ndarray
    canvas_after: np.ndarray
    covered_before: np.ndarray


@dataclass(frozen=True)
class Contribution:
    """One product landing in an output cell: input ``(in_row, in_col)`` ``value``
    times kernel ``(k_row, k_col)`` ``weight`` = ``product``."""

    in_row: int
    in_col: int
    k_row: int
    k_col: int
    value: float
    weight: float
    product: float


@dataclass(frozen=True)
class ZeroInsertView:
    """The transposed convolution as an ordinary one (conv_arithmetic's picture).

    Attributes:
        zero_inserted: ``((H-1)*s + 1, (W-1)*s + 1)`` the input with ``s - 1`` zeros
            between neighbouring cells.
        pads: ``((top, bottom), (left, right))`` zeros added around it,
            ``k - 1 - crop`` per side (negative: that many rows/columns of
            ``zero_inserted`` are cut off instead).
        flipped_kernel: ``(kh, kw)`` the kernel turned by 180 degrees.
        conv: the stride-1 convolution of the padded grid with ``flipped_kernel``,
            as :class:`~convviz.scene_data.KernelSlideData` (``conv.padded_input``
            ``(Hp, Wp)`` is the whole grid, ``conv.padding_mask`` its padding).
        is_inserted: ``(Hp, Wp)`` True on the inserted zeros.
    """

    zero_inserted: np.ndarray
    pads: tuple[tuple[int, int], tuple[int, int]]
    flipped_kernel: np.ndarray
    conv: KernelSlideData
    is_inserted: np.ndarray


@dataclass(frozen=True)
class TransposedConvData:
    """A single-channel transposed convolution, both ways.

    Attributes:
        input: ``(H, W)``; kernel: ``(kh, kw)``; bias: added to every output cell;
        strides: ``(sh, sw)``; padding, output_padding: as requested;
        canvas: ``(Hc, Wc)`` all stamps summed, before cropping, without bias (with
            the zero cells ``output_padding`` adds past the stamps, :attr:`added`);
        crops: ``((top, bottom), (left, right))`` canvas cells cropped off
            (negative: zero cells added at the end); output cell ``(r, c)`` is
            canvas cell ``(r + top, c + left)``;
        output: ``(H', W')`` equal to :func:`convviz.conv2d_transpose`;
        stamps: one :class:`Stamp` per input cell, in row order;
        contributions: ``contributions[r][c]`` the :class:`Contribution` s of output
            cell ``(r, c)``; their products plus ``bias`` make ``output[r, c]``;
        derivations: the output size per axis (height, width);
        zero_insert: the same result as an ordinary convolution.
    """

    input: np.ndarray
    kernel: np.ndarray
    bias: float
    strides: tuple[int, int]
    padding: object
    output_padding: object
    canvas: np.ndarray
    crops: tuple[tuple[int, int], tuple[int, int]]
    output: np.ndarray
    stamps: tuple[Stamp, ...]
    contributions: tuple[tuple[tuple[Contribution, ...], ...], ...]
    derivations: tuple[ShapeDerivation, ShapeDerivation]
    zero_insert: ZeroInsertView

    @property
    def overlaps(self) -> np.ndarray:
        """``(H', W')`` how many stamps add into each output cell."""
        return np.array([[len(cell) for cell in row] for row in self.contributions])

    @property
    def scatter_shape(self) -> tuple[int, int]:
        """``((H-1)*sh + kh, (W-1)*sw + kw)``: the cells the stamps cover together."""
        return tuple((v.input_size - 1) * v.stride + v.effective_kernel
                     for v in self.derivations)

    @property
    def kept(self) -> np.ndarray:
        """``(Hc, Wc)`` True on the canvas cells that become the output:
        ``canvas[kept] + bias`` is ``output``."""
        (top, _), (left, _) = self.crops
        h, w = self.output.shape
        mask = np.zeros(self.canvas.shape, dtype=bool)
        mask[top: top + h, left: left + w] = True
        return mask

    @property
    def added(self) -> np.ndarray:
        """``(Hc, Wc)`` True on the canvas cells past :attr:`scatter_shape`: the zeros
        that ``output_padding`` (or a kernel shorter than the stride) adds at the
        bottom/right."""
        sh, sw = self.scatter_shape
        mask = np.ones(self.canvas.shape, dtype=bool)
        mask[:sh, :sw] = False
        return mask

    @property
    def size_lines(self) -> tuple[str, ...]:
        """The output size as a scene writes it: one line for both axes when their
        numbers agree, else one per axis (:func:`transposed_size_formula`)."""
        return _per_axis(self.derivations, transposed_size_formula)


def transposed_conv_data(x, kernel, *, stride=2, padding="valid", output_padding=None,
                         bias=None) -> TransposedConvData:
    """Trace ``conv2d_transpose(x, kernel)`` for an ``(H, W)`` input and ``(kh, kw)`` kernel.

    ``padding`` is ``"valid"``, ``"same"`` or an int (cells cropped per side);
    ``output_padding`` None or an int ``< stride``.
    """
    x, kernel = _square(x, "x"), _square(kernel, "kernel")
    trace = trace_conv2d_transpose(x, kernel, None if bias is None else np.reshape(bias, ()),
                                   strides=stride, padding=padding,
                                   output_padding=output_padding)
    (top, _), (left, _) = trace.crops
    (sh, sw) = trace.strides
    output = trace.output
    stamps, cells = [], [[[] for _ in range(output.shape[1])] for _ in range(output.shape[0])]
    covered = np.zeros(trace.canvas.shape[2:], dtype=int)     # stamps so far, per canvas cell
    for step in trace.steps:
        contribution = step.contribution[0]
        footprint = (slice(step.in_row * sh, step.in_row * sh + contribution.shape[0]),
                     slice(step.in_col * sw, step.in_col * sw + contribution.shape[1]))
        covered_before = covered[footprint] > 0
        covered[footprint] += 1
        for u, r in enumerate(step.rows):
            for v, c in enumerate(step.cols):
                if 0 <= r < output.shape[0] and 0 <= c < output.shape[1]:
                    cells[r][c].append(Contribution(
                        step.in_row, step.in_col, u, v, step.value,
                        trace.kernel[0, 0, u, v].item(), contribution[u, v].item()))
        stamps.append(Stamp(
            index=step.index, in_row=step.in_row, in_col=step.in_col, value=step.value,
            contribution=contribution, top=step.in_row * sh, left=step.in_col * sw,
            rows=step.rows, cols=step.cols, is_cropped=step.is_cropped,
            canvas_before=trace.canvas_after(step.index)[0],
            canvas_after=trace.canvas_after(step.index + 1)[0], covered_before=covered_before))
    op = (None, None) if output_padding is None else _pair(output_padding, "output_padding", 0)
    derivations = tuple(
        derive_shape(n, k, s, padding, transposed=True, output_padding=o)
        for n, k, s, o in zip(x.shape, kernel.shape, trace.strides, op))
    return TransposedConvData(
        input=trace.input[0, 0], kernel=trace.kernel[0, 0], bias=float(trace.bias[0]),
        strides=trace.strides, padding=padding, output_padding=output_padding,
        canvas=trace.canvas[0, 0], crops=trace.crops, output=output, stamps=tuple(stamps),
        contributions=tuple(tuple(tuple(c) for c in row) for row in cells),
        derivations=derivations,
        zero_insert=_zero_insert_view(trace.input[0, 0], trace.kernel[0, 0], trace.strides,
                                      trace.crops, bias),
    )


def _zero_insert_view(x, kernel, strides, crops, bias) -> ZeroInsertView:
    (h, w), (kh, kw), (sh, sw) = x.shape, kernel.shape, strides
    inserted = np.zeros(((h - 1) * sh + 1, (w - 1) * sw + 1), dtype=x.dtype)
    inserted[::sh, ::sw] = x
    is_input = np.zeros(inserted.shape, dtype=bool)
    is_input[::sh, ::sw] = True
    pads = tuple((k - 1 - before, k - 1 - after) for k, (before, after) in zip((kh, kw), crops))
    keep = tuple(slice(max(-before, 0), n - max(-after, 0))
                 for n, (before, after) in zip(inserted.shape, pads))
    grid_pads = tuple((max(before, 0), max(after, 0)) for before, after in pads)
    flipped = kernel[::-1, ::-1]
    conv = kernel_slide_data(inserted[keep], flipped, padding=grid_pads,
                             bias=None if bias is None else np.reshape(bias, ()))
    is_inserted = np.pad(~is_input[keep], grid_pads, constant_values=False)
    return ZeroInsertView(zero_inserted=inserted, pads=pads, flipped_kernel=flipped, conv=conv,
                          is_inserted=is_inserted)


# --------------------------------------------------------------------------- Dilation
@dataclass(frozen=True)
class DilatedStep:
    """One kernel position of a dilated convolution.

    ``rows`` ``(kh,)`` and ``cols`` ``(kw,)`` are the padded-input rows/columns of
    the taps (``d`` apart); ``window``, ``products`` and ``is_padding`` are
    ``(kh, kw)``, the values under the taps, times the kernel, and where a tap sits
    in the padding; ``total = products.sum() + bias``.
    """

    index: int
    out_row: int
    out_col: int
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    window: np.ndarray
    products: np.ndarray
    is_padding: np.ndarray
    total: float


@dataclass(frozen=True)
class DilationData:
    """A single-channel dilated convolution.

    Attributes:
        input: ``(H, W)``; padded_input: ``(Hp, Wp)``; padding_mask: ``(Hp, Wp)``;
        kernel: ``(kh, kw)``; bias; dilation, strides: ``(h, w)`` pairs; padding: as
        requested; pads: ``((top, bottom), (left, right))``;
        effective_size: ``(d_h*(kh-1) + 1, d_w*(kw-1) + 1)``;
        spread_kernel: that size, the kernel's taps with zeros in the gaps;
        is_gap: same shape, True on the gaps;
        derivations: the output size per axis (``lines[1]`` derives ``k_eff``);
        output: ``(H', W')`` equal to ``conv2d(..., dilation_rate=d)``;
        steps: one :class:`DilatedStep` per output cell.
    """

    input: np.ndarray
    padded_input: np.ndarray
    padding_mask: np.ndarray
    kernel: np.ndarray
    bias: float
    dilation: tuple[int, int]
    strides: tuple[int, int]
    padding: object
    pads: tuple[tuple[int, int], tuple[int, int]]
    effective_size: tuple[int, int]
    spread_kernel: np.ndarray
    is_gap: np.ndarray
    derivations: tuple[ShapeDerivation, ShapeDerivation]
    output: np.ndarray
    steps: tuple[DilatedStep, ...]

    @property
    def effective_lines(self) -> tuple[str, ...]:
        """The effective kernel size as a scene writes it (:func:`effective_size_formula`)."""
        return _per_axis(self.derivations, effective_size_formula)

    @property
    def size_lines(self) -> tuple[str, ...]:
        """The output size as a scene writes it (:func:`output_size_formula`)."""
        return _per_axis(self.derivations, output_size_formula)


def dilation_data(x, kernel, *, dilation=2, stride=1, padding="valid", bias=None) -> DilationData:
    """Trace ``conv2d(x, kernel, dilation_rate=dilation)`` for ``(H, W)`` and ``(kh, kw)``."""
    x, kernel = _square(x, "x"), _square(kernel, "kernel")
    trace = trace_conv2d(x, kernel, None if bias is None else np.reshape(bias, ()),
                         strides=stride, padding=padding, dilation_rate=dilation)
    (dh, dw), (kh, kw) = trace.dilation, kernel.shape
    (top, _), (left, _) = trace.pads
    effective = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    spread = np.zeros(effective, dtype=trace.kernel.dtype)
    spread[::dh, ::dw] = trace.kernel[0, 0]
    is_gap = np.ones(effective, dtype=bool)
    is_gap[::dh, ::dw] = False
    steps = tuple(
        DilatedStep(index=s.index, out_row=s.out_row, out_col=s.out_col,
                    rows=tuple(r + top for r in s.rows), cols=tuple(c + left for c in s.cols),
                    window=s.window_values[0], products=s.products[0],
                    is_padding=s.is_padding, total=s.total)
        for s in trace.steps)
    return DilationData(
        input=trace.input[0, 0], padded_input=trace.padded_input[0, 0],
        padding_mask=_padding_mask(x.shape, trace.pads),
        kernel=trace.kernel[0, 0], bias=float(trace.bias[0]), dilation=trace.dilation,
        strides=trace.strides, padding=padding, pads=trace.pads, effective_size=effective,
        spread_kernel=spread, is_gap=is_gap,
        derivations=tuple(derive_shape(n, k, s, padding, d) for n, k, s, d in
                          zip(x.shape, kernel.shape, trace.strides, trace.dilation)),
        output=trace.output, steps=steps,
    )


# --------------------------------------------------------------------------- DepthwiseSeparable
@dataclass(frozen=True)
class RouteCost:
    """Weights and multiplications of one route (biases not counted).

    ``weights_formula`` e.g. ``"3*3*3*3 = 81"``; ``multiplies_formula`` e.g.
    ``"3*3 positions * 81 = 729"`` (every weight is used once per output position).
    """

    name: str
    weights: int
    weights_formula: str
    multiplies: int
    multiplies_formula: str


@dataclass(frozen=True)
class GroupCase:
    """``conv2d(..., groups=G)`` of the same input: each filter sees ``C / G`` channels.

    ``filter_channels[o]`` are the input channels filter ``o`` sees; ``kernel``
    ``(C_out, C/G, kh, kw)`` holds the standard filters' kernels for those channels;
    ``output`` ``(C_out, H', W')``; ``cost`` its weights and multiplies.
    """

    groups: int
    filter_channels: tuple[tuple[int, ...], ...]
    kernel: np.ndarray
    output: np.ndarray
    cost: RouteCost


@dataclass(frozen=True)
class DepthwiseSeparableData:
    """Standard convolution against depthwise + pointwise on one ``(C, H, W)`` input.

    Attributes:
        input: ``(C, H, W)``; strides; padding; pads;
        depthwise_kernels: ``(C, kh, kw)`` one kernel per input channel;
        pointwise: ``(C_out, C)`` the 1x1 weights, row ``o`` mixes the channels into
            output ``o``;
        standard_filters: ``(C_out, C, kh, kw)`` = ``pointwise[o, c] *
            depthwise_kernels[c]``: the standard filters that compute the same maps;
        standard_partials: ``(C_out, C, H', W')`` channel ``c`` convolved with
            kernel ``standard_filters[o, c]``, before the channel sum;
        standard: ``(C_out, H', W')`` their sum over ``c`` (= ``conv2d``);
        depthwise: ``(C, H', W')`` channel ``c`` with its own kernel, no sum
            (= ``depthwise_conv2d``);
        pointwise_terms: ``(C_out, C, H', W')`` ``pointwise[o, c] * depthwise[c]``;
        separable: ``(C_out, H', W')`` their sum over ``c`` (= ``separable_conv2d``);
        costs: ``{"standard", "depthwise", "pointwise", "separable"}`` -> :class:`RouteCost`;
        groups: one :class:`GroupCase` per ``G`` dividing ``C`` and ``C_out``.
    """

    input: np.ndarray
    strides: tuple[int, int]
    padding: object
    pads: tuple[tuple[int, int], tuple[int, int]]
    depthwise_kernels: np.ndarray
    pointwise: np.ndarray
    standard_filters: np.ndarray
    standard_partials: np.ndarray
    standard: np.ndarray
    depthwise: np.ndarray
    pointwise_terms: np.ndarray
    separable: np.ndarray
    costs: dict
    groups: tuple[GroupCase, ...]

    @property
    def saving(self) -> float:
        """How many times fewer weights the separable route needs than the standard
        one (``standard / separable``); the same ratio for the multiplies, since both
        routes use each weight once per output position."""
        return self.costs["standard"].weights / self.costs["separable"].weights


def _cost(name: str, factors: tuple[int, ...], out_hw: tuple[int, int]) -> RouteCost:
    weights = math.prod(factors)
    positions = out_hw[0] * out_hw[1]
    return RouteCost(
        name=name, weights=weights, weights_formula=f"{'*'.join(map(str, factors))} = {weights}",
        multiplies=positions * weights,
        multiplies_formula=f"{out_hw[0]}*{out_hw[1]} positions * {weights} = {positions * weights}")


def depthwise_separable_data(x, depthwise_kernels, pointwise, *, stride=1,
                             padding="valid") -> DepthwiseSeparableData:
    """Both routes for ``x`` ``(C, H, W)``, ``depthwise_kernels`` ``(C, kh, kw)`` and
    ``pointwise`` ``(C_out, C)``; ``stride``/``padding`` of the depthwise step."""
    x = _square(x, "x", 3)
    dw = _square(depthwise_kernels, "depthwise_kernels (the kernel)", 3)
    pw = _square(pointwise, "pointwise")
    c = x.shape[0]
    if dw.shape[0] != c:
        raise ValueError(f"depthwise_kernels must hold one kernel per input channel: x has {c} "
                         f"channels, depthwise_kernels has shape {dw.shape}")
    if pw.shape[1] != c:
        raise ValueError(f"pointwise must be (C_out, C) with C = {c} (the input's channels), "
                         f"got shape {pw.shape}")
    c_out, (kh, kw) = pw.shape[0], dw.shape[1:]
    common = dict(strides=stride, padding=padding, data_format="channels_first")
    dw_keras = dw.transpose(1, 2, 0)[..., None]                       # (kh, kw, C, 1)
    pw_keras = pw.T[None, None]                                       # (1, 1, C, C_out)
    depthwise = depthwise_conv2d(x[None], dw_keras, **common)[0]
    separable = separable_conv2d(x[None], dw_keras, pw_keras, **common)[0]
    filters = pw[:, :, None, None] * dw[None]                          # (C_out, C, kh, kw)
    standard = conv2d(x[None], filters.transpose(2, 3, 1, 0), **common)[0]
    # One filter's per-channel results: a grouped conv with one channel per group.
    partials = np.stack([
        conv2d(x[None], filters[o].transpose(1, 2, 0)[:, :, None, :], groups=c, **common)[0]
        for o in range(c_out)])
    out_hw = depthwise.shape[1:]
    costs = {
        "standard": _cost("standard", (kh, kw, c, c_out), out_hw),
        "depthwise": _cost("depthwise", (kh, kw, c), out_hw),
        "pointwise": _cost("pointwise", (c, c_out), out_hw),
    }
    total = costs["depthwise"].weights + costs["pointwise"].weights
    costs["separable"] = RouteCost(
        name="separable", weights=total,
        weights_formula=f"{costs['depthwise'].weights} + {costs['pointwise'].weights} = {total}",
        multiplies=out_hw[0] * out_hw[1] * total,
        multiplies_formula=(f"{costs['depthwise'].multiplies} + {costs['pointwise'].multiplies}"
                            f" = {out_hw[0] * out_hw[1] * total}"))
    groups = []
    for g in range(1, math.gcd(c, c_out) + 1):
        if c % g or c_out % g:
            continue
        per_in, per_out = c // g, c_out // g
        channels = tuple(tuple(range((o // per_out) * per_in, (o // per_out + 1) * per_in))
                         for o in range(c_out))
        kernel = np.stack([filters[o, list(channels[o])] for o in range(c_out)])
        groups.append(GroupCase(
            groups=g, filter_channels=channels, kernel=kernel,
            output=conv2d(x[None], kernel.transpose(2, 3, 1, 0), groups=g, **common)[0],
            cost=_cost(f"groups={g}", (kh, kw, per_in, c_out), out_hw)))
    strides = _pair(stride, "stride")
    return DepthwiseSeparableData(
        input=x, strides=strides, padding=padding,
        pads=resolve_padding(padding, x.shape[1:], (kh, kw), strides),
        depthwise_kernels=dw, pointwise=pw, standard_filters=filters,
        standard_partials=partials, standard=standard, depthwise=depthwise,
        pointwise_terms=pw[:, :, None, None] * depthwise[None], separable=separable,
        costs=costs, groups=tuple(groups),
    )


# ------------------------------------------------------------------ ConvolutionVsCorrelation
@dataclass(frozen=True)
class FlipData:
    """One input, one kernel: cross-correlation and true convolution side by side.

    ``kernel`` and ``flipped_kernel`` are ``(kh, kw)`` (the second turned by 180
    degrees); ``correlation`` slides ``kernel`` (what Keras computes), ``convolution``
    slides ``flipped_kernel`` (``conv2d(..., mode="convolution")``, scipy's
    ``convolve2d``); both are :class:`~convviz.scene_data.KernelSlideData`.
    """

    input: np.ndarray
    kernel: np.ndarray
    flipped_kernel: np.ndarray
    correlation: KernelSlideData
    convolution: KernelSlideData

    @property
    def difference(self) -> np.ndarray:
        """``(H', W')`` convolution minus correlation."""
        return self.convolution.output - self.correlation.output

    @property
    def strides(self) -> tuple[int, int]:
        """``(sh, sw)``, the same for both slides."""
        return self.correlation.strides

    @property
    def padding(self):
        """The padding as requested, the same for both slides."""
        return self.correlation.padding


def flip_data(x, kernel, *, stride=1, padding="valid", bias=None) -> FlipData:
    """Cross-correlate and convolve ``x`` ``(H, W)`` with ``kernel`` ``(kh, kw)``."""
    x, kernel = _square(x, "x"), _square(kernel, "kernel")
    flipped = kernel[::-1, ::-1]
    kwargs = dict(stride=stride, padding=padding,
                  bias=None if bias is None else np.reshape(bias, ()))
    return FlipData(input=x, kernel=kernel, flipped_kernel=flipped,
                    correlation=kernel_slide_data(x, kernel, **kwargs),
                    convolution=kernel_slide_data(x, flipped, **kwargs))


# --------------------------------------------------------------------------- ReluSoftmax
@dataclass(frozen=True)
class SoftmaxStep:
    """One test digit through the model's last step.

    ``logits`` ``(10,)`` are the final layer's values before softmax; ``exps`` ``(10,)``
    is ``exp(logits)`` (float64), ``total`` their sum and ``probabilities`` ``(10,)``
    ``exps / total``, equal to the model's prediction (``model_probabilities``).
    ``reason`` says why this digit was picked.
    """

    digit_index: int
    digit: np.ndarray
    label: int
    predicted: int
    logits: np.ndarray
    exps: np.ndarray
    total: float
    probabilities: np.ndarray
    model_probabilities: np.ndarray
    reason: str

    @property
    def confidence(self) -> float:
        return float(self.probabilities.max())

    @property
    def shifted_exps(self) -> np.ndarray:
        """``(10,)`` ``exp(logits - max(logits))``: the same probabilities once divided
        by their sum (softmax does not change when every logit moves by the same
        amount), and numbers between 0 and 1 where ``exps`` of a trained model's
        logits run into the millions."""
        return np.exp(self.logits.astype(np.float64) - self.logits.max())


@dataclass(frozen=True)
class ReluSoftmaxData:
    """ReLU on one feature map, then softmax on two digits' logits.

    Attributes:
        digit_index, digit ``(28, 28)`` uint8, label: the digit of the ReLU part;
        conv_layer: the layer's name; filter: the output channel shown;
        pre_activation: ``(H, W)`` that channel before the activation;
        activated: ``(H, W)`` after ReLU, the model's own output;
        zeroed: ``(H, W)`` True where ``pre_activation < 0`` (ReLU makes it 0);
        n_zeroed: how many; zoom_rows, zoom_cols: a window of the map that holds
            both signs, for numbers (the one with the most weight on its weaker
            side: ``min(sum of positives, sum of |negatives|)`` largest);
        confident, unsure: the two :class:`SoftmaxStep` s;
        candidates: how many test digits (the first ones) were searched;
        model_name: the Keras model's name; data_format: the conv layer's;
        layer_shape: the conv layer's per-image output shape as Keras gives it in
            that format, e.g. ``(28, 28, 32)`` channels_last.
    """

    digit_index: int
    digit: np.ndarray
    label: int
    conv_layer: str
    filter: int
    pre_activation: np.ndarray
    activated: np.ndarray
    zoom_rows: range
    zoom_cols: range
    confident: SoftmaxStep
    unsure: SoftmaxStep
    candidates: int
    model_name: str
    data_format: str
    layer_shape: tuple[int, ...]

    @property
    def zeroed(self) -> np.ndarray:
        return self.pre_activation < 0

    @property
    def n_zeroed(self) -> int:
        return int(self.zeroed.sum())


def _both_signs(maps: np.ndarray) -> np.ndarray:
    """``min(#negative, #positive)`` over the last two axes."""
    return np.minimum((maps < 0).sum(axis=(-2, -1)), (maps > 0).sum(axis=(-2, -1)))


def _both_weights(maps: np.ndarray) -> np.ndarray:
    """``min(sum of positives, sum of |negatives|)`` over the last two axes: large only
    where both signs are there with real weight (not a background of tiny biases)."""
    positive = np.where(maps > 0, maps, 0).sum(axis=(-2, -1))
    return np.minimum(positive, np.where(maps < 0, -maps, 0).sum(axis=(-2, -1)))


def _pre_activation(model, info, x):
    """``(pre, activated)`` ``(N, ...)`` in the layer's data format: the conv layer
    ``info`` before and after its ReLU, for the model input ``x``."""
    from .inspect import feature_maps, filters

    layers = model.layers
    if info.activation == "relu":
        previous = layers[info.model_index - 1] if info.model_index > 0 else None
        if previous is None or type(previous).__name__ == "InputLayer":
            layer_input = x
        else:
            layer_input = feature_maps(model, x, layers=[previous.name])[previous.name]
        kernel, bias = filters(model, info.name)
        pre = conv2d(layer_input, kernel, bias, groups=info.groups, **info.conv_kwargs)
        return pre, feature_maps(model, x, layers=[info.name])[info.name]
    following = layers[info.model_index + 1] if info.model_index + 1 < len(layers) else None
    activation = getattr(getattr(following, "activation", None), "__name__", None)
    if info.activation == "linear" and (type(following).__name__ == "ReLU"
                                        or activation == "relu"):
        maps = feature_maps(model, x, layers=[info.name, following.name])
        return maps[info.name], maps[following.name]
    raise ValueError(f"conv layer {info.name!r} must apply ReLU, or be followed by a ReLU "
                     f"layer; its activation is {info.activation!r}")


def _logits(model, x) -> np.ndarray:
    """``(N, classes)`` the values the model's final softmax turns into probabilities."""
    from .inspect import feature_maps

    last = model.layers[-1]
    activation = getattr(getattr(last, "activation", None), "__name__", None)
    if activation != "softmax" and type(last).__name__ != "Softmax":
        raise ValueError(f"the model's last layer {last.name!r} must apply softmax, "
                         f"got {type(last).__name__} with activation {activation!r}")
    previous = model.layers[-2] if len(model.layers) > 1 else None
    if previous is None or type(previous).__name__ == "InputLayer":
        before = np.asarray(x)
    else:
        before = feature_maps(model, x, layers=[previous.name])[previous.name]
    if type(last).__name__ == "Dense":                # softmax inside: redo its matmul
        kernel, bias = (np.asarray(w) for w in last.get_weights())
        return before @ kernel + bias
    return before                                      # Activation/Softmax layer


def _softmax_step(model, images, labels, probabilities, index, reason) -> SoftmaxStep:
    x = _model_input(images[index], model)
    logits = np.asarray(_logits(model, x))[0]
    exps = np.exp(logits.astype(np.float64))
    return SoftmaxStep(
        digit_index=int(index), digit=images[index], label=int(labels[index]),
        predicted=int(np.argmax(probabilities[index])), logits=logits, exps=exps,
        total=float(exps.sum()), probabilities=exps / exps.sum(),
        model_probabilities=probabilities[index], reason=reason)


def relu_softmax_data(model, *, digit_index=0, layer=None, filter=None, zoom=6,
                      candidates=None) -> ReluSoftmaxData:
    """ReLU on a conv layer's map of test digit ``digit_index``, softmax on two digits.

    Args:
        model: a Keras model with a conv layer that applies ReLU (or is followed by
            a ReLU layer) and a final softmax.
        layer: the conv layer (name or index among the conv layers; default the first).
        filter: the channel shown; default the one whose map holds the most cells
            of its rarer sign (the most even split of negative and positive cells).
        zoom: the side of the window of numbers (clipped to the map).
        candidates: search the first N test digits (default all 10,000) for the
            most confident correctly classified digit (any digit if none is correct)
            and the least confident one; ties go to the lower index.
    """
    from .data import load_mnist, to_model_input
    from .inspect import conv_layer

    digit, label = test_digit(digit_index)
    info = conv_layer(model, 0 if layer is None else layer)
    pre, activated = _pre_activation(model, info, _model_input(digit, model))
    layer_shape = tuple(int(n) for n in np.shape(activated)[1:])      # Keras' order
    pre = _channels_first(np.asarray(pre)[0], info.data_format)
    activated = _channels_first(np.asarray(activated)[0], info.data_format)
    if filter is None:
        filter = int(np.argmax(_both_signs(pre)))
    elif not 0 <= filter < len(pre):
        raise ValueError(f"filter must be in [0, {len(pre)}) for layer {info.name!r}, "
                         f"got {filter}")
    side = min(zoom, *pre.shape[1:])
    scores = _both_weights(sliding_window_view(pre[filter], (side, side)))
    top, left = np.unravel_index(int(np.argmax(scores)), scores.shape)

    _, (x_test, y_test) = load_mnist()
    n = len(x_test) if candidates is None else candidates
    if not 1 <= n <= len(x_test):
        raise ValueError(f"candidates must be in [1, {len(x_test)}], got {candidates}")
    images, labels = x_test[:n], y_test[:n]
    probabilities = np.asarray(model.predict(to_model_input(images, model), batch_size=500,
                                             verbose=0))
    top_p = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    if correct.any():
        confident = int(np.argmax(np.where(correct, top_p, -np.inf)))
        why = f"the most confident correct prediction among the first {n} test digits"
    else:
        confident = int(np.argmax(top_p))
        why = f"the most confident prediction among the first {n} test digits (none is correct)"
    unsure = int(np.argmin(top_p))
    return ReluSoftmaxData(
        digit_index=digit_index, digit=digit, label=label, conv_layer=info.name,
        filter=filter, pre_activation=pre[filter], activated=activated[filter],
        zoom_rows=range(top, top + side), zoom_cols=range(left, left + side),
        confident=_softmax_step(model, images, labels, probabilities, confident, why),
        unsure=_softmax_step(model, images, labels, probabilities, unsure,
                             f"the least confident prediction among the first {n} test digits"),
        candidates=n, model_name=model.name, data_format=info.data_format,
        layer_shape=layer_shape,
    )


# --------------------------------------------------------------------------- ReceptiveField
@dataclass(frozen=True)
class FieldMap:
    """One level of the trace: a map and the traced cell's region in it.

    ``name`` is the spatial layer (or ``"input"``); ``shown`` the layer whose output
    ``maps`` ``(C, H, W)`` holds (the activation after it, when there is one);
    ``shape`` that output's per-image shape as Keras gives it (the model's data
    format, e.g. ``(32, 28, 28)`` channels_first); ``region`` the
    :class:`~convviz.receptive.FieldLevel` in this map.
    """

    name: str
    shown: str
    maps: np.ndarray
    shape: tuple[int, ...]
    region: FieldLevel

    @property
    def peak(self) -> np.ndarray:
        """``(H, W)`` the largest value over the channels at each cell (one picture
        of a many-channel map)."""
        return self.maps.max(axis=0)

    @property
    def region_size(self) -> tuple[int, int]:
        """``(rows, cols)`` of the region inside this map."""
        return len(self.region.rows), len(self.region.cols)

    @property
    def region_full_size(self) -> tuple[int, int]:
        """``(rows, cols)`` of the region with the part in the padding."""
        return len(self.region.rows_unclipped), len(self.region.cols_unclipped)


@dataclass(frozen=True)
class ReceptiveFieldData:
    """One cell of a deep feature map traced back to the digit.

    Attributes:
        digit ``(28, 28)`` uint8, label, digit_index; layer: the traced layer;
        cell: ``(row, col)`` in its output; channel: the channel with the largest
        value at that cell, ``value`` that value; field: the
        :class:`~convviz.receptive.ReceptiveField` (``field.steps`` the
        recurrence, ``field.rows``/``cols`` the region in the digit);
        levels: one :class:`FieldMap` per map, the input first, ``layer`` last;
        model_name: the Keras model's name; data_format: its spatial layers'.
    """

    digit_index: int
    digit: np.ndarray
    label: int
    layer: str
    cell: tuple[int, int]
    channel: int
    value: float
    field: ReceptiveField
    levels: tuple[FieldMap, ...]
    model_name: str
    data_format: str

    @property
    def strides(self) -> tuple[int, ...]:
        """Every stride of the traced layers, sorted (rows and columns)."""
        return tuple(sorted({s for step in self.field.steps for s in step.stride}))


_ACTIVATIONS = {"Activation", "ReLU", "LeakyReLU", "PReLU", "ELU"}


def _shown_layer(model, name: str) -> tuple[str, str]:
    """``(layer, data_format)``: layer ``name``, or the activation layer that follows it
    (across dropout and other pointwise layers), whose output is the one to show."""
    layers = model.layers
    position = next(i for i, layer in enumerate(layers) if layer.name == name)
    data_format = getattr(layers[position], "data_format", "channels_last")
    shown = position
    for later in range(position + 1, len(layers)):
        kinds = {c.__name__ for c in type(layers[later]).__mro__}
        if not kinds & _POINTWISE:
            break
        if kinds & _ACTIVATIONS:
            shown = later
    return layers[shown].name, data_format


def receptive_field_data(model, *, digit_index=0, layer=None, cell=None) -> ReceptiveFieldData:
    """Trace ``cell`` of ``layer`` (default: the deepest spatial layer, and its cell
    with the largest value over all channels) back to test digit ``digit_index``."""
    from .inspect import feature_maps

    digit, label = test_digit(digit_index)
    x = _model_input(digit, model)
    target = receptive_field(model, -1 if layer is None else layer, 0, 0)
    names = [level.name for level in target.levels[1:]]
    shown = {name: _shown_layer(model, name) for name in names}
    outputs = feature_maps(model, x, layers=sorted({s for s, _ in shown.values()}))
    maps = {name: _channels_first(np.asarray(outputs[s])[0], fmt)
            for name, (s, fmt) in shown.items()}
    shapes = {name: tuple(int(n) for n in np.shape(outputs[s])[1:])
              for name, (s, _) in shown.items()}
    last = maps[target.layer]
    if cell is None:
        row, col = np.unravel_index(int(np.argmax(last.max(axis=0))), last.shape[1:])
    else:
        row, col = cell
    field = receptive_field(model, target.layer, int(row), int(col))
    channel = int(np.argmax(last[:, field.row, field.col]))
    image = np.asarray(x).reshape(1, *digit.shape)                     # (1, 28, 28) in [0, 1]
    levels = tuple(
        FieldMap(name=level.name, shown="input" if level.name == "input" else shown[level.name][0],
                 maps=image if level.name == "input" else maps[level.name],
                 shape=(tuple(int(n) for n in np.shape(x)[1:]) if level.name == "input"
                        else shapes[level.name]),
                 region=level)
        for level in field.levels)
    return ReceptiveFieldData(
        digit_index=digit_index, digit=digit, label=label, layer=field.layer,
        cell=(field.row, field.col), channel=channel,
        value=float(last[channel, field.row, field.col]), field=field, levels=levels,
        model_name=model.name, data_format=shown[target.layer][1])


# --------------------------------------------------------------------------- configs
# The article's 5x5 input (convviz.worked.single_channel_example) grown by two rows and
# two columns: the 7x7 input a dilated 3x3 kernel (5x5 window) slides over.
_DILATION_INPUT = [
    [3, 3, 2, 1, 0, 2, 1],
    [0, 0, 1, 3, 1, 0, 2],
    [3, 1, 2, 2, 3, 1, 0],
    [2, 0, 0, 2, 2, 3, 1],
    [2, 0, 0, 0, 1, 2, 3],
    [1, 2, 3, 0, 2, 1, 0],
    [0, 1, 2, 3, 1, 0, 2],
]


def default_config(scene: str):
    """The :class:`~convviz.render.SceneConfig` each of :data:`SCENES` starts from."""
    from .render import SceneConfig
    from .worked import multi_channel_example, single_channel_example

    if scene not in SCENES:
        raise ValueError(f"scene must be one of {sorted(SCENES)}, got {scene!r}")
    x, kernel = single_channel_example()
    if scene == "TransposedConv":
        return SceneConfig(input=[[1, 2], [3, 4]], kernel=[[1, 2, 0], [0, 1, 1], [2, 0, 1]],
                           stride=2, padding="valid")
    if scene == "Dilation":
        return SceneConfig(input=_DILATION_INPUT, kernel=kernel, dilation=2, stride=1,
                           padding="valid")
    if scene == "DepthwiseSeparable":
        xm, km, _ = multi_channel_example()
        return SceneConfig(input=xm[0], kernel=km[..., 0].transpose(2, 0, 1),
                           pointwise=[[1, 1, 1], [-1, 1, 2], [1, -2, 1]], stride=1,
                           padding="valid")
    if scene == "ConvolutionVsCorrelation":
        return SceneConfig(input=x, kernel=[[1, 2, 3], [0, 0, 0], [-1, -2, -3]], stride=1,
                           padding="valid")
    return SceneConfig(model=MODEL_SCENES[scene])


def build(scene: str, config, model=None):
    """The data object scene ``scene`` (one of :data:`SCENES`) draws for a resolved
    ``config`` (:func:`convviz.render.resolve_config`).

    The model scenes use ``model`` when given (tests pass an untrained one) and
    otherwise ``convviz.train.load_trained(config.model, epochs=config.epochs,
    n_train=config.n_train)`` (cached; trained on first use).
    """
    c = config
    if scene == "TransposedConv":
        return transposed_conv_data(c.input, c.kernel, stride=c.stride, padding=c.padding,
                                    output_padding=c.output_padding, bias=c.bias)
    if scene == "Dilation":
        return dilation_data(c.input, c.kernel, dilation=c.dilation, stride=c.stride,
                             padding=c.padding, bias=c.bias)
    if scene == "DepthwiseSeparable":
        return depthwise_separable_data(c.input, c.kernel, c.pointwise, stride=c.stride,
                                        padding=c.padding)
    if scene == "ConvolutionVsCorrelation":
        return flip_data(c.input, c.kernel, stride=c.stride, padding=c.padding, bias=c.bias)
    if scene in MODEL_SCENES:
        if model is None:
            from .train import load_trained

            model = load_trained(c.model, epochs=c.epochs, n_train=c.n_train, verbose=0)
        if scene == "ReluSoftmax":
            return relu_softmax_data(model, digit_index=c.digit_index, layer=c.layer)
        return receptive_field_data(model, digit_index=c.digit_index, layer=c.layer,
                                    cell=c.cell)
    raise ValueError(f"scene must be one of {sorted(SCENES)}, got {scene!r}")
