"""trace_conv2d: every recorded step is internally consistent and matches conv2d."""
import numpy as np
import pytest

import convviz
from convviz.worked import describe_step, multi_channel_example, single_channel_example


def test_single_channel_trace_records_each_step_of_the_worked_example():
    x, kernel = single_channel_example()
    trace = convviz.trace_conv2d(x, kernel)
    assert len(trace) == 9
    assert [(s.out_row, s.out_col) for s in trace] == [(i, j) for i in range(3) for j in range(3)]
    first = trace[0]
    np.testing.assert_array_equal(first.window_values[0], x[0:3, 0:3])
    np.testing.assert_array_equal(first.kernel[0], kernel)
    np.testing.assert_array_equal(first.products[0], x[0:3, 0:3] * kernel)
    assert first.total == 12 and first.channel_sums.tolist() == [12]
    last = trace.step_at(2, 2)
    assert last.rows == (2, 3, 4) and last.cols == (2, 3, 4) and last.total == 14
    np.testing.assert_array_equal(trace.output, convviz.conv2d(x, kernel))


def test_multi_channel_trace_keeps_per_channel_sums_and_bias():
    x, kernel, bias = multi_channel_example()
    trace = convviz.trace_conv2d(x, kernel, bias, data_format="channels_first")
    step = trace[0]
    assert step.window_values.shape == step.kernel.shape == step.products.shape == (3, 3, 3)
    assert step.channel_sums.tolist() == [0, 3, 3]          # the hand-computed sums
    assert step.bias == 1 and step.total == 7
    for s in trace:
        assert s.total == s.channel_sums.sum() + s.bias
        np.testing.assert_array_equal(s.products.sum(axis=(1, 2)), s.channel_sums)
    np.testing.assert_array_equal(trace.output, convviz.conv2d(x, kernel, bias, data_format="channels_first"))


def test_padding_cells_are_marked_and_zero():
    x = np.arange(1, 17).reshape(4, 4)
    kernel = np.ones((3, 3), int)
    trace = convviz.trace_conv2d(x, kernel, padding="same", strides=2)
    # 4 -> 2 outputs with stride 2 need (2-1)*2 + 3 - 4 = 1 padding cell: it goes after
    assert trace.pads == ((0, 1), (0, 1))
    corner = trace.step_at(1, 1)
    assert corner.rows == (2, 3, 4) and corner.cols == (2, 3, 4)
    expected_pad = np.zeros((3, 3), bool)
    expected_pad[2, :] = expected_pad[:, 2] = True
    np.testing.assert_array_equal(corner.is_padding, expected_pad)
    assert (corner.window_values[0][corner.is_padding] == 0).all()
    assert corner.total == 11 + 12 + 15 + 16
    np.testing.assert_array_equal(trace.output, convviz.conv2d(x, kernel, padding="same", strides=2))


def test_dilated_window_skips_cells():
    x = np.arange(49).reshape(7, 7)
    trace = convviz.trace_conv2d(x, np.ones((2, 2), int), dilation_rate=3)
    first = trace[0]
    assert first.rows == (0, 3) and first.cols == (0, 3)
    assert first.total == 0 + 3 + 21 + 24


def test_order_is_batch_filter_row_col_and_lookup_works():
    rng = np.random.default_rng(1)
    x, k = rng.normal(size=(2, 4, 4, 2)), rng.normal(size=(2, 2, 2, 3))
    trace = convviz.trace_conv2d(x, k)
    keys = [s.output_index for s in trace]
    assert keys == sorted(keys) and len(keys) == 2 * 3 * 3 * 3
    assert [s.index for s in trace] == list(range(len(trace)))
    assert len(trace.steps_for(filter=2, batch=1)) == 9
    assert trace.feature_maps.shape == (2, 3, 3, 3) and trace.output.shape == (2, 3, 3, 3)
    np.testing.assert_allclose(trace.feature_maps.transpose(0, 2, 3, 1), convviz.conv2d(x, k))
    with pytest.raises(KeyError, match="filter=5"):
        trace.step_at(0, 0, filter=5)


def test_describe_step_prints_the_products_and_total_from_the_trace():
    x, kernel = single_channel_example()
    text = describe_step(convviz.trace_conv2d(x, kernel)[0], 9)
    assert "3*0 + 3*1 + 2*2 + 0*2 + 0*2 + 1*0 + 3*0 + 1*1 + 2*2 = 12" in text
    assert text.startswith("step 1/9: output[0, 0]")
