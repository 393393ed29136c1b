"""Bad input is refused before any arithmetic, naming the argument, expectation and value."""
import numpy as np
import pytest

import convviz

X = np.zeros((1, 5, 5, 2))
K = np.zeros((3, 3, 2, 4))


@pytest.mark.parametrize("fn", [convviz.conv2d, convviz.trace_conv2d])
@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(x=np.zeros((5, 5, 2))), ValueError, r"x must be 4-D \(N, H, W, C\) or 2-D \(H, W\), got 3-D of shape \(5, 5, 2\)"),
    (dict(x=np.zeros((1, 1, 5, 5, 2))), ValueError, r"x must be 4-D .* got 5-D"),
    (dict(kernel=np.zeros((3, 3))), ValueError, r"kernel must be 4-D \(kh, kw, C_in, C_out\) when x is 4-D, got kernel of shape \(3, 3\)"),
    (dict(kernel=np.zeros((3, 3, 3, 4))), ValueError, r"kernel expects C_in=3 input channels .* but x has 2 channels"),
    (dict(strides=0), ValueError, r"strides must be >= 1, got 0"),
    (dict(strides=(1, -2)), ValueError, r"strides must be >= 1, got \(1, -2\)"),
    (dict(strides=1.5), TypeError, r"strides must be an int or a pair of ints, got 1.5"),
    (dict(dilation_rate=0), ValueError, r"dilation_rate must be >= 1, got 0"),
    (dict(padding="circular"), ValueError, r"padding must be one of \('valid', 'same', 'full'\), an int or pairs of ints, got 'circular'"),
    (dict(padding=-1), ValueError, r"padding must be >= 0, got -1"),
    (dict(padding=((0, 1), (-2, 0))), ValueError, r"padding must be >= 0, got \(-2, 0\)"),
    (dict(padding=(1, 2, 3)), TypeError, r"padding must be .* got \(1, 2, 3\)"),
    (dict(kernel=np.zeros((7, 3, 2, 4))), ValueError, r"kernel height 7 \(dilated to 7\) is larger than the padded input height 5"),
    (dict(dilation_rate=3), ValueError, r"kernel height 3 \(dilated to 7\) is larger than the padded input height 5"),
    (dict(x=np.array([[["a"]]] * 1, dtype=object).reshape(1, 1, 1, 1)), TypeError, r"x must have an integer or floating dtype, got dtype object"),
    (dict(x=np.zeros((1, 5, 5, 2), bool)), TypeError, r"x must have an integer or floating dtype, got dtype bool"),
    (dict(kernel=np.zeros((3, 3, 2, 4), complex)), TypeError, r"kernel must have an integer or floating dtype, got dtype complex128"),
    (dict(x=np.zeros((0, 5, 5, 2))), ValueError, r"x must not be empty, got shape \(0, 5, 5, 2\)"),
    (dict(kernel=np.zeros((3, 3, 2, 0))), ValueError, r"kernel must not be empty"),
    (dict(bias=np.zeros(3)), ValueError, r"bias must have shape \(C_out,\) = \(4,\), got shape \(3,\)"),
    (dict(data_format="NCHW"), ValueError, r"data_format must be one of \('channels_last', 'channels_first'\), got 'NCHW'"),
])
def test_conv_refuses_bad_input(fn, kwargs, exc, pattern):
    args = dict(x=X, kernel=K) | kwargs
    with pytest.raises(exc, match=pattern):
        fn(args.pop("x"), args.pop("kernel"), **args)


def test_channels_first_mismatch_names_the_data_format():
    with pytest.raises(ValueError, match="data_format='channels_first'"):
        convviz.conv2d(np.zeros((1, 5, 5, 2)), K, data_format="channels_first")


def test_two_d_input_needs_a_two_d_kernel():
    with pytest.raises(ValueError, match=r"kernel must be 2-D \(kh, kw\) when x is 2-D \(H, W\)"):
        convviz.conv2d(np.zeros((5, 5)), K)


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: convviz.conv_output_size(5, 7), ValueError, r"kernel of size 7 \(dilated to 7\) is larger than the padded input of size 5"),
    (lambda: convviz.conv_output_size(5, 3, stride=0), ValueError, r"stride must be >= 1, got 0"),
    (lambda: convviz.conv_output_size(5.0, 3), TypeError, r"n must be an int, got 5.0"),
    (lambda: convviz.conv_output_size(5, 3, padding="reflect"), ValueError, r"padding must be one of"),
    (lambda: convviz.same_padding(5, 0), ValueError, r"k must be >= 1, got 0"),
    (lambda: convviz.max_pool2d(np.zeros((1, 3, 3, 1)), 4), ValueError, r"pool_size height 4 is larger than the input height 3"),
    (lambda: convviz.max_pool2d(np.zeros((1, 4, 4, 1)), 2, padding="full"), ValueError, r"padding for pooling must be 'valid' or 'same', got 'full'"),
    (lambda: convviz.avg_pool2d(np.zeros((4, 4, 1))), ValueError, r"x must be 4-D .* got shape \(4, 4, 1\)"),
    (lambda: convviz.avg_pool2d(np.zeros((1, 4, 4, 1)), 0), ValueError, r"pool_size must be >= 1, got 0"),
    (lambda: convviz.max_pool2d(np.array([["a"]]), 1), TypeError, r"x must have an integer or floating dtype"),
])
def test_helpers_and_pooling_refuse_bad_input(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# --------------------------------------------------------------------------- size limits
ONE = np.ones((1, 4, 4, 1))
K3 = np.ones((3, 3, 1, 1))
PADDED = r"would need a padded input of 1 x 2000004 x 2000004 x 1 = 4,000,016,000,016 values"
REFUSED = r"convviz refuses arrays of more than MAX_VALUES = 2\*\*31 = 2,147,483,648 values"


@pytest.mark.parametrize("call, pattern", [
    (lambda: convviz.conv2d(ONE, K3, padding=10**6), rf"^padding=1000000 {PADDED} .*; {REFUSED}"),
    (lambda: convviz.trace_conv2d(ONE, K3, padding=10**6), rf"^padding=1000000 {PADDED}"),
    (lambda: convviz.conv2d(ONE, K3, padding=((10**6, 10**6), (10**5, 0))),
     r"^padding=\(\(1000000, 1000000\), \(100000, 0\)\) would need a padded input of "
     r"1 x 2000004 x 100004 x 1"),
    (lambda: convviz.depthwise_conv2d(ONE, K3, padding=10**6), rf"^padding=1000000 {PADDED}"),
    (lambda: convviz.separable_conv2d(ONE, K3, np.ones((1, 1, 1, 2)), padding=10**6),
     rf"^padding=1000000 {PADDED}"),
    (lambda: convviz.conv2d(ONE, K3, padding="same", dilation_rate=10**6),
     rf"^padding='same' with dilation_rate=1000000 {PADDED}"),
    (lambda: convviz.conv2d(np.ones((2**16, 1, 1, 1)), np.ones((1, 1, 1, 2**16))),
     r"^x of shape \(65536, 1, 1, 1\) \(as NHWC\) with C_out=65536 filters would need an "
     r"output of 65536 x 1 x 1 x 65536 = 4,294,967,296 values"),
    (lambda: convviz.conv2d_transpose(ONE, K3, strides=10**6),
     r"^strides=\(1000000, 1000000\) would need an output of 1 x 4000000 x 4000000 x 1"),
    (lambda: convviz.trace_conv2d_transpose(ONE, K3, strides=10**6), r"^strides=\(1000000, 1000000\)"),
    (lambda: convviz.conv2d_transpose(ONE, K3, dilation_rate=10**6),
     r"^dilation_rate=\(1000000, 1000000\) would need an output of 1 x 2000004 x 2000004 x 1"),
    (lambda: convviz.max_pool2d(ONE, 10**6, padding="same"),
     rf"^pool_size=1000000 with padding='same' would need a padded input of 1 x 1000000 x "
     rf"1000000 x 1 = 1,000,000,000,000 values .*; {REFUSED}"),
    (lambda: convviz.avg_pool2d(ONE, (10**5, 10**5), padding="same"),
     r"^pool_size=\(100000, 100000\) with padding='same' would need a padded input"),
])
def test_absurd_sizes_are_refused_naming_the_argument_and_the_size(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_a_window_larger_than_the_work_budget_is_refused():
    with pytest.raises(ValueError, match=r"^dilation_rate=10000 spreads one window over 20001 x "
                                         r"20001 input cells x 1 channel\(s\) = 3,052 MiB as "
                                         r"float64, more than the 256 MiB of scratch memory"):
        convviz.conv2d(np.ones((1, 100, 100, 1)), K3, padding="same", dilation_rate=10**4)


# --------------------------------------------------------------------------- trace budget
DIGITS = np.zeros((10, 28, 28, 1))


@pytest.mark.parametrize("call, steps, what", [
    (lambda **kw: convviz.trace_conv2d(DIGITS, np.zeros((5, 5, 1, 32)), padding="same", **kw),
     "250,880", r"10 image\(s\) x 32 filter\(s\) x 28 x 28 output cells"),
    (lambda **kw: convviz.trace_depthwise_conv2d(np.zeros((4, 28, 28, 8)), np.zeros((3, 3, 8, 4)),
                                                 padding="same", **kw),
     "100,352", r"4 image\(s\) x 32 filter\(s\) x 28 x 28 output cells"),
    (lambda **kw: convviz.trace_conv2d_transpose(np.zeros((10, 28, 28, 32)), np.zeros((3, 3, 1, 32)),
                                                 **kw),
     "250,880", r"10 image\(s\) x 32 input channel\(s\) x 28 x 28 input cells"),
])
def test_traces_refuse_more_steps_than_a_person_reads_and_say_why(call, steps, what):
    with pytest.raises(ValueError, match=rf"would record {steps} steps \({what}\), more than "
                                         r"max_steps=100,000: a trace keeps every window, product "
                                         r"and sum .* for a person to read.*max_steps=None"):
        call()


@pytest.mark.parametrize("trace", [convviz.trace_conv2d, convviz.trace_depthwise_conv2d])
def test_max_steps_sets_the_budget_and_none_lifts_it(trace):
    x, k = np.arange(25).reshape(5, 5), np.ones((3, 3), int)       # 9 steps
    assert len(trace(x, k, max_steps=9)) == 9
    assert len(trace(x, k, max_steps=None)) == 9
    with pytest.raises(ValueError, match="would record 9 steps .* more than max_steps=8"):
        trace(x, k, max_steps=8)


def test_trace_transpose_max_steps_and_bad_values():
    x, k = np.ones((2, 3)), np.ones((2, 2))                          # 6 stamps
    assert len(convviz.trace_conv2d_transpose(x, k, max_steps=6)) == 6
    with pytest.raises(ValueError, match="more than max_steps=5"):
        convviz.trace_conv2d_transpose(x, k, max_steps=5)
    for bad in (0, -1, 1.5, True, "10"):
        with pytest.raises(ValueError, match=r"max_steps must be a positive int or None, got "):
            convviz.trace_conv2d(x, k, max_steps=bad)
