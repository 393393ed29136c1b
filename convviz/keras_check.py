"""The one bridge to Keras: run a convolution or pooling through real Keras layers.

Use it to check :mod:`convviz.conv` (our tests do, over hundreds of random
configurations) or in your own tests::

    from convviz.keras_check import assert_matches_keras
    assert_matches_keras(x, kernel, bias, strides=2, padding="same")

Padding Keras has no word for (``"full"``, ints, pairs) is applied with a
``keras.layers.ZeroPadding2D`` in front of a ``"valid"`` layer, which is exactly
what explicit padding means. Keras refuses ``strides > 1`` together with
``dilation_rate > 1``; for those the bridge runs the stride-1 layer and keeps
every ``s``-th row and column, which is the definition of a stride.

``channels_first`` on the CPU: TensorFlow 2.21 runs float32 NCHW convolutions
through oneDNN, but its float64 kernels refuse NCHW ("The Conv2D op currently
only supports the NHWC tensor format on the CPU"). For those the bridge runs the
same layer, with the same weights, channels_last on the transposed input and
transposes the result back: the arithmetic is still Keras', only the memory
layout differs. Nothing is skipped.
"""
from __future__ import annotations

import os

import numpy as np

from .conv import DATA_FORMATS, avg_pool2d, conv2d, max_pool2d, prepare_conv

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

__all__ = [
    "keras_conv2d",
    "keras_max_pool2d",
    "keras_avg_pool2d",
    "assert_matches_keras",
    "assert_pool_matches_keras",
]


def _keras():
    import keras  # deferred: importing TensorFlow takes seconds

    return keras


def _float_dtype(*arrays) -> str:
    return "float64" if np.result_type(*arrays, np.float32) == np.float64 else "float32"


def _run(layers, x, data_format):
    """Apply ``layers`` in order to ``x``; retry channels_last if NCHW is refused."""
    try:
        out = x
        for layer in layers:
            out = layer(out)
        return np.asarray(out)
    except Exception as exc:  # TensorFlow's "only supports NHWC on the CPU" and kin
        if data_format != "channels_first" or "NHWC" not in str(exc):
            raise
    out = np.transpose(x, (0, 2, 3, 1))
    for layer in layers:
        config = layer.get_config() | {"data_format": "channels_last"}
        clone = type(layer).from_config(config)
        clone.build(out.shape)
        if layer.weights:
            clone.set_weights(layer.get_weights())
        out = np.asarray(clone(out))
    return np.transpose(out, (0, 3, 1, 2))


def _conv_layers(keras, setup, padding, data_format, dtype):
    """Keras layers computing ``setup`` on an input of ``data_format``; built."""
    kh, kw, _, c_out = setup.kernel.shape
    # Keras refuses strides > 1 together with dilation > 1. A strided convolution
    # is the stride-1 one sampled every s cells, so the caller slices that.
    strided_dilated = max(setup.strides) > 1 and max(setup.dilation) > 1
    keras_padding = "valid"
    if isinstance(padding, str) and padding.lower() == "same" and not strided_dilated:
        keras_padding = "same"
    layers = []
    if keras_padding == "valid" and setup.pads != ((0, 0), (0, 0)):
        layers.append(keras.layers.ZeroPadding2D(setup.pads, data_format=data_format, dtype=dtype))
    layers.append(keras.layers.Conv2D(
        c_out, (kh, kw), strides=(1, 1) if strided_dilated else setup.strides,
        padding=keras_padding, dilation_rate=setup.dilation, data_format=data_format,
        use_bias=setup.has_bias, dtype=dtype,
    ))
    n, h, w, c = setup.x.shape
    shape = (n, h, w, c) if data_format == "channels_last" else (n, c, h, w)
    for layer in layers:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
    weights = [setup.kernel.astype(dtype)] + ([setup.bias.astype(dtype)] if setup.has_bias else [])
    layers[-1].set_weights(weights)
    return layers, shape


def _hits_channels_first_bias_bug(setup, out_shape) -> bool:
    """True where Keras 3's TensorFlow backend adds a channels_first bias wrongly.

    ``keras.ops.add(y, bias.reshape(1, C, 1, 1))`` takes a shortcut to
    ``tf.nn.bias_add`` and picks NHWC whenever ``y``'s *last* axis has C entries,
    so a channels_first ``Conv2D`` whose output width equals its number of
    filters adds ``bias[w]`` instead of ``bias[c]`` (seen in Keras 3.15.1).
    """
    return setup.has_bias and out_shape[-1] == setup.kernel.shape[3] and \
        not np.all(setup.bias == setup.bias[0])


def keras_conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1,
                 data_format="channels_last") -> np.ndarray:
    """:func:`convviz.conv2d` computed by ``keras.layers.Conv2D`` with the given weights.

    Where a channels_first call would hit Keras' channels_first bias bug (see
    :func:`_hits_channels_first_bias_bug`), the same layer runs channels_last on
    the transposed input instead, so the comparison tests the arithmetic, not
    the bug.
    """
    keras = _keras()
    setup = prepare_conv(x, kernel, bias, strides=strides, padding=padding,
                         dilation_rate=dilation_rate, data_format=data_format)
    dtype = _float_dtype(setup.x, setup.kernel)
    run_format = data_format
    layers, out_shape = _conv_layers(keras, setup, padding, run_format, dtype)
    if run_format == "channels_first" and _hits_channels_first_bias_bug(setup, out_shape):
        run_format = "channels_last"
        layers, _ = _conv_layers(keras, setup, padding, run_format, dtype)

    xk = setup.x if run_format == "channels_last" else setup.x.transpose(0, 3, 1, 2)
    out = _run(layers, xk.astype(dtype), run_format)
    if run_format == "channels_first":
        out = out.transpose(0, 2, 3, 1)
    if max(setup.strides) > 1 and max(setup.dilation) > 1:  # ran at stride 1: sample it
        (sh, sw), (ho, wo) = setup.strides, setup.out_hw
        out = out[:, ::sh, ::sw, :][:, :ho, :wo, :]
    return setup.restore(out)


def _keras_pool(cls_name, x, pool_size, strides, padding, data_format):
    keras = _keras()
    if data_format not in DATA_FORMATS:
        raise ValueError(f"data_format must be one of {DATA_FORMATS}, got {data_format!r}")
    x = np.asarray(x)
    single = x.ndim == 2
    xk = x[None, :, :, None] if single else x
    xk = xk.astype(_float_dtype(xk))
    layer = getattr(keras.layers, cls_name)(
        pool_size, strides=strides, padding=padding, data_format=data_format, dtype=xk.dtype.name
    )
    out = _run([layer], xk, data_format)
    return out[0, :, :, 0] if single else out


def keras_max_pool2d(x, pool_size=2, strides=None, padding="valid",
                     data_format="channels_last") -> np.ndarray:
    """:func:`convviz.max_pool2d` computed by ``keras.layers.MaxPooling2D``."""
    return _keras_pool("MaxPooling2D", x, pool_size, strides, padding, data_format)


def keras_avg_pool2d(x, pool_size=2, strides=None, padding="valid",
                     data_format="channels_last") -> np.ndarray:
    """:func:`convviz.avg_pool2d` computed by ``keras.layers.AveragePooling2D``."""
    return _keras_pool("AveragePooling2D", x, pool_size, strides, padding, data_format)


def _default_atol(magnitude: np.ndarray, n_terms: int, dtype) -> np.ndarray:
    # A sum of n products computed in floating point in any order is off by at
    # most about n * eps * sum(|products|); ``magnitude`` is that sum per cell.
    eps = np.finfo(dtype).eps
    return 4 * n_terms * eps * magnitude + eps


def _assert_close(ours, theirs, rtol, atol, what: str) -> None:
    """``|ours - theirs| <= atol + rtol * |theirs|`` everywhere (``atol`` may be an array)."""
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    if ours.shape != theirs.shape:
        raise AssertionError(f"{what}: shape {ours.shape} != Keras shape {theirs.shape}")
    diff = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    allowed = np.broadcast_to(atol + rtol * np.abs(theirs), diff.shape)
    bad = ~(diff <= allowed)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.size} values differ; first at {where}: "
            f"ours={ours[where]!r} keras={theirs[where]!r} (allowed {allowed[where]:.3g}); "
            f"largest difference {diff.max():.3g}"
        )


def assert_matches_keras(x, kernel, bias=None, *, rtol=None, atol=None, **conv_kwargs):
    """Assert that :func:`convviz.conv2d` equals ``keras.layers.Conv2D`` on this input.

    ``conv_kwargs`` are ``strides``, ``padding``, ``dilation_rate`` and
    ``data_format``. Without ``atol`` the tolerance is the rounding-error bound of a
    sum of ``kh*kw*C_in`` products in the compared precision (float32 unless the
    inputs are float64), so genuine differences are never hidden by a loose bound.

    Returns ``(ours, keras_result)``.
    """
    ours = conv2d(x, kernel, bias, **conv_kwargs)
    theirs = keras_conv2d(x, kernel, bias, **conv_kwargs)
    dtype = np.dtype(_float_dtype(np.asarray(x), np.asarray(kernel)))
    if atol is None:
        magnitude = conv2d(np.abs(np.asarray(x, dtype)), np.abs(np.asarray(kernel, dtype)),
                           None if bias is None else np.abs(np.asarray(bias, dtype)),
                           **conv_kwargs)
        kernel_shape = np.shape(kernel)
        n_terms = int(np.prod(kernel_shape[:3] if len(kernel_shape) == 4 else kernel_shape)) + 1
        atol = _default_atol(magnitude, n_terms, dtype)
    _assert_close(ours, theirs, 0.0 if rtol is None else rtol, atol,
                  f"convviz.conv2d differs from keras.layers.Conv2D for {conv_kwargs}")
    return ours, theirs


def assert_pool_matches_keras(kind, x, pool_size=2, strides=None, padding="valid",
                              data_format="channels_last", *, rtol=1e-6, atol=1e-6):
    """Assert that our ``kind`` (``"max"`` or ``"avg"``) pooling equals Keras'."""
    ours_fn, keras_fn = {
        "max": (max_pool2d, keras_max_pool2d),
        "avg": (avg_pool2d, keras_avg_pool2d),
    }.get(kind, (None, None))
    if ours_fn is None:
        raise ValueError(f"kind must be 'max' or 'avg', got {kind!r}")
    ours = ours_fn(x, pool_size, strides, padding, data_format)
    theirs = keras_fn(x, pool_size, strides, padding, data_format)
    _assert_close(ours, theirs, rtol, atol, f"{kind} pooling differs from Keras")
    return ours, theirs
