"""The integer rule: integer inputs of any width are computed and returned as int64.

Every function of the family and every trace follows it, so a uint8 digit with a
uint8 kernel gives the true sums instead of sums wrapped around at 256. The
reference is the same call on float64 copies of the inputs: every value here stays
below 2**53, where float64 holds integers exactly.
"""
import numpy as np
import pytest
from scipy.signal import correlate2d

import convviz
from convviz.data import load_mnist

# (x range, kernel range) per dtype: wide enough that sums overflow the dtype itself,
# small enough that every sum (and the separable chain) fits int64 and float64.
RANGES = {
    np.int8: ((-128, 127), (-128, 127)),
    np.uint8: ((0, 255), (0, 255)),
    np.int16: ((-32768, 32767), (-32768, 32767)),
    np.uint16: ((0, 65535), (0, 65535)),
    np.int32: ((-2**30, 2**30), (-7, 7)),
}


def _ints(rng, shape, bounds, dtype):
    return rng.integers(bounds[0], bounds[1], shape, endpoint=True).astype(dtype)


def _family(rng, dtype):
    """``{name: (call, args)}``: every function of the family (and its trace) on
    integers of ``dtype``; ``call(*args)`` returns the result array."""
    xr, kr = RANGES[dtype]
    x = _ints(rng, (2, 6, 7, 2), xr, dtype)
    kernel, grouped = _ints(rng, (3, 3, 2, 3), kr, dtype), _ints(rng, (3, 2, 1, 4), kr, dtype)
    bias = _ints(rng, (3,), kr, dtype)
    depthwise, pointwise = _ints(rng, (3, 3, 2, 2), kr, dtype), _ints(rng, (1, 1, 4, 3), kr, dtype)
    small = _ints(rng, (2, 4, 3, 2), xr, dtype)
    transposed = _ints(rng, (3, 3, 3, 2), kr, dtype)           # (kh, kw, C_out, C_in)
    same = dict(padding="same")
    return {
        "conv2d": (lambda *a: convviz.conv2d(*a, strides=(1, 2), **same), (x, kernel, bias)),
        "trace_conv2d": (lambda *a: convviz.trace_conv2d(*a, **same).output, (x, kernel, bias)),
        "conv2d groups=2": (lambda *a: convviz.conv2d(*a, groups=2, **same), (x, grouped)),
        "depthwise_conv2d": (lambda *a: convviz.depthwise_conv2d(*a, **same), (x, depthwise)),
        "trace_depthwise_conv2d": (
            lambda *a: convviz.trace_depthwise_conv2d(*a, **same).output, (x, depthwise)),
        "separable_conv2d": (lambda *a: convviz.separable_conv2d(*a, **same),
                             (x, depthwise, pointwise, bias)),
        "conv2d_transpose": (lambda *a: convviz.conv2d_transpose(*a, strides=2, **same),
                             (small, transposed, bias)),
        "trace_conv2d_transpose": (
            lambda *a: convviz.trace_conv2d_transpose(*a, strides=2, **same).output,
            (small, transposed, bias)),
    }


FUNCTIONS = list(_family(np.random.default_rng(0), np.int8))


@pytest.mark.parametrize("name", FUNCTIONS)
@pytest.mark.parametrize("dtype", list(RANGES), ids=lambda d: np.dtype(d).name)
def test_every_function_and_trace_computes_small_integers_exactly_in_int64(dtype, name):
    call, args = _family(np.random.default_rng(7), dtype)[name]
    result = call(*args)
    reference = call(*(a.astype(np.float64) for a in args))
    assert result.dtype == np.int64
    assert np.abs(reference).max() > np.iinfo(dtype).max     # the sums do overflow the dtype
    np.testing.assert_array_equal(result, reference.astype(np.int64))


@pytest.mark.parametrize("dtype", list(RANGES), ids=lambda d: np.dtype(d).name)
def test_trace_steps_and_core_agree_for_every_integer_dtype(dtype):
    rng = np.random.default_rng(3)
    xr, kr = RANGES[dtype]
    x, kernel = _ints(rng, (1, 4, 4, 2), xr, dtype), _ints(rng, (2, 2, 2, 2), kr, dtype)
    trace = convviz.trace_conv2d(x, kernel, padding="same")
    core = convviz.conv2d(x, kernel, padding="same")
    np.testing.assert_array_equal(trace.output, core)
    for step in trace:
        assert step.products.dtype == np.int64
        assert step.total == int(step.products.astype(np.int64).sum())
        assert core[step.batch, step.out_row, step.out_col, step.filter] == step.total


def test_a_real_mnist_digit_with_a_uint8_ones_kernel_gives_the_true_sums():
    digit = load_mnist()[1][0][0]                                  # uint8, as loaded
    ones = np.ones((3, 3), np.uint8)
    expected = correlate2d(digit.astype(np.int64), ones.astype(np.int64), mode="valid")
    assert digit.dtype == np.uint8 and (expected > 255).sum() > 100
    np.testing.assert_array_equal(convviz.conv2d(digit, ones), expected)    # all 676 cells
    np.testing.assert_array_equal(convviz.trace_conv2d(digit, ones).output, expected)


def test_uint8_200_times_four_is_800_in_core_and_trace():
    x, ones = np.full((2, 2), 200, np.uint8), np.ones((2, 2), np.uint8)
    assert convviz.conv2d(x, ones).tolist() == [[800]]
    trace = convviz.trace_conv2d(x, ones)
    assert trace.output.tolist() == [[800]] and trace[0].total == 800


def test_trace_of_int8_reaches_minus_224_without_overflow():
    trace = convviz.trace_conv2d(np.full((2, 2), -56, np.int8), np.ones((2, 2), np.int8))
    assert trace[0].total == -224 and trace.output.tolist() == [[-224]]


def test_uint64_is_taken_when_it_fits_int64_and_refused_when_it_could_overflow():
    x = np.array([[3, 2**40], [1, 2]], np.uint64)
    out = convviz.conv2d(x, np.ones((2, 2), np.uint64))
    assert out.dtype == np.int64 and out.tolist() == [[2**40 + 6]]
    with pytest.raises(ValueError, match=r"integer inputs are computed in int64, but \|x\| up to "
                                         r"1\.84e\+19 .* beyond int64"):
        convviz.conv2d(np.array([[2**64 - 1]], np.uint64), np.ones((1, 1), np.uint64))


def test_int64_sums_that_could_overflow_are_refused_before_any_arithmetic():
    x = np.full((1, 3, 3, 1), 2**62, np.int64)
    with pytest.raises(ValueError, match=r"\|x\| up to 4\.61e\+18 and \|kernel\| up to 4 over "
                                         r"4 products could reach 7\.38e\+19"):
        convviz.conv2d(x, np.full((2, 2, 1, 1), 4))
    with pytest.raises(ValueError, match="beyond int64"):
        convviz.conv2d_transpose(x, np.full((2, 2, 1, 1), 4))


def test_integer_results_equal_keras_where_float32_holds_them_exactly():
    """Keras computes integer inputs in float32: equal wherever the sums stay below 2**24."""
    from convviz.keras_check import (keras_conv2d, keras_conv2d_transpose,
                                     keras_depthwise_conv2d, keras_separable_conv2d)

    rng = np.random.default_rng(11)
    x = _ints(rng, (2, 7, 7, 2), (0, 255), np.uint8)
    k, dk = _ints(rng, (3, 3, 2, 3), (0, 255), np.uint8), _ints(rng, (3, 3, 2, 1), (0, 255), np.uint8)
    pk, b = _ints(rng, (1, 1, 2, 3), (0, 15), np.uint8), _ints(rng, (3,), (0, 255), np.uint8)
    tk = _ints(rng, (3, 3, 3, 2), (0, 255), np.uint8)
    pairs = [
        (convviz.conv2d(x, k, b, padding="same"), keras_conv2d(x, k, b, padding="same")),
        (convviz.depthwise_conv2d(x, dk, padding="same"),
         keras_depthwise_conv2d(x, dk, padding="same")),
        (convviz.separable_conv2d(x, dk, pk, b, padding="same"),
         keras_separable_conv2d(x, dk, pk, b, padding="same")),
        (convviz.conv2d_transpose(x, tk, b, strides=2, padding="same"),
         keras_conv2d_transpose(x, tk, b, strides=2, padding="same")),
    ]
    for ours, theirs in pairs:
        assert ours.dtype == np.int64 and theirs.dtype == np.float32
        assert 255 < np.abs(ours).max() < 2**24
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", list(RANGES) + [np.int64], ids=lambda d: np.dtype(d).name)
def test_pooling_max_keeps_the_dtype_and_average_is_float(dtype):
    """Pins the documented pooling rule (it held before the integer rule too)."""
    rng = np.random.default_rng(5)
    info = np.iinfo(dtype)
    x = rng.integers(max(info.min, -2**40), min(info.max, 2**40), (1, 5, 5, 2),
                     endpoint=True).astype(dtype)
    peak = convviz.max_pool2d(x, 2, padding="same")
    assert peak.dtype == dtype
    np.testing.assert_array_equal(peak, convviz.max_pool2d(x.astype(np.float64), 2, padding="same"))
    mean = convviz.avg_pool2d(x, 2, padding="same")
    assert mean.dtype == np.result_type(dtype, np.float32)
    np.testing.assert_allclose(mean, convviz.avg_pool2d(x.astype(np.float64), 2, padding="same"),
                               rtol=1e-6)
