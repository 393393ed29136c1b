"""The four models against the article's architecture, with the arithmetic written out.

Parameters: Dense(n_in -> n_out) has n_in*n_out + n_out; Conv2D(k x k, C_in -> C_out)
has k*k*C_in*C_out + C_out. Sizes: 'same' keeps n (stride 1), 'valid' gives n - k + 1,
a 2x2 pool halves (rounding down for 'valid', up for 'same').
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from convviz.models import MODEL_NAMES, build  # noqa: E402


def nhwc(shape, data_format):
    """Write shapes as (H, W, C); return them in the order of ``data_format``."""
    if len(shape) == 3 and data_format == "channels_first":
        h, w, c = shape
        return (c, h, w)
    return shape


# (layer name, Keras class, output shape (H, W, C) without batch, parameters)
MLP = [
    ("dense1", "Dense", (784,), 784 * 784 + 784),       # 615,440
    ("output", "Dense", (10,), 784 * 10 + 10),          # 7,850
]
SIMPLE_CNN = [
    ("conv1", "Conv2D", (28, 28, 32), 5 * 5 * 1 * 32 + 32),  # same padding: 28 stays; 832
    ("pool1", "MaxPooling2D", (14, 14, 32), 0),              # 28 / 2
    ("dropout", "Dropout", (14, 14, 32), 0),
    ("flatten", "Flatten", (14 * 14 * 32,), 0),              # 6,272
    ("dense1", "Dense", (128,), 6272 * 128 + 128),           # 802,944
    ("output", "Dense", (10,), 128 * 10 + 10),               # 1,290
]
IMPROVED_CNN = [
    ("conv1", "Conv2D", (24, 24, 30), 5 * 5 * 1 * 30 + 30),   # valid: 28 - 5 + 1 = 24; 780
    ("pool1", "MaxPooling2D", (12, 12, 30), 0),
    ("conv2", "Conv2D", (10, 10, 15), 3 * 3 * 30 * 15 + 15),  # 12 - 3 + 1 = 10; 4,065
    ("pool2", "MaxPooling2D", (5, 5, 15), 0),
    ("dropout", "Dropout", (5, 5, 15), 0),
    ("flatten", "Flatten", (5 * 5 * 15,), 0),                 # 375
    ("dense1", "Dense", (128,), 375 * 128 + 128),             # 48,128
    ("dense2", "Dense", (50,), 128 * 50 + 50),                # 6,450
    ("output", "Dense", (10,), 50 * 10 + 10),                 # 510
]
DEEP_CNN = [
    ("conv1", "Conv2D", (28, 28, 32), 5 * 5 * 1 * 32 + 32),   # 832
    ("relu1", "Activation", (28, 28, 32), 0),
    ("pool1", "MaxPooling2D", (14, 14, 32), 0),               # the article's (32, 14, 14)
    ("conv2", "Conv2D", (14, 14, 64), 5 * 5 * 32 * 64 + 64),  # 51,264
    ("relu2", "Activation", (14, 14, 64), 0),
    ("pool2", "MaxPooling2D", (7, 7, 64), 0),                 # the article's (64, 7, 7)
    ("flatten", "Flatten", (7 * 7 * 64,), 0),                 # 3,136
    ("dense1", "Dense", (1024,), 3136 * 1024 + 1024),         # 3,212,288
    ("relu3", "Activation", (1024,), 0),
    ("dense2", "Dense", (10,), 1024 * 10 + 10),               # 10,250
    ("output", "Activation", (10,), 0),
]
ARCHITECTURES = {"mlp": MLP, "simple_cnn": SIMPLE_CNN, "improved_cnn": IMPROVED_CNN,
                 "deep_cnn": DEEP_CNN}
TOTALS = {"mlp": 623_290, "simple_cnn": 805_066, "improved_cnn": 59_933,
          "deep_cnn": 3_274_634}

CASES = [("mlp", None)] + [(name, fmt) for name in MODEL_NAMES[1:]
                           for fmt in ("channels_last", "channels_first")]


@pytest.mark.parametrize("name, data_format", CASES)
def test_every_layer_shape_and_parameter_count(name, data_format):
    model = build(name, data_format)
    expected = ARCHITECTURES[name]
    got = [(layer.name, type(layer).__name__, tuple(layer.output.shape[1:]),
            layer.count_params()) for layer in model.layers]
    assert got == [(n, cls, nhwc(shape, data_format), p) for n, cls, shape, p in expected]
    assert model.count_params() == sum(p for *_, p in expected) == TOTALS[name]
    image_shape = (784,) if name == "mlp" else nhwc((28, 28, 1), data_format)
    assert tuple(model.input_shape[1:]) == image_shape


def test_defaults_follow_the_article():
    assert build("deep_cnn").input_shape == (None, 1, 28, 28)   # channels_first, as written
    assert build("simple_cnn").input_shape == (None, 28, 28, 1)
    assert build("improved_cnn").input_shape == (None, 28, 28, 1)
    assert build("mlp").input_shape == (None, 784)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_compiled_like_the_article(name):
    model = build(name)
    assert isinstance(model.optimizer, keras.optimizers.Adam)
    assert model.loss == "categorical_crossentropy"
    x = np.zeros((2,) + tuple(model.input_shape[1:]), np.float32)
    probabilities = np.asarray(model(x))
    assert probabilities.shape == (2, 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)  # softmax output


def test_layer_settings_of_the_article():
    mlp = build("mlp")
    for layer in mlp.layers:  # kernel_initializer='normal' of Keras 1/2
        init = layer.kernel_initializer
        assert isinstance(init, keras.initializers.RandomNormal)
        assert (init.mean, init.stddev) == (0.0, 0.05)
    assert [layer.activation.__name__ for layer in mlp.layers] == ["relu", "softmax"]

    simple = build("simple_cnn")
    conv = simple.get_layer("conv1")
    assert (conv.kernel_size, conv.padding, conv.activation.__name__) == ((5, 5), "same", "relu")
    assert simple.get_layer("dropout").rate == 0.2

    improved = build("improved_cnn")
    assert improved.get_layer("conv1").padding == "valid"
    assert improved.get_layer("conv2").kernel_size == (3, 3)
    assert improved.get_layer("dropout").rate == 0.2

    deep = build("deep_cnn")
    for name in ("conv1", "conv2"):
        conv = deep.get_layer(name)
        assert (conv.strides, conv.padding, conv.data_format) == ((1, 1), "same",
                                                                   "channels_first")
        assert conv.activation.__name__ == "linear"  # relu is its own layer, as written
    for name in ("pool1", "pool2"):
        pool = deep.get_layer(name)
        assert (pool.pool_size, pool.strides, pool.padding) == ((2, 2), (2, 2), "same")


def test_both_formats_compute_the_same_features():
    """Same weights, transposed input -> transposed feature maps up to the flatten."""
    first = build("deep_cnn", "channels_first")
    last = build("deep_cnn", "channels_last")
    for name in ("conv1", "conv2"):  # Keras stores kernels (kh, kw, C_in, C_out) in both
        last.get_layer(name).set_weights(first.get_layer(name).get_weights())
    x = np.random.default_rng(7).random((2, 1, 28, 28), dtype=np.float32)
    upto = {m: keras.Model(m.inputs[0], m.get_layer("pool2").output) for m in (first, last)}
    out_first = np.asarray(upto[first](x))
    out_last = np.asarray(upto[last](np.transpose(x, (0, 2, 3, 1))))
    assert out_first.shape == (2, 64, 7, 7)
    np.testing.assert_allclose(np.transpose(out_last, (0, 3, 1, 2)), out_first,
                               rtol=1e-4, atol=1e-5)


def test_bad_names_and_formats():
    with pytest.raises(ValueError, match="mlp, simple_cnn, improved_cnn, deep_cnn"):
        build("lenet")
    with pytest.raises(ValueError, match="data_format"):
        build("simple_cnn", "NHWC")
    with pytest.raises(ValueError, match="does not apply to 'mlp'"):
        build("mlp", "channels_last")
