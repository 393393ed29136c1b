"""mode="convolution" (flipped kernel) vs the default cross-correlation, checked against scipy."""
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from scipy import signal

import convviz
from convviz.keras_check import assert_matches_keras

PROPERTY = settings(max_examples=150)


@st.composite
def single_channel(draw):
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()):
        return rng.integers(-9, 10, (h, w)), rng.integers(-9, 10, (kh, kw))
    return rng.standard_normal((h, w)), rng.standard_normal((kh, kw))


def _close(ours, theirs):
    assert ours.shape == theirs.shape
    if ours.dtype.kind == "i":
        np.testing.assert_array_equal(ours, theirs)
    else:
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- by hand
def test_an_impulse_shows_the_difference():
    """Sliding over a single 1: convolution reproduces the kernel, cross-correlation mirrors it."""
    x = np.zeros((5, 5), int)
    x[2, 2] = 1
    k = np.arange(1, 10).reshape(3, 3)
    np.testing.assert_array_equal(convviz.conv2d(x, k, padding="same", mode="convolution")[1:4, 1:4], k)
    np.testing.assert_array_equal(convviz.conv2d(x, k, padding="same")[1:4, 1:4], k[::-1, ::-1])


def test_worked_example_by_hand():
    x = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    k = np.array([[1, 0], [0, -1]])
    # cross-correlation: x[i, j] - x[i+1, j+1]; convolution (k flipped to [[-1, 0], [0, 1]]): the negative
    np.testing.assert_array_equal(convviz.conv2d(x, k), [[-4, -4], [-4, -4]])
    np.testing.assert_array_equal(convviz.conv2d(x, k, mode="convolution"), [[4, 4], [4, 4]])


def test_symmetric_kernels_make_no_difference():
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((6, 7)), np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]])
    np.testing.assert_allclose(convviz.conv2d(x, k, padding="same", mode="convolution"),
                               convviz.conv2d(x, k, padding="same"), rtol=1e-13, atol=1e-13)


def test_docstring_explains_the_difference():
    doc = convviz.conv2d.__doc__
    assert "flips the kernel" in doc and "scipy.signal.convolve2d" in doc
    assert "cross_correlation" in doc and "what Keras and every deep-learning" in doc


# --------------------------------------------------------------------------- scipy
@PROPERTY
@given(single_channel(), st.sampled_from(["valid", "full", "same"]))
def test_convolution_mode_equals_scipy_convolve2d(problem, padding):
    x, k = problem
    if padding == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        with pytest.raises(ValueError, match="larger than the padded input"):
            convviz.conv2d(x, k, mode="convolution")
        return
    ours = convviz.conv2d(x, k, padding=padding, mode="convolution")
    if padding != "same" or (k.shape[0] % 2 and k.shape[1] % 2):
        event(f"{padding}: equal to scipy")
        _close(ours, signal.convolve2d(x, k, padding))
    else:
        # An even kernel has no centre. scipy's 'same' takes the centre of its 'full'
        # result starting at (k-1)//2; here the padding follows TensorFlow's rule (the
        # extra cell after), which after the flip starts at the other half, ceil((k-1)/2).
        event("same with an even kernel: scipy's window shifted by one")
        full = signal.convolve2d(x, k, "full")
        r0, c0 = k.shape[0] // 2, k.shape[1] // 2
        _close(ours, full[r0: r0 + x.shape[0], c0: c0 + x.shape[1]])


@PROPERTY
@given(single_channel(), st.sampled_from(["valid", "full", "same"]))
def test_cross_correlation_mode_equals_scipy_correlate2d(problem, padding):
    x, k = problem
    if padding == "valid" and (k.shape[0] > x.shape[0] or k.shape[1] > x.shape[1]):
        return
    _close(convviz.conv2d(x, k, padding=padding), signal.correlate2d(x, k, padding))


@settings(max_examples=80)
@given(single_channel(), st.integers(1, 3), st.integers(1, 3), st.sampled_from(["valid", "full"]))
def test_dilated_convolution_equals_scipy_with_the_spread_kernel(problem, dh, dw, padding):
    x, k = problem
    spread = np.zeros((dh * (k.shape[0] - 1) + 1, dw * (k.shape[1] - 1) + 1), k.dtype)
    spread[::dh, ::dw] = k
    if padding == "valid" and (spread.shape[0] > x.shape[0] or spread.shape[1] > x.shape[1]):
        return
    _close(convviz.conv2d(x, k, padding=padding, dilation_rate=(dh, dw), mode="convolution"),
           signal.convolve2d(x, spread, padding))


@settings(max_examples=60)
@given(st.integers(1, 3), st.integers(1, 3), st.sampled_from(["channels_last", "channels_first"]),
       st.integers(0, 2**32 - 1))
def test_multi_channel_convolution_is_the_sum_of_scipy_convolutions(c_in, c_out, fmt, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 7, 8, c_in))
    k = rng.standard_normal((3, 2, c_in, c_out))
    b = rng.standard_normal(c_out)
    xin = x if fmt == "channels_last" else x.transpose(0, 3, 1, 2)
    ours = convviz.conv2d(xin, k, b, padding="full", mode="convolution", data_format=fmt)
    if fmt == "channels_first":
        ours = ours.transpose(0, 2, 3, 1)
    for n in range(2):
        for o in range(c_out):
            expected = sum(signal.convolve2d(x[n, :, :, c], k[:, :, c, o]) for c in range(c_in)) + b[o]
            np.testing.assert_allclose(ours[n, :, :, o], expected, rtol=1e-12, atol=1e-12)


@settings(max_examples=80)
@given(single_channel())
def test_only_convolution_is_commutative(problem):
    """x * k == k * x for true convolution; cross-correlation swaps into its mirror image."""
    x, k = problem
    conv_xk = convviz.conv2d(x, k, padding="full", mode="convolution")
    _close(conv_xk, convviz.conv2d(k, x, padding="full", mode="convolution"))
    corr_xk = convviz.conv2d(x, k, padding="full")
    _close(convviz.conv2d(k, x, padding="full"), corr_xk[::-1, ::-1])


# --------------------------------------------------------------------------- strides, groups, Keras
@st.composite
def strided_problems(draw):
    fmt = draw(st.sampled_from(["channels_last", "channels_first"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    h, w = draw(st.integers(3, 10)), draw(st.integers(3, 10))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (2, h, w, c_in) if fmt == "channels_last" else (2, c_in, h, w)
    x = rng.standard_normal(shape).astype(dtype)
    k = rng.standard_normal((kh, kw, c_in // groups, c_out)).astype(dtype)
    b = draw(st.one_of(st.none(), st.just(rng.standard_normal(c_out).astype(dtype))))
    kwargs = dict(strides=draw(st.integers(1, 3)), dilation_rate=draw(st.integers(1, 2)),
                  padding=draw(st.sampled_from(["valid", "same", "full", 1])), data_format=fmt,
                  groups=groups)
    return x, k, b, kwargs


@settings(max_examples=60)
@given(strided_problems())
def test_convolution_mode_equals_keras_conv2d_with_the_flipped_kernel(problem):
    """Keras only cross-correlates; handed the flipped kernel it computes our convolution."""
    x, k, b, kwargs = problem
    try:
        ours = convviz.conv2d(x, k, b, mode="convolution", **kwargs)
    except ValueError as exc:
        assert "larger than the padded input" in str(exc)
        return
    _, theirs = assert_matches_keras(x, np.ascontiguousarray(k[::-1, ::-1]), b, **kwargs)
    assert ours.shape == theirs.shape


def test_trace_in_convolution_mode_records_the_flipped_kernel():
    x = np.arange(16).reshape(4, 4)
    k = np.array([[1, 2], [3, 4]])
    trace = convviz.trace_conv2d(x, k, mode="convolution")
    assert trace.mode == "convolution"
    np.testing.assert_array_equal(trace.kernel[0, 0], [[4, 3], [2, 1]])
    first = trace[0]
    np.testing.assert_array_equal(first.products[0], x[:2, :2] * k[::-1, ::-1])
    assert first.total == 0 * 4 + 1 * 3 + 4 * 2 + 5 * 1
    np.testing.assert_array_equal(trace.output, convviz.conv2d(x, k, mode="convolution"))
    np.testing.assert_array_equal(trace.output, signal.convolve2d(x, k, "valid"))
    assert convviz.trace_conv2d(x, k).mode == "cross_correlation"


@pytest.mark.parametrize("fn", [convviz.conv2d, convviz.trace_conv2d])
@pytest.mark.parametrize("mode", ["conv", "Convolution", None, "correlation"])
def test_unknown_mode_is_refused_naming_the_choices(fn, mode):
    with pytest.raises(ValueError, match=r"mode must be one of \('cross_correlation', "
                                         rf"'convolution'\), got {mode!r}"):
        fn(np.zeros((3, 3)), np.zeros((2, 2)), mode=mode)
