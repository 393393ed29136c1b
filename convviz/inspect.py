"""Learned filters and feature maps of any Keras 3 model with ``Conv2D`` layers.

Works for Sequential and functional models, ``channels_last`` and
``channels_first``, ours or anyone's::

    from convviz.inspect import conv_layers, filters, feature_maps
    conv_layers(model)                     # [ConvLayerInfo(name='conv1', ...), ...]
    kernel, bias = filters(model, "conv1")  # (kh, kw, C_in, C_out), (C_out,)
    maps = feature_maps(model, x)           # {"conv1": (N, 28, 28, 32), "pool1": ...}

A layer is named by its name or by its position among the convolution layers
(``0`` is the first ``Conv2D``, ``-1`` the last). Feature maps come from ONE Keras
sub-model ``keras.Model(model.inputs, [layer.output, ...])`` run batch by batch,
so the numbers are exactly what the model computes, in the layer's own data
format (``(N, H, W, C)`` or ``(N, C, H, W)``).

Only the model's own (top-level) layers are searched; a model nested inside
another is inspected by passing it directly: ``conv_layers(model.get_layer("base"))``.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from ._extras import require, require_extras

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
require_extras("convviz.inspect", "keras")        # checked now, imported when used

__all__ = [
    "ConvLayerInfo",
    "conv_layers",
    "filters",
    "feature_maps",
    "default_map_layers",
]


def _keras():
    return require("keras", "keras", "convviz.inspect")   # deferred: TensorFlow takes seconds


@dataclass(frozen=True)
class ConvLayerInfo:
    """One ``Conv2D`` layer of a model, described with plain values.

    Attributes:
        name: the layer's name.
        index: position among the model's ``Conv2D`` layers (0 = first).
        model_index: position in ``model.layers``.
        kernel_shape: ``(kh, kw, C_in // groups, C_out)``, Keras' kernel layout.
        strides, dilation_rate: ``(h, w)`` pairs.
        padding: ``"valid"`` or ``"same"``.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        activation: the activation's name (``"relu"``, ``"linear"``...).
        use_bias: whether the layer adds a bias.
        groups: Keras' grouped-convolution count (1 for an ordinary convolution).
        output_shape: the layer's output shape with ``None`` for the batch, if known.
        layer: the Keras layer itself.
    """

    name: str
    index: int
    model_index: int
    kernel_shape: tuple[int, int, int, int]
    strides: tuple[int, int]
    padding: str
    data_format: str
    dilation_rate: tuple[int, int]
    activation: str
    use_bias: bool
    groups: int
    output_shape: tuple | None
    layer: object = field(repr=False, compare=False)

    @property
    def filters(self) -> int:
        """Number of filters, i.e. output channels."""
        return self.kernel_shape[3]

    @property
    def conv_kwargs(self) -> dict:
        """The keyword arguments of :func:`convviz.conv2d` that reproduce this layer."""
        return {"strides": self.strides, "padding": self.padding,
                "dilation_rate": self.dilation_rate, "data_format": self.data_format}


def _is_model(obj) -> bool:
    keras = _keras()
    return isinstance(obj, keras.Model)


def _check_model(model) -> None:
    if not _is_model(model):
        raise TypeError(f"model must be a keras.Model, got {type(model).__name__}")


def _check_built(model) -> None:
    if not model.built:
        raise ValueError(
            f"model {model.name!r} is not built yet, so its layers have no weights; "
            "call model.build(input_shape) or run it on a batch first "
            "(or give the Sequential model a keras.Input)"
        )


def _activation_name(layer) -> str:
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", str(activation))


def _shape_or_none(layer):
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):  # never called, or called more than once
        return None


def _nested_hint(model) -> str:
    nested = [layer.name for layer in model.layers if _is_model(layer)]
    if not nested:
        return ""
    names = ", ".join(repr(n) for n in nested)
    return (f"; it contains the nested model(s) {names}: inspect one with "
            f"model.get_layer({nested[0]!r})")


def conv_layers(model) -> list[ConvLayerInfo]:
    """The model's ``keras.layers.Conv2D`` layers, in order.

    Raises:
        TypeError: ``model`` is not a ``keras.Model``.
        ValueError: the model is not built, or has no ``Conv2D`` layer.
    """
    keras = _keras()
    _check_model(model)
    _check_built(model)
    infos = []
    for model_index, layer in enumerate(model.layers):
        if not isinstance(layer, keras.layers.Conv2D):
            continue
        infos.append(ConvLayerInfo(
            name=layer.name,
            index=len(infos),
            model_index=model_index,
            kernel_shape=tuple(int(n) for n in layer.kernel.shape),
            strides=tuple(layer.strides),
            padding=layer.padding,
            data_format=layer.data_format,
            dilation_rate=tuple(layer.dilation_rate),
            activation=_activation_name(layer),
            use_bias=bool(layer.use_bias),
            groups=int(getattr(layer, "groups", 1)),
            output_shape=_shape_or_none(layer),
            layer=layer,
        ))
    if not infos:
        kinds = sorted({type(layer).__name__ for layer in model.layers})
        raise ValueError(
            f"model {model.name!r} has no Conv2D layer (its layers are: "
            f"{', '.join(kinds) or 'none'}){_nested_hint(model)}"
        )
    return infos


def _describe(infos) -> str:
    return ", ".join(f"{i.index}: {i.name!r} {i.kernel_shape}" for i in infos)


def conv_layer(model, layer) -> ConvLayerInfo:
    """The :class:`ConvLayerInfo` of ``layer``: a name, an index among the conv
    layers (negative counts from the end), a ``ConvLayerInfo`` or the layer object."""
    infos = conv_layers(model)
    if isinstance(layer, ConvLayerInfo):
        layer = layer.name
    if isinstance(layer, bool) or not isinstance(layer, (str, int, np.integer)):
        if any(layer is info.layer for info in infos):
            return next(info for info in infos if layer is info.layer)
        raise TypeError(
            f"layer must be a conv layer's name (str) or its index among the conv layers "
            f"(int), got {type(layer).__name__}: {layer!r}; conv layers: {_describe(infos)}"
        )
    if isinstance(layer, str):
        for info in infos:
            if info.name == layer:
                return info
        raise ValueError(
            f"no Conv2D layer named {layer!r} in model {model.name!r}; "
            f"conv layers (index: name kernel shape): {_describe(infos)}"
        )
    n = len(infos)
    if not -n <= int(layer) < n:
        raise ValueError(
            f"conv layer index {int(layer)} is out of range: model {model.name!r} has {n} "
            f"Conv2D layer(s) (index: name kernel shape): {_describe(infos)}"
        )
    return infos[int(layer)]


def filters(model, layer=0) -> tuple[np.ndarray, np.ndarray | None]:
    """The learned weights of one ``Conv2D`` layer, as numpy arrays.

    Args:
        model: a built ``keras.Model``.
        layer: the conv layer's name or its index among the conv layers (default:
            the first).

    Returns:
        ``(kernel, bias)``: ``kernel`` is ``(kh, kw, C_in, C_out)`` in both data
        formats (filter ``f`` is ``kernel[..., f]``, a stack of ``C_in`` 2-D
        kernels), ``bias`` is ``(C_out,)``, or None for ``use_bias=False``.
    """
    info = conv_layer(model, layer)
    kernel = np.array(info.layer.kernel.numpy())
    bias = np.array(info.layer.bias.numpy()) if info.use_bias else None
    return kernel, bias


def default_map_layers(model) -> list[str]:
    """Names of every ``Conv2D`` and 2-D pooling layer, in model order."""
    keras = _keras()
    _check_model(model)
    kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
    return [layer.name for layer in model.layers if isinstance(layer, kinds)]


def _ensure_graph(model, x):
    """Make sure ``model`` has symbolic inputs; builds an unbuilt Sequential from ``x``."""
    keras = _keras()
    if isinstance(model, keras.Sequential) and not model.built:
        if not isinstance(x, np.ndarray) or x.ndim < 2:
            raise ValueError(
                f"Sequential model {model.name!r} was never built; give it a keras.Input "
                "or pass x as an (N, ...) numpy batch so it can be built from x.shape"
            )
        model.build((None,) + tuple(x.shape[1:]))
    try:
        inputs = model.inputs
    except AttributeError:
        inputs = None
    if not inputs:
        raise ValueError(
            f"feature_maps needs a model with a layer graph (Sequential or functional); "
            f"{type(model).__name__} {model.name!r} has no symbolic inputs (a subclassed "
            "keras.Model cannot expose its intermediate layers)"
        )
    return inputs


def _resolve_map_layer(model, ref):
    keras = _keras()
    if isinstance(ref, ConvLayerInfo):
        return ref.layer
    if isinstance(ref, (int, np.integer)) and not isinstance(ref, bool):
        return conv_layer(model, ref).layer
    if isinstance(ref, str):
        for layer in model.layers:
            if layer.name == ref:
                return layer
        try:
            convs = _describe(conv_layers(model))
        except ValueError:
            convs = "none"
        raise ValueError(
            f"no layer named {ref!r} in model {model.name!r}; conv layers (index: name "
            f"kernel shape): {convs}; conv and pooling layers: {default_map_layers(model)}"
        )
    if isinstance(ref, keras.layers.Layer) and any(ref is layer for layer in model.layers):
        return ref
    raise TypeError(
        f"layers must hold layer names (str), conv-layer indices (int) or layers of "
        f"this model, got {type(ref).__name__}: {ref!r}"
    )


def _check_batch(model, inputs, x):
    expected = tuple(inputs[0].shape)
    if len(inputs) != 1:
        return x  # multi-input models: Keras validates the structure itself
    x = np.asarray(x)
    if x.dtype == object or not (np.issubdtype(x.dtype, np.number) or x.dtype == bool):
        raise TypeError(f"x must be a numeric array, got dtype {x.dtype}")
    fixed = tuple(expected[1:])
    if x.ndim != len(expected) or any(e is not None and e != g for e, g in zip(fixed, x.shape[1:])):
        raise ValueError(
            f"x must be a batch shaped (N, {', '.join('?' if e is None else str(e) for e in fixed)}) "
            f"for the input {expected} of model {model.name!r}, got shape {x.shape}"
            + (" (add a batch axis: x[None])" if x.ndim == len(expected) - 1 else "")
        )
    return x.astype(inputs[0].dtype, copy=False)


def feature_maps(model, x, layers=None, batch_size=256) -> dict[str, np.ndarray]:
    """The activations of some layers for a batch, from one Keras sub-model.

    Args:
        model: a Sequential or functional ``keras.Model`` (an unbuilt Sequential is
            built from ``x.shape``).
        x: the input batch, shaped like ``model.input_shape`` (e.g. ``(N, 28, 28, 1)``)
            and scaled as the model expects.
        layers: layer names (any layer of the model), indices among the conv layers,
            or a single one of those; default: every ``Conv2D`` and 2-D pooling layer.
        batch_size: images per forward pass (bounds the memory for large ``x``).

    Returns:
        ``{layer name: array}`` in model order; each array is the layer's output for
        every image, e.g. ``(N, H, W, C)`` for ``channels_last`` layers and
        ``(N, C, H, W)`` for ``channels_first`` ones.
    """
    keras = _keras()
    _check_model(model)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
    inputs = _ensure_graph(model, np.asarray(x) if not isinstance(x, (list, tuple, dict)) else x)
    if layers is None:
        names = default_map_layers(model)
        if not names:
            conv_layers(model)  # raises the "no Conv2D layer" error
            raise AssertionError("unreachable")
        chosen = [model.get_layer(n) for n in names]
    else:
        refs = [layers] if isinstance(layers, (str, int, np.integer, ConvLayerInfo)) \
            else list(layers)
        if not refs:
            raise ValueError("layers must name at least one layer, got an empty list")
        chosen = []
        for ref in refs:
            layer = _resolve_map_layer(model, ref)
            if all(layer is not c for c in chosen):
                chosen.append(layer)
        order = {id(layer): i for i, layer in enumerate(model.layers)}
        chosen.sort(key=lambda layer: order[id(layer)])

    x = _check_batch(model, inputs, x)
    sub = keras.Model(inputs[0] if len(inputs) == 1 else inputs,
                      [layer.output for layer in chosen])
    if len(inputs) != 1:
        outs = sub.predict(x, batch_size=batch_size, verbose=0)
        outs = outs if isinstance(outs, list) else [outs]
        return {layer.name: np.asarray(o) for layer, o in zip(chosen, outs)}

    parts = [[] for _ in chosen]
    for start in range(0, max(len(x), 1), batch_size):
        outs = sub(x[start:start + batch_size], training=False)
        outs = outs if isinstance(outs, (list, tuple)) else [outs]
        for part, out in zip(parts, outs):
            part.append(np.asarray(out))
    return {layer.name: np.concatenate(part) for layer, part in zip(chosen, parts)}
