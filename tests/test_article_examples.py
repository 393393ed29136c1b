"""The source article's worked examples, checked against numbers computed by hand."""
import numpy as np
import pytest

import convviz
from convviz.worked import multi_channel_example, single_channel_example


def test_single_channel_5x5_with_3x3_kernel_gives_the_hand_computed_3x3():
    x, kernel = single_channel_example()
    # Dumoulin & Visin (2016), figure 1.1; first cell by hand:
    # 3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12
    expected = [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    out = convviz.conv2d(x, kernel)                   # padding 0, stride 1
    assert out.shape == (3, 3)
    np.testing.assert_array_equal(out, expected)
    # the same numbers through the batched channels_first form (1, 1, 5, 5)
    out4 = convviz.conv2d(x[None, None], kernel[:, :, None, None], data_format="channels_first")
    assert out4.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(out4[0, 0], expected)


def test_multi_channel_first_cell_by_hand():
    x, kernel, bias = multi_channel_example()
    out = convviz.conv2d(x, kernel, bias, data_format="channels_first")
    # red:   1*1 + 0*0 + 2*(-1) + 0*1 + 1*0 + 1*(-1) + 2*1 + 2*0 + 0*(-1) = 0
    # green: 2*0 + 1*1 + 0*0 + 1*1 + 2*(-1) + 2*1 + 0*0 + 1*1 + 2*0      = 3
    # blue:  0*(-1) + 0*(-1) + 1*0 + 2*0 + 1*1 + 0*0 + 1*0 + 0*1 + 2*1    = 3
    # total: 0 + 3 + 3 + bias 1 = 7
    assert out[0, 0, 0, 0] == 7


def test_multi_channel_one_filter_gives_one_channel_equal_to_the_sum_of_channels():
    x, kernel, bias = multi_channel_example()         # (1, 3, 5, 5), (3, 3, 3, 1)
    out = convviz.conv2d(x, kernel, bias, data_format="channels_first")
    assert out.shape == (1, 1, 3, 3)                  # ONE output channel
    per_channel = [convviz.conv2d(x[0, c], kernel[:, :, c, 0]) for c in range(3)]
    np.testing.assert_array_equal(out[0, 0], per_channel[0] + per_channel[1] + per_channel[2] + bias[0])


def test_n_filters_give_n_channels_each_its_own_filter():
    rng = np.random.default_rng(7)
    x = rng.integers(-3, 4, size=(2, 6, 6, 3))
    kernel = rng.integers(-2, 3, size=(3, 3, 3, 5))
    out = convviz.conv2d(x, kernel)
    assert out.shape == (2, 4, 4, 5)
    for f in range(5):
        np.testing.assert_array_equal(out[..., f], convviz.conv2d(x, kernel[..., f:f + 1])[..., 0])


@pytest.mark.parametrize("data_format", ["channels_first", "channels_last"])
def test_article_shapes_28_to_32x14x14_to_64x7x7(data_format):
    rng = np.random.default_rng(0)
    x = rng.random((2, 1, 28, 28)) if data_format == "channels_first" else rng.random((2, 28, 28, 1))
    k1, k2 = rng.normal(size=(5, 5, 1, 32)), rng.normal(size=(5, 5, 32, 64))
    opts = dict(padding="same", data_format=data_format)
    h = convviz.conv2d(x, k1, **opts)
    assert h.shape == ((2, 32, 28, 28) if data_format == "channels_first" else (2, 28, 28, 32))
    h = convviz.max_pool2d(np.maximum(h, 0), 2, 2, **opts)
    assert h.shape == ((2, 32, 14, 14) if data_format == "channels_first" else (2, 14, 14, 32))
    h = convviz.max_pool2d(np.maximum(convviz.conv2d(h, k2, **opts), 0), 2, 2, **opts)
    assert h.shape == ((2, 64, 7, 7) if data_format == "channels_first" else (2, 7, 7, 64))
    assert h.size // 2 == 3136                        # what Flatten hands to Dense(1024)


def test_output_size_formula_examples():
    assert convviz.conv_output_size(5, 3) == 3
    assert convviz.conv_output_size(28, 5, padding="same") == 28
    assert convviz.conv_output_size(28, 5) == 24       # improved CNN's first conv
    assert convviz.conv_output_size(12, 3) == 10       # ... and its second
    assert convviz.conv_output_size(28, 2, stride=2) == 14
    assert convviz.conv_output_size(7, 3, stride=2, padding=1) == 4   # floor((7+2-3)/2)+1
    assert convviz.conv_output_size(7, 3, dilation=2) == 3            # d*(k-1)+1 = 5
    assert convviz.conv_output_size(5, 3, padding="full") == 7
    assert convviz.conv_output_size(5, 2, stride=2, padding="same") == 3


def test_same_padding_puts_the_odd_cell_bottom_right():
    assert convviz.same_padding(28, 5) == (2, 2)
    assert convviz.same_padding(5, 2, stride=2) == (0, 1)     # needs 6 cells: 1 extra, after
    assert convviz.same_padding(6, 4) == (1, 2)
    assert convviz.same_padding(7, 3, stride=3) == (1, 1)     # 3 outputs need 9 cells
    assert convviz.same_padding(4, 3, stride=3) == (1, 1)     # 2 outputs need 6 cells
    assert convviz.same_padding(8, 3, stride=3, dilation=2) == (1, 2)  # (3-1)*3 + 5 - 8 = 3
    assert convviz.same_padding(10, 1, stride=4) == (0, 0)    # never negative
