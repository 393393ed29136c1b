"""Pooling against numbers worked out by hand."""
import numpy as np

import convviz

FM = np.array([
    [1, 3, 2, 1],
    [4, 6, 5, 0],
    [7, 2, 9, 8],
    [1, 0, 3, 4],
])


def test_max_pool_2x2_stride_2_halves_and_keeps_the_strongest():
    np.testing.assert_array_equal(convviz.max_pool2d(FM, 2), [[6, 5], [7, 9]])


def test_avg_pool_2x2():
    np.testing.assert_allclose(convviz.avg_pool2d(FM, 2), [[14 / 4, 8 / 4], [10 / 4, 24 / 4]])


def test_same_padding_on_an_odd_size_pads_bottom_right_and_padding_never_wins():
    x = -np.arange(1, 26).reshape(5, 5)        # all negative: a zero pad would win a max
    out = convviz.max_pool2d(x, 2, padding="same")
    assert out.shape == (3, 3)                 # ceil(5 / 2)
    # last row of windows holds only input row 4 (row 5 is padding)
    np.testing.assert_array_equal(out[2], [-21, -23, -25])
    np.testing.assert_array_equal(out[:, 2], [-5, -15, -25])


def test_avg_same_divides_by_real_cells_only():
    x = np.ones((5, 5))
    out = convviz.avg_pool2d(x, 2, padding="same")
    np.testing.assert_allclose(out, np.ones((3, 3)))   # a zero-counting average would give 0.5 / 0.25
    y = np.arange(25, dtype=float).reshape(5, 5)
    assert convviz.avg_pool2d(y, 2, padding="same")[2, 2] == 24.0
    assert convviz.avg_pool2d(y, 2, padding="same")[2, 0] == (20 + 21) / 2


def test_integer_max_pool_keeps_dtype_and_overlapping_strides():
    out = convviz.max_pool2d(FM, 3, strides=1)
    assert out.dtype == FM.dtype
    np.testing.assert_array_equal(out, [[9, 9], [9, 9]])
