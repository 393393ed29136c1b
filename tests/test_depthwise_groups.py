"""groups=, depthwise and separable convolution: by hand, by decomposition, against Keras."""
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import int_or_pair
from strategies import paddings as padding_forms

import convviz
from convviz.keras_check import (
    assert_depthwise_matches_keras,
    assert_matches_keras,
    assert_separable_matches_keras,
    keras_conv2d,
    keras_depthwise_conv2d,
)

PROPERTY = settings(max_examples=120)
FEW = settings(max_examples=60)

paddings = padding_forms(("valid", "same", "full"), max_pad=2)


def _layout(draw):
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return data_format, dtype, rng


def _image(draw, rng, data_format, dtype, c_in, max_hw=10):
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw))
    shape = (n, h, w, c_in) if data_format == "channels_last" else (n, c_in, h, w)
    return rng.standard_normal(shape).astype(dtype)


def _window_kwargs(draw, data_format):
    return dict(strides=draw(int_or_pair(1, 3)), dilation_rate=draw(int_or_pair(1, 2)),
                padding=draw(paddings), data_format=data_format)


@st.composite
def grouped_problems(draw, max_hw=10):
    data_format, dtype, rng = _layout(draw)
    groups = draw(st.integers(1, 3))
    per_in, per_out = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    x = _image(draw, rng, data_format, dtype, groups * per_in, max_hw)
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kernel = rng.standard_normal((kh, kw, per_in, groups * per_out)).astype(dtype)
    bias = draw(st.one_of(st.none(), st.just(rng.standard_normal(groups * per_out).astype(dtype))))
    return x, kernel, bias, _window_kwargs(draw, data_format) | dict(groups=groups)


@st.composite
def depthwise_problems(draw, max_hw=10, pointwise=False):
    data_format, dtype, rng = _layout(draw)
    c_in, multiplier = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    x = _image(draw, rng, data_format, dtype, c_in, max_hw)
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kernel = rng.standard_normal((kh, kw, c_in, multiplier)).astype(dtype)
    c_out = c_in * multiplier
    if pointwise:
        c_out = draw(st.integers(1, 4))
        kernel = (kernel, rng.standard_normal((1, 1, c_in * multiplier, c_out)).astype(dtype))
    bias = draw(st.one_of(st.none(), st.just(rng.standard_normal(c_out).astype(dtype))))
    return x, kernel, bias, _window_kwargs(draw, data_format)


def _fits(call):
    try:
        call()
    except ValueError as exc:
        assert "larger than the padded input" in str(exc), exc
        event("kernel larger than padded input: refused")
        return False
    event("compared")
    return True


def _to_nhwc(x, data_format):
    return x if data_format == "channels_last" else x.transpose(0, 2, 3, 1)


# --------------------------------------------------------------------------- by hand
def test_groups_keep_channel_sums_inside_their_group():
    # 4 input channels holding 1, 10, 100, 1000 everywhere; a 1x1 kernel of ones
    x = np.ones((1, 2, 2, 4)) * np.array([1, 10, 100, 1000])
    full = convviz.conv2d(x, np.ones((1, 1, 4, 2)))
    two = convviz.conv2d(x, np.ones((1, 1, 2, 2)), groups=2)
    four = convviz.conv2d(x, np.ones((1, 1, 1, 4)), groups=4)
    np.testing.assert_array_equal(full[0, 0, 0], [1111, 1111])   # every filter sums all 4
    np.testing.assert_array_equal(two[0, 0, 0], [11, 1100])      # filter g sums group g's 2
    np.testing.assert_array_equal(four[0, 0, 0], [1, 10, 100, 1000])  # no sum at all


def test_depthwise_output_channel_order_is_c_times_m_plus_m():
    x = np.ones((1, 3, 3, 2)) * np.array([1.0, 2.0])
    k = np.zeros((1, 1, 2, 3))
    k[0, 0] = [[1, 10, 100], [1000, 10000, 100000]]
    out = convviz.depthwise_conv2d(x, k)
    np.testing.assert_array_equal(out[0, 0, 0], [1, 10, 100, 2000, 20000, 200000])


def test_depthwise_equals_each_channel_convolved_alone():
    rng = np.random.default_rng(0)
    x, k, b = rng.standard_normal((2, 6, 7, 3)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(6)
    out = convviz.depthwise_conv2d(x, k, b, strides=2, padding="same")
    for n in range(2):
        for c in range(3):
            for m in range(2):
                alone = convviz.conv2d(x[n, :, :, c], k[:, :, c, m], strides=2, padding="same")
                np.testing.assert_allclose(out[n, :, :, c * 2 + m], alone + b[c * 2 + m])


def test_separable_is_depthwise_then_a_1x1_and_has_fewer_weights():
    import keras

    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 8, 8, 3))
    dk, pk, b = rng.standard_normal((3, 3, 3, 2)), rng.standard_normal((1, 1, 6, 5)), rng.standard_normal(5)
    out = convviz.separable_conv2d(x, dk, pk, b, padding="same")
    mid = convviz.depthwise_conv2d(x, dk, padding="same")
    np.testing.assert_allclose(out, mid @ pk[0, 0] + b)
    # 3*3*3*2 + 6*5 + 5 weights, where a full 3x3 Conv2D needs 3*3*3*5 + 5
    layer = keras.layers.SeparableConv2D(5, 3, depth_multiplier=2)
    layer.build((None, 8, 8, 3))
    assert layer.count_params() == dk.size + pk.size + b.size == 3 * 3 * 3 * 2 + 6 * 5 + 5


# --------------------------------------------------------------------------- decompositions
@PROPERTY
@given(grouped_problems())
def test_grouped_conv_is_the_groups_convolved_separately(problem):
    """Independent of Keras and of the grouped matmul: slice, convolve with groups=1, stack."""
    x, kernel, bias, kwargs = problem
    if not _fits(lambda: convviz.conv2d(x, kernel, **kwargs)):
        return
    groups, fmt = kwargs["groups"], kwargs["data_format"]
    plain = {k: v for k, v in kwargs.items() if k not in ("groups", "data_format")}
    xs = _to_nhwc(x, fmt).astype(np.float64)
    per_in, per_out = kernel.shape[2], kernel.shape[3] // groups
    parts = [convviz.conv2d(xs[..., g * per_in:(g + 1) * per_in],
                            kernel[..., g * per_out:(g + 1) * per_out].astype(np.float64), **plain)
             for g in range(groups)]
    expected = np.concatenate(parts, axis=-1) + (0 if bias is None else bias)
    ours = _to_nhwc(convviz.conv2d(x, kernel, bias, **kwargs), fmt)
    tol = 1e-5 if x.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(ours, expected, rtol=tol, atol=tol * max(1.0, np.abs(expected).max()))


@PROPERTY
@given(depthwise_problems())
def test_depthwise_is_grouped_conv_with_groups_equal_to_channels(problem):
    x, kernel, bias, kwargs = problem
    if not _fits(lambda: convviz.depthwise_conv2d(x, kernel, **kwargs)):
        return
    kh, kw, c_in, m = kernel.shape
    grouped = kernel.reshape(kh, kw, 1, c_in * m)
    np.testing.assert_array_equal(convviz.depthwise_conv2d(x, kernel, bias, **kwargs),
                                  convviz.conv2d(x, grouped, bias, groups=c_in, **kwargs))


# --------------------------------------------------------------------------- against Keras
@settings(max_examples=80)
@given(grouped_problems())   # Keras compiles every grouped call with XLA: ~0.2 s each
def test_grouped_conv2d_equals_keras_conv2d_groups(problem):
    x, kernel, bias, kwargs = problem
    if _fits(lambda: convviz.conv2d(x, kernel, **kwargs)):
        ours, _ = assert_matches_keras(x, kernel, bias, **kwargs)
        assert ours.dtype == x.dtype


@PROPERTY
@given(depthwise_problems())
def test_depthwise_conv2d_equals_keras_depthwise_conv2d(problem):
    x, kernel, bias, kwargs = problem
    if _fits(lambda: convviz.depthwise_conv2d(x, kernel, **kwargs)):
        ours, _ = assert_depthwise_matches_keras(x, kernel, bias, **kwargs)
        assert ours.dtype == x.dtype


@PROPERTY
@given(depthwise_problems(pointwise=True))
def test_separable_conv2d_equals_keras_separable_conv2d(problem):
    x, (dk, pk), bias, kwargs = problem
    if _fits(lambda: convviz.separable_conv2d(x, dk, pk, **kwargs)):
        ours, _ = assert_separable_matches_keras(x, dk, pk, bias, **kwargs)
        assert ours.dtype == x.dtype


def _raw(layer, x, weights, ours, bias, fmt):
    """Run a raw Keras layer; compare, expecting the channels_first bias bug where it applies."""
    layer.build(x.shape)
    layer.set_weights(weights)
    raw = np.asarray(layer(x))
    if fmt == "channels_first" and bias is not None and ours.shape[-1] == len(bias):
        event("channels_first bias bug pattern")
        ours = ours - bias[None, :, None, None] + bias[None, None, None, :]
    np.testing.assert_allclose(raw, ours, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(ours).max()))


@st.composite
def native_depthwise(draw, pointwise=False):
    """What the raw layers take as they are: named padding, equal strides, float32."""
    x, kernel, bias, kwargs = draw(depthwise_problems(pointwise=pointwise))
    s, d = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    kwargs |= dict(padding=draw(st.sampled_from(["valid", "same"])), strides=s, dilation_rate=d)
    cast = lambda a: None if a is None else a.astype(np.float32)
    kernel = tuple(map(cast, kernel)) if pointwise else cast(kernel)
    return cast(x), kernel, cast(bias), kwargs


@FEW
@given(native_depthwise())
def test_depthwise_equals_the_raw_keras_layer(problem):
    import keras

    x, kernel, bias, kwargs = problem
    if not _fits(lambda: convviz.depthwise_conv2d(x, kernel, **kwargs)):
        return
    ours = convviz.depthwise_conv2d(x, kernel, bias, **kwargs)
    layer = keras.layers.DepthwiseConv2D(kernel.shape[:2], depth_multiplier=kernel.shape[3],
                                         use_bias=bias is not None, **kwargs)
    _raw(layer, x, [kernel] + ([bias] if bias is not None else []), ours, bias,
         kwargs["data_format"])


@FEW
@given(native_depthwise(pointwise=True))
def test_separable_equals_the_raw_keras_layer(problem):
    import keras

    x, (dk, pk), bias, kwargs = problem
    if not _fits(lambda: convviz.separable_conv2d(x, dk, pk, **kwargs)):
        return
    ours = convviz.separable_conv2d(x, dk, pk, bias, **kwargs)
    layer = keras.layers.SeparableConv2D(pk.shape[3], dk.shape[:2], depth_multiplier=dk.shape[3],
                                         use_bias=bias is not None, **kwargs)
    _raw(layer, x, [dk, pk] + ([bias] if bias is not None else []), ours, bias,
         kwargs["data_format"])


@pytest.mark.parametrize("layer_name", ["DepthwiseConv2D", "SeparableConv2D"])
def test_keras_channels_first_bias_bug_hits_depthwise_and_separable_and_is_routed_around(layer_name):
    import keras

    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 3, 4)).astype(np.float32)     # W' = 4 with a 1x1 kernel
    dk = rng.standard_normal((1, 1, 2, 2)).astype(np.float32)    # C_in * M = 4 channels
    pk = rng.standard_normal((1, 1, 4, 4)).astype(np.float32)
    b = np.array([0.0, 10.0, 20.0, 30.0], np.float32)
    if layer_name == "DepthwiseConv2D":
        ours, _ = assert_depthwise_matches_keras(x, dk, b, data_format="channels_first")
        layer = keras.layers.DepthwiseConv2D(1, depth_multiplier=2, data_format="channels_first")
        weights = [dk, b]
    else:
        ours, _ = assert_separable_matches_keras(x, dk, pk, b, data_format="channels_first")
        layer = keras.layers.SeparableConv2D(4, 1, depth_multiplier=2, data_format="channels_first")
        weights = [dk, pk, b]
    assert ours.shape == (1, 4, 3, 4)
    layer.build(x.shape)
    layer.set_weights(weights)
    raw = np.asarray(layer(x))
    if np.allclose(raw, ours, atol=1e-5):
        pytest.skip("this Keras adds channels_first biases correctly")
    np.testing.assert_allclose(raw, ours - b[None, :, None, None] + b[None, None, None, :],
                               atol=1e-5)


def test_keras_depthwise_with_unequal_strides_is_refused_by_tensorflow_and_sampled_by_the_bridge():
    import keras

    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 7, 9, 2)).astype(np.float32)
    k = rng.standard_normal((3, 2, 2, 2)).astype(np.float32)
    ours = convviz.depthwise_conv2d(x, k, strides=(1, 2), padding="same")
    layer = keras.layers.DepthwiseConv2D((3, 2), strides=(1, 2), padding="same",
                                         depth_multiplier=2, use_bias=False)
    layer.build(x.shape)
    layer.set_weights([k])
    try:
        raw = np.asarray(layer(x))
    except Exception as exc:
        assert "equal length strides" in str(exc), exc
    else:  # a TensorFlow that strides unequally must agree with us
        np.testing.assert_allclose(raw, ours, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(keras_depthwise_conv2d(x, k, strides=(1, 2), padding="same"),
                               ours, rtol=1e-5, atol=1e-5)


def test_integer_inputs_give_exact_integer_results_equal_to_keras():
    rng = np.random.default_rng(3)
    x, k, b = rng.integers(-9, 10, (2, 3, 7, 6)), rng.integers(-3, 4, (3, 2, 3, 2)), np.arange(6)
    ours, theirs = assert_depthwise_matches_keras(x, k, b, strides=2, padding="same",
                                                  data_format="channels_first")
    assert ours.dtype.kind == "i"
    np.testing.assert_array_equal(ours, theirs)
    g = rng.integers(-3, 4, (2, 2, 1, 6))
    ours, theirs = assert_matches_keras(x.transpose(0, 2, 3, 1), g, b, groups=3, dilation_rate=2,
                                        padding="same")
    assert ours.dtype.kind == "i"
    np.testing.assert_array_equal(ours, theirs)


def test_single_channel_depthwise_is_plain_conv_and_matches_keras():
    x, k = np.arange(30.0).reshape(5, 6), np.array([[1.0, -1.0], [2.0, 0.5]])
    ours, _ = assert_depthwise_matches_keras(x, k, 3.0, padding="same")
    np.testing.assert_array_equal(ours, convviz.conv2d(x, k, 3.0, padding="same"))


# --------------------------------------------------------------------------- traces
@FEW
@given(depthwise_problems(max_hw=5))
def test_depthwise_trace_sums_one_channel_per_step_and_equals_keras(problem):
    x, kernel, bias, kwargs = problem
    if not _fits(lambda: convviz.depthwise_conv2d(x, kernel, **kwargs)):
        return
    trace = convviz.trace_depthwise_conv2d(x, kernel, bias, **kwargs)
    ours = convviz.depthwise_conv2d(x, kernel, bias, **kwargs)
    theirs = keras_depthwise_conv2d(x, kernel, bias, **kwargs)
    tol = 1e-4 if x.dtype == np.float32 else 1e-10
    scale = max(1.0, np.abs(theirs).max())
    np.testing.assert_allclose(trace.output, theirs, rtol=tol, atol=tol * scale)
    np.testing.assert_allclose(trace.output, ours, rtol=tol, atol=tol * scale)
    multiplier = kernel.shape[3]
    xs = _to_nhwc(x, kwargs["data_format"])
    for step in trace:
        assert step.channels == (step.filter // multiplier,)
        assert step.channel_sums.shape == (1,) and step.kernel.shape[0] == 1
        np.testing.assert_array_equal(step.kernel[0],
                                      kernel[:, :, step.filter // multiplier, step.filter % multiplier])
        inside = ~step.is_padding
        rows = np.array(step.rows)[:, None].repeat(len(step.cols), 1)[inside]
        cols = np.array(step.cols)[None, :].repeat(len(step.rows), 0)[inside]
        np.testing.assert_array_equal(step.window_values[0][inside],
                                      xs[step.batch, rows, cols, step.channels[0]])


@settings(max_examples=40)
@given(grouped_problems(max_hw=5))
def test_grouped_trace_records_the_groups_channels_and_equals_keras(problem):
    x, kernel, bias, kwargs = problem
    if not _fits(lambda: convviz.conv2d(x, kernel, **kwargs)):
        return
    trace = convviz.trace_conv2d(x, kernel, bias, **kwargs)
    theirs = keras_conv2d(x, kernel, bias, **kwargs)
    tol = 1e-4 if x.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(trace.output, theirs, rtol=tol,
                               atol=tol * max(1.0, np.abs(theirs).max()))
    assert trace.groups == kwargs["groups"]
    per_in, per_out = kernel.shape[2], kernel.shape[3] // kwargs["groups"]
    for step in trace:
        g = step.filter // per_out
        assert step.channels == tuple(range(g * per_in, (g + 1) * per_in))
        assert step.total == pytest.approx(step.channel_sums.sum() + step.bias, rel=tol, abs=tol)


# --------------------------------------------------------------------------- errors
X = np.zeros((1, 5, 5, 4))


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: convviz.conv2d(X, np.zeros((3, 3, 2, 6)), groups=3), ValueError,
     r"groups=3 must divide the number of input channels, but x has C_in=4 channels \(4 % 3 = 1\)"),
    (lambda: convviz.conv2d(X, np.zeros((3, 3, 2, 5)), groups=2), ValueError,
     r"groups=2 must divide the number of filters, but the kernel has C_out=5 .*5 % 2 = 1"),
    (lambda: convviz.conv2d(X, np.zeros((3, 3, 4, 6)), groups=2), ValueError,
     r"with groups=2 each filter sees C_in / groups = 4 / 2 = 2 input channels, so the kernel "
     r"must be \(kh, kw, 2, C_out\); got kernel shape \(3, 3, 4, 6\)"),
    (lambda: convviz.trace_conv2d(X, np.zeros((3, 3, 4, 6)), groups=2), ValueError,
     r"so the kernel must be \(kh, kw, 2, C_out\)"),
    (lambda: convviz.conv2d(X, np.zeros((3, 3, 4, 6)), groups=0), ValueError, r"groups must be >= 1, got 0"),
    (lambda: convviz.conv2d(X, np.zeros((3, 3, 4, 6)), groups=2.0), TypeError, r"groups must be an int, got 2.0"),
    (lambda: convviz.conv2d(np.zeros((5, 5)), np.zeros((3, 3)), groups=2), ValueError,
     r"groups must be 1 for a 2-D \(H, W\) input, which has one channel; got groups=2"),
    (lambda: convviz.depthwise_conv2d(X, np.zeros((3, 3, 4))), ValueError,
     r"kernel must be 4-D \(kh, kw, C_in, depth_multiplier\) when x is 4-D, got shape \(3, 3, 4\)"),
    (lambda: convviz.depthwise_conv2d(X, np.zeros((3, 3, 2, 2))), ValueError,
     r"kernel \(kh, kw, C_in, depth_multiplier\) = \(3, 3, 2, 2\) expects C_in=2 input channels but x has 4"),
    (lambda: convviz.depthwise_conv2d(X, np.zeros((3, 3, 4, 1)), data_format="channels_first"), ValueError,
     r"expects C_in=4 input channels but x has 5 .*data_format='channels_first'"),
    (lambda: convviz.depthwise_conv2d(X, np.zeros((3, 3, 4, 2)), np.zeros(4)), ValueError,
     r"bias must have shape \(C_out,\) = \(8,\), got shape \(4,\)"),
    (lambda: convviz.depthwise_conv2d(np.zeros((5, 5)), np.zeros((3, 3, 1, 1))), ValueError,
     r"kernel must be 2-D \(kh, kw\) when x is 2-D \(H, W\), got shape \(3, 3, 1, 1\)"),
    (lambda: convviz.depthwise_conv2d(np.zeros((5, 5, 4)), np.zeros((3, 3, 4, 1))), ValueError,
     r"x must be 4-D \(N, H, W, C\) or 2-D \(H, W\), got 3-D"),
    (lambda: convviz.trace_depthwise_conv2d(X, np.zeros((3, 3, 2, 2))), ValueError,
     r"expects C_in=2 input channels but x has 4"),
    (lambda: convviz.separable_conv2d(X, np.zeros((3, 3, 4, 2)), np.zeros((1, 1, 4, 3))), ValueError,
     r"pointwise_kernel must be \(1, 1, C_in\*depth_multiplier, C_out\) = \(1, 1, 8, C_out\) for "
     r"depthwise_kernel of shape \(3, 3, 4, 2\), got shape \(1, 1, 4, 3\)"),
    (lambda: convviz.separable_conv2d(X, np.zeros((3, 3, 4, 2)), np.zeros((3, 3, 8, 3))), ValueError,
     r"pointwise_kernel must be \(1, 1, C_in\*depth_multiplier, C_out\)"),
    (lambda: convviz.separable_conv2d(X, np.zeros((3, 3, 3, 2)), np.zeros((1, 1, 6, 3))), ValueError,
     r"depthwise_kernel \(kh, kw, C_in, depth_multiplier\) = \(3, 3, 3, 2\) expects C_in=3"),
    (lambda: convviz.separable_conv2d(np.zeros((5, 5)), np.zeros((3, 3)), np.zeros((1, 1, 1, 1))),
     ValueError, r"x must be 4-D for separable_conv2d, got shape \(5, 5\)"),
    (lambda: convviz.separable_conv2d(X, np.zeros((3, 3, 4, 1)), np.zeros((1, 1, 4, 3)), np.zeros(4)),
     ValueError, r"bias must have shape \(C_out,\) = \(3,\), got shape \(4,\)"),
    (lambda: convviz.depthwise_conv2d(X, np.zeros((7, 3, 4, 1))), ValueError,
     r"kernel height 7 \(dilated to 7\) is larger than the padded input height 5"),
])
def test_family_refuses_bad_input_naming_the_argument(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
