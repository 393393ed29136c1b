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

The rest of the family has its bridges too: ``Conv2D(groups=...)`` and
``mode="convolution"`` go through :func:`keras_conv2d` (a true convolution is
Keras' cross-correlation with the flipped kernel), and :func:`keras_conv2d_transpose`,
:func:`keras_depthwise_conv2d`, :func:`keras_separable_conv2d` run
``Conv2DTranspose``, ``DepthwiseConv2D`` and ``SeparableConv2D``. ``Conv2DTranspose``
runs its own ``dilation_rate`` only at stride 1 and, on the CPU, only in float32
(TensorFlow's float64 kernel refuses any ``dilation_rate > 1``); elsewhere the
bridge gives it the dilated kernel itself (zeros inserted between the taps, the
definition of dilation) at dilation 1. Explicit padding of a transposed
convolution crops its output, so it is a ``"valid"`` layer followed by a
``keras.layers.Cropping2D``.

The channels_first bias bug described at :func:`_hits_channels_first_bias_bug`
hits ``Conv2DTranspose``, ``DepthwiseConv2D`` and ``SeparableConv2D`` too (all
of them add their bias with the same ``keras.ops.add``); each bridge routes
around it the same way. ``tests/test_*`` prove that the bug is real for each layer.

``channels_first`` on the CPU: TensorFlow 2.21 runs float32 NCHW convolutions
through oneDNN, but its float64 kernels refuse NCHW ("The Conv2D op currently
only supports the NHWC tensor format on the CPU"). For those the bridge runs the
same layer, with the same weights, channels_last on the transposed input and
transposes the result back: the arithmetic is still Keras', only the memory
layout differs. Nothing is skipped.
"""
from __future__ import annotations

import dataclasses
import os

import numpy as np

from ._extras import require, require_extras
from .conv import DATA_FORMATS, avg_pool2d, conv2d, max_pool2d, prepare_conv
from .depthwise import _as_grouped, depthwise_conv2d, separable_conv2d
from .transposed import conv2d_transpose, prepare_conv_transpose

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
require_extras("convviz.keras_check", "keras")        # checked now, imported when used

__all__ = [
    "keras_conv2d",
    "keras_conv2d_transpose",
    "keras_depthwise_conv2d",
    "keras_separable_conv2d",
    "keras_max_pool2d",
    "keras_avg_pool2d",
    "assert_matches_keras",
    "assert_transpose_matches_keras",
    "assert_depthwise_matches_keras",
    "assert_separable_matches_keras",
    "assert_pool_matches_keras",
]


def _keras():
    return require("keras", "keras", "convviz.keras_check")   # deferred: TensorFlow takes seconds


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


def _windowed_layers(keras, setup, padding, data_format, dtype, make_layer, weights,
                     sample=False):
    """``(layers, out_shape, sampled)``: ``make_layer(strides, padding)`` behind padding; built.

    ``"same"`` is given to Keras as is; other paddings become a ``ZeroPadding2D``.
    Where Keras refuses ``strides > 1`` with ``dilation_rate > 1`` (or when
    ``sample`` is True) the layer runs at stride 1 behind explicit padding and
    ``sampled`` is True: the caller keeps every ``s``-th row and column
    (:func:`_sample_strided`).
    """
    strided_dilated = max(setup.strides) > 1 and max(setup.dilation) > 1
    same = isinstance(padding, str) and padding.lower() == "same"
    sampled = sample
    try:
        if sample:
            raise ValueError("dilation_rate")
        layer = make_layer(setup.strides, "same" if same else "valid")
    except ValueError as exc:
        if not ((sample or strided_dilated) and "dilation_rate" in str(exc)):
            raise
        # A strided convolution is the stride-1 one sampled every s cells.
        layer, same, sampled = make_layer((1, 1), "valid"), False, True
    layers = []
    if not same and setup.pads != ((0, 0), (0, 0)):
        layers.append(keras.layers.ZeroPadding2D(setup.pads, data_format=data_format, dtype=dtype))
    layers.append(layer)
    n, h, w, c = setup.x.shape
    shape = (n, h, w, c) if data_format == "channels_last" else (n, c, h, w)
    for layer in layers:
        layer.build(shape)
        shape = layer.compute_output_shape(shape)
    layers[-1].set_weights(weights)
    return layers, shape, sampled


def _sample_strided(out_nhwc, setup):
    """Every ``s``-th row and column of a stride-1 result: the strided result."""
    (sh, sw), (ho, wo) = setup.strides, setup.out_hw
    return out_nhwc[:, ::sh, ::sw, :][:, :ho, :wo, :]


def _run_windowed(keras, setup, padding, dtype, make_layers):
    """Run ``make_layers(data_format) -> (layers, out_shape, sampled)`` on ``setup.x``.

    Returns the NHWC result. A channels_first call that would hit Keras' bias bug
    runs channels_last on the transposed input instead.
    """
    run_format = setup.data_format
    layers, out_shape, sampled = make_layers(run_format)
    if run_format == "channels_first" and _bias_bug_applies(setup.has_bias, setup.bias, out_shape):
        run_format = "channels_last"
        layers, out_shape, sampled = make_layers(run_format)
    xk = setup.x if run_format == "channels_last" else setup.x.transpose(0, 3, 1, 2)
    out = _run(layers, xk.astype(dtype), run_format)
    if run_format == "channels_first":
        out = out.transpose(0, 2, 3, 1)
    return _sample_strided(out, setup) if sampled else out


def _bias_bug_applies(has_bias, bias, out_shape) -> bool:
    """Keras' channels_first bias bug for an output ``out_shape`` (N, C, H, W)."""
    return bool(has_bias) and out_shape[-1] == len(bias) and not np.all(bias == bias[0])


def _hits_channels_first_bias_bug(setup, out_shape) -> bool:
    """True where Keras 3's TensorFlow backend adds a channels_first bias wrongly.

    ``keras.ops.add(y, bias.reshape(1, C, 1, 1))`` takes a shortcut to
    ``tf.nn.bias_add`` and picks NHWC whenever ``y``'s *last* axis has C entries,
    so a channels_first ``Conv2D`` whose output width equals its number of
    filters adds ``bias[w]`` instead of ``bias[c]`` (seen in Keras 3.15.1).
    """
    return _bias_bug_applies(setup.has_bias, setup.bias, out_shape)


def keras_conv2d(x, kernel, bias=None, *, strides=1, padding="valid", dilation_rate=1,
                 data_format="channels_last", groups=1, mode="cross_correlation") -> np.ndarray:
    """:func:`convviz.conv2d` computed by ``keras.layers.Conv2D`` with the given weights.

    ``groups`` goes to ``Conv2D(groups=...)``; ``mode="convolution"`` gives Keras
    the flipped kernel. Where a channels_first call would hit Keras' channels_first
    bias bug (see :func:`_hits_channels_first_bias_bug`), the same layer runs
    channels_last on the transposed input instead, so the comparison tests the
    arithmetic, not the bug.
    """
    keras = _keras()
    setup = prepare_conv(x, kernel, bias, strides=strides, padding=padding,
                         dilation_rate=dilation_rate, data_format=data_format,
                         groups=groups, mode=mode)
    dtype = _float_dtype(setup.x, setup.kernel)
    kh, kw, _, c_out = setup.kernel.shape
    weights = [setup.kernel.astype(dtype)] + ([setup.bias.astype(dtype)] if setup.has_bias else [])

    def layers(data_format):
        def conv(strides, keras_padding):
            return keras.layers.Conv2D(
                c_out, (kh, kw), strides=strides, padding=keras_padding,
                dilation_rate=setup.dilation, data_format=data_format, groups=setup.groups,
                use_bias=setup.has_bias, dtype=dtype,
            )
        return _windowed_layers(keras, setup, padding, data_format, dtype, conv, weights)

    return setup.restore(_run_windowed(keras, setup, padding, dtype, layers))


def keras_depthwise_conv2d(x, kernel, bias=None, *, strides=1, padding="valid",
                           dilation_rate=1, data_format="channels_last") -> np.ndarray:
    """:func:`convviz.depthwise_conv2d` computed by ``keras.layers.DepthwiseConv2D``.

    ``kernel`` is ``(kh, kw, C_in, depth_multiplier)`` as the layer stores it.
    """
    return _keras_depthwise(x, kernel, None, bias, strides=strides, padding=padding,
                            dilation_rate=dilation_rate, data_format=data_format)


def keras_separable_conv2d(x, depthwise_kernel, pointwise_kernel, bias=None, *, strides=1,
                           padding="valid", dilation_rate=1,
                           data_format="channels_last") -> np.ndarray:
    """:func:`convviz.separable_conv2d` computed by ``keras.layers.SeparableConv2D``."""
    separable_conv2d(x, depthwise_kernel, pointwise_kernel, bias, strides=strides,
                     padding=padding, dilation_rate=dilation_rate, data_format=data_format)
    return _keras_depthwise(x, depthwise_kernel, pointwise_kernel, bias, strides=strides,
                            padding=padding, dilation_rate=dilation_rate,
                            data_format=data_format)


def _keras_depthwise(x, depthwise_kernel, pointwise_kernel, bias, *, strides, padding,
                     dilation_rate, data_format):
    keras = _keras()
    x4, grouped, groups = _as_grouped(x, depthwise_kernel, data_format)
    kernel = np.asarray(depthwise_kernel)
    single = x4.ndim == 2
    if single:  # one channel: a (kh, kw, 1, 1) depthwise kernel
        x4, data_format = x4[None, :, :, None], "channels_last"
        kernel = grouped = kernel[:, :, None, None]
        if bias is not None and np.ndim(bias) == 0:
            bias = np.reshape(bias, (1,))
    kh, kw, c_in, multiplier = kernel.shape
    # The depthwise step is the grouped convolution depthwise_conv2d computes.
    setup = prepare_conv(x4, grouped, bias if pointwise_kernel is None else None,
                         strides=strides, padding=padding, dilation_rate=dilation_rate,
                         data_format=data_format, groups=groups)
    weights = [kernel]
    if pointwise_kernel is not None:  # already validated by separable_conv2d
        pointwise = np.asarray(pointwise_kernel)
        weights.append(pointwise)
        if bias is not None:
            setup = dataclasses.replace(setup, bias=np.asarray(bias), has_bias=True)
    dtype = _float_dtype(setup.x, *weights)
    weights = [w.astype(dtype) for w in weights]
    if setup.has_bias:
        weights.append(setup.bias.astype(dtype))

    def layers(fmt):
        def make(strides, keras_padding):
            common = dict(strides=strides, padding=keras_padding, depth_multiplier=multiplier,
                          dilation_rate=setup.dilation, data_format=fmt,
                          use_bias=setup.has_bias, dtype=dtype)
            if pointwise_kernel is None:
                return keras.layers.DepthwiseConv2D((kh, kw), **common)
            return keras.layers.SeparableConv2D(pointwise.shape[3], (kh, kw), **common)
        # TensorFlow's depthwise kernel only strides equally along both axes.
        return _windowed_layers(keras, setup, padding, fmt, dtype, make, weights,
                                sample=setup.strides[0] != setup.strides[1])

    out = _run_windowed(keras, setup, padding, dtype, layers)
    return out[0, :, :, 0] if single else setup.restore(out)


def _dilate_kernel(kernel, dilation):
    """``(kh, kw, ...)`` with ``d - 1`` zeros between taps: ``(d*(kh-1)+1, d*(kw-1)+1, ...)``."""
    (dh, dw), (kh, kw) = dilation, kernel.shape[:2]
    out = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1, *kernel.shape[2:]), kernel.dtype)
    out[::dh, ::dw] = kernel
    return out


def keras_conv2d_transpose(x, kernel, bias=None, *, strides=1, padding="valid",
                           output_padding=None, dilation_rate=1,
                           data_format="channels_last") -> np.ndarray:
    """:func:`convviz.conv2d_transpose` computed by ``keras.layers.Conv2DTranspose``.

    ``kernel`` is ``(kh, kw, C_out, C_in)`` as the layer stores it. Dilation goes
    to the layer's own ``dilation_rate`` where TensorFlow runs it (stride 1,
    float32 through oneDNN); where it is refused (Keras: ``strides > 1`` with
    ``dilation_rate > 1``; TensorFlow's float64 CPU kernel: any ``dilation_rate > 1``)
    the layer gets the dilated kernel itself at dilation 1. Explicit padding is a
    ``"valid"`` layer with the same ``output_padding`` followed by ``Cropping2D``.
    """
    keras = _keras()
    setup = prepare_conv_transpose(x, kernel, bias, strides=strides, padding=padding,
                                   output_padding=output_padding,
                                   dilation_rate=dilation_rate, data_format=data_format)
    dtype = _float_dtype(setup.x, setup.kernel)
    named = isinstance(padding, str)
    if output_padding is None:
        keras_op = None if named else (0, 0)
    else:
        keras_op = output_padding

    def layers(fmt, native_dilation):
        if native_dilation:
            weights, dilation = setup.kernel.astype(dtype), setup.dilation
        else:
            weights, dilation = _dilate_kernel(setup.kernel, setup.dilation).astype(dtype), (1, 1)
        layer = keras.layers.Conv2DTranspose(
            weights.shape[2], weights.shape[:2], strides=setup.strides,
            padding=padding.lower() if named else "valid", output_padding=keras_op,
            dilation_rate=dilation, data_format=fmt, use_bias=setup.has_bias, dtype=dtype,
        )
        result = [layer]
        if not named:  # crop the valid output, which is output_padding longer than the canvas
            extra = keras_op or (0, 0)
            extra = (extra, extra) if isinstance(extra, int) else extra
            crops = tuple((top, after + op) for (top, after), op in zip(setup.crops, extra))
            result.append(keras.layers.Cropping2D(crops, data_format=fmt, dtype=dtype))
        n, h, w, c = setup.x.shape
        shape = (n, h, w, c) if fmt == "channels_last" else (n, c, h, w)
        shapes = []
        for each in result:
            each.build(shape)
            shape = each.compute_output_shape(shape)
            shapes.append(shape)
        layer.set_weights([weights] + ([setup.bias.astype(dtype)] if setup.has_bias else []))
        # The bias bug depends on the shape the layer adds its bias to: the uncropped one.
        return result, shapes[0], False

    if setup.dilation != (1, 1) and setup.strides == (1, 1):
        try:
            return setup.restore(_run_windowed(keras, setup, padding, dtype,
                                               lambda fmt: layers(fmt, True)))
        except Exception as exc:  # "CPU implementations do not yet support dilation rates"
            if "dilation" not in str(exc):
                raise
    return setup.restore(_run_windowed(keras, setup, padding, dtype,
                                       lambda fmt: layers(fmt, False)))


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


def _assert_family(what, ours, theirs, magnitude, n_terms, rtol, atol, dtype):
    if atol is None:
        atol = _default_atol(magnitude, n_terms, dtype)
    _assert_close(ours, theirs, 0.0 if rtol is None else rtol, atol, what)
    return ours, theirs


def _abs_or_none(value, dtype):
    return None if value is None else np.abs(np.asarray(value, dtype))


def assert_transpose_matches_keras(x, kernel, bias=None, *, rtol=None, atol=None, **kwargs):
    """Assert that :func:`convviz.conv2d_transpose` equals ``keras.layers.Conv2DTranspose``.

    ``kwargs`` are ``strides``, ``padding``, ``output_padding``, ``dilation_rate``,
    ``data_format``; the default tolerance is the rounding bound of each output's
    sum of at most ``kh*kw*C_in`` products. Returns ``(ours, keras_result)``.
    """
    dtype = np.dtype(_float_dtype(np.asarray(x), np.asarray(kernel)))
    ours = conv2d_transpose(x, kernel, bias, **kwargs)
    theirs = keras_conv2d_transpose(x, kernel, bias, **kwargs)
    magnitude = conv2d_transpose(np.abs(np.asarray(x, dtype)), np.abs(np.asarray(kernel, dtype)),
                                 _abs_or_none(bias, dtype), **kwargs)
    shape = np.shape(kernel)
    n_terms = int(np.prod(shape[:2]) * (shape[3] if len(shape) == 4 else 1)) + 1
    return _assert_family(
        f"convviz.conv2d_transpose differs from keras.layers.Conv2DTranspose for {kwargs}",
        ours, theirs, magnitude, n_terms, rtol, atol, dtype)


def assert_depthwise_matches_keras(x, kernel, bias=None, *, rtol=None, atol=None, **kwargs):
    """Assert that :func:`convviz.depthwise_conv2d` equals ``keras.layers.DepthwiseConv2D``.

    ``kwargs`` are ``strides``, ``padding``, ``dilation_rate``, ``data_format``.
    Returns ``(ours, keras_result)``.
    """
    dtype = np.dtype(_float_dtype(np.asarray(x), np.asarray(kernel)))
    ours = depthwise_conv2d(x, kernel, bias, **kwargs)
    theirs = keras_depthwise_conv2d(x, kernel, bias, **kwargs)
    magnitude = depthwise_conv2d(np.abs(np.asarray(x, dtype)), np.abs(np.asarray(kernel, dtype)),
                                 _abs_or_none(bias, dtype), **kwargs)
    n_terms = int(np.prod(np.shape(kernel)[:2])) + 1
    return _assert_family(
        f"convviz.depthwise_conv2d differs from keras.layers.DepthwiseConv2D for {kwargs}",
        ours, theirs, magnitude, n_terms, rtol, atol, dtype)


def assert_separable_matches_keras(x, depthwise_kernel, pointwise_kernel, bias=None, *,
                                   rtol=None, atol=None, **kwargs):
    """Assert that :func:`convviz.separable_conv2d` equals ``keras.layers.SeparableConv2D``.

    The default tolerance bounds the rounding of both sums: ``kh*kw`` depthwise
    products, then ``C_in*depth_multiplier`` pointwise ones. Returns ``(ours, keras_result)``.
    """
    dtype = np.dtype(_float_dtype(np.asarray(x), np.asarray(depthwise_kernel),
                                  np.asarray(pointwise_kernel)))
    ours = separable_conv2d(x, depthwise_kernel, pointwise_kernel, bias, **kwargs)
    theirs = keras_separable_conv2d(x, depthwise_kernel, pointwise_kernel, bias, **kwargs)
    magnitude = separable_conv2d(
        np.abs(np.asarray(x, dtype)), np.abs(np.asarray(depthwise_kernel, dtype)),
        np.abs(np.asarray(pointwise_kernel, dtype)), _abs_or_none(bias, dtype), **kwargs)
    n_terms = int(np.prod(np.shape(depthwise_kernel)[:2]) + np.shape(pointwise_kernel)[2]) + 1
    return _assert_family(
        f"convviz.separable_conv2d differs from keras.layers.SeparableConv2D for {kwargs}",
        ours, theirs, magnitude, n_terms, rtol, atol, dtype)


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
