"""Property tests: conv2d, trace_conv2d and pooling against real Keras layers."""
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import int_or_pair
from strategies import paddings as padding_forms

import convviz
from convviz.keras_check import (
    _hits_channels_first_bias_bug,
    assert_matches_keras,
    assert_pool_matches_keras,
    keras_conv2d,
)

PROPERTY = settings(max_examples=250)

paddings = padding_forms(("valid", "same", "full", "SAME"), max_pad=3)


@st.composite
def conv_problems(draw):
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 16)), draw(st.integers(1, 16))
    c_in, c_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shape = (n, h, w, c_in) if data_format == "channels_last" else (n, c_in, h, w)
    x = rng.standard_normal(shape).astype(dtype)
    kernel = rng.standard_normal((kh, kw, c_in, c_out)).astype(dtype)
    bias = draw(st.one_of(st.none(), st.just(rng.standard_normal(c_out).astype(dtype))))
    kwargs = dict(strides=draw(int_or_pair(1, 3)), dilation_rate=draw(int_or_pair(1, 2)),
                  padding=draw(paddings), data_format=data_format)
    return x, kernel, bias, kwargs


def _fits(x, kernel, kwargs):
    try:
        convviz.conv2d(x, kernel, **kwargs)
    except ValueError as exc:
        assert "larger than the padded input" in str(exc)
        event("kernel larger than padded input: refused")
        return False
    event("compared")
    return True


@PROPERTY
@given(conv_problems())
def test_conv2d_equals_keras_conv2d(problem):
    x, kernel, bias, kwargs = problem
    if _fits(x, kernel, kwargs):
        assert_matches_keras(x, kernel, bias, **kwargs)


@settings(max_examples=80)
@given(conv_problems())
def test_trace_totals_equal_keras_and_conv2d(problem):
    x, kernel, bias, kwargs = problem
    if not _fits(x, kernel, kwargs):
        return
    trace = convviz.trace_conv2d(x, kernel, bias, **kwargs)
    ours = convviz.conv2d(x, kernel, bias, **kwargs)
    theirs = keras_conv2d(x, kernel, bias, **kwargs)
    assert trace.output.shape == ours.shape == theirs.shape
    tol = 1e-4 if x.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(trace.output, theirs, rtol=tol, atol=tol * np.abs(theirs).max())
    np.testing.assert_allclose(trace.output, ours, rtol=tol, atol=tol * np.abs(ours).max())


@st.composite
def pool_problems(draw):
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n, h, w, c = draw(st.integers(1, 3)), draw(st.integers(1, 16)), draw(st.integers(1, 16)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (n, h, w, c) if data_format == "channels_last" else (n, c, h, w)
    pool = draw(int_or_pair(1, 4))
    strides = draw(st.one_of(st.none(), int_or_pair(1, 3)))
    padding = draw(st.sampled_from(["valid", "same"]))
    return rng.standard_normal(shape).astype(dtype), pool, strides, padding, data_format


@PROPERTY
@given(pool_problems(), st.sampled_from(["max", "avg"]))
def test_pooling_equals_keras(problem, kind):
    x, pool, strides, padding, data_format = problem
    ph, pw = (pool, pool) if isinstance(pool, int) else pool
    h, w = (x.shape[1:3] if data_format == "channels_last" else x.shape[2:4])
    if padding == "valid" and (ph > h or pw > w):
        with pytest.raises(ValueError, match="pool_size"):
            convviz.max_pool2d(x, pool, strides, padding, data_format)
        return
    assert_pool_matches_keras(kind, x, pool, strides, padding, data_format)


def test_integer_inputs_give_exact_integer_results_equal_to_keras():
    rng = np.random.default_rng(3)
    x, k, b = rng.integers(-9, 10, (2, 7, 7, 2)), rng.integers(-3, 4, (3, 3, 2, 3)), np.array([1, -2, 0])
    ours, theirs = assert_matches_keras(x, k, b, padding="same", strides=2)
    assert ours.dtype.kind == "i"
    np.testing.assert_array_equal(ours, theirs)


def test_keras_channels_first_bias_bug_is_real_and_routed_around():
    """Keras 3.15 adds a channels_first bias along the width axis when W' == filters.

    The raw layer must differ from conv2d in exactly that pattern (bias[w] - bias[c]),
    while the bridge still matches; if Keras fixes the bug, the raw layer matches
    and the diagnosis part is skipped.
    """
    import keras

    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 5, 4)).astype(np.float32)       # W' = 4 with a 1x1 kernel
    k = rng.standard_normal((1, 1, 2, 4)).astype(np.float32)
    b = np.array([0.0, 10.0, 20.0, 30.0], np.float32)
    ours = convviz.conv2d(x, k, b, data_format="channels_first")
    setup = convviz.conv.prepare_conv(x, k, b, data_format="channels_first")
    assert _hits_channels_first_bias_bug(setup, ours.shape)
    assert_matches_keras(x, k, b, data_format="channels_first")

    layer = keras.layers.Conv2D(4, 1, data_format="channels_first")
    layer.build(x.shape)
    layer.set_weights([k, b])
    raw = np.asarray(layer(x))
    if np.allclose(raw, ours, atol=1e-5):
        pytest.skip("this Keras adds channels_first biases correctly")
    wrong = ours - b[None, :, None, None] + b[None, None, None, :]
    np.testing.assert_allclose(raw, wrong, atol=1e-5)
