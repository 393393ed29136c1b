"""Receptive fields: which input pixels one cell of a feature map can see.

Conventions, along one axis (rows and columns are independent):

* A layer with kernel ``k``, stride ``s``, dilation ``d`` and ``p`` cells of padding
  *before* the first input cell reads, for its output cell ``i``, the input cells
  ``i*s - p + u*d`` for ``u = 0 .. k-1`` (a pooling layer has ``d = 1``; a padding
  layer is ``k = 1`` with ``p`` > 0, a cropping layer ``k = 1`` with ``p`` < 0).
* Chained from the input image (``j = 1``, ``r = 1``, ``start = 0``), each layer
  turns the values of the layer before (``*_in``) into its own:

  - ``j = j_in * s``: the *jump*, how many input pixels apart two neighbouring
    cells of this layer look;
  - ``r = r_in + (k-1)*d*j_in``: the receptive *size*, how many input pixels one
    cell spans;
  - ``start = start_in - p*j_in``: the first input pixel that cell 0 spans
    (negative: it lies in the padding).

  Cell ``i`` of the layer spans input pixels ``start + i*j ... start + i*j + r - 1``.
  That span counts padding; clipped to ``0 .. n-1`` it is the region of the image the
  cell sees. Inside it, dilation (or a stride larger than the kernel) can leave
  pixels that reach the cell by no path: :attr:`ReceptiveField.exact_rows` lists
  the ones that do.

A layer stack is given either as a list of :class:`LayerSpec` (or mappings with the
same keys) plus the input size, or as a Keras model: a chain of ``Conv2D``,
``DepthwiseConv2D``, ``SeparableConv2D``, ``MaxPooling2D``, ``AveragePooling2D``,
``ZeroPadding2D`` and ``Cropping2D`` layers in either data format, with pointwise
layers (activations, dropout, batch normalization...) in between; ``Flatten``,
``Dense`` and global pooling end the spatial part. The model is read through its
layers' attributes; this module imports nothing but numpy.

>>> field = receptive_field([LayerSpec(3), LayerSpec(2, stride=2, kind="pool"), LayerSpec(3)],
...                         -1, 1, 1, input_size=10)
>>> field.rows, field.size, field.jump
(range(2, 10), (8, 8), (2, 2))
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .conv import _pair, resolve_padding

__all__ = [
    "LayerSpec",
    "FieldStep",
    "FieldLevel",
    "ReceptiveField",
    "receptive_field",
    "receptive_field_steps",
]

LAYER_KINDS = ("conv", "pool", "padding", "cropping")

# Keras layers that act on each position alone: they change no geometry.
_POINTWISE = {
    "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "Dropout",
    "SpatialDropout2D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "BatchNormalization", "Rescaling", "Identity",
}
# Keras layers after which there is no spatial grid any more.
_SPATIAL_END = {"Flatten", "Dense", "GlobalAveragePooling2D", "GlobalMaxPooling2D",
                "GlobalAveragePooling1D", "GlobalMaxPooling1D", "Reshape"}


# --------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class LayerSpec:
    """One layer's geometry: ``kernel``, ``stride``, ``dilation`` (ints or ``(h, w)``
    pairs) and ``padding`` (any form :func:`convviz.conv2d` takes: ``"valid"``,
    ``"same"``, ``"full"``, an int, ``(ph, pw)`` or ``((top, bottom), (left, right))``).

    ``kind`` is ``"conv"`` or ``"pool"`` (``"same"`` pooling pads like ``"same"``
    convolution) and only names the layer; ``name`` defaults to ``kind`` plus its
    position (``"conv1"``, ``"pool2"``...).
    """

    kernel: object = 1
    stride: object = 1
    dilation: object = 1
    padding: object = "valid"
    name: str | None = None
    kind: str = "conv"


@dataclass(frozen=True)
class FieldStep:
    """One spatial layer in the recurrence; every value is an ``(height, width)`` pair.

    Attributes:
        name, kind: the layer's name and ``"conv"``, ``"pool"``, ``"padding"`` or
            ``"cropping"``.
        kernel, stride, dilation: the layer's geometry (``(1, 1)`` for padding/cropping).
        pads: ``((top, bottom), (left, right))`` cells added (negative: cropped).
        in_size, out_size: the layer's input and output ``(H, W)``.
        jump_in, jump_out: ``j`` before and after the layer.
        size_in, size_out: ``r`` before and after.
        start_in, start_out: ``start`` before and after.
    """

    name: str
    kind: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    in_size: tuple[int, int]
    out_size: tuple[int, int]
    jump_in: tuple[int, int]
    jump_out: tuple[int, int]
    size_in: tuple[int, int]
    size_out: tuple[int, int]
    start_in: tuple[int, int]
    start_out: tuple[int, int]

    def equations(self, axis: int = 0) -> tuple[str, str, str]:
        """The three recurrence lines with this layer's numbers, for ``axis``
        0 (rows) or 1 (columns), e.g. ``"r = r_in + (k-1)*d*j_in = 6 + (5-1)*1*2 = 14"``."""
        if axis not in (0, 1):
            raise ValueError(f"axis must be 0 (rows) or 1 (columns), got {axis!r}")
        k, s, d = self.kernel[axis], self.stride[axis], self.dilation[axis]
        p = self.pads[axis][0]
        r_in, j_in, st_in = self.size_in[axis], self.jump_in[axis], self.start_in[axis]
        p_text = f"({p})" if p < 0 else str(p)
        st_text = f"({st_in})" if st_in < 0 else str(st_in)
        return (
            f"r = r_in + (k-1)*d*j_in = {r_in} + ({k}-1)*{d}*{j_in} = {self.size_out[axis]}",
            f"j = j_in*s = {j_in}*{s} = {self.jump_out[axis]}",
            f"start = start_in - p*j_in = {st_text} - {p_text}*{j_in} = {self.start_out[axis]}",
        )


@dataclass(frozen=True)
class FieldLevel:
    """The traced cell's region in one map of the stack.

    ``name`` is ``"input"`` for the image, else the layer whose output the map is;
    ``size`` is the map's ``(H, W)``. ``rows_unclipped``/``cols_unclipped`` are in
    the map's own coordinates and may reach into its padding (< 0 or >= H);
    ``rows``/``cols`` are the same clipped to the map; ``exact_rows``/``exact_cols``
    are the map's cells that reach the traced cell by some path of real
    (unpadded) cells.
    """

    name: str
    size: tuple[int, int]
    rows_unclipped: range
    cols_unclipped: range
    rows: range
    cols: range
    exact_rows: tuple[int, ...]
    exact_cols: tuple[int, ...]


@dataclass(frozen=True)
class ReceptiveField:
    """The input region that cell ``(row, col)`` of ``layer`` sees.

    Attributes:
        layer: the layer's name; row, col: the cell in its output map.
        steps: the recurrence, one :class:`FieldStep` per spatial layer up to ``layer``.
        levels: the region in every map, from the input image (``levels[0]``) to
            the layer's own output (``levels[-1]``: the cell itself).

    The region in the image (``levels[0]``) is also reachable directly:
    ``rows``/``cols`` clipped to the image, ``rows_unclipped``/``cols_unclipped``
    the whole span with the padding, ``range(start + i*j, start + i*j + r)``,
    ``exact_rows``/``exact_cols`` the rows/columns that can change the cell
    (equal to ``rows``/``cols`` unless dilation or a stride larger than the kernel
    leaves gaps), ``input_size`` the image's ``(H, W)``.
    """

    layer: str
    row: int
    col: int
    steps: tuple[FieldStep, ...]
    levels: tuple[FieldLevel, ...]

    input_size = property(lambda self: self.levels[0].size)
    rows = property(lambda self: self.levels[0].rows)
    cols = property(lambda self: self.levels[0].cols)
    rows_unclipped = property(lambda self: self.levels[0].rows_unclipped)
    cols_unclipped = property(lambda self: self.levels[0].cols_unclipped)
    exact_rows = property(lambda self: self.levels[0].exact_rows)
    exact_cols = property(lambda self: self.levels[0].exact_cols)

    @property
    def size(self) -> tuple[int, int]:
        """``(r_h, r_w)``: the receptive size, padding included."""
        return len(self.rows_unclipped), len(self.cols_unclipped)

    @property
    def jump(self) -> tuple[int, int]:
        """``(j_h, j_w)``: input pixels between neighbouring cells of the layer."""
        return self.steps[-1].jump_out if self.steps else (1, 1)

    @property
    def start(self) -> tuple[int, int]:
        """``(start_h, start_w)``: the first input pixel cell ``(0, 0)`` spans."""
        return self.steps[-1].start_out if self.steps else (0, 0)

    @property
    def slices(self) -> tuple[slice, slice]:
        """Index an ``(H, W)`` image with these to get the region the cell sees."""
        return (slice(self.rows.start, self.rows.stop), slice(self.cols.start, self.cols.stop))

    @property
    def mask(self) -> np.ndarray:
        """``(H, W)`` bool, True on the pixels of the (clipped) region."""
        mask = np.zeros(self.input_size, dtype=bool)
        mask[self.slices] = True
        return mask

    @property
    def exact_mask(self) -> np.ndarray:
        """``(H, W)`` bool, True on the pixels that can change the cell."""
        mask = np.zeros(self.input_size, dtype=bool)
        mask[np.ix_(self.exact_rows, self.exact_cols)] = True
        return mask

    @property
    def is_dense(self) -> bool:
        """True when every pixel of the clipped region can change the cell."""
        return tuple(self.rows) == self.exact_rows and tuple(self.cols) == self.exact_cols

    def _repr_html_(self) -> str:
        """Jupyter shows the recurrence as a table
        (:func:`convviz.notebook.receptive_field_html`)."""
        from .notebook import receptive_field_html

        return receptive_field_html(self)


# --------------------------------------------------------------------------- reading
def _is_model(obj) -> bool:
    return hasattr(obj, "layers") and not isinstance(obj, (list, tuple, Mapping))


def _class_names(layer) -> set[str]:
    return {cls.__name__ for cls in type(layer).__mro__}


def _spec_from_mapping(spec, position: int) -> LayerSpec:
    keys = {"kernel", "stride", "dilation", "padding", "name", "kind"}
    unknown = sorted(set(spec) - keys)
    if unknown:
        raise ValueError(f"layers[{position}] has unknown keys {unknown}; "
                         f"expected some of {sorted(keys)}")
    return LayerSpec(**spec)


def _resolve(spec: LayerSpec, position: int, in_hw, count: dict) -> tuple:
    """``(name, kind, kernel, stride, dilation, pads, out_hw)`` of one validated spec."""
    where = f"layers[{position}]"
    if spec.kind not in LAYER_KINDS:
        raise ValueError(f"{where}.kind must be one of {LAYER_KINDS}, got {spec.kind!r}")
    kernel = _pair(spec.kernel, f"{where}.kernel")
    stride = _pair(spec.stride, f"{where}.stride")
    dilation = _pair(spec.dilation, f"{where}.dilation")
    if spec.kind == "cropping":
        (top, bottom), (left, right) = resolve_padding(spec.padding, in_hw, kernel)
        pads = ((-top, -bottom), (-left, -right))
    else:
        try:
            pads = resolve_padding(spec.padding, in_hw, kernel, stride, dilation)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{where}.padding: {exc}") from None
    out_hw = []
    for axis, n, k, s, d, (before, after) in zip(("height", "width"), in_hw, kernel, stride,
                                                 dilation, pads):
        padded, k_eff = n + before + after, d * (k - 1) + 1
        if k_eff > padded:
            raise ValueError(
                f"{where} ({spec.name or spec.kind}): kernel {axis} {k} (dilated to {k_eff}) "
                f"is larger than its padded input {axis} {padded} (input {n}, padding "
                f"{before}+{after})")
        out_hw.append((padded - k_eff) // s + 1)
    count[spec.kind] = count.get(spec.kind, 0) + 1
    name = spec.name if spec.name is not None else f"{spec.kind}{count[spec.kind]}"
    return name, spec.kind, kernel, stride, dilation, pads, tuple(out_hw)


def _model_chain(model, input_size):
    """``(input_hw, [(spec, output_hw or None)], aliases, ended)`` read from a Keras model.

    ``aliases`` maps a pointwise layer's name to the spatial layer before it (None:
    the input); ``ended`` maps the layers after the spatial part to the layer that
    ended it.
    """
    specs, aliases, ended = [], {}, {}
    fmt_of_input, end = None, None
    for layer in model.layers:
        names = _class_names(layer)
        kind = type(layer).__name__
        if "InputLayer" in names:
            continue
        if end is not None:
            ended[layer.name] = end
            continue
        if names & _SPATIAL_END:
            end = f"{layer.name!r} ({kind})"
            ended[layer.name] = end
            continue
        if names & _POINTWISE:
            aliases[layer.name] = specs[-1][0].name if specs else None
            continue
        if names & {"BaseConvTranspose", "Conv2DTranspose", "UpSampling2D"}:
            raise ValueError(
                f"layer {layer.name!r} ({kind}) upsamples; receptive_field follows layers "
                "that keep or shrink the grid (convolution, pooling, padding, cropping)")
        if names & {"BaseConv", "BaseDepthwiseConv", "BaseSeparableConv"} \
                and len(layer.kernel_size) == 2:
            spec = LayerSpec(tuple(layer.kernel_size), tuple(layer.strides),
                             tuple(layer.dilation_rate), layer.padding, layer.name, "conv")
        elif names & {"BasePooling"} and len(layer.pool_size) == 2:
            spec = LayerSpec(tuple(layer.pool_size), tuple(layer.strides), 1, layer.padding,
                             layer.name, "pool")
        elif "ZeroPadding2D" in names:
            spec = LayerSpec(1, 1, 1, tuple(map(tuple, layer.padding)), layer.name, "padding")
        elif "Cropping2D" in names:
            spec = LayerSpec(1, 1, 1, tuple(map(tuple, layer.cropping)), layer.name, "cropping")
        else:
            raise ValueError(
                f"layer {layer.name!r} ({kind}) is not one receptive_field knows how to follow "
                "(2-D convolution, pooling, padding, cropping, pointwise layers; Flatten or "
                "Dense end the spatial part)")
        fmt = getattr(layer, "data_format", "channels_last")
        fmt_of_input = fmt_of_input or fmt
        specs.append((spec, _output_hw(layer, fmt)))
    if not specs:
        raise ValueError(f"model {getattr(model, 'name', '?')!r} has no 2-D convolution or "
                         "pooling layer: there is no feature map to trace back")
    shape = tuple(model.input_shape)
    if len(shape) != 4:
        raise ValueError(f"model {model.name!r} takes input of shape {shape}; receptive_field "
                         "needs images (N, H, W, C) or (N, C, H, W)")
    model_hw = shape[1:3] if fmt_of_input == "channels_last" else shape[2:4]
    if input_size is None:
        if None in model_hw:
            raise ValueError(f"model {model.name!r} accepts any image size {shape}; give "
                             "input_size=(H, W)")
        input_size = tuple(int(n) for n in model_hw)
    elif None not in model_hw and tuple(model_hw) != tuple(_pair(input_size, "input_size")):
        raise ValueError(f"input_size must be the model's {tuple(model_hw)} (input shape "
                         f"{shape}, {fmt_of_input}), got {input_size!r}")
    return input_size, specs, aliases, ended


def _output_hw(layer, data_format):
    """The ``(H, W)`` Keras reports for the layer's output, or None if unknown."""
    try:
        shape = tuple(layer.output.shape)
    except (AttributeError, ValueError):  # never called, or called more than once
        return None
    hw = shape[1:3] if data_format == "channels_last" else shape[2:4]
    return None if None in hw else tuple(int(n) for n in hw)


def _chain(model_or_layers, input_size):
    """``([FieldStep], aliases, ended)`` for a model or a list of specs."""
    if _is_model(model_or_layers):
        input_size, chain, aliases, ended = _model_chain(model_or_layers, input_size)
    else:
        if isinstance(model_or_layers, (str, bytes)) or not hasattr(model_or_layers, "__iter__"):
            raise TypeError("model_or_layers must be a Keras model or a list of LayerSpec / "
                            f"mappings, got {type(model_or_layers).__name__}")
        chain = []
        for position, spec in enumerate(model_or_layers):
            if isinstance(spec, Mapping):
                spec = _spec_from_mapping(spec, position)
            elif not isinstance(spec, LayerSpec):
                raise TypeError(f"layers[{position}] must be a LayerSpec or a mapping with keys "
                                f"kernel, stride, dilation, padding, got {spec!r}")
            chain.append((spec, None))
        if not chain:
            raise ValueError("model_or_layers must hold at least one layer, got an empty list")
        if input_size is None:
            raise ValueError("input_size=(H, W) is needed with a list of layers "
                             "(the 'same' padding and the clipping depend on it)")
        aliases, ended = {}, {}
    in_hw = _pair(input_size, "input_size")
    steps, count = [], {}
    jump, size, start = (1, 1), (1, 1), (0, 0)
    for position, (spec, reported) in enumerate(chain):
        name, kind, kernel, stride, dilation, pads, out_hw = _resolve(spec, position, in_hw, count)
        if reported is not None and reported != out_hw:
            raise ValueError(f"layer {name!r}: Keras reports an output of {reported} cells but "
                             f"its geometry gives {out_hw} from {in_hw}; receptive_field "
                             "misread this layer")
        new_jump = tuple(j * s for j, s in zip(jump, stride))
        new_size = tuple(r + (k - 1) * d * j for r, k, d, j in zip(size, kernel, dilation, jump))
        new_start = tuple(st - p[0] * j for st, p, j in zip(start, pads, jump))
        steps.append(FieldStep(name=name, kind=kind, kernel=kernel, stride=stride,
                               dilation=dilation, pads=pads, in_size=in_hw, out_size=out_hw,
                               jump_in=jump, jump_out=new_jump, size_in=size, size_out=new_size,
                               start_in=start, start_out=new_start))
        in_hw, jump, size, start = out_hw, new_jump, new_size, new_start
    return steps, aliases, ended


def receptive_field_steps(model_or_layers, *, input_size=None) -> tuple[FieldStep, ...]:
    """The recurrence through every spatial layer of a model or a list of layers.

    See :func:`receptive_field` for the arguments; pointwise layers (activations,
    dropout...) change nothing and have no step.
    """
    return tuple(_chain(model_or_layers, input_size)[0])


# --------------------------------------------------------------------------- tracing
def _pick(steps, aliases, ended, layer) -> int:
    """Index into ``steps`` of the layer named or numbered ``layer``."""
    names = [s.name for s in steps]
    if isinstance(layer, Integral) and not isinstance(layer, bool):
        if not -len(steps) <= layer < len(steps):
            raise ValueError(f"layer index must be in [{-len(steps)}, {len(steps)}) (the spatial "
                             f"layers {names}), got {layer}")
        return int(layer) % len(steps)
    if not isinstance(layer, str):
        raise TypeError(f"layer must be a layer name (str) or an index into the spatial layers "
                        f"{names} (int), got {layer!r}")
    if layer in names:
        return names.index(layer)
    if layer in aliases:
        if aliases[layer] is None:
            raise ValueError(f"layer {layer!r} comes before any convolution or pooling: each of "
                             "its cells sees one input pixel")
        return names.index(aliases[layer])
    if layer in ended:
        raise ValueError(f"layer {layer!r} comes after the spatial part, which ends at "
                         f"{ended[layer]}: it has no grid of cells to trace back")
    raise ValueError(f"layer must be one of the spatial layers {names}, got {layer!r}")


def _back(interval, step, axis):
    """The unclipped span of the layer's input that ``interval`` of its output reads."""
    k, s, d = step.kernel[axis], step.stride[axis], step.dilation[axis]
    p = step.pads[axis][0]
    return interval[0] * s - p, interval[1] * s - p + (k - 1) * d


def _back_exact(cells, step, axis):
    """The real cells of the layer's input that the real output ``cells`` read."""
    k, s, d = step.kernel[axis], step.stride[axis], step.dilation[axis]
    p, n = step.pads[axis][0], step.in_size[axis]
    return sorted({i * s - p + u * d for i in cells for u in range(k)} & set(range(n)))


def _clip(lo, hi, n) -> range:
    return range(max(lo, 0), max(min(hi + 1, n), max(lo, 0)))


def receptive_field(model_or_layers, layer, row: int, col: int, *,
                    input_size=None) -> ReceptiveField:
    """The input region that cell ``(row, col)`` of ``layer``'s output sees.

    Args:
        model_or_layers: a Keras model (a chain of 2-D convolution, pooling, padding,
            cropping and pointwise layers, in either data format; ``Flatten`` /
            ``Dense`` end the spatial part), or a list of :class:`LayerSpec` or
            mappings with the keys ``kernel``, ``stride``, ``dilation``, ``padding``
            (and optionally ``name``, ``kind``).
        layer: a layer name, or an index into the spatial layers (``-1`` = the
            deepest). A pointwise layer's name means the spatial layer before it.
        row, col: the cell in that layer's ``(H', W')`` output.
        input_size: the image's ``(H, W)`` (an int for a square): needed for a list
            of layers; for a model it is read from ``model.input_shape``.

    Returns:
        a :class:`ReceptiveField`: the region clipped and unclipped, the exact
        pixels, the recurrence steps and the region at every level.
    """
    steps, aliases, ended = _chain(model_or_layers, input_size)
    index = _pick(steps, aliases, ended, layer)
    steps = steps[: index + 1]
    out_hw = steps[-1].out_size
    cell = []
    for name, value, n in (("row", row, out_hw[0]), ("col", col, out_hw[1])):
        if not isinstance(value, Integral) or isinstance(value, bool):
            raise TypeError(f"{name} must be an int, got {value!r}")
        if not 0 <= value < n:
            raise ValueError(f"{name} must be in [0, {n}) for layer {steps[-1].name!r} whose "
                             f"output is {out_hw[0]}x{out_hw[1]}, got {value}")
        cell.append(int(value))

    spans = [(c, c) for c in cell]
    exact = [[c] for c in cell]
    levels = [FieldLevel(steps[-1].name, out_hw, range(cell[0], cell[0] + 1),
                         range(cell[1], cell[1] + 1), range(cell[0], cell[0] + 1),
                         range(cell[1], cell[1] + 1), (cell[0],), (cell[1],))]
    for position in range(len(steps) - 1, -1, -1):
        step = steps[position]
        spans = [_back(spans[a], step, a) for a in (0, 1)]
        exact = [_back_exact(exact[a], step, a) for a in (0, 1)]
        n_hw = step.in_size
        unclipped = [range(lo, hi + 1) for lo, hi in spans]
        clipped = [_clip(lo, hi, n) for (lo, hi), n in zip(spans, n_hw)]
        levels.append(FieldLevel("input" if position == 0 else steps[position - 1].name, n_hw,
                                 unclipped[0], unclipped[1], clipped[0], clipped[1],
                                 tuple(exact[0]), tuple(exact[1])))
    return ReceptiveField(layer=steps[-1].name, row=cell[0], col=cell[1], steps=tuple(steps),
                          levels=tuple(reversed(levels)))
