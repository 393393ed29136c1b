"""Every number a scene draws equals the convviz core (or the model's own outputs).

Builds each scene's data with :func:`convviz.scene_data.build` (no rendering) and
checks it against ``convviz.conv2d`` / ``max_pool2d`` / Keras. Also the scene
configs: defaults, parsing, files, errors, and the ``convviz render`` options.
"""
from __future__ import annotations

import json

import numpy as np
import pytest

from convviz import conv2d, max_pool2d
from convviz import render as R
from convviz import scene_data as S

CONV_SCENES = ["KernelSlide", "KernelSlideSame", "KernelSlideStride2", "KernelSlideSameStride2"]


def data_for(scene, config=None, model=None):
    return S.build(scene, R.resolve_config(scene, config), model=model)


# --------------------------------------------------------------------------- KernelSlide
@pytest.mark.parametrize("scene", CONV_SCENES)
def test_kernel_slide_numbers_equal_conv2d(scene):
    cfg = R.resolve_config(scene)
    d = S.build(scene, cfg)
    x, k = np.asarray(cfg.input), np.asarray(cfg.kernel)
    np.testing.assert_array_equal(d.output, conv2d(x, k, strides=cfg.stride, padding=cfg.padding))
    kh, kw = k.shape
    assert len(d.steps) == d.output.size
    for step in d.steps:
        window = d.padded_input[step.top: step.top + kh, step.left: step.left + kw]
        np.testing.assert_array_equal(step.window, window)
        np.testing.assert_array_equal(step.products, window * k)          # drawn products
        np.testing.assert_array_equal(step.is_padding,
                                      d.padding_mask[step.top: step.top + kh,
                                                     step.left: step.left + kw])
        assert step.total == step.products.sum() + d.bias == d.output[step.out_row, step.out_col]
    # the drawn padded grid is the input inside zeros
    (t, b), (l, r) = d.pads
    np.testing.assert_array_equal(d.padded_input, np.pad(x, ((t, b), (l, r))))
    assert d.padding_mask.sum() == d.padded_input.size - x.size


def test_kernel_slide_article_numbers():
    d = data_for("KernelSlide")
    assert d.output.tolist() == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]
    assert data_for("KernelSlideStride2").output.tolist() == [[12, 17], [9, 14]]
    assert data_for("KernelSlideSame").output.shape == (5, 5)


def test_same_with_odd_total_padding_puts_the_extra_zeros_bottom_right():
    d = data_for("KernelSlideSameStride2")
    assert d.input.shape == (4, 4) and d.strides == (2, 2)
    assert d.pads == ((0, 1), (0, 1))
    assert d.padding_mask[-1].all() and d.padding_mask[:, -1].all()
    assert not d.padding_mask[:-1, :-1].any()                          # nothing top/left


def test_kernel_slide_custom_config_and_bias():
    cfg = R.SceneConfig(input=[[1, 2, 3], [4, 5, 6], [7, 8, 9]], kernel=[[1, 0], [0, -1]],
                        bias=2, padding="same")
    d = data_for("KernelSlide", cfg)
    np.testing.assert_array_equal(d.output, conv2d(np.array(cfg.input), np.array(cfg.kernel),
                                                   np.array(2), padding="same"))
    assert all(s.total == s.products.sum() + 2 for s in d.steps)


# --------------------------------------------------------------------------- MultiChannelSum
def test_multi_channel_partials_add_up_to_conv2d():
    cfg = R.resolve_config("MultiChannelSum")
    d = S.build("MultiChannelSum", cfg)
    x, kernels, bias = np.asarray(cfg.input), np.asarray(cfg.kernel), float(cfg.bias)
    assert x.shape == (3, 5, 5) and kernels.shape == (3, 3, 3)
    for c in range(3):   # each channel with its own kernel
        np.testing.assert_allclose(d.partials[c], conv2d(x[c], kernels[c]))
    kernel_hwio = kernels.transpose(1, 2, 0)[..., None]
    whole = conv2d(x[None], kernel_hwio, np.array([bias]), data_format="channels_first")[0, 0]
    np.testing.assert_allclose(d.output, whole)
    np.testing.assert_allclose(d.partials.sum(axis=0) + d.bias, d.output)
    for s in d.steps:
        np.testing.assert_allclose(s.channel_sums, d.partials[:, s.out_row, s.out_col])
        assert s.total == pytest.approx(d.output[s.out_row, s.out_col])
    assert d.output.tolist() == [[7, 6, 5], [4, 4, 6], [8, 5, 2]]


def test_multi_channel_channels_option_keeps_the_first_channels():
    d = data_for("MultiChannelSum", R.SceneConfig(channels=2))
    assert d.input.shape[0] == 2 and d.kernels.shape[0] == 2
    np.testing.assert_allclose(d.partials.sum(axis=0) + d.bias, d.output)


# --------------------------------------------------------------------------- FiltersAndKernels
@pytest.mark.parametrize("n", [1, 2, 3])
def test_filters_feature_maps_equal_conv2d(n):
    d = data_for("FiltersAndKernels", R.SceneConfig(filters=n))
    assert d.filters.shape == (n, 3, 3, 3) and d.feature_maps.shape == (n, 3, 3)
    for f in range(n):
        expected = sum(conv2d(d.input[c], d.filters[f, c]) for c in range(3)) + d.bias[f]
        np.testing.assert_allclose(d.feature_maps[f], expected)
    # the first filter is the article's: its map is MultiChannelSum's output
    np.testing.assert_allclose(d.feature_maps[0], data_for("MultiChannelSum").output)
    # the per-channel sums the scene writes for one output cell, and the bias
    assert d.partials.shape == (n, 3, 3, 3)
    for f in range(n):
        for c in range(3):
            np.testing.assert_allclose(d.partials[f, c], conv2d(d.input[c], d.filters[f, c]))
        np.testing.assert_allclose(d.partials[f].sum(axis=0) + d.bias[f], d.feature_maps[f])
    assert d.pads == ((0, 0), (0, 0))
    assert data_for("MultiChannelSum").partials[:, 0, 0].tolist() == d.partials[0, :, 0, 0].tolist()


def test_filters_same_padding_pads():
    d = data_for("FiltersAndKernels", R.SceneConfig(padding="same"))
    assert d.pads == ((1, 1), (1, 1)) and d.feature_maps.shape == (2, 5, 5)
    np.testing.assert_allclose(d.partials[0].sum(axis=0) + d.bias[0], d.feature_maps[0])


# --------------------------------------------------------------------------- Pooling
@pytest.mark.parametrize("scene", ["Pooling", "PoolingSame"])
def test_pooling_numbers_equal_max_pool2d(scene):
    cfg = R.resolve_config(scene)
    d = S.build(scene, cfg)
    x = np.asarray(cfg.input)
    np.testing.assert_array_equal(d.output, max_pool2d(x, 2, None, cfg.padding))
    (t, _), (l, _) = d.pads
    for s in d.steps:
        assert s.value == max(s.window) == d.output[s.out_row, s.out_col]
        assert not d.padding_mask[s.win_row, s.win_col]            # padding never wins
        assert x[s.win_row - t, s.win_col - l] == s.value           # the marked cell
        inside = ~d.padding_mask[s.top: s.top + 2, s.left: s.left + 2]
        assert len(s.window) == inside.sum()
    np.testing.assert_array_equal(d.padded_input[~d.padding_mask].reshape(x.shape), x)


def test_pooling_shapes():
    assert data_for("Pooling").output.tolist() == [[6, 8], [3, 4]]
    same = data_for("PoolingSame")
    assert same.input.shape == (5, 5) and same.output.shape == (3, 3)
    assert same.pads == ((0, 1), (0, 1))
    np.testing.assert_array_equal(same.input, data_for("KernelSlideSame").output)


# --------------------------------------------------------------------------- model scenes
@pytest.fixture(scope="module")
def untrained():
    """Untrained (seeded) models: the scenes' numbers must match whatever weights."""
    import keras

    from convviz.models import build

    keras.utils.set_random_seed(3)
    return {"simple_cnn": build("simple_cnn"), "deep_cnn": build("deep_cnn")}


def test_learned_filters_maps_are_relu_conv2d_and_pooled(untrained):
    from convviz.data import to_model_input

    model = untrained["simple_cnn"]
    d = data_for("LearnedFilters", model=model)
    assert (d.model_name, d.data_format) == ("simple_cnn", "channels_last")
    # the shapes written on screen are Keras' own, in the model's format
    assert d.input_shape == model.input_shape[1:] == (28, 28, 1)
    assert d.map_shape == tuple(model.get_layer("conv1").output.shape[1:]) == (28, 28, 32)
    assert d.pooled_shape == tuple(model.get_layer("pool1").output.shape[1:]) == (14, 14, 32)
    assert d.pool_size == (2, 2) and d.conv_padding == "same"
    kernel, bias = model.get_layer("conv1").get_weights()
    np.testing.assert_array_equal(d.filters, kernel[:, :, 0, :].transpose(2, 0, 1))
    np.testing.assert_array_equal(d.bias, bias)
    digit, label = S.test_digit(0)
    np.testing.assert_array_equal(d.digit, digit)
    assert d.label == label == 7
    x = to_model_input(digit[None], model)[0, :, :, 0]                 # (28, 28) in [0, 1]
    assert d.filters.shape == (32, 5, 5) and d.feature_maps.shape == (32, 28, 28)
    for k in range(32):
        expected = np.maximum(conv2d(x, d.filters[k], np.asarray(d.bias[k]), padding="same"), 0)
        np.testing.assert_allclose(d.feature_maps[k], expected, atol=1e-5)
        np.testing.assert_allclose(d.pooled[k], max_pool2d(d.feature_maps[k], 2), atol=1e-6)
    assert d.pooled.shape == (32, 14, 14)
    for pixels, shape in ((d.filter_pixels, (32, 5, 5)), (d.map_pixels, (32, 28, 28)),
                          (d.pooled_pixels, (32, 14, 14))):
        assert pixels.shape == shape and pixels.dtype == np.uint8


def test_cnn_pipeline_shapes_are_the_articles_and_probabilities_equal_predict(untrained):
    from convviz.data import to_model_input

    model = untrained["deep_cnn"]
    d = data_for("CNNPipeline", R.SceneConfig(digit_index=1), model=model)
    shapes = [d.input_shape] + [s.shape for s in d.shown]
    assert shapes == [(1, 28, 28), (32, 28, 28), (32, 14, 14), (64, 14, 14), (64, 7, 7),
                      (3136,), (1024,), (10,)]
    assert [s.activation for s in d.shown] == ["relu", None, "relu", None, None, "relu",
                                               "softmax"]
    assert [s.window for s in d.shown] == [(5, 5), (2, 2), (5, 5), (2, 2), None, None, None]
    assert (d.model_name, d.data_format) == ("deep_cnn", "channels_first")
    x = to_model_input(S.test_digit(1)[0][None], model)
    expected = model.predict(x, verbose=0)[0]
    np.testing.assert_allclose(d.probabilities, expected, rtol=1e-6)
    np.testing.assert_allclose(d.shown[-1].maps, expected, rtol=1e-5, atol=1e-7)
    assert d.predicted == int(np.argmax(expected)) and d.label == S.test_digit(1)[1]
    # the first stage is relu(conv2d) of the digit, channels first
    kernel, bias = model.get_layer("conv1").get_weights()
    conv = conv2d(x, kernel, bias, padding="same", data_format="channels_first")[0]
    np.testing.assert_allclose(d.shown[0].maps, np.maximum(conv, 0), atol=1e-5)
    np.testing.assert_allclose(d.shown[1].maps[0], max_pool2d(d.shown[0].maps[0], 2, 2, "same"),
                               atol=1e-6)


# --------------------------------------------------------------------------- helpers
def test_split_steps_covers_every_position_once():
    for n, a, b in [(9, 3, 6), (25, 3, 6), (4, 0, 0), (2, 5, 5)]:
        parts = S.split_steps(n, a, b)
        assert sorted(i for p in parts for i in p) == list(range(n))
    with pytest.raises(ValueError, match="detailed must be an int >= 0, got -1"):
        S.split_steps(3, -1, 0)


def test_format_padding():
    assert [S.format_padding(p) for p in ("valid", "same", 2)] == ['padding "valid"',
                                                                  'padding "same"', "padding 2"]
    assert data_for("MultiChannelSum", R.SceneConfig(padding="same")).padding == "same"


def test_format_number():
    assert [S.format_number(v) for v in (12.0, -3, 0.126, -0.001)] == ["12", "\u22123",
                                                                       "0.13", "0"]


# --------------------------------------------------------------------------- configs
def test_every_scene_has_a_default_config_and_data():
    assert set(R.NO_MODEL_SCENES) | set(R.MODEL_SCENES) == set(R.SCENES)
    for scene in R.NO_MODEL_SCENES:
        assert data_for(scene) is not None


def test_stride_and_padding_default_to_the_scenes():
    assert R.resolve_config("KernelSlideSame", R.SceneConfig(input=[[1, 2], [3, 4]],
                                                             kernel=[[1]])).padding == "same"
    assert R.resolve_config("KernelSlide").stride == 1
    assert R.resolve_config("Pooling").stride is None                   # = the pool size
    assert R.resolve_config("KernelSlideSame", R.SceneConfig(padding="valid")).padding == "valid"


def test_parse_array_forms():
    assert R.parse_array("1 2; 3 4").tolist() == [[1, 2], [3, 4]]
    assert R.parse_array("1 0; 0 1 | 2 2; 2 2").shape == (2, 2, 2)
    assert R.parse_array("1 | 2 || 3 | 4").shape == (2, 2, 1, 1)
    assert R.parse_array("[[0.5, 1]]").dtype == float
    with pytest.raises(ValueError, match="kernel must be rectangular"):
        R.parse_array("1 2; 3", "kernel")
    with pytest.raises(ValueError, match="input: could not convert"):
        R.parse_array("1 x", "input")


@pytest.mark.parametrize("suffix", [".json", ".toml"])
def test_config_files(tmp_path, suffix):
    path = tmp_path / f"example{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps({"scene": "KernelSlide", "input": "1 2 3; 4 5 6; 7 8 9",
                                    "kernel": [[1, 0], [0, 1]], "stride": 2}))
    else:
        path.write_text('scene = "KernelSlide"\ninput = "1 2 3; 4 5 6; 7 8 9"\n'
                        'kernel = [[1, 0], [0, 1]]\nstride = 2\n')
    scene, cfg = R.load_config_file(path)
    assert scene == "KernelSlide" and cfg.stride == 2
    assert data_for(scene, cfg).output.tolist() == [[6]]


def test_config_errors_name_the_argument(tmp_path):
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        R.SceneConfig(stride=0)
    with pytest.raises(ValueError, match="padding must be one of"):
        R.SceneConfig(padding="sometimes")
    with pytest.raises(ValueError, match="unknown config keys \\['strid'\\]"):
        R.SceneConfig.from_mapping({"strid": 2})
    with pytest.raises(ValueError, match="scene must be one of"):
        R.default_config("NoSuchScene")
    with pytest.raises(ValueError, match="channels must be <= 3"):
        R.resolve_config("MultiChannelSum", R.SceneConfig(channels=4))
    bad = tmp_path / "c.yaml"
    bad.write_text("x")
    with pytest.raises(ValueError, match="must end in .json or .toml"):
        R.load_config_file(bad)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        R.load_config_file(tmp_path / "missing.toml")
    with pytest.raises(ValueError, match="quality must be one of"):
        R.render("KernelSlide", quality="ultra")
    with pytest.raises(TypeError, match="model must be a Keras model"):
        R.render("LearnedFilters", model="simple_cnn")


def test_cli_options_become_a_config(tmp_path):
    from convviz.cli import build_parser
    from convviz.cli.render import config_from_args

    args = build_parser().parse_args([
        "render", "KernelSlide", "--input", "1 2 3; 4 5 6; 7 8 9", "--kernel", "1 0; 0 1",
        "--stride", "2", "--padding", "same", "--detailed-steps", "1"])
    cfg = config_from_args(args)
    assert cfg.input == ((1, 2, 3), (4, 5, 6), (7, 8, 9)) and cfg.kernel == ((1, 0), (0, 1))
    assert (cfg.stride, cfg.padding, cfg.detailed_steps) == (2, "same", 1)
    path = tmp_path / "p.toml"
    path.write_text('scene = "Pooling"\ninput = "1 2; 3 4"\n')
    args = build_parser().parse_args(["render", "Pooling", "--config", str(path),
                                      "--pool-size", "2"])
    assert data_for("Pooling", config_from_args(args)).output.tolist() == [[4]]
    args = build_parser().parse_args(["render", "KernelSlide", "--config", str(path)])
    with pytest.raises(ValueError, match="is for scene 'Pooling', but SCENE is 'KernelSlide'"):
        config_from_args(args)
