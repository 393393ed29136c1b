"""Part 2 of the explorer page: a real Keras network, layer by layer, for a few test digits.

Every value shown comes from Keras: the layers' outputs from one sub-model
(:func:`convviz.inspect.feature_maps`), a convolution's pre-activation and the
logits before a softmax from a linear twin of the layer (same config and weights,
``activation="linear"``) run by Keras on the previous layer's output. The per-channel
sums of a convolution come from the core (:func:`convviz.conv2d`, one input channel
at a time), and the window of every output row and column from
:func:`convviz.trace_conv2d`, so no geometry is re-derived here.

Layouts in the page data: maps are channels first, ``(C, H, W)``, whatever the
layer's data format; a conv layer's kernel is ``(F, C, kh, kw)`` and its channel
sums ``(F, H', W', C)``. Large arrays are float32, base64-encoded
(:func:`encode_f32`) so that the default page stays small.

TensorFlow is imported only when :func:`network_data` runs.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np

from .._extras import require_extras
from ..conv import conv2d
from ..render import _check_int
from ..shapes import explain_shape
from ..trace import trace_conv2d

__all__ = ["MAX_DIGITS", "default_digits", "check_digits", "encode_f32", "network_data"]

MAX_DIGITS = 20            # each digit adds every layer's values to the page
N_TEST = 10000


def encode_f32(array) -> dict:
    """``{"shape", "f32"}``: the array as little-endian float32 bytes in base64."""
    array = np.ascontiguousarray(array, dtype="<f4")
    return {"shape": list(array.shape), "f32": base64.b64encode(array.tobytes()).decode("ascii")}


def default_digits(labels) -> list[int]:
    """The first test image of each class, in class order (one per class)."""
    labels = np.asarray(labels)
    return [int(np.flatnonzero(labels == c)[0]) for c in np.unique(labels)]


def check_digits(digits) -> list[int]:
    """``digits`` as a list of MNIST test indices (ints in [0, 9999], 1 to MAX_DIGITS)."""
    if isinstance(digits, (int, np.integer)) and not isinstance(digits, bool):
        digits = [digits]
    if not isinstance(digits, (list, tuple)) or not 1 <= len(digits) <= MAX_DIGITS:
        raise ValueError(f"digits must be 1 to {MAX_DIGITS} MNIST test indices, got {digits!r}")
    checked = [_check_int(d, "digits", 0) for d in digits]
    too_big = [d for d in checked if d >= N_TEST]
    if too_big:
        raise ValueError(f"digits must be MNIST test indices in [0, {N_TEST - 1}], got {too_big}")
    return checked


# --------------------------------------------------------------------------- images
def _png(rgb_or_gray: np.ndarray) -> str:
    """A data: URI of a PNG of an ``(H, W)`` or ``(H, W, 3)`` uint8 array."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb_or_gray).save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _map_images(chw: np.ndarray, cmap: str) -> tuple[list[str], list[float]]:
    """One PNG per channel of ``(C, H, W)`` values, on one shared scale ``[lo, hi]``."""
    from matplotlib import colormaps

    lo, hi = float(chw.min()), float(chw.max())
    unit = (chw - lo) / (hi - lo) if hi > lo else np.zeros_like(chw, dtype=float)
    if cmap == "gray":
        pixels = np.round(unit * 255).astype(np.uint8)
    else:
        pixels = np.round(colormaps[cmap](unit)[..., :3] * 255).astype(np.uint8)
    return [_png(p) for p in pixels], [lo, hi]


def _legend(cmap: str) -> str:
    """A horizontal colour bar (low to high) as a PNG data URI."""
    from matplotlib import colormaps

    ramp = np.linspace(0, 1, 128)[None, :].repeat(8, axis=0)
    return _png(np.round(colormaps[cmap](ramp)[..., :3] * 255).astype(np.uint8))


# --------------------------------------------------------------------------- layers
@dataclass
class _Layer:
    """One layer of the page: what it is, where its input comes from, how to show it."""

    name: str
    kind: str            # input, conv, pool, activation, dense, flatten, dropout, other
    layer: object
    source: str | None   # the layer whose output it reads ("input" = the model input)
    static: dict         # JSON-ready facts shared by every digit


def _sources(model, keras) -> dict[str, str | None]:
    """Layer name -> the layer whose output it reads ("input": the model's input), or
    None if it reads several tensors. A Sequential model is a chain; a functional
    model's config names each layer's inbound tensors (``keras_history``)."""
    inputs = {layer.name for layer in model.layers if isinstance(layer, keras.layers.InputLayer)}
    if isinstance(model, keras.Sequential):
        names = ["input"] + [layer.name for layer in model.layers]
        return dict(zip(names[1:], names[:-1]))
    sources = {}
    for entry in model.get_config().get("layers", []):
        nodes = entry.get("inbound_nodes") or []
        args = nodes[0].get("args", []) if len(nodes) == 1 else []
        if len(args) == 1 and isinstance(args[0], dict) and "keras_history" in args[0].get(
                "config", {}):
            source = args[0]["config"]["keras_history"][0]
            sources[entry["name"]] = "input" if source in inputs else source
        else:
            sources[entry["name"]] = None
    return sources


def _windows(in_hw, kernel_hw, strides, padding, dilation=1) -> tuple[list, list]:
    """Input rows of each output row and input columns of each output column (None
    in the padding), read off :func:`convviz.trace_conv2d` of an all-zero input."""
    trace = trace_conv2d(np.zeros(in_hw), np.zeros(kernel_hw), strides=strides,
                         padding=padding, dilation_rate=dilation)

    def inside(values, n):
        return [v if 0 <= v < n else None for v in values]

    rows = [inside(s.rows, in_hw[0]) for s in trace.steps if s.out_col == 0]
    cols = [inside(s.cols, in_hw[1]) for s in trace.steps if s.out_row == 0]
    return rows, cols


def _hw(shape, data_format) -> tuple[int, int]:
    return tuple(shape[1:3]) if data_format == "channels_last" else tuple(shape[2:4])


def _derivation(in_hw, kernel_hw, strides, padding, dilation) -> list[dict]:
    texts = [explain_shape(int(n), int(k), int(s), padding, int(d))
             for n, k, s, d in zip(in_hw, kernel_hw, strides, dilation)]
    if texts[0] == texts[1]:
        return [{"axis": "height and width", "text": texts[0]}]
    return [{"axis": "height", "text": texts[0]}, {"axis": "width", "text": texts[1]}]


def _shape_text(shape) -> str:
    return " × ".join(str(n) for n in shape[1:])


def _describe(model, keras, shapes: dict) -> list[_Layer]:
    """Every layer of ``model`` as a :class:`_Layer`, in model order, input first.

    ``shapes`` maps layer names (and "input") to their output's shape for a batch.
    """
    from ..keras_check import _bias_bug_applies

    sources = _sources(model, keras)
    described = [_Layer("input", "input", None, None, {
        "title": f"input {_shape_text(shapes['input'])}", "class": "Input",
        "note": "The test digit, pixels scaled to [0, 1]."})]
    for layer in _model_layers(model, keras):
        source = sources.get(layer.name)
        out_shape = shapes[layer.name]
        in_shape = shapes.get(source)
        static = {"class": type(layer).__name__, "shape": list(out_shape[1:]),
                  "title": f"{layer.name}: {type(layer).__name__} → {_shape_text(out_shape)}"}
        kind, extra = _kind(layer, keras, source, in_shape, out_shape)
        if (kind == "conv" and layer.data_format == "channels_first" and layer.use_bias
                and _bias_bug_applies(True, layer.bias.numpy(), out_shape)):
            extra["note"] += (" Keras adds this layer's bias along the width (bias[column] "
                              "instead of bias[filter]: its output width equals its number of "
                              "filters, a Keras bug convviz's README describes); the values "
                              "shown are Keras' own.")
        static.update(extra)
        described.append(_Layer(layer.name, kind, layer, source, static))
    return described


def _model_layers(model, keras) -> list:
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def _kind(layer, keras, source, in_shape, out_shape) -> tuple[str, dict]:
    """``(kind, facts)`` of one layer; ``kind`` "other" with a ``note`` if unexplained."""
    kl = keras.layers
    spatial = in_shape is not None and len(in_shape) == 4 and out_shape is not None \
        and len(out_shape) == 4
    fmt = getattr(layer, "data_format", "channels_last")
    if isinstance(layer, kl.Conv2D) and spatial and layer.groups == 1:
        kh, kw = layer.kernel_size
        in_hw = _hw(in_shape, fmt)
        rows, cols = _windows(in_hw, (kh, kw), layer.strides, layer.padding, layer.dilation_rate)
        if (len(rows), len(cols)) != _hw(out_shape, fmt):
            return "other", {"note": "convviz's window geometry disagrees with Keras' output "
                                     f"shape {out_shape}; not explained."}
        activation = getattr(layer.activation, "__name__", str(layer.activation))
        return "conv", {
            "rows": rows, "cols": cols, "activation": activation, "data_format": fmt,
            "summary": f"{layer.filters} filters {kh}×{kw}, stride {_pair_text(layer.strides)}, "
                       f"padding '{layer.padding}'"
                       + (f", dilation {_pair_text(layer.dilation_rate)}"
                          if max(layer.dilation_rate) > 1 else "")
                       + f", {activation}, {fmt}",
            "derivation": _derivation(in_hw, (kh, kw), layer.strides, layer.padding,
                                      layer.dilation_rate),
            "note": f"Each of the {layer.filters} filters is a stack of {layer.kernel.shape[2]} "
                    f"kernel(s) {kh}×{kw}, one per input channel; click a pixel to see how "
                    "it is made.",
        }
    if isinstance(layer, (kl.MaxPooling2D, kl.AveragePooling2D)) and spatial:
        ph, pw = layer.pool_size
        in_hw = _hw(in_shape, fmt)
        rows, cols = _windows(in_hw, (ph, pw), layer.strides, layer.padding)
        op = "max" if isinstance(layer, kl.MaxPooling2D) else "average"
        return "pool", {
            "rows": rows, "cols": cols, "op": op, "data_format": fmt,
            "summary": f"{op} over {ph}×{pw} windows, stride {_pair_text(layer.strides)}, "
                       f"padding '{layer.padding}', {fmt}",
            "derivation": _derivation(in_hw, (ph, pw), layer.strides, layer.padding, (1, 1)),
            "note": f"Each output pixel is the {op} of its window in the previous layer"
                    + (" (the padding takes no part)." if layer.padding == "same" else "."),
        }
    if isinstance(layer, (kl.Activation, kl.ReLU)) and source is not None:
        name = "relu" if isinstance(layer, kl.ReLU) else getattr(
            layer.activation, "__name__", str(layer.activation))
        return "activation", {"activation": name, "summary": name,
                              "note": f"{name} is applied to every value of the previous layer "
                                      "on its own." + (" relu(x) = max(0, x)." if name == "relu"
                                                       else "")}
    if isinstance(layer, kl.Dense):
        activation = getattr(layer.activation, "__name__", str(layer.activation))
        n_in = layer.kernel.shape[0]
        return "dense", {"activation": activation,
                         "summary": f"{layer.units} units, {activation}",
                         "note": f"Each of the {layer.units} values is a weighted sum of all "
                                 f"{n_in} inputs plus a bias, then {activation}: "
                                 f"{n_in * layer.units:,} products, too many to list; convviz "
                                 "explains the convolution and pooling layers."}
    if isinstance(layer, kl.Flatten):
        return "flatten", {"summary": "", "note": "Flatten lays the previous layer's values out "
                                                  "in one row; nothing is computed."}
    if isinstance(layer, kl.Dropout):
        return "dropout", {"summary": f"rate {layer.rate}",
                           "note": "Dropout only drops values while training; when the model "
                                   "predicts, it passes every value through unchanged."}
    reason = ("grouped convolution (groups > 1)" if isinstance(layer, kl.Conv2D)
              else "its input is not one earlier layer" if source is None
              else f"{type(layer).__name__} layers")
    return "other", {"summary": "", "note": f"convviz explore does not explain {reason}; "
                                            "the layer is part of the model and its output "
                                            "feeds the next layer."}


def _pair_text(pair) -> str:
    return str(pair[0]) if pair[0] == pair[1] else f"{pair[0]}×{pair[1]}"


# --------------------------------------------------------------------------- values
def _channels_first(values, fmt) -> np.ndarray:
    return values if fmt == "channels_first" else np.moveaxis(values, -1, 1)


def _linear_twin(layer, source_values) -> np.ndarray:
    """The layer's output before its activation: Keras runs a copy of it with the same
    config and weights but ``activation="linear"`` on ``source_values``."""
    twin = type(layer).from_config({**layer.get_config(), "activation": "linear"})
    twin.build(tuple(source_values.shape))
    twin.set_weights(layer.get_weights())
    return np.asarray(twin(source_values))


def _channel_sums(source, kernel, layer) -> np.ndarray:
    """``(N, F, H', W', C)``: each input channel's sum of products, from the core."""
    fmt = layer.data_format
    source = source.astype(np.float64)
    kernel = kernel.astype(np.float64)
    kwargs = {"strides": layer.strides, "padding": layer.padding,
              "dilation_rate": layer.dilation_rate, "data_format": fmt}
    per_channel = []
    for c in range(kernel.shape[2]):
        part = source[..., c:c + 1] if fmt == "channels_last" else source[:, c:c + 1]
        per_channel.append(_channels_first(conv2d(part, kernel[:, :, c:c + 1], **kwargs), fmt))
    return np.stack(per_channel, axis=-1)


def _softmax_panel(logits, probs) -> dict:
    logits = np.asarray(logits, dtype=np.float64)
    exp = np.exp(logits)
    total = exp.sum()
    probs = np.asarray(probs, dtype=np.float64)
    return {"logits": logits.tolist(), "exp": exp.tolist(), "sum": float(total),
            "probs": probs.tolist(),
            "bar": [f"{100 * p:.1f}%" for p in probs]}


def _is_softmax(layer, keras) -> bool:
    if isinstance(layer, keras.layers.Softmax):
        return True
    return getattr(getattr(layer, "activation", None), "__name__", "") == "softmax"


def _data_formats(model, layers) -> dict[str, str]:
    """Each layer's layout: its own ``data_format``, else (ReLU, BatchNormalization...)
    that of the layer it reads, whose layout it keeps."""
    first = tuple(model.inputs[0].shape[1:]) == (1, 28, 28)
    formats = {"input": "channels_first" if first else "channels_last"}
    for l in layers[1:]:
        formats[l.name] = getattr(l.layer, "data_format", None) or formats.get(
            l.source, "channels_last")
    return formats


def _fields(l: _Layer, outputs: dict, data_format: str) -> dict:
    """``{field: (N, ...) array}`` the page needs of layer ``l`` for every digit:
    ``out`` (maps channels first, or a vector), and for a conv layer ``pre`` (unless
    its activation is linear: then ``out`` is the pre-activation) and ``sums``."""
    values = outputs[l.name]
    if l.kind in ("flatten", "dropout"):
        return {}                            # the previous layer's values, unchanged
    fields = {}
    if values.ndim == 4:
        fields["out"] = _channels_first(values, data_format)
    elif values.ndim == 2:
        fields["out"] = values
    if l.kind == "conv":
        source = outputs[l.source]
        kernel = np.asarray(l.layer.kernel.numpy())
        if l.static["activation"] != "linear":
            fields["pre"] = _channels_first(_linear_twin(l.layer, source), data_format)
        fields["sums"] = _channel_sums(source, kernel, l.layer)
        l.static["kernel"] = encode_f32(kernel.transpose(3, 2, 0, 1))
        l.static["bias"] = (np.asarray(l.layer.bias.numpy(), dtype=np.float64).tolist()
                            if l.layer.use_bias else None)
    return fields


def _logits(last: _Layer, outputs: dict, keras):
    """``(logits (N, classes), where they come from)`` if the model ends in a softmax."""
    if last.source is None or not _is_softmax(last.layer, keras):
        return None, None
    if last.kind in ("activation", "other"):
        return outputs[last.source], f"the output of {last.source}"
    return (_linear_twin(last.layer, outputs[last.source]),
            f"what {last.name} computes before its softmax (Keras ran the layer with the "
            "same weights and no activation)")


def _digit_entry(l: _Layer, fields: dict, n: int) -> dict:
    """Layer ``l``'s values for digit ``n``: encoded arrays and, for maps, PNG tiles."""
    entry = {}
    if "out" in fields:
        out = fields["out"][n]
        entry["out"] = encode_f32(out)
        cmap = "gray" if l.kind == "input" else "viridis"
        if out.ndim == 3:
            entry["maps"], entry["scale"] = _map_images(out, cmap)
        else:
            (entry["strip"],), entry["scale"] = _map_images(out[None, None], cmap)
    for name in ("pre", "sums"):
        if name in fields:
            entry[name] = encode_f32(fields[name][n])
    return entry


def _finish(layers, fields_of) -> None:
    """Where a detail view starts (the middle pixel) and whose values hold a layer's
    input (``source_values``: past Flatten and Dropout, which keep them unchanged)."""
    by_name = {l.name: l for l in layers}
    for l in layers:
        out = fields_of[l.name].get("out")
        if out is not None and out.ndim == 4:
            l.static["start"] = [out.shape[2] // 2, out.shape[3] // 2]
        source = l.source
        while source in by_name and by_name[source].kind in ("flatten", "dropout"):
            source = by_name[source].source
        l.static["source_values"] = source


def network_data(model, digits=None, *, description: str = "") -> dict:
    """Part 2 of the page data: ``model``'s layers and their values for ``digits``.

    Args:
        model: a built ``keras.Model`` with at least one ``Conv2D`` layer that takes
            MNIST digits ((28, 28, 1) or (1, 28, 28)).
        digits: MNIST test indices (default :func:`default_digits`: one per class).
        description: one line saying which model this is (shown on the page).
    """
    require_extras("convviz.explore.network_data", "keras", "plot")
    import keras

    from ..data import load_mnist, to_model_input
    from ..inspect import conv_layers, feature_maps

    conv_layers(model)                       # a clear error for a model without Conv2D
    _, (x_test, y_test) = load_mnist()
    digits = default_digits(y_test) if digits is None else check_digits(digits)
    x = to_model_input(x_test[digits], model)
    outputs = feature_maps(model, x, layers=[l.name for l in _model_layers(model, keras)])
    outputs["input"] = x
    layers = _describe(model, keras, {name: v.shape for name, v in outputs.items()})
    formats = _data_formats(model, layers)
    fields_of = {l.name: _fields(l, outputs, formats[l.name]) for l in layers}
    _finish(layers, fields_of)
    last = layers[-1]
    logits, logits_from = _logits(last, outputs, keras)
    if logits is not None:
        last.static["softmax"] = True
    predictions = np.asarray(outputs[last.name]).reshape(len(digits), -1).argmax(axis=1)

    records = []
    for n, index in enumerate(digits):
        record = {"index": index, "label": int(y_test[index]), "predicted": int(predictions[n]),
                  "layers": {l.name: _digit_entry(l, fields_of[l.name], n) for l in layers}}
        if logits is not None:
            record["softmax"] = _softmax_panel(np.asarray(logits[n]).ravel(),
                                               np.asarray(outputs[last.name][n]).ravel())
        records.append(record)
    return {
        "model": {"name": model.name, "description": description,
                  "data_format": formats["input"], "params": int(model.count_params())},
        "legend": {"viridis": _legend("viridis"), "gray": _legend("gray")},
        "layers": [{"name": l.name, "kind": l.kind, "source": l.source, **l.static}
                   for l in layers],
        "softmax": {"layer": last.name, "logits_from": logits_from} if logits is not None
        else None,
        "digits": records,
    }
