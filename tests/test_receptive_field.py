"""receptive_field: hand-computed regions, every layer kind, and brute force against Keras.

The brute force perturbs one input pixel at a time (all 784 of them, in ONE batch
together with the unperturbed image, so every image goes through the same kernels
and rounding) and records which output cells change. A change outside the region
would prove the region wrong; with real (signed, untrained) weights some pixel
inside must change each cell; with dense positive weights every pixel of the
exact region must.
"""
from __future__ import annotations

import doctest

import numpy as np
import pytest

import convviz
from convviz import receptive
from convviz.receptive import LayerSpec, receptive_field, receptive_field_steps

# The article's channels_first model (SPEC.md 6) as layer specs.
DEEP = [dict(kernel=5, padding="same", name="conv1"),
        dict(kernel=2, stride=2, padding="same", kind="pool", name="pool1"),
        dict(kernel=5, padding="same", name="conv2"),
        dict(kernel=2, stride=2, padding="same", kind="pool", name="pool2")]
BIG = 1e6   # the perturbation: large enough to win every max-pooling window it reaches


# --------------------------------------------------------------------------- by hand
def test_deep_cnn_recurrence_by_hand():
    steps = receptive_field_steps(DEEP, input_size=28)
    assert [(s.name, s.size_out[0], s.jump_out[0], s.start_out[0], s.out_size[0])
            for s in steps] == [("conv1", 5, 1, -2, 28), ("pool1", 6, 2, -2, 14),
                                ("conv2", 14, 2, -6, 14), ("pool2", 16, 4, -6, 7)]
    assert steps[2].equations() == (
        "r = r_in + (k-1)*d*j_in = 6 + (5-1)*1*2 = 14",
        "j = j_in*s = 2*1 = 2",
        "start = start_in - p*j_in = (-2) - 2*2 = -6",
    )
    assert steps[3].equations(axis=1)[1] == "j = j_in*s = 2*2 = 4"


@pytest.mark.parametrize("cell, rows, unclipped", [
    ((0, 0), range(0, 10), range(-6, 10)),      # top-left: 6 rows of padding above
    ((6, 6), range(18, 28), range(18, 34)),     # bottom-right: 6 of padding below
    ((3, 4), range(6, 22), range(6, 22)),       # inside: no padding
])
def test_deep_cnn_regions_by_hand(cell, rows, unclipped):
    field = receptive_field(DEEP, "pool2", *cell, input_size=(28, 28))
    assert field.rows == rows and field.rows_unclipped == unclipped
    assert field.size == (16, 16) and field.jump == (4, 4) and field.start == (-6, -6)
    assert field.cols_unclipped == range(-6 + 4 * cell[1], 10 + 4 * cell[1])
    assert field.is_dense and field.mask.sum() == len(field.rows) * len(field.cols)
    assert field.exact_mask.tolist() == field.mask.tolist()
    image = np.arange(28 * 28).reshape(28, 28)
    assert image[field.slices].shape == (len(rows), len(field.cols))
    # the levels, from the digit up to the cell itself
    assert [lv.name for lv in field.levels] == ["input", "conv1", "pool1", "conv2", "pool2"]
    assert [lv.size for lv in field.levels] == [(28, 28), (28, 28), (14, 14), (14, 14), (7, 7)]
    assert field.levels[-1].rows == range(cell[0], cell[0] + 1)
    assert field.levels[0].rows == field.rows


def test_improved_cnn_by_hand():
    improved = [dict(kernel=5), dict(kernel=2, stride=2, kind="pool"), dict(kernel=3),
                dict(kernel=2, stride=2, kind="pool")]
    field = receptive_field(improved, -1, 4, 0, input_size=28)
    assert [s.name for s in field.steps] == ["conv1", "pool1", "conv2", "pool2"]
    assert (field.size, field.jump, field.start) == ((12, 12), (4, 4), (0, 0))
    assert field.rows == range(16, 28) and field.cols == range(0, 12)
    assert receptive_field(improved, "conv2", 0, 0, input_size=28).rows == range(0, 10)


def test_dilation_leaves_gaps():
    field = receptive_field([LayerSpec(3, dilation=2)], 0, 1, 0, input_size=7)
    assert field.rows_unclipped == range(1, 6) and field.size == (5, 5)
    assert field.exact_rows == (1, 3, 5) and not field.is_dense
    assert field.exact_mask.sum() == 9
    # WaveNet-style stack 1, 2, 4: r = 1 + 2*1 + 2*2 + 2*4 = 15, no gaps left
    stack = receptive_field([LayerSpec(3, dilation=d) for d in (1, 2, 4)], -1, 0, 0,
                            input_size=20)
    assert stack.size == (15, 15) and stack.is_dense


def test_stride_larger_than_the_kernel_skips_pixels():
    field = receptive_field([LayerSpec(1, stride=2), LayerSpec(3)], -1, 0, 0, input_size=9)
    assert field.rows == range(0, 5) and field.exact_rows == (0, 2, 4)


def test_a_padding_cell_can_widen_the_clipped_region_beyond_the_exact_one():
    # 8 -> 3 (valid, stride 2), then a 'same' 3x3: cell 2 reads layer-1 cells 1, 2 and
    # the padding cell 3, whose span reaches input pixel 7 -- which reaches nothing.
    field = receptive_field([LayerSpec(3, stride=2), LayerSpec(3, padding="same")], -1, 2, 2,
                            input_size=8)
    assert field.rows_unclipped == range(2, 9) and field.rows == range(2, 8)
    assert field.exact_rows == (2, 3, 4, 5, 6) and not field.is_dense


def test_padding_and_cropping_layers_shift_the_start():
    layers = [LayerSpec(padding=((2, 0), (1, 1)), kind="padding"), LayerSpec(3),
              LayerSpec(padding=((1, 0), (0, 0)), kind="cropping")]
    steps = receptive_field_steps(layers, input_size=(6, 6))
    assert [s.name for s in steps] == ["padding1", "conv1", "cropping1"]
    assert [s.out_size for s in steps] == [(8, 8), (6, 6), (5, 6)]
    assert [s.start_out for s in steps] == [(-2, -1), (-2, -1), (-1, -1)]
    assert steps[2].equations()[2] == "start = start_in - p*j_in = (-2) - (-1)*1 = -1"
    field = receptive_field(layers, -1, 0, 0, input_size=6)
    assert field.rows_unclipped == range(-1, 2) and field.rows == range(0, 2)


def test_mappings_and_specs_agree_and_the_module_examples_run():
    specs = [LayerSpec(**d) for d in DEEP]
    assert receptive_field_steps(specs, input_size=28) == receptive_field_steps(DEEP, input_size=28)
    assert convviz.receptive_field is receptive_field
    failures, tried = doctest.testmod(receptive)
    assert tried > 0 and failures == 0


@pytest.mark.parametrize("call, error, message", [
    (lambda: receptive_field(DEEP, "pool2", 7, 0, input_size=28), ValueError,
     "row must be in [0, 7) for layer 'pool2' whose output is 7x7, got 7"),
    (lambda: receptive_field(DEEP, "pool2", 0, -1, input_size=28), ValueError,
     "col must be in [0, 7)"),
    (lambda: receptive_field(DEEP, "pool2", 0.5, 0, input_size=28), TypeError,
     "row must be an int, got 0.5"),
    (lambda: receptive_field(DEEP, "pool9", 0, 0, input_size=28), ValueError,
     "layer must be one of the spatial layers ['conv1', 'pool1', 'conv2', 'pool2'], got 'pool9'"),
    (lambda: receptive_field(DEEP, 4, 0, 0, input_size=28), ValueError,
     "layer index must be in [-4, 4)"),
    (lambda: receptive_field(DEEP, -1, 0, 0), ValueError, "input_size=(H, W) is needed"),
    (lambda: receptive_field([dict(kernel=3, size=2)], 0, 0, 0, input_size=5), ValueError,
     "layers[0] has unknown keys ['size']"),
    (lambda: receptive_field([LayerSpec(3, kind="dense")], 0, 0, 0, input_size=5), ValueError,
     "layers[0].kind must be one of"),
    (lambda: receptive_field([LayerSpec(0)], 0, 0, 0, input_size=5), ValueError,
     "layers[0].kernel must be >= 1, got 0"),
    (lambda: receptive_field([LayerSpec(3, padding="wide")], 0, 0, 0, input_size=5), ValueError,
     "layers[0].padding: padding must be one of"),
    (lambda: receptive_field([LayerSpec(7)], 0, 0, 0, input_size=5), ValueError,
     "kernel height 7 (dilated to 7) is larger than its padded input height 5"),
    (lambda: receptive_field([], 0, 0, 0, input_size=5), ValueError, "at least one layer"),
    (lambda: receptive_field("conv", 0, 0, 0, input_size=5), TypeError,
     "model_or_layers must be a Keras model or a list"),
    (lambda: receptive_field([3], 0, 0, 0, input_size=5), TypeError,
     "layers[0] must be a LayerSpec or a mapping"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)


# --------------------------------------------------------------------------- Keras models
def _article_model(name, data_format, seed=1, positive=False):
    import keras

    from convviz.models import build

    keras.utils.set_random_seed(seed)
    model = build(name, data_format)
    if positive:
        _make_positive(model, seed)
    return model


def _make_positive(model, seed):
    """Every kernel weight of every spatial layer > 0 and biases 0: a large increase of
    one pixel then raises every cell it reaches and wins every max-pooling window."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if type(layer).__name__ in ("Dense", "BatchNormalization") or not layer.get_weights():
            continue
        layer.set_weights([
            rng.uniform(0.5, 1.0, w.shape).astype(w.dtype) / np.prod(w.shape[:-1])
            if w.ndim > 1 else np.zeros_like(w)
            for w in layer.get_weights()])


def _changes(model, layer_names, seed=0):
    """``{layer: (H*W pixels, H', W') bool}``: which cells each pixel's perturbation changes."""
    import keras

    shape = tuple(model.input_shape[1:])
    fmt_first = model.layers[0].data_format == "channels_first"
    h, w = shape[1:] if fmt_first else shape[:2]
    base = np.random.default_rng(seed).random(shape, dtype=np.float32)
    batch = np.repeat(base[None], h * w + 1, axis=0)
    pixel = np.arange(h * w)
    if fmt_first:
        batch[pixel, :, pixel // w, pixel % w] += BIG
    else:
        batch[pixel, pixel // w, pixel % w, :] += BIG
    sub = keras.Model(model.inputs, [model.get_layer(n).output for n in layer_names])
    outputs = sub.predict(batch, batch_size=len(batch), verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    changed = {}
    for name, out in zip(layer_names, outputs):
        fmt = getattr(model.get_layer(name), "data_format", "channels_last")
        out = np.asarray(out)
        out = out.transpose(0, 2, 3, 1) if fmt == "channels_first" else out
        changed[name] = (out[:-1] != out[-1:]).any(axis=-1)
    return changed, (h, w)


def _check_every_cell(model, dense):
    names = [s.name for s in receptive_field_steps(model)]
    changed, (h, w) = _changes(model, names)
    for name in names:
        cells = changed[name]
        for row in range(cells.shape[1]):
            for col in range(cells.shape[2]):
                field = receptive_field(model, name, row, col)
                seen = cells[:, row, col].reshape(h, w)
                assert not (seen & ~field.mask).any(), (name, row, col, field)
                # a cell of pure padding sees nothing; every other cell is changed by some pixel
                assert seen.any() == field.exact_mask.any(), (name, row, col)
                if dense:
                    np.testing.assert_array_equal(seen, field.exact_mask,
                                                  err_msg=f"{name} {row},{col}")
    return changed


@pytest.mark.slow
@pytest.mark.parametrize("name, data_format", [("deep_cnn", "channels_first"),
                                               ("deep_cnn", "channels_last"),
                                               ("improved_cnn", "channels_last"),
                                               ("improved_cnn", "channels_first")])
def test_brute_force_on_the_article_models(name, data_format):
    """Every cell of every conv and pooling layer: nothing outside the region changes it,
    something inside does (real untrained weights), and with dense positive weights
    exactly the region does."""
    model = _article_model(name, data_format)
    _check_every_cell(model, dense=False)
    _check_every_cell(_article_model(name, data_format, positive=True), dense=True)
    field = receptive_field(model, -1, 0, 0)
    if name == "deep_cnn":        # 'same' padding: the corner cell reaches into it
        assert field.rows_unclipped == range(-6, 10) and field.rows == range(0, 10)
        assert receptive_field(model, "relu2", 13, 13).layer == "conv2"
    else:
        assert field.rows_unclipped == field.rows == range(0, 12)


def test_model_and_specs_give_the_same_steps():
    model = _article_model("deep_cnn", "channels_first")
    assert receptive_field_steps(model) == receptive_field_steps(DEEP, input_size=28)
    field = receptive_field(model, "pool2", 6, 0)
    assert field.rows == range(18, 28) and field.cols == range(0, 10)
    assert receptive_field(model, "pool2", 6, 0, input_size=(28, 28)) == field


@pytest.mark.slow
def test_brute_force_on_every_layer_kind():
    """Padding, a dilated 'same' conv, a strided depthwise conv, 'same' average pooling
    on an odd map, cropping and a separable conv, with dense positive weights: the
    pixels that change a cell are exactly ``exact_mask``, gaps of the dilation included."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(2)
    model = keras.Sequential([
        keras.Input((13, 11, 2)),
        layers.ZeroPadding2D(((1, 0), (2, 1)), name="pad"),
        layers.Conv2D(3, 3, dilation_rate=2, padding="same", name="dilated"),
        layers.DepthwiseConv2D(3, strides=2, name="depthwise"),
        layers.AveragePooling2D(3, strides=2, padding="same", name="avg"),
        layers.BatchNormalization(name="norm"),
        layers.Cropping2D(((1, 0), (0, 1)), name="crop"),
        layers.SeparableConv2D(2, 2, name="separable"),
        layers.Activation("relu", name="relu"),
        layers.Flatten(name="flatten"),
        layers.Dense(3, name="dense"),
    ])
    _make_positive(model, 2)
    steps = receptive_field_steps(model)
    assert [s.kind for s in steps] == ["padding", "conv", "conv", "pool", "cropping", "conv"]
    assert [s.out_size for s in steps] == [(14, 14), (14, 14), (6, 6), (3, 3), (2, 2), (1, 1)]
    assert receptive_field(model, "relu", 0, 0).layer == "separable"
    dilated = receptive_field(model, "dilated", 5, 5)     # padded rows 3, 5, 7 = input 2, 4, 6
    assert dilated.exact_rows == (2, 4, 6) and dilated.exact_cols == (1, 3, 5)
    assert not dilated.is_dense and dilated.mask.sum() == 25
    changed = _check_every_cell(model, dense=True)
    assert changed["dilated"][:, 5, 5].sum() == 9


def test_models_it_cannot_follow_say_why():
    import keras
    from keras import layers

    from convviz.models import build

    with pytest.raises(ValueError, match="model 'mlp' has no 2-D convolution or pooling layer"):
        receptive_field(build("mlp"), 0, 0, 0)
    upsampling = keras.Sequential([keras.Input((4, 4, 1)), layers.Conv2DTranspose(1, 3, name="up")])
    with pytest.raises(ValueError, match="layer 'up' \\(Conv2DTranspose\\) upsamples"):
        receptive_field(upsampling, 0, 0, 0)
    odd = keras.Sequential([keras.Input((4, 4, 1)), layers.Conv2D(1, 3, name="c"),
                            layers.Lambda(lambda t: t, name="mystery")])
    with pytest.raises(ValueError, match="layer 'mystery' \\(Lambda\\) is not one"):
        receptive_field(odd, 0, 0, 0)
    model = _article_model("improved_cnn", "channels_last")
    with pytest.raises(ValueError, match="layer 'dense1' comes after the spatial part, which "
                                         "ends at 'flatten' \\(Flatten\\)"):
        receptive_field(model, "dense1", 0, 0)
    with pytest.raises(ValueError, match="input_size must be the model's \\(28, 28\\)"):
        receptive_field(model, 0, 0, 0, input_size=32)
    relu_first = keras.Sequential([keras.Input((5, 5, 1)), layers.ReLU(name="r"),
                                   layers.Conv2D(1, 3, name="c")])
    with pytest.raises(ValueError, match="layer 'r' comes before any convolution"):
        receptive_field(relu_first, "r", 0, 0)
    any_size = keras.Sequential([keras.Input((None, None, 1)), layers.Conv2D(1, 3, name="c")])
    with pytest.raises(ValueError, match="give input_size=\\(H, W\\)"):
        receptive_field(any_size, 0, 0, 0)
    assert receptive_field(any_size, 0, 1, 1, input_size=5).rows == range(1, 4)
