"""convviz.inspect: filters and feature maps of Keras models, tied to the numpy core.

The key check: the feature maps Keras computes for the first Conv2D layer equal
``activation(convviz.conv2d(x, kernel, bias, same options))``, for our models and
for models built here, in both data formats.

Keras 3.15 adds a channels_first Conv2D's bias along the WIDTH axis when the output
width equals the number of filters (see convviz/keras_check.py); the shapes below
never have output width == filters, so Keras is right on them and the comparison
tests our core, not the bug.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras
import numpy as np
import pytest

from convviz import conv2d, max_pool2d
from convviz.inspect import ConvLayerInfo, conv_layers, default_map_layers, feature_maps, filters

RNG = np.random.default_rng(7)


def randomize(model, seed=0):
    """Random kernels AND biases (Keras initializes biases to 0, which would hide bias bugs)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        weights = layer.get_weights()
        if weights:
            layer.set_weights([rng.normal(0, 0.3, w.shape).astype(w.dtype) for w in weights])
    return model


def functional_model(data_format):
    """Conv(relu, same, stride 2) -> MaxPool -> Conv(linear, valid, dilation 2) -> Dense.

    channels_first input (2, 13, 11): conv1 gives width 6 with 5 filters, conv2 width 2
    with 4 filters, so no layer hits the Keras bias bug.
    """
    shape = (13, 11, 2) if data_format == "channels_last" else (2, 13, 11)
    inputs = keras.Input(shape)
    h = keras.layers.Conv2D(5, (3, 2), strides=2, padding="same", activation="relu",
                            data_format=data_format, name="c1")(inputs)
    h = keras.layers.MaxPooling2D(2, padding="same", data_format=data_format, name="p1")(h)
    h = keras.layers.Conv2D(4, 2, dilation_rate=2, padding="valid",
                            data_format=data_format, name="c2")(h)
    h = keras.layers.Flatten()(h)
    outputs = keras.layers.Dense(3, name="out")(h)
    return randomize(keras.Model(inputs, outputs, name=f"func_{data_format}"))


def apply_activation(name, values):
    assert name in ("relu", "linear"), f"test only knows relu and linear, got {name}"
    return np.maximum(values, 0) if name == "relu" else values


def assert_first_conv_matches_core(model, x):
    info = conv_layers(model)[0]
    kernel, bias = filters(model, 0)
    maps = feature_maps(model, x, layers=[info.name])[info.name]
    expected = apply_activation(info.activation, conv2d(x, kernel, bias, **info.conv_kwargs))
    assert maps.shape == expected.shape
    scale = np.abs(conv2d(np.abs(x), np.abs(kernel), np.abs(bias), **info.conv_kwargs)).max()
    np.testing.assert_allclose(maps, expected, rtol=1e-5, atol=1e-6 * scale)
    return info, maps


# ----------------------------------------------------------------- conv_layers / filters
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_layers_describes_each_conv_layer(data_format):
    model = functional_model(data_format)
    infos = conv_layers(model)
    assert [i.name for i in infos] == ["c1", "c2"]
    c1, c2 = infos
    assert (c1.index, c2.index) == (0, 1)
    assert c1.kernel_shape == (3, 2, 2, 5) and c2.kernel_shape == (2, 2, 5, 4)
    assert c1.strides == (2, 2) and c1.padding == "same" and c1.dilation_rate == (1, 1)
    assert c2.padding == "valid" and c2.dilation_rate == (2, 2)
    assert {c1.data_format, c2.data_format} == {data_format}
    assert (c1.activation, c2.activation) == ("relu", "linear")
    # 13x11 with stride 2 'same' -> 7x6; pool 2 'same' -> 4x3; dilated 2x2 valid -> 2x1
    expected = {"channels_last": [(None, 7, 6, 5), (None, 2, 1, 4)],
                "channels_first": [(None, 5, 7, 6), (None, 4, 2, 1)]}[data_format]
    assert [c1.output_shape, c2.output_shape] == expected
    assert model.layers[c2.model_index] is c2.layer


def test_filters_returns_exactly_the_weights_that_were_set():
    model = functional_model("channels_last")
    kernel = RNG.normal(size=(2, 2, 5, 4)).astype("float32")
    bias = RNG.normal(size=4).astype("float32")
    model.get_layer("c2").set_weights([kernel, bias])
    for ref in ("c2", 1, -1):
        got_kernel, got_bias = filters(model, ref)
        np.testing.assert_array_equal(got_kernel, kernel)
        np.testing.assert_array_equal(got_bias, bias)
    # the arrays are copies: changing them does not touch the model
    got_kernel[...] = 0
    np.testing.assert_array_equal(model.get_layer("c2").get_weights()[0], kernel)


def test_filters_kernel_layout_is_the_same_in_channels_first():
    model = functional_model("channels_first")
    kernel, bias = filters(model, "c1")
    assert kernel.shape == (3, 2, 2, 5)  # (kh, kw, C_in, C_out), not channels-first
    assert bias.shape == (5,)


def test_filters_without_bias_gives_none():
    inputs = keras.Input((6, 6, 1))
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3, use_bias=False)(inputs))
    kernel, bias = filters(model)
    assert kernel.shape == (3, 3, 1, 2) and bias is None


# ----------------------------------------------------------------- the key tie to the core
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_first_conv_feature_maps_equal_relu_of_core_conv2d_functional(data_format):
    model = functional_model(data_format)
    x = RNG.random((4,) + model.input_shape[1:]).astype("float32")
    info, maps = assert_first_conv_matches_core(model, x)
    assert info.activation == "relu" and (maps == 0).any() and (maps > 0).any()


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pool_and_second_conv_follow_from_the_core_too(data_format):
    model = functional_model(data_format)
    x = RNG.random((3,) + model.input_shape[1:]).astype("float32")
    maps = feature_maps(model, x)
    assert list(maps) == ["c1", "p1", "c2"]
    pooled = max_pool2d(maps["c1"], 2, padding="same", data_format=data_format)
    np.testing.assert_allclose(maps["p1"], pooled, rtol=0, atol=0)
    kernel, bias = filters(model, "c2")
    expected = conv2d(maps["p1"], kernel, bias, **conv_layers(model)[1].conv_kwargs)
    np.testing.assert_allclose(maps["c2"], expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["simple_cnn", "improved_cnn", "deep_cnn"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_first_conv_feature_maps_equal_relu_of_core_conv2d_our_models(name, data_format):
    from convviz.models import build

    model = randomize(build(name, data_format=data_format), seed=1)
    info = conv_layers(model)[0]
    assert info.data_format == data_format
    # Keras' channels_first bias bug needs output width == filters; not so in our models.
    if data_format == "channels_first":
        assert info.output_shape[-1] != info.filters
    x = RNG.random((3,) + model.input_shape[1:]).astype("float32")
    assert_first_conv_matches_core(model, x)


def test_deep_cnn_is_channels_first_by_default_with_the_articles_shapes():
    from convviz.models import build

    model = build("deep_cnn")
    x = RNG.random((2, 1, 28, 28)).astype("float32")
    maps = feature_maps(model, x)
    shapes = [m.shape[1:] for m in maps.values()]
    assert shapes == [(32, 28, 28), (32, 14, 14), (64, 14, 14), (64, 7, 7)]


# ----------------------------------------------------------------- feature_maps mechanics
def test_feature_maps_is_batched_and_the_batches_agree():
    model = functional_model("channels_last")
    x = RNG.random((7, 13, 11, 2)).astype("float32")
    whole = feature_maps(model, x, batch_size=256)
    pieces = feature_maps(model, x, batch_size=3)
    for name in whole:
        assert pieces[name].shape[0] == 7
        np.testing.assert_allclose(pieces[name], whole[name], rtol=1e-6, atol=1e-6)


def test_feature_maps_uses_one_sub_model(monkeypatch):
    model = functional_model("channels_last")
    from keras.src.models.functional import Functional

    built, calls = [], []
    original_init, original_call = Functional.__init__, Functional.__call__

    def spy_init(self, inputs, outputs, *args, **kwargs):
        built.append(outputs)
        original_init(self, inputs, outputs, *args, **kwargs)

    def spy_call(self, x, *args, **kwargs):
        calls.append(x.shape[0])
        return original_call(self, x, *args, **kwargs)

    monkeypatch.setattr(Functional, "__init__", spy_init)
    monkeypatch.setattr(Functional, "__call__", spy_call)
    feature_maps(model, RNG.random((5, 13, 11, 2)).astype("float32"), batch_size=2)
    assert len(built) == 1 and len(built[0]) == 3  # one sub-model, three outputs
    assert calls == [2, 2, 1]                        # run batch by batch


def test_feature_maps_accepts_names_indices_and_any_layer():
    model = functional_model("channels_last")
    x = RNG.random((2, 13, 11, 2)).astype("float32")
    maps = feature_maps(model, x, layers=["out", 1, "c1"])
    assert list(maps) == ["c1", "c2", "out"]  # model order
    assert maps["out"].shape == (2, 3)
    np.testing.assert_allclose(maps["out"], model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    assert list(feature_maps(model, x, layers="p1")) == ["p1"]


def test_feature_maps_of_a_sequential_model_with_input():
    model = randomize(keras.Sequential([
        keras.Input((8, 8, 1)),
        keras.layers.Conv2D(3, 3, activation="relu", name="conv"),
        keras.layers.AveragePooling2D(2, name="pool"),
        keras.layers.Flatten(),
        keras.layers.Dense(2),
    ]))
    x = RNG.random((2, 8, 8, 1)).astype("float32")
    assert default_map_layers(model) == ["conv", "pool"]
    assert_first_conv_matches_core(model, x)


def test_feature_maps_builds_a_sequential_model_that_was_never_called():
    model = keras.Sequential([keras.layers.Conv2D(3, 3, activation="relu", name="conv"),
                              keras.layers.Flatten()])
    with pytest.raises(ValueError, match="not built"):
        conv_layers(model)
    x = RNG.random((2, 6, 7, 1)).astype("float32")
    maps = feature_maps(model, x)
    assert maps["conv"].shape == (2, 4, 5, 3)
    randomize(model)
    assert_first_conv_matches_core(model, x)


def test_feature_maps_of_a_sequential_called_on_one_image_takes_any_batch():
    model = keras.Sequential([keras.layers.Conv2D(2, 3, name="conv")])
    model(np.zeros((1, 5, 5, 1), "float32"))  # its graph now has batch size 1
    randomize(model)
    assert_first_conv_matches_core(model, RNG.random((4, 5, 5, 1)).astype("float32"))


def test_feature_maps_checks_the_input_shape():
    model = functional_model("channels_last")
    with pytest.raises(ValueError, match=r"x must be a batch shaped \(N, 13, 11, 2\).*x\[None\]"):
        feature_maps(model, np.zeros((13, 11, 2)))
    with pytest.raises(ValueError, match=r"got shape \(1, 11, 13, 2\)"):
        feature_maps(model, np.zeros((1, 11, 13, 2)))
    with pytest.raises(ValueError, match="batch_size"):
        feature_maps(model, np.zeros((1, 13, 11, 2)), batch_size=0)


# ----------------------------------------------------------------- errors
def test_unknown_layer_name_lists_the_conv_layers():
    model = functional_model("channels_last")
    with pytest.raises(ValueError, match=r"no Conv2D layer named 'conv9'.*0: 'c1' \(3, 2, 2, 5\), "
                                         r"1: 'c2' \(2, 2, 5, 4\)"):
        filters(model, "conv9")
    with pytest.raises(ValueError, match=r"no layer named 'nope'.*'c1'.*'c2'"):
        feature_maps(model, np.zeros((1, 13, 11, 2)), layers=["nope"])


def test_layer_index_out_of_range_lists_the_conv_layers():
    model = functional_model("channels_last")
    with pytest.raises(ValueError, match=r"index 2 is out of range.*2 Conv2D.*'c1'.*'c2'"):
        filters(model, 2)
    with pytest.raises(ValueError, match=r"index -3"):
        filters(model, -3)
    with pytest.raises(TypeError, match=r"layer must be .*got float"):
        filters(model, 1.0)


def test_model_without_conv_layers_is_refused_clearly():
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)], name="mlp_like")
    with pytest.raises(ValueError, match=r"model 'mlp_like' has no Conv2D layer.*Dense"):
        conv_layers(model)
    with pytest.raises(ValueError, match="has no Conv2D layer"):
        filters(model, 0)
    with pytest.raises(ValueError, match="has no Conv2D layer"):
        feature_maps(model, np.zeros((1, 784)))


def test_nested_model_gets_a_hint():
    inner = functional_model("channels_last")
    outer = keras.Sequential([keras.Input((13, 11, 2)), inner, keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=r"nested model.*get_layer\('func_channels_last'\)"):
        conv_layers(outer)
    assert [i.name for i in conv_layers(outer.get_layer("func_channels_last"))] == ["c1", "c2"]


def test_subclassed_model_has_filters_but_no_feature_maps():
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.conv = keras.layers.Conv2D(2, 3, name="conv")

        def call(self, x):
            return self.conv(x)

    net = Net()
    net(np.zeros((1, 5, 5, 1), "float32"))
    assert filters(net, "conv")[0].shape == (3, 3, 1, 2)
    with pytest.raises(ValueError, match="subclassed"):
        feature_maps(net, np.zeros((1, 5, 5, 1)))


def test_not_a_model_is_a_type_error():
    with pytest.raises(TypeError, match="model must be a keras.Model, got ndarray"):
        conv_layers(np.zeros(3))
    assert isinstance(conv_layers(functional_model("channels_last"))[0], ConvLayerInfo)
