"""The article's four MNIST models, layer for layer (SPEC.md sections 3-6).

=============  =====================================================================
name           layers (output shapes for channels_last; parameters)
=============  =====================================================================
mlp            dense1 Dense(784, relu, normal init) -> output Dense(10, softmax,
               normal init) on the flattened 784 pixels; 623,290 parameters
simple_cnn     conv1 Conv2D(32, 5x5, relu, same) (28,28,32) -> pool1 (14,14,32) ->
               dropout 0.2 -> flatten 6272 -> dense1 Dense(128, relu) -> output
               Dense(10, softmax); 805,066 parameters
improved_cnn   conv1 Conv2D(30, 5x5, relu) (24,24,30) -> pool1 (12,12,30) -> conv2
               Conv2D(15, 3x3, relu) (10,10,15) -> pool2 (5,5,15) -> dropout 0.2 ->
               flatten 375 -> dense1 128 relu -> dense2 50 relu -> output 10 softmax;
               59,933 parameters
deep_cnn       the training-API walk-through, channels_first by default: conv1
               Conv2D(32, 5, same) (32,28,28) -> relu1 -> pool1 MaxPooling2D(2, 2,
               same) (32,14,14) -> conv2 Conv2D(64, 5, same) (64,14,14) -> relu2 ->
               pool2 (64,7,7) -> flatten 3136 -> dense1 Dense(1024) -> relu3 ->
               dense2 Dense(10) -> output Activation(softmax); 3,274,634 parameters
=============  =====================================================================

All are compiled with adam, categorical cross-entropy and accuracy, as in the
article. The article fixes the walk-through's batch size in the input
(``batch_input_shape=(64, 1, 28, 28)``); here the batch axis stays free so the same
model trains with batch 200 and predicts single images. The article's "normal"
initializer is Keras' ``RandomNormal(stddev=0.05)``.
"""
from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from ._extras import require  # noqa: E402

keras = require("keras", "keras", "convviz.models")
layers = keras.layers

__all__ = ["MODEL_NAMES", "DEFAULT_DATA_FORMAT", "build", "check_name", "check_data_format"]

MODEL_NAMES = ("mlp", "simple_cnn", "improved_cnn", "deep_cnn")
DEFAULT_DATA_FORMAT = {
    "mlp": None,
    "simple_cnn": "channels_last",
    "improved_cnn": "channels_last",
    "deep_cnn": "channels_first",
}
DATA_FORMATS = ("channels_last", "channels_first")
NUM_PIXELS, NUM_CLASSES = 28 * 28, 10


def check_name(name) -> str:
    """Return ``name`` if it is one of :data:`MODEL_NAMES`, else raise a ValueError listing them."""
    if name not in MODEL_NAMES:
        raise ValueError(f"unknown model name {name!r}; valid names: {', '.join(MODEL_NAMES)}")
    return name


def check_data_format(name, data_format):
    """The data format ``name`` is built with: the article's default when ``data_format`` is None."""
    check_name(name)
    if data_format is None:
        return DEFAULT_DATA_FORMAT[name]
    if data_format not in DATA_FORMATS:
        raise ValueError(f"`data_format` must be one of {DATA_FORMATS} or None, got "
                         f"{data_format!r}")
    if name == "mlp":
        raise ValueError("`data_format` does not apply to 'mlp' (it reads the flattened 784 "
                         f"pixels); pass None, got {data_format!r}")
    return data_format


def build(name: str, data_format: str | None = None) -> keras.Model:
    """A fresh, compiled Keras model of the article: one of :data:`MODEL_NAMES`.

    Args:
        name: ``"mlp"``, ``"simple_cnn"``, ``"improved_cnn"`` or ``"deep_cnn"``.
        data_format: ``"channels_last"`` (input (28, 28, 1)) or ``"channels_first"``
            (input (1, 28, 28)) for the CNNs; None picks the article's choice
            (channels_first for ``deep_cnn``, channels_last for the others). The MLP
            takes flat (784,) input and accepts only None.
    """
    data_format = check_data_format(name, data_format)
    model = _BUILDERS[name](data_format)
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def _normal():
    # The article's kernel_initializer="normal": Keras 1/2's RandomNormal(0, 0.05).
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.05)


def _image_input(data_format):
    shape = (28, 28, 1) if data_format == "channels_last" else (1, 28, 28)
    return keras.Input(shape=shape, name="image")


def _mlp(_):
    return keras.Sequential([
        keras.Input(shape=(NUM_PIXELS,), name="pixels"),
        layers.Dense(NUM_PIXELS, activation="relu", kernel_initializer=_normal(), name="dense1"),
        layers.Dense(NUM_CLASSES, activation="softmax", kernel_initializer=_normal(),
                     name="output"),
    ], name="mlp")


def _simple_cnn(data_format):
    return keras.Sequential([
        _image_input(data_format),
        layers.Conv2D(32, (5, 5), activation="relu", padding="same", data_format=data_format,
                      name="conv1"),
        layers.MaxPooling2D(pool_size=(2, 2), data_format=data_format, name="pool1"),
        layers.Dropout(0.2, name="dropout"),
        layers.Flatten(name="flatten"),
        layers.Dense(128, activation="relu", name="dense1"),
        layers.Dense(NUM_CLASSES, activation="softmax", name="output"),
    ], name="simple_cnn")


def _improved_cnn(data_format):
    return keras.Sequential([
        _image_input(data_format),
        layers.Conv2D(30, (5, 5), activation="relu", data_format=data_format, name="conv1"),
        layers.MaxPooling2D(pool_size=(2, 2), data_format=data_format, name="pool1"),
        layers.Conv2D(15, (3, 3), activation="relu", data_format=data_format, name="conv2"),
        layers.MaxPooling2D(pool_size=(2, 2), data_format=data_format, name="pool2"),
        layers.Dropout(0.2, name="dropout"),
        layers.Flatten(name="flatten"),
        layers.Dense(128, activation="relu", name="dense1"),
        layers.Dense(50, activation="relu", name="dense2"),
        layers.Dense(NUM_CLASSES, activation="softmax", name="output"),
    ], name="improved_cnn")


def _deep_cnn(data_format):
    # Written like the article: convolutions and dense layers without activation,
    # each followed by its own Activation layer.
    return keras.Sequential([
        _image_input(data_format),
        layers.Conv2D(32, 5, strides=1, padding="same", data_format=data_format, name="conv1"),
        layers.Activation("relu", name="relu1"),
        layers.MaxPooling2D(pool_size=2, strides=2, padding="same", data_format=data_format,
                            name="pool1"),
        layers.Conv2D(64, 5, strides=1, padding="same", data_format=data_format, name="conv2"),
        layers.Activation("relu", name="relu2"),
        layers.MaxPooling2D(2, 2, "same", data_format=data_format, name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dense(1024, name="dense1"),
        layers.Activation("relu", name="relu3"),
        layers.Dense(NUM_CLASSES, name="dense2"),
        layers.Activation("softmax", name="output"),
    ], name="deep_cnn")


_BUILDERS = {
    "mlp": _mlp,
    "simple_cnn": _simple_cnn,
    "improved_cnn": _improved_cnn,
    "deep_cnn": _deep_cnn,
}
