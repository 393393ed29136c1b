"""Everything the Manim scenes draw, computed by the convviz core and nothing else.

A scene in :mod:`convviz.scenes` is layout and motion only: every number it writes and every
pixel of a filter or feature map it shows comes from one of the builders below,
which call :func:`convviz.trace_conv2d`, :func:`convviz.conv2d`,
:func:`convviz.max_pool2d`, :func:`convviz.inspect.feature_maps` / ``filters`` or
the model's ``predict``. The builders import neither Manim nor TensorFlow, so tests
can check the numbers a scene will draw without rendering anything.

Array conventions: single-channel arrays are ``(H, W)``; stacks of channels are
channels first ``(C, H, W)``, the way a filter is drawn (a stack of kernels).
"""
from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .conv import conv2d, max_pool2d, resolve_padding
from .trace import trace_conv2d

__all__ = [
    "format_number",
    "format_padding",
    "format_stride",
    "SlideStep",
    "KernelSlideData",
    "kernel_slide_data",
    "ChannelStep",
    "MultiChannelData",
    "multi_channel_data",
    "FiltersData",
    "filters_data",
    "PoolStep",
    "PoolingData",
    "pooling_data",
    "to_pixels",
    "LearnedFiltersData",
    "learned_filters_data",
    "PipelineStage",
    "PipelineData",
    "pipeline_data",
    "split_steps",
    "test_digit",
    "build",
]


# --------------------------------------------------------------------------- helpers
def format_number(value, decimals: int = 2) -> str:
    """How a scene writes a number: integers as integers, others rounded.

    ``-0`` is written ``0``; the minus sign is U+2212 so it is as wide as a plus.

    >>> format_number(12.0), format_number(-3), format_number(0.126)
    ('12', '−3', '0.13')
    """
    value = float(value)
    if value.is_integer():
        text = str(int(value))
    else:
        text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
        if text in ("-0", "0"):
            text = "0"
    return text.replace("-", "\u2212")


def format_padding(padding) -> str:
    """How a scene names a padding: ``padding "same"``, ``padding 1``, ...

    >>> format_padding("valid"), format_padding(2)
    ('padding "valid"', 'padding 2')
    """
    return f'padding "{padding}"' if isinstance(padding, str) else f"padding {padding}"


def format_stride(strides) -> str:
    """How a scene names a stride: one number when both axes agree.

    >>> format_stride((2, 2)), format_stride((2, 1))
    ('stride 2', 'stride (2, 1)')
    """
    sh, sw = strides
    return f"stride {sh}" if sh == sw else f"stride {(sh, sw)}"


def split_steps(n_steps: int, detailed: int, fast: int) -> tuple[range, range, range]:
    """Split ``n_steps`` into (step-by-step, quick, batched-at-once) index ranges.

    Long traces animate the first ``detailed`` positions in full, the next ``fast``
    ones quickly, and write the rest all at once, so every output cell is filled.
    """
    for name, value in (("n_steps", n_steps), ("detailed", detailed), ("fast", fast)):
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be an int >= 0, got {value!r}")
    a = min(detailed, n_steps)
    b = min(a + fast, n_steps)
    return range(0, a), range(a, b), range(b, n_steps)


def _as_2d(value, name: str) -> np.ndarray:
    array = np.asarray(value)
    if array.ndim != 2:
        raise ValueError(f"{name} must be 2-D (H, W), got shape {array.shape}")
    return array


def _padding_mask(shape_hw, pads) -> np.ndarray:
    """``(H + top + bottom, W + left + right)`` bool, True on padded cells."""
    (top, bottom), (left, right) = pads
    h, w = shape_hw
    mask = np.ones((h + top + bottom, w + left + right), dtype=bool)
    mask[top: top + h, left: left + w] = False
    return mask


# --------------------------------------------------------------------------- KernelSlide
@dataclass(frozen=True)
class SlideStep:
    """One kernel position: the window (in padded coordinates) and its numbers.

    ``window``, ``products`` and ``is_padding`` are ``(kh, kw)``; ``top``/``left``
    index the window's top-left cell in the *padded* input.
    """

    index: int
    out_row: int
    out_col: int
    top: int
    left: int
    window: np.ndarray
    products: np.ndarray
    is_padding: np.ndarray
    total: float


@dataclass(frozen=True)
class KernelSlideData:
    """A single-channel convolution laid out for drawing.

    Attributes:
        input: ``(H, W)``; padded_input: ``(Hp, Wp)`` with the zeros added;
        padding_mask: ``(Hp, Wp)`` True on padded cells; kernel: ``(kh, kw)``;
        bias: the bias added to each sum; strides: ``(sh, sw)``;
        pads: ``((top, bottom), (left, right))``; padding: the padding as requested;
        output: ``(H', W')`` equal to ``convviz.conv2d``; steps: one per output cell.
    """

    input: np.ndarray
    padded_input: np.ndarray
    padding_mask: np.ndarray
    kernel: np.ndarray
    bias: float
    strides: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    padding: object
    output: np.ndarray
    steps: tuple[SlideStep, ...]


def kernel_slide_data(x, kernel, *, stride=1, padding="valid", bias=None) -> KernelSlideData:
    """Trace ``conv2d(x, kernel)`` for a ``(H, W)`` input and ``(kh, kw)`` kernel."""
    x = _as_2d(x, "x")
    kernel = _as_2d(kernel, "kernel")
    trace = trace_conv2d(x, kernel, bias, strides=stride, padding=padding)
    (top, _), (left, _) = trace.pads
    steps = tuple(
        SlideStep(
            index=s.index, out_row=s.out_row, out_col=s.out_col,
            top=s.rows[0] + top, left=s.cols[0] + left,
            window=s.window_values[0], products=s.products[0],
            is_padding=s.is_padding, total=s.total,
        )
        for s in trace.steps
    )
    return KernelSlideData(
        input=trace.input[0, 0], padded_input=trace.padded_input[0, 0],
        padding_mask=_padding_mask(x.shape, trace.pads), kernel=trace.kernel[0, 0],
        bias=float(trace.bias[0]), strides=trace.strides, pads=trace.pads,
        padding=padding, output=trace.output, steps=steps,
    )


# --------------------------------------------------------------------------- MultiChannelSum
@dataclass(frozen=True)
class ChannelStep:
    """One output position of a multi-channel convolution.

    ``channel_sums`` is ``(C,)``: entry ``c`` is the value of channel ``c``'s partial
    map at ``(out_row, out_col)``; ``total = channel_sums.sum() + bias``.
    """

    index: int
    out_row: int
    out_col: int
    top: int
    left: int
    channel_sums: np.ndarray
    bias: float
    total: float


@dataclass(frozen=True)
class MultiChannelData:
    """ONE filter over a ``(C, H, W)`` input.

    Attributes:
        input: ``(C, H, W)``; padded_input: ``(C, Hp, Wp)``; padding_mask ``(Hp, Wp)``;
        kernels: ``(C, kh, kw)``, one kernel per input channel (= the filter);
        bias: float; strides, pads, padding as for KernelSlideData;
        partials: ``(C, H', W')``, channel ``c`` convolved with kernel ``c``;
        output: ``(H', W')`` = sum of the partials + bias; steps: one per output cell.
    """

    input: np.ndarray
    padded_input: np.ndarray
    padding_mask: np.ndarray
    kernels: np.ndarray
    bias: float
    strides: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    padding: object
    partials: np.ndarray
    output: np.ndarray
    steps: tuple[ChannelStep, ...]


def multi_channel_data(x, kernels, bias=0, *, stride=1, padding="valid") -> MultiChannelData:
    """Trace one filter ``kernels`` ``(C, kh, kw)`` over ``x`` ``(C, H, W)`` plus ``bias``."""
    x, kernels = np.asarray(x), np.asarray(kernels)
    if x.ndim != 3:
        raise ValueError(f"x must be 3-D (C, H, W), got shape {x.shape}")
    if kernels.ndim != 3:
        raise ValueError(f"kernels must be 3-D (C, kh, kw), got shape {kernels.shape}")
    if kernels.shape[0] != x.shape[0]:
        raise ValueError(
            f"kernels must have one kernel per input channel: x has {x.shape[0]} channels, "
            f"kernels has {kernels.shape[0]}"
        )
    bias = np.asarray(bias).reshape(1)
    trace = trace_conv2d(x[None], kernels.transpose(1, 2, 0)[..., None], bias,
                         strides=stride, padding=padding, data_format="channels_first")
    (top, _), (left, _) = trace.pads
    steps = tuple(
        ChannelStep(index=s.index, out_row=s.out_row, out_col=s.out_col,
                    top=s.rows[0] + top, left=s.cols[0] + left,
                    channel_sums=s.channel_sums, bias=s.bias, total=s.total)
        for s in trace.steps
    )
    out_h, out_w = trace.output_size
    partials = np.zeros((x.shape[0], out_h, out_w), dtype=trace.feature_maps.dtype)
    for s in trace.steps:
        partials[:, s.out_row, s.out_col] = s.channel_sums
    return MultiChannelData(
        input=trace.input[0], padded_input=trace.padded_input[0],
        padding_mask=_padding_mask(x.shape[1:], trace.pads), kernels=trace.kernel[0],
        bias=float(trace.bias[0]), strides=trace.strides, pads=trace.pads, padding=padding,
        partials=partials, output=trace.feature_maps[0, 0], steps=steps,
    )


# --------------------------------------------------------------------------- FiltersAndKernels
@dataclass(frozen=True)
class FiltersData:
    """N filters over a ``(C, H, W)`` input give N feature maps.

    Attributes:
        input: ``(C, H, W)``; filters: ``(N, C, kh, kw)``, filter ``f`` is a stack of
        ``C`` 2-D kernels; bias: ``(N,)``; strides, padding, pads as for
        KernelSlideData; feature_maps: ``(N, H', W')``, one per filter;
        partials: ``(N, C, H', W')``, input channel ``c`` convolved with kernel ``c``
        of filter ``f`` (no bias), so ``feature_maps == partials.sum(1) + bias``.
    """

    input: np.ndarray
    filters: np.ndarray
    bias: np.ndarray
    strides: tuple[int, int]
    padding: object
    pads: tuple[tuple[int, int], tuple[int, int]]
    feature_maps: np.ndarray
    partials: np.ndarray


def filters_data(x, filters, bias=None, *, stride=1, padding="valid") -> FiltersData:
    """``conv2d`` of ``x`` ``(C, H, W)`` with ``filters`` ``(N, C, kh, kw)``."""
    x, filters = np.asarray(x), np.asarray(filters)
    if x.ndim != 3:
        raise ValueError(f"x must be 3-D (C, H, W), got shape {x.shape}")
    if filters.ndim != 4 or filters.shape[1] != x.shape[0]:
        raise ValueError(
            f"filters must be 4-D (N, C, kh, kw) with C = {x.shape[0]} (the input's "
            f"channels), got shape {filters.shape}"
        )
    bias = np.zeros(filters.shape[0], dtype=filters.dtype) if bias is None else np.asarray(bias)
    kernel = filters.transpose(2, 3, 1, 0)                     # (kh, kw, C, N)
    maps = conv2d(x[None], kernel, bias, strides=stride, padding=padding,
                  data_format="channels_first")[0]
    partials = np.stack([
        np.stack([conv2d(x[c], filters[f, c], strides=stride, padding=padding)
                  for c in range(x.shape[0])])
        for f in range(filters.shape[0])])
    strides = (stride, stride) if isinstance(stride, Integral) else tuple(stride)
    return FiltersData(input=x, filters=filters, bias=bias, strides=strides, padding=padding,
                       pads=resolve_padding(padding, x.shape[1:], filters.shape[2:], strides),
                       feature_maps=maps, partials=partials)


# --------------------------------------------------------------------------- Pooling
@dataclass(frozen=True)
class PoolStep:
    """One pooling window: ``top``/``left`` in padded coordinates, the winning cell
    ``(win_row, win_col)`` (padded coordinates) and the pooled ``value``.

    ``window`` holds the input values the window covers, row by row, without the
    padded cells (TensorFlow's "same" pooling ignores them; they never win).
    """

    index: int
    out_row: int
    out_col: int
    top: int
    left: int
    win_row: int
    win_col: int
    value: float
    window: tuple = ()


@dataclass(frozen=True)
class PoolingData:
    """Max pooling of a ``(H, W)`` feature map.

    Attributes:
        input: ``(H, W)``; padding_mask: ``(Hp, Wp)`` True on padded cells (they
        never win); padded_input: ``(Hp, Wp)``, the input placed inside the padding
        (the padded cells hold 0 but are not drawn); pool_size, strides: pairs; pads: ``((top, bottom), (left, right))``;
        output: ``(H', W')`` equal to ``convviz.max_pool2d``; steps: one per window.
    """

    input: np.ndarray
    padding_mask: np.ndarray
    pool_size: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[tuple[int, int], tuple[int, int]]
    padding: str
    output: np.ndarray
    steps: tuple[PoolStep, ...]
    padded_input: np.ndarray | None = None


def pooling_data(x, pool_size=2, stride=None, padding="valid") -> PoolingData:
    """``max_pool2d(x, pool_size, stride, padding)`` with each window located."""
    x = _as_2d(x, "x")
    output = max_pool2d(x, pool_size, stride, padding)
    pool = (pool_size, pool_size) if isinstance(pool_size, Integral) else tuple(pool_size)
    strides = pool if stride is None else (
        (stride, stride) if isinstance(stride, Integral) else tuple(stride))
    pads = resolve_padding(padding, x.shape, pool, strides)
    (top, _), (left, _) = pads
    steps = []
    for i in range(output.shape[0]):
        for j in range(output.shape[1]):
            r0, c0 = i * strides[0], j * strides[1]          # padded coordinates
            winner, window = None, []
            for u in range(pool[0]):
                for v in range(pool[1]):
                    r, c = r0 + u - top, c0 + v - left      # unpadded coordinates
                    inside = 0 <= r < x.shape[0] and 0 <= c < x.shape[1]
                    if inside:
                        window.append(x[r, c].item())
                    if inside and x[r, c] == output[i, j] and winner is None:
                        winner = (r0 + u, c0 + v)
            steps.append(PoolStep(index=len(steps), out_row=i, out_col=j, top=r0, left=c0,
                                  win_row=winner[0], win_col=winner[1],
                                  value=output[i, j].item(), window=tuple(window)))
    return PoolingData(input=x, padding_mask=_padding_mask(x.shape, pads), pool_size=pool,
                       strides=strides, pads=pads, padding=padding, output=output,
                       steps=tuple(steps), padded_input=np.pad(x, pads))


# --------------------------------------------------------------------------- images
def to_pixels(values, *, symmetric: bool = False, limits=None) -> np.ndarray:
    """Map an array to ``uint8`` grey levels for an image mobject (display only).

    ``symmetric=False`` stretches ``[min, max]`` (or ``limits=(lo, hi)``) to
    ``[0, 255]``; ``symmetric=True`` maps ``[-m, m]`` (``m = max |value|``) so that
    0 is mid-grey, for signed weights. A constant array becomes black (or mid-grey
    when symmetric).
    """
    values = np.asarray(values, dtype=np.float64)
    if symmetric:
        m = np.abs(values).max()
        scaled = np.full(values.shape, 0.5) if m == 0 else 0.5 + values / (2 * m)
    else:
        lo, hi = (values.min(), values.max()) if limits is None else limits
        scaled = np.zeros(values.shape) if hi == lo else (values - lo) / (hi - lo)
    return np.round(np.clip(scaled, 0, 1) * 255).astype(np.uint8)


def _model_input(digit_u8: np.ndarray, model) -> np.ndarray:
    from .data import to_model_input

    return to_model_input(np.asarray(digit_u8)[None], model)


# --------------------------------------------------------------------------- LearnedFilters
@dataclass(frozen=True)
class LearnedFiltersData:
    """A model's first convolution, its filters and what they make of one digit.

    Attributes:
        digit: ``(28, 28)`` uint8; label: its true class;
        model_name: the Keras model's name; data_format: its conv layer's
        (``"channels_last"`` or ``"channels_first"``);
        conv_layer, pool_layer: layer names; conv_padding: the conv layer's padding;
        filters: ``(F, kh, kw)`` the first layer's kernels (single input channel);
        bias: ``(F,)`` their biases (zeros if the layer has none);
        feature_maps: ``(F, H, W)`` the conv layer's output for the digit;
        pooled: ``(F, H/2, W/2)`` the pooling layer's output;
        input_shape, map_shape, pooled_shape: the per-image shapes as Keras gives
        them in the model's data format, e.g. ``(28, 28, 32)`` channels_last (the
        arrays above are channels first whatever the format, to be drawn);
        pool_size: the pooling window.

    The ``*_pixels`` properties are the grey levels the scene shows (display only):
    filters with 0 as mid-grey, each feature map stretched to its own ``[0, max]``
    and its pooled map on the same scale, so a pooled pixel is as bright as the
    brightest pixel of its window.
    """

    digit: np.ndarray
    label: int | None
    model_name: str
    data_format: str
    conv_layer: str
    pool_layer: str
    conv_padding: str
    filters: np.ndarray
    bias: np.ndarray
    feature_maps: np.ndarray
    pooled: np.ndarray
    input_shape: tuple[int, ...]
    map_shape: tuple[int, ...]
    pooled_shape: tuple[int, ...]
    pool_size: tuple[int, int]

    @property
    def filter_pixels(self) -> np.ndarray:
        return np.stack([to_pixels(k, symmetric=True) for k in self.filters])

    def _limits(self, k: int):
        return (min(0.0, float(self.feature_maps[k].min())), float(self.feature_maps[k].max()))

    @property
    def map_pixels(self) -> np.ndarray:
        return np.stack([to_pixels(m, limits=self._limits(k))
                         for k, m in enumerate(self.feature_maps)])

    @property
    def pooled_pixels(self) -> np.ndarray:
        return np.stack([to_pixels(m, limits=self._limits(k)) for k, m in enumerate(self.pooled)])


def _channels_first(maps: np.ndarray, data_format: str) -> np.ndarray:
    """``(H, W, C)`` or ``(C, H, W)`` of one image as ``(C, H, W)``."""
    return maps if data_format == "channels_first" else maps.transpose(2, 0, 1)


def learned_filters_data(model, digit, label=None, *, conv_layer=None,
                         pool_layer=None) -> LearnedFiltersData:
    """The first conv layer's filters and the digit's feature maps before/after pooling.

    ``digit`` is a ``(28, 28)`` uint8 image. ``conv_layer`` defaults to the model's
    first convolution and ``pool_layer`` to the layer right after it.
    """
    from .inspect import conv_layers, feature_maps, filters

    digit = np.asarray(digit)
    if digit.ndim != 2:
        raise ValueError(f"digit must be a 2-D (H, W) image, got shape {digit.shape}")
    infos = conv_layers(model)
    if not infos:
        raise ValueError(f"model {model.name!r} has no convolution layer")
    info = infos[0] if conv_layer is None else next(
        (i for i in infos if i.name == conv_layer), None)
    if info is None:
        raise ValueError(f"conv_layer {conv_layer!r} is not one of {[i.name for i in infos]}")
    if pool_layer is None:
        pool_layer = model.layers[info.index + 1].name
    kernel, bias = filters(model, info.name)                    # (kh, kw, 1, F), (F,)
    if kernel.shape[2] != 1:
        raise ValueError(f"{info.name} has {kernel.shape[2]} input channels; "
                         "LearnedFilters draws a first layer (1 input channel)")
    maps = feature_maps(model, _model_input(digit, model), layers=[info.name, pool_layer])
    conv_out, pool_out = np.asarray(maps[info.name])[0], np.asarray(maps[pool_layer])[0]
    pool = getattr(model.get_layer(pool_layer), "pool_size", None) or (1, 1)
    return LearnedFiltersData(
        digit=digit, label=None if label is None else int(label),
        model_name=model.name, data_format=info.data_format,
        conv_layer=info.name, pool_layer=pool_layer, conv_padding=info.padding,
        filters=np.asarray(kernel)[:, :, 0, :].transpose(2, 0, 1),
        bias=np.zeros(kernel.shape[-1]) if bias is None else np.asarray(bias),
        feature_maps=_channels_first(conv_out, info.data_format),
        pooled=_channels_first(pool_out, info.data_format),
        input_shape=tuple(int(d) for d in model.input_shape[1:]),
        map_shape=tuple(int(d) for d in conv_out.shape),
        pooled_shape=tuple(int(d) for d in pool_out.shape),
        pool_size=tuple(int(p) for p in pool),
    )


# --------------------------------------------------------------------------- CNNPipeline
@dataclass(frozen=True)
class PipelineStage:
    """One layer's output for one digit.

    ``shape`` is the per-image output shape as Keras reports it (no batch axis);
    ``maps`` is ``(C, H, W)`` for spatial outputs (channels first whatever the data
    format) and ``(units,)`` for flat ones. ``activation`` is the activation the
    layer applies (``"relu"``, ``"softmax"``; None for none/linear); ``window`` the
    kernel size of a convolution or the pool size of a pooling layer, else None.
    """

    name: str
    kind: str
    shape: tuple[int, ...]
    maps: np.ndarray
    activation: str | None = None
    window: tuple[int, int] | None = None


@dataclass(frozen=True)
class PipelineData:
    """A digit through a model: the input, each layer's output and the prediction.

    Attributes:
        digit: ``(28, 28)`` uint8; label: true class or None;
        model_name: the Keras model's name; data_format: the format of its spatial
        layers (the shapes below follow it);
        input_shape: the model's per-image input shape, e.g. ``(1, 28, 28)``;
        stages: one :class:`PipelineStage` per layer that changes the shape or
        applies weights (dropout, which is the identity at inference, is left out);
        probabilities: ``(10,)`` the model's ``predict``; predicted: argmax class.
        shown: the stages as the scene draws them: an activation layer is merged
        into the layer before it (``conv1`` + ``relu1`` is one stage named
        ``"conv1 + relu1"`` holding the activation's output), so the shapes read
        ``(32, 28, 28) -> (32, 14, 14) -> ... -> 10`` as in the article.
    """

    digit: np.ndarray
    label: int | None
    model_name: str
    data_format: str
    input_shape: tuple[int, ...]
    stages: tuple[PipelineStage, ...]
    probabilities: np.ndarray
    predicted: int

    @property
    def shown(self) -> tuple[PipelineStage, ...]:
        merged: list[PipelineStage] = []
        for stage in self.stages:
            if stage.kind == "activation" and merged and merged[-1].shape == stage.shape:
                prev = merged[-1]
                merged[-1] = PipelineStage(name=f"{prev.name} + {stage.name}", kind=prev.kind,
                                           shape=stage.shape, maps=stage.maps,
                                           activation=stage.activation, window=prev.window)
            else:
                merged.append(stage)
        return tuple(merged)


def _activation(layer) -> str | None:
    function = getattr(layer, "activation", None)
    name = getattr(function, "__name__", None)
    return None if name in (None, "linear") else name


def _layer_kind(layer) -> str:
    kind = type(layer).__name__
    return {"Conv2D": "conv", "MaxPooling2D": "pool", "AveragePooling2D": "pool",
            "Flatten": "flatten", "Dense": "dense"}.get(kind, kind.lower())


def pipeline_data(model, digit, label=None) -> PipelineData:
    """Run ``digit`` ``(28, 28)`` uint8 through ``model`` and keep every stage."""
    from .inspect import feature_maps

    digit = np.asarray(digit)
    if digit.ndim != 2:
        raise ValueError(f"digit must be a 2-D (H, W) image, got shape {digit.shape}")
    x = _model_input(digit, model)
    layers = [layer for layer in model.layers if _layer_kind(layer) != "dropout"
              and type(layer).__name__ != "InputLayer"]
    outputs = feature_maps(model, x, layers=[layer.name for layer in layers])
    probabilities = np.asarray(model.predict(x, verbose=0))[0]
    stages = []
    for layer in layers:
        out = np.asarray(outputs[layer.name])[0]
        fmt = getattr(layer, "data_format", None)
        if fmt is None:  # Flatten / Dense: follow the last spatial layer's layout
            fmt = "channels_first" if out.ndim == 3 and stages and stages[-1].shape == out.shape else "channels_last"
        maps = _channels_first(out, fmt) if out.ndim == 3 else out
        window = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        stages.append(PipelineStage(name=layer.name, kind=_layer_kind(layer),
                                    shape=tuple(int(d) for d in out.shape), maps=maps,
                                    activation=_activation(layer),
                                    window=None if window is None else tuple(int(k) for k in window)))
    formats = [layer.data_format for layer in layers if hasattr(layer, "data_format")]
    return PipelineData(
        digit=digit, label=None if label is None else int(label),
        model_name=model.name, data_format=formats[0] if formats else "channels_last",
        input_shape=tuple(int(d) for d in model.input_shape[1:]),
        stages=tuple(stages), probabilities=probabilities,
        predicted=int(np.argmax(probabilities)),
    )


# --------------------------------------------------------------------------- by scene
def test_digit(index: int = 0) -> tuple[np.ndarray, int]:
    """``(image (28, 28) uint8, label)`` of MNIST test digit ``index``."""
    from .data import load_mnist

    _, (x_test, y_test) = load_mnist()
    if not 0 <= index < len(x_test):
        raise ValueError(f"digit_index must be in [0, {len(x_test)}), got {index}")
    return x_test[index], int(y_test[index])


def build(scene: str, config, model=None):
    """The data object scene ``scene`` draws for a resolved ``config``
    (:func:`convviz.render.resolve_config`).

    The model scenes use ``model`` when given (tests pass an untrained one) and
    otherwise ``convviz.train.load_trained(config.model, epochs=config.epochs,
    n_train=config.n_train)`` (cached; trained on first use).
    """
    from . import family_data

    if scene in family_data.SCENES:
        return family_data.build(scene, config, model=model)
    c = config
    if scene.startswith("KernelSlide"):
        return kernel_slide_data(c.input, c.kernel, stride=c.stride, padding=c.padding,
                                 bias=None if c.bias is None else np.asarray(c.bias).reshape(()))
    if scene == "MultiChannelSum":
        return multi_channel_data(c.input, c.kernel, 0 if c.bias is None else c.bias,
                                  stride=c.stride, padding=c.padding)
    if scene == "FiltersAndKernels":
        return filters_data(c.input, c.kernel, c.bias, stride=c.stride, padding=c.padding)
    if scene.startswith("Pooling"):
        return pooling_data(c.input, c.pool_size, c.stride, c.padding)
    if scene in ("LearnedFilters", "CNNPipeline"):
        if model is None:
            from .train import load_trained

            model = load_trained(c.model, epochs=c.epochs, n_train=c.n_train, verbose=0)
        digit, label = test_digit(c.digit_index)
        if scene == "LearnedFilters":
            return learned_filters_data(model, digit, label)
        return pipeline_data(model, digit, label)
    raise ValueError(f"no scene data for scene {scene!r}")
