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
