"""Every number the six family scenes will draw equals the core, Keras or the model.

Builds each scene's data with :func:`convviz.family_data.build` (nothing is drawn)
and checks it against ``convviz`` core functions, the Keras layers of
:mod:`convviz.keras_check`, scipy, hand-computed numbers and, for the two model
scenes, the model's own layer outputs. The model scenes use untrained models with
fixed seeds here; the tour draws trained ones.
"""
from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import signal

import convviz
from convviz import family_data as F
from convviz import render as R
from convviz.keras_check import (
    keras_conv2d,
    keras_conv2d_transpose,
    keras_depthwise_conv2d,
    keras_separable_conv2d,
)
from convviz.worked import multi_channel_example, single_channel_example


def data_for(scene, config=None, model=None):
    return F.build(scene, R.resolve_config(scene, config), model=model)


# --------------------------------------------------------------------------- TransposedConv
TRANSPOSED_CONFIGS = [
    None,
    R.SceneConfig(padding="same"),
    R.SceneConfig(padding="same", output_padding=1),
    R.SceneConfig(padding=1, output_padding=1, bias=2),
    R.SceneConfig(input=[[1, -2, 0], [3, 1, 2], [0, 2, -1]], padding=3),   # crops past k-1
    R.SceneConfig(input=[[1, -2, 0], [3, 1, 2], [0, 2, -1]], stride=3),    # no overlaps
]


def test_transposed_default_by_hand():
    d = data_for("TransposedConv")
    # k = [[1,2,0],[0,1,1],[2,0,1]] stamped as 1*k at (0, 0), 2*k at (0, 2), 3*k at (2, 0),
    # 4*k at (2, 2)
    assert d.output.tolist() == [[1, 2, 2, 4, 0], [0, 1, 1, 2, 2], [5, 6, 9, 8, 2],
                                 [0, 3, 3, 4, 4], [6, 0, 11, 0, 4]]
    assert d.overlaps.tolist() == [[1, 1, 2, 1, 1], [1, 1, 2, 1, 1], [2, 2, 4, 2, 2],
                                   [1, 1, 2, 1, 1], [1, 1, 2, 1, 1]]
    centre = d.contributions[2][2]           # 1*k[2,2] + 2*k[2,0] + 3*k[0,2] + 4*k[0,0]
    assert [(c.in_row, c.in_col, c.k_row, c.k_col, c.product) for c in centre] == [
        (0, 0, 2, 2, 1), (0, 1, 2, 0, 4), (1, 0, 0, 2, 0), (1, 1, 0, 0, 4)]
    assert [(s.top, s.left) for s in d.stamps] == [(0, 0), (0, 2), (2, 0), (2, 2)]
    assert d.derivations[0].output_size == 5
    assert "(n-1)*s + k_eff = (2-1)*2 + 3 = 5 cells" in d.derivations[0].text


@pytest.mark.parametrize("config", TRANSPOSED_CONFIGS)
def test_transposed_numbers_equal_the_core_and_keras(config):
    cfg = R.resolve_config("TransposedConv", config)
    d = F.build("TransposedConv", cfg)
    x, k = np.asarray(cfg.input), np.asarray(cfg.kernel)
    bias = None if cfg.bias is None else np.asarray(cfg.bias, dtype=float).reshape(())
    kwargs = dict(strides=cfg.stride, padding=cfg.padding, output_padding=cfg.output_padding)
    expected = convviz.conv2d_transpose(x, k, bias, **kwargs)
    np.testing.assert_array_equal(d.output, expected)
    np.testing.assert_allclose(d.output, keras_conv2d_transpose(x.astype(float), k.astype(float),
                                                                bias, **kwargs), atol=1e-12)
    # sizes: derived, per axis, from conv_transpose_output_size
    for axis in (0, 1):
        size = convviz.conv_transpose_output_size(x.shape[axis], k.shape[axis], cfg.stride,
                                                  cfg.padding, cfg.output_padding)
        assert d.output.shape[axis] == size == d.derivations[axis].output_size
        assert f"Output: {size} {'cell' if size == 1 else 'cells'}." in d.derivations[axis].text
    # every output cell is the sum of the contributions listed for it, plus the bias
    for r in range(d.output.shape[0]):
        for c in range(d.output.shape[1]):
            products = [t.product for t in d.contributions[r][c]]
            assert sum(products) + d.bias == d.output[r, c]
            for t in d.contributions[r][c]:
                assert t.value == x[t.in_row, t.in_col] and t.weight == k[t.k_row, t.k_col]
                assert t.product == t.value * t.weight
    assert d.overlaps.sum() == sum((~s.is_cropped).sum() for s in d.stamps)


@pytest.mark.parametrize("config", TRANSPOSED_CONFIGS)
def test_transposed_stamps_build_the_canvas(config):
    cfg = R.resolve_config("TransposedConv", config)
    d = F.build("TransposedConv", cfg)
    x, k, s = np.asarray(cfg.input), np.asarray(cfg.kernel), cfg.stride
    assert len(d.stamps) == x.size
    before = np.zeros_like(d.canvas)
    for stamp in d.stamps:
        np.testing.assert_array_equal(stamp.contribution, x[stamp.in_row, stamp.in_col] * k)
        added = stamp.canvas_after - before
        window = added[stamp.top: stamp.top + k.shape[0], stamp.left: stamp.left + k.shape[1]]
        np.testing.assert_array_equal(window, stamp.contribution)
        assert added.sum() == window.sum()                      # nothing outside the stamp
        assert (stamp.top, stamp.left) == (stamp.in_row * s, stamp.in_col * s)
        before = stamp.canvas_after
    np.testing.assert_array_equal(before, d.canvas)
    (top, _), (left, _) = d.crops
    h, w = d.output.shape
    inside = d.canvas[top: top + h, left: left + w]
    np.testing.assert_array_equal(inside + d.bias, d.output[: inside.shape[0], : inside.shape[1]])


@pytest.mark.parametrize("config", TRANSPOSED_CONFIGS)
def test_zero_insertion_view_gives_the_same_numbers(config):
    cfg = R.resolve_config("TransposedConv", config)
    d = F.build("TransposedConv", cfg)
    view = d.zero_insert
    x, k, s = np.asarray(cfg.input), np.asarray(cfg.kernel), cfg.stride
    np.testing.assert_array_equal(view.flipped_kernel, np.rot90(k, 2))
    np.testing.assert_array_equal(view.zero_inserted[::s, ::s], x)
    assert view.zero_inserted.sum() == x.sum()
    assert view.zero_inserted.shape == ((x.shape[0] - 1) * s + 1, (x.shape[1] - 1) * s + 1)
    assert view.pads == tuple((3 - 1 - before, 3 - 1 - after) for before, after in d.crops)
    # the ordinary stride-1 convolution of the padded grid with the flipped kernel
    np.testing.assert_array_equal(view.conv.output, d.output)
    np.testing.assert_array_equal(view.conv.output, convviz.conv2d(
        view.conv.padded_input, view.flipped_kernel,
        None if cfg.bias is None else np.asarray(cfg.bias).reshape(())))
    assert view.conv.strides == (1, 1)
    grid = view.conv.padded_input
    assert view.is_inserted.shape == grid.shape
    assert not grid[view.is_inserted].any()
    assert not (view.is_inserted & view.conv.padding_mask).any()
    input_cells = ~view.is_inserted & ~view.conv.padding_mask
    assert input_cells.sum() + view.is_inserted.sum() == view.conv.input.size
    if min(view.pads[0] + view.pads[1]) >= 0:       # nothing cropped: every input cell is there
        assert sorted(grid[input_cells]) == sorted(x.ravel())


def test_transposed_refusals_name_the_argument():
    with pytest.raises(ValueError, match="output_padding must be smaller than strides"):
        data_for("TransposedConv", R.SceneConfig(output_padding=2))
    with pytest.raises(ValueError, match="padding='full' has no transposed counterpart"):
        data_for("TransposedConv", R.SceneConfig(padding="full"))
    with pytest.raises(ValueError, match="kernel must be 2-D \\(H, W\\), got shape \\(1, 2, 2\\)"):
        F.transposed_conv_data([[1]], [[[1, 2], [3, 4]]])


# --------------------------------------------------------------------------- Dilation
DILATION_CONFIGS = [None, R.SceneConfig(padding="same"), R.SceneConfig(stride=2, padding=1),
                    R.SceneConfig(dilation=3, bias=1), R.SceneConfig(dilation=1)]


def test_dilation_default_by_hand():
    d = data_for("Dilation")
    assert d.input.shape == (7, 7) and d.kernel.shape == (3, 3) and d.dilation == (2, 2)
    np.testing.assert_array_equal(d.input[:5, :5], single_channel_example()[0])
    assert d.effective_size == (5, 5) and d.output.shape == (3, 3)
    assert d.derivations[0].lines[1].startswith(
        "1. Effective kernel: k_eff = d*(k-1) + 1 = 2*(3-1) + 1 = 5 cells.")
    # taps at rows/cols 0, 2, 4: [[3,2,0],[3,2,3],[2,0,1]] * [[0,1,2],[2,2,0],[0,1,2]]
    first = d.steps[0]
    assert first.rows == (0, 2, 4) and first.cols == (0, 2, 4)
    assert first.window.tolist() == [[3, 2, 0], [3, 2, 3], [2, 0, 1]]
    assert first.total == 0 + 2 + 0 + 6 + 4 + 0 + 0 + 0 + 2 == 14
    assert d.output.tolist() == [[14, 15, 19], [14, 9, 11], [16, 7, 10]]
    assert d.is_gap.sum() == 25 - 9
    assert d.spread_kernel.tolist() == [[0, 0, 1, 0, 2], [0, 0, 0, 0, 0], [2, 0, 2, 0, 0],
                                        [0, 0, 0, 0, 0], [0, 0, 1, 0, 2]]


@pytest.mark.parametrize("config", DILATION_CONFIGS)
def test_dilation_numbers_equal_conv2d_and_keras(config):
    cfg = R.resolve_config("Dilation", config)
    d = F.build("Dilation", cfg)
    x, k = np.asarray(cfg.input), np.asarray(cfg.kernel)
    bias = None if cfg.bias is None else np.asarray(cfg.bias).reshape(())
    kwargs = dict(strides=cfg.stride, padding=cfg.padding, dilation_rate=cfg.dilation)
    np.testing.assert_array_equal(d.output, convviz.conv2d(x, k, bias, **kwargs))
    np.testing.assert_allclose(d.output, keras_conv2d(x.astype(float), k.astype(float),
                                                      bias, **kwargs), atol=1e-12)
    # the gaps view: an ordinary convolution with the spread kernel gives the same
    np.testing.assert_array_equal(d.output, convviz.conv2d(
        x, d.spread_kernel, bias, strides=cfg.stride, padding=d.pads))
    np.testing.assert_array_equal(d.spread_kernel[~d.is_gap].reshape(k.shape), k)
    assert not d.spread_kernel[d.is_gap].any()
    for axis in (0, 1):
        n, kk = x.shape[axis], k.shape[axis]
        assert d.effective_size[axis] == cfg.dilation * (kk - 1) + 1
        assert d.derivations[axis].effective_kernel == d.effective_size[axis]
        assert d.output.shape[axis] == convviz.conv_output_size(
            n, kk, cfg.stride, d.pads[axis], cfg.dilation) == d.derivations[axis].output_size
    (top, bottom), (left, right) = d.pads
    np.testing.assert_array_equal(d.padded_input, np.pad(x, d.pads))
    assert d.padding_mask.sum() == d.padded_input.size - x.size
    for step in d.steps:
        np.testing.assert_array_equal(step.window, d.padded_input[np.ix_(step.rows, step.cols)])
        np.testing.assert_array_equal(step.is_padding, d.padding_mask[np.ix_(step.rows, step.cols)])
        np.testing.assert_array_equal(step.products, step.window * k)
        assert np.diff(step.rows).tolist() == [cfg.dilation] * 2
        assert step.rows[0] == step.out_row * cfg.stride
        assert step.total == step.products.sum() + d.bias == d.output[step.out_row, step.out_col]


# --------------------------------------------------------------------------- DepthwiseSeparable
def test_depthwise_separable_default_by_hand():
    d = data_for("DepthwiseSeparable")
    xm, km, bm = multi_channel_example()
    np.testing.assert_array_equal(d.input, xm[0])
    # pointwise row 0 is [1, 1, 1]: filter 0 is the article's filter, so its map is the
    # article's multi-channel result without the bias
    article = convviz.conv2d(xm, km, bm, data_format="channels_first")[0, 0]
    np.testing.assert_array_equal(d.standard[0], article - bm[0])
    assert d.standard[0].tolist() == [[6, 5, 4], [3, 3, 5], [7, 4, 1]]
    costs = {name: (c.weights, c.multiplies) for name, c in d.costs.items()}
    assert costs == {"standard": (81, 729), "depthwise": (27, 243), "pointwise": (9, 81),
                     "separable": (36, 324)}
    assert d.costs["standard"].weights_formula == "3*3*3*3 = 81"
    assert d.costs["standard"].multiplies_formula == "3*3 positions * 81 = 729"
    assert d.costs["separable"].weights_formula == "27 + 9 = 36"
    assert d.costs["separable"].multiplies_formula == "243 + 81 = 324"
    assert [g.groups for g in d.groups] == [1, 3]
    assert [g.filter_channels for g in d.groups] == [((0, 1, 2),) * 3, ((0,), (1,), (2,))]
    assert [g.cost.weights for g in d.groups] == [81, 27]
    assert d.saving == 81 / 36 == 729 / 324


@pytest.mark.parametrize("config", [None, R.SceneConfig(padding="same", stride=2),
                                    R.SceneConfig(pointwise=[[1, 0, 2], [0.5, -1, 1]])])
def test_depthwise_separable_numbers_equal_the_core_and_keras(config):
    cfg = R.resolve_config("DepthwiseSeparable", config)
    d = F.build("DepthwiseSeparable", cfg)
    x = np.asarray(cfg.input, dtype=float)[None]                       # (1, C, H, W)
    dw, pw = np.asarray(cfg.kernel, dtype=float), np.asarray(cfg.pointwise, dtype=float)
    dw_keras, pw_keras = dw.transpose(1, 2, 0)[..., None], pw.T[None, None]
    kw = dict(strides=cfg.stride, padding=cfg.padding, data_format="channels_first")
    # depthwise: each channel alone, no sum
    np.testing.assert_allclose(d.depthwise, convviz.depthwise_conv2d(x, dw_keras, **kw)[0])
    np.testing.assert_allclose(d.depthwise, keras_depthwise_conv2d(x, dw_keras, **kw)[0],
                               atol=1e-12)
    for c in range(len(dw)):
        np.testing.assert_allclose(d.depthwise[c], convviz.conv2d(
            x[0, c], dw[c], strides=cfg.stride, padding=cfg.padding))
    # pointwise mixing: the terms add up to the separable result
    np.testing.assert_allclose(d.pointwise_terms.sum(axis=1), d.separable)
    np.testing.assert_allclose(d.separable,
                               convviz.separable_conv2d(x, dw_keras, pw_keras, **kw)[0])
    np.testing.assert_allclose(d.separable, keras_separable_conv2d(x, dw_keras, pw_keras, **kw)[0],
                               atol=1e-12)
    # standard: C_in x C_out kernels, per-channel results summed; the same maps
    filters = d.standard_filters
    assert filters.shape == (len(pw), len(dw), *dw.shape[1:])
    np.testing.assert_allclose(d.standard, keras_conv2d(x, filters.transpose(2, 3, 1, 0), **kw)[0],
                               atol=1e-12)
    for o in range(len(pw)):
        for c in range(len(dw)):
            np.testing.assert_allclose(d.standard_partials[o, c], convviz.conv2d(
                x[0, c], filters[o, c], strides=cfg.stride, padding=cfg.padding))
    np.testing.assert_allclose(d.standard_partials.sum(axis=1), d.standard)
    np.testing.assert_allclose(d.standard, d.separable)
    # counts from the shapes
    (kh, kwid), c_in, c_out = dw.shape[1:], len(dw), len(pw)
    positions = d.depthwise.shape[1] * d.depthwise.shape[2]
    assert d.costs["standard"].weights == filters.size == kh * kwid * c_in * c_out
    assert d.costs["separable"].weights == dw.size + pw.size
    assert d.costs["separable"].multiplies == positions * (dw.size + pw.size)
    assert d.saving == pytest.approx(filters.size / (dw.size + pw.size))
    assert d.saving == pytest.approx(d.costs["standard"].multiplies
                                     / d.costs["separable"].multiplies)
    # groups=: each filter sees C / G channels; Keras' grouped Conv2D agrees
    for case in d.groups:
        kernel = case.kernel.transpose(2, 3, 1, 0)
        np.testing.assert_allclose(case.output,
                                   keras_conv2d(x, kernel, groups=case.groups, **kw)[0], atol=1e-12)
        for o, channels in enumerate(case.filter_channels):
            np.testing.assert_array_equal(case.kernel[o], filters[o, list(channels)])
        assert case.cost.weights == case.kernel.size
    np.testing.assert_allclose(d.groups[0].output, d.standard)
    if c_out == c_in:              # groups = C: the depthwise maps, scaled by pointwise[c, c]
        np.testing.assert_allclose(d.groups[-1].output,
                                   np.diagonal(pw)[:, None, None] * d.depthwise)


def test_depthwise_separable_refusals():
    x = np.zeros((3, 5, 5))
    with pytest.raises(ValueError, match="one kernel per input channel: x has 3 channels"):
        F.depthwise_separable_data(x, np.ones((2, 3, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="pointwise must be \\(C_out, C\\) with C = 3"):
        F.depthwise_separable_data(x, np.ones((3, 3, 3)), np.ones((3, 2)))
    with pytest.raises(ValueError, match="x must be 3-D \\(C, H, W\\), got shape \\(5, 5\\)"):
        F.depthwise_separable_data(x[0], np.ones((3, 3, 3)), np.ones((3, 3)))


# ------------------------------------------------------------------ ConvolutionVsCorrelation
@pytest.mark.parametrize("config", [None, R.SceneConfig(padding="same"),
                                    R.SceneConfig(kernel=[[1, 0], [2, -1]])])
def test_flip_numbers_equal_conv2d_scipy_and_keras(config):
    cfg = R.resolve_config("ConvolutionVsCorrelation", config)
    d = F.build("ConvolutionVsCorrelation", cfg)
    x, k = np.asarray(cfg.input), np.asarray(cfg.kernel)
    np.testing.assert_array_equal(d.flipped_kernel, k[::-1, ::-1])
    np.testing.assert_array_equal(d.convolution.kernel, d.flipped_kernel)
    np.testing.assert_array_equal(d.correlation.output, convviz.conv2d(x, k, padding=cfg.padding))
    np.testing.assert_array_equal(d.convolution.output,
                                  convviz.conv2d(x, k, padding=cfg.padding, mode="convolution"))
    np.testing.assert_allclose(d.correlation.output, keras_conv2d(x.astype(float), k.astype(float),
                                                                  padding=cfg.padding), atol=1e-12)
    if cfg.padding == "valid" or k.shape[0] % 2:
        scipy_mode = "valid" if cfg.padding == "valid" else "same"
        np.testing.assert_array_equal(d.correlation.output, signal.correlate2d(x, k, scipy_mode))
        np.testing.assert_array_equal(d.convolution.output, signal.convolve2d(x, k, scipy_mode))
    np.testing.assert_array_equal(d.difference, d.convolution.output - d.correlation.output)


def test_flip_default_by_hand():
    d = data_for("ConvolutionVsCorrelation")
    assert d.kernel.tolist() == [[1, 2, 3], [0, 0, 0], [-1, -2, -3]]
    assert d.flipped_kernel.tolist() == [[-3, -2, -1], [0, 0, 0], [3, 2, 1]]
    # window rows [3,3,2] and [3,1,2]: 3+6+6 - (3+2+6) = 4; flipped: -(9+6+2) + (9+2+2) = -4
    assert d.correlation.output[0, 0] == 4 and d.convolution.output[0, 0] == -4
    assert d.correlation.output.tolist() == [[4, -1, -11], [1, 5, 0], [9, 11, 12]]
    assert d.convolution.output.tolist() == [[-4, -5, 5], [5, -3, -4], [-7, -9, -12]]
    assert (d.difference != 0).any()        # the kernel is not symmetric under the flip


# --------------------------------------------------------------------------- model scenes
@pytest.fixture(scope="module")
def untrained():
    """Untrained (seeded) models: the numbers must be the model's whatever its weights."""
    import keras

    from convviz.models import build

    keras.utils.set_random_seed(5)
    return {name: build(name) for name in ("simple_cnn", "improved_cnn", "deep_cnn")}


@pytest.fixture(scope="module")
def test_set():
    from convviz.data import load_mnist

    return load_mnist()[1]


def _keras_maps(model, x, name, fmt):
    from convviz.inspect import feature_maps

    out = np.asarray(feature_maps(model, x, layers=[name])[name])[0]
    return out if fmt == "channels_first" else out.transpose(2, 0, 1)


@pytest.mark.slow
@pytest.mark.parametrize("name, layer, previous", [("simple_cnn", None, None),
                                                   ("improved_cnn", "conv2", "pool1"),
                                                   ("deep_cnn", None, None)])
def test_relu_part_equals_the_models_own_outputs(untrained, name, layer, previous):
    from convviz.data import to_model_input

    model = untrained[name]
    d = F.relu_softmax_data(model, digit_index=3, layer=layer, candidates=300)
    digit, label = F.test_digit(3)
    np.testing.assert_array_equal(d.digit, digit)
    assert d.label == label and d.conv_layer == (layer or "conv1")
    conv = model.get_layer(d.conv_layer)
    fmt = conv.data_format
    x = to_model_input(digit[None], model)
    kernel, bias = conv.get_weights()
    if previous is None:
        layer_input = x
    else:
        from convviz.inspect import feature_maps

        layer_input = feature_maps(model, x, layers=[previous])[previous]
    # before the activation: Keras' own Conv2D (no activation) on the layer's input
    pre = keras_conv2d(layer_input, kernel, bias, padding=conv.padding, data_format=fmt)[0]
    pre = pre if fmt == "channels_first" else pre.transpose(2, 0, 1)
    np.testing.assert_allclose(d.pre_activation, pre[d.filter], atol=1e-5)
    # after: the model's own output (the conv layer's ReLU, or the ReLU layer after it)
    after = "relu1" if name == "deep_cnn" else d.conv_layer
    np.testing.assert_array_equal(d.activated, _keras_maps(model, x, after, fmt)[d.filter])
    if name == "deep_cnn":         # a separate ReLU layer: 'before' is the conv layer's output
        np.testing.assert_array_equal(d.pre_activation,
                                      _keras_maps(model, x, "conv1", fmt)[d.filter])
    np.testing.assert_allclose(d.activated, np.maximum(d.pre_activation, 0), atol=1e-5)
    assert (d.activated[d.zeroed] == 0).all() and (d.activated[~d.zeroed] > 0).any()
    assert d.n_zeroed == (d.pre_activation < 0).sum() and 0 < d.n_zeroed < d.pre_activation.size
    # the filter shown has the most even split of signs; the zoom window holds both signs
    balance = np.minimum((pre < 0).sum(axis=(1, 2)), (pre > 0).sum(axis=(1, 2)))
    assert d.filter == int(np.argmax(balance))
    window = d.pre_activation[d.zoom_rows.start: d.zoom_rows.stop,
                              d.zoom_cols.start: d.zoom_cols.stop]
    assert window.shape == (6, 6) and (window < 0).any() and (window > 0).any()
    # ... the window with the most weight on its weaker side, found by brute force
    def weaker_side(top, left):
        w = d.pre_activation[top: top + 6, left: left + 6]
        return min(w[w > 0].sum(), -w[w < 0].sum())

    h, w = d.pre_activation.shape
    best = max(weaker_side(t, l) for t in range(h - 5) for l in range(w - 5))
    assert weaker_side(d.zoom_rows.start, d.zoom_cols.start) == pytest.approx(best)
    # what the scene says about the model: its name, format and Keras' shape of the map
    assert d.model_name == name and d.data_format == fmt
    assert d.layer_shape == tuple(model.get_layer(after).output.shape[1:])


@pytest.mark.slow
@pytest.mark.parametrize("name", ["simple_cnn", "deep_cnn"])
def test_softmax_part_equals_the_model(untrained, test_set, name):
    import keras

    from convviz.data import to_model_input
    from convviz.inspect import feature_maps

    model = untrained[name]
    d = F.relu_softmax_data(model, candidates=400)
    x_test, y_test = test_set
    assert d.candidates == 400
    probabilities = model.predict(to_model_input(x_test[:400], model), verbose=0)
    top = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y_test[:400]
    assert correct.any()
    assert d.confident.digit_index == int(np.argmax(np.where(correct, top, -1)))
    assert d.unsure.digit_index == int(np.argmin(top))
    assert d.confident.predicted == d.confident.label
    assert d.confident.confidence > d.unsure.confidence
    for step in (d.confident, d.unsure):
        x = to_model_input(x_test[step.digit_index][None], model)
        np.testing.assert_array_equal(step.digit, x_test[step.digit_index])
        assert step.label == y_test[step.digit_index]
        # logits, independently: Keras' own Dense without activation (simple), or the
        # model's dense2 output before its softmax layer (deep)
        if name == "simple_cnn":
            hidden = feature_maps(model, x, layers=["dense1"])["dense1"]
            dense = keras.layers.Dense(10)
            dense.build(hidden.shape)
            dense.set_weights(model.get_layer("output").get_weights())
            logits = np.asarray(dense(hidden))[0]
        else:
            logits = feature_maps(model, x, layers=["dense2"])["dense2"][0]
        np.testing.assert_allclose(step.logits, logits, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(step.exps, np.exp(step.logits.astype(np.float64)))
        assert step.total == pytest.approx(step.exps.sum())
        np.testing.assert_allclose(step.probabilities, step.exps / step.total)
        np.testing.assert_allclose(step.probabilities, step.shifted_exps / step.shifted_exps.sum())
        assert step.shifted_exps.max() == 1.0
        assert step.probabilities.sum() == pytest.approx(1.0)
        expected = model.predict(x, verbose=0)[0]
        np.testing.assert_allclose(step.probabilities, expected, rtol=1e-5)
        np.testing.assert_allclose(step.model_probabilities, probabilities[step.digit_index])
        assert step.predicted == int(np.argmax(expected))


@pytest.mark.slow
@pytest.mark.parametrize("name, cell", [("deep_cnn", None), ("deep_cnn", (0, 6)),
                                        ("improved_cnn", (4, 0))])
def test_receptive_field_scene_traces_the_models_own_maps(untrained, name, cell):
    import keras

    from convviz.data import to_model_input

    model = untrained[name]
    d = data_for("ReceptiveField", R.SceneConfig(digit_index=2, cell=cell), model=model)
    digit, label = F.test_digit(2)
    np.testing.assert_array_equal(d.digit, digit)
    assert d.label == label and d.layer == "pool2"
    assert d.field == convviz.receptive_field(model, "pool2", *d.cell)
    x = to_model_input(digit[None], model)
    fmt = model.get_layer("conv1").data_format
    deepest = _keras_maps(model, x, "pool2", fmt)
    if cell is None:   # the strongest cell over all channels
        assert d.cell == np.unravel_index(np.argmax(deepest.max(axis=0)), deepest.shape[1:])
    else:
        assert d.cell == cell
    assert d.channel == int(np.argmax(deepest[:, d.cell[0], d.cell[1]]))
    assert d.value == deepest[d.channel, d.cell[0], d.cell[1]]
    shown = {"deep_cnn": ["input", "relu1", "pool1", "relu2", "pool2"],
             "improved_cnn": ["input", "conv1", "pool1", "conv2", "pool2"]}[name]
    assert [lv.shown for lv in d.levels] == shown
    assert [lv.name for lv in d.levels] == ["input", "conv1", "pool1", "conv2", "pool2"]
    np.testing.assert_array_equal(d.levels[0].maps[0], x.reshape(28, 28))
    for level in d.levels[1:]:
        np.testing.assert_array_equal(level.maps, _keras_maps(model, x, level.shown, fmt))
        assert level.maps.shape[1:] == level.region.size
    assert [lv.region for lv in d.levels] == list(d.field.levels)
    assert d.model_name == name and d.data_format == fmt
    assert d.strides == tuple(sorted({s for layer in model.layers if hasattr(layer, "strides")
                                      for s in layer.strides}))
    assert d.levels[0].shape == tuple(model.input_shape[1:])
    # the region of the deepest cell in the input: r = 16 pixels for deep_cnn, 12 for
    # improved_cnn (5, then 5+1, 6+2*2, 10+1*2: all valid), minus what is clipped
    r = {"deep_cnn": 16, "improved_cnn": 12}[name]
    assert d.levels[0].region_full_size == (r, r) == d.field.size
    assert d.levels[0].region_size == tuple(int(m.any(axis=k).sum()) for m, k in
                                            ((d.field.mask, 1), (d.field.mask, 0)))
    for level in d.levels[1:]:
        assert level.shape == tuple(model.get_layer(level.shown).output.shape[1:])
        np.testing.assert_array_equal(level.peak, level.maps.max(axis=0))
        assert level.region_size == (len(level.region.rows), len(level.region.cols))
        assert level.region_full_size == (len(level.region.rows_unclipped),
                                          len(level.region.cols_unclipped))
        if cell is None and level is d.levels[-1]:     # the brightest cell of the picture
            assert level.peak[d.cell] == level.peak.max() == d.value
    # brute force on the real digit: no pixel outside the region changes the cell
    rows, cols = np.nonzero(~d.field.mask)
    batch = np.repeat(x, len(rows) + 1, axis=0)
    pixel = np.arange(len(rows))
    if fmt == "channels_first":
        batch[pixel, 0, rows, cols] += 1.0
    else:
        batch[pixel, rows, cols, 0] += 1.0
    sub = keras.Model(model.inputs, model.get_layer("pool2").output)
    out = np.asarray(sub.predict(batch, batch_size=len(batch), verbose=0))
    out = out if fmt == "channels_first" else out.transpose(0, 3, 1, 2)
    cell_values = out[:, :, d.cell[0], d.cell[1]]
    assert (cell_values[:-1] == cell_values[-1]).all()
    if cell == (0, 6):      # the top-right corner reaches into the 'same' padding
        assert d.field.rows_unclipped.start < 0 and d.field.cols_unclipped.stop > 28


def test_model_scene_refusals(untrained):
    with pytest.raises(ValueError, match="candidates must be in \\[1, 10000\\], got 0"):
        F.relu_softmax_data(untrained["simple_cnn"], candidates=0)
    with pytest.raises(ValueError, match="filter must be in \\[0, 32\\)"):
        F.relu_softmax_data(untrained["simple_cnn"], filter=32, candidates=10)
    with pytest.raises(ValueError, match="row must be in \\[0, 7\\)"):
        data_for("ReceptiveField", R.SceneConfig(cell=(7, 0)), model=untrained["deep_cnn"])
    with pytest.raises(ValueError, match="digit_index must be in \\[0, 10000\\)"):
        data_for("ReceptiveField", R.SceneConfig(digit_index=10000), model=untrained["deep_cnn"])


# --------------------------------------------------------------------------- configs
def test_every_family_scene_has_a_default_config():
    assert F.SCENES == ("TransposedConv", "Dilation", "DepthwiseSeparable",
                        "ConvolutionVsCorrelation", "ReluSoftmax", "ReceptiveField")
    assert F.MODEL_SCENES == {"ReluSoftmax": "simple_cnn", "ReceptiveField": "deep_cnn"}
    for scene in F.SCENES:
        assert R.default_config(scene) == F.default_config(scene)
        cfg = R.resolve_config(scene)
        if scene in F.MODEL_SCENES:
            assert cfg.model == F.MODEL_SCENES[scene] and cfg.input is None
        else:
            assert cfg.input is not None and cfg.stride >= 1
            assert isinstance(F.build(scene, cfg), (F.TransposedConvData, F.DilationData,
                                                    F.DepthwiseSeparableData, F.FlipData))
    assert R.resolve_config("TransposedConv").stride == 2
    assert R.resolve_config("Dilation").dilation == 2
    assert R.resolve_config("Dilation", R.SceneConfig(dilation=3)).dilation == 3
    assert R.resolve_config("DepthwiseSeparable").pointwise == ((1, 1, 1), (-1, 1, 2), (1, -2, 1))
    with pytest.raises(ValueError, match="scene must be one of"):
        F.default_config("Blur")
    with pytest.raises(ValueError, match="scene must be one of"):
        F.build("Blur", R.SceneConfig())


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(dilation=0), ValueError, "dilation must be >= 1, got 0"),
    (dict(dilation=1.5), TypeError, "dilation must be an int, got 1.5"),
    (dict(output_padding=-1), ValueError, "output_padding must be >= 0, got -1"),
    (dict(pointwise="1 2"), TypeError, "pointwise must be a numeric array, got '1 2'"),
    (dict(layer=True), TypeError, "layer must be a layer name (str) or an index (int), got True"),
    (dict(cell=(1,)), TypeError, "cell must be a (row, col) pair of ints, got (1,)"),
    (dict(cell=(1, -2)), ValueError, "cell must be >= 0, got -2"),
])
def test_new_config_fields_are_validated(kwargs, error, message):
    with pytest.raises(error) as info:
        R.SceneConfig(**kwargs)
    assert str(info.value) == message


def test_new_config_fields_from_a_file(tmp_path):
    path = tmp_path / "family.json"
    path.write_text(json.dumps({"pointwise": "1 1 1; 2 0 -1",
                                "layer": "conv2", "cell": [1, 2], "output_padding": 1,
                                "dilation": 3}))
    _, cfg = R.load_config_file(path)
    assert cfg.pointwise == ((1, 1, 1), (2, 0, -1)) and cfg.cell == (1, 2)
    assert (cfg.layer, cfg.output_padding, cfg.dilation) == ("conv2", 1, 3)
    assert json.loads(cfg.to_json())["cell"] == [1, 2]
    d = data_for("DepthwiseSeparable", cfg)
    assert d.separable.shape == (2, 3, 3)


def test_the_design_note_names_every_scene():
    for scene in F.SCENES:
        assert f"**{scene}**" in F.__doc__


@pytest.mark.slow
def test_model_scenes_load_the_configured_model_when_none_is_given():
    """Without ``model=`` the builders train (once, cached) the configured model: here a
    1-epoch model on 2,000 images, enough to be right on most digits."""
    from convviz.train import load_trained

    cfg = R.resolve_config("ReluSoftmax", R.SceneConfig(epochs=1, n_train=2000))
    d = F.build("ReluSoftmax", cfg)
    model = load_trained("simple_cnn", epochs=1, n_train=2000, verbose=0)
    assert d.candidates == 10000 and d.conv_layer == "conv1"
    assert d.confident.predicted == d.confident.label and d.confident.confidence > 0.9
    assert d.unsure.confidence < d.confident.confidence
    np.testing.assert_allclose(d.confident.probabilities,
                               model.predict(d.confident.digit[None, :, :, None] / np.float32(255),
                                             verbose=0)[0], rtol=1e-5)
