"""What DepthwiseSeparable, ReluSoftmax and ReceptiveField draw equals the core,
Keras and the model, and the tour hands each model scene its model.

Each scene is run without rendering (Manim's dry run, animations skipped); after
every ``play`` the test records every text on screen and every number grid (as the
strings in its cells). The expected numbers are computed here independently of
:mod:`convviz.family_data`: by the core (``conv2d``, ``depthwise_conv2d``,
``separable_conv2d``), by Keras layers and the model's own outputs, or by hand.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np
import pytest

import convviz
from convviz import render as R
from convviz.scene_data import format_number

pytestmark = [pytest.mark.slow, pytest.mark.render]


def shown(scene, config=None, model=None):
    """``(texts, grids)`` a scene shows at the end of any of its animations: the set of
    strings, and the list of ``NumberGrid`` cells as tuples of row tuples (None for
    an empty cell), each grid once."""
    from manim import Text, tempconfig

    from convviz.scenes.widgets import NumberGrid

    texts, grids, seen = set(), [], set()

    def record(instance):
        for top in instance.mobjects:
            for m in top.get_family():
                if isinstance(m, Text) and m.get_fill_opacity() > 0:
                    texts.add(m.original_text)
                elif isinstance(m, NumberGrid) and id(m) not in seen and m.numbers:
                    seen.add(id(m))
                    grids.append(tuple(tuple(m.numbers[i, j].original_text
                                             if (i, j) in m.numbers else None
                                             for j in range(m.cols)) for i in range(m.rows)))

    cls = R.scene_class(scene)
    with tempfile.TemporaryDirectory() as media, \
            tempconfig({"dry_run": True, "media_dir": media, "disable_caching": True,
                        "progress_bar": "none", "verbosity": "WARNING",
                        "pixel_width": 1280, "pixel_height": 720, "frame_rate": 30}):
        instance = cls(scene_config=config, model=model, skip_animations=True)
        play = instance.play

        def recorded_play(*args, **kwargs):
            play(*args, **kwargs)
            record(instance)

        instance.play = recorded_play
        instance.render()
    return texts, grids


def written(array) -> tuple:
    """An array as a scene writes it in a grid."""
    return tuple(tuple(format_number(v) for v in row) for row in np.asarray(array))


# --------------------------------------------------------------------------- DepthwiseSeparable
@pytest.mark.parametrize("config", [
    None,
    R.SceneConfig(input=[[[1, 0, 2, 1], [0, 1, 1, 2], [2, 2, 0, 0], [1, 0, 1, 2]],
                         [[2, 1, 0, 0], [1, 2, 2, 0], [0, 1, 2, 1], [2, 0, 0, 1]]],
                  kernel=[[[1, 0, -1], [1, 0, -1], [1, 0, -1]], [[0, 1, 0], [1, -1, 1], [0, 1, 0]]],
                  pointwise=[[1, 2], [-1, 1], [2, 1]], padding="same"),
])
def test_depthwise_separable_draws_the_cores_numbers(config):
    cfg = R.resolve_config("DepthwiseSeparable", config)
    x = np.asarray(cfg.input, dtype=float)                     # (C, H, W)
    dw, pw = np.asarray(cfg.kernel, dtype=float), np.asarray(cfg.pointwise, dtype=float)
    c_in, c_out = len(dw), len(pw)
    kw = dict(strides=cfg.stride, padding=cfg.padding, data_format="channels_first")
    dw_keras, pw_keras = dw.transpose(1, 2, 0)[..., None], pw.T[None, None]
    depthwise = convviz.depthwise_conv2d(x[None], dw_keras, **kw)[0]
    separable = convviz.separable_conv2d(x[None], dw_keras, pw_keras, **kw)[0]
    filters = pw[:, :, None, None] * dw[None]                  # the standard route's kernels
    standard = convviz.conv2d(x[None], filters.transpose(2, 3, 1, 0), **kw)[0]
    np.testing.assert_allclose(standard, separable)
    one = dict(strides=cfg.stride, padding=cfg.padding)
    expected = (
        [written(x[c]) for c in range(c_in)]
        + [written(filters[o, c]) for o in range(c_out) for c in range(c_in)]
        + [written(convviz.conv2d(x[c], filters[o, c], **one))
           for o in range(c_out) for c in range(c_in)]
        + [written(m) for m in standard]
        + [written(k) for k in dw] + [written(m) for m in depthwise] + [written(pw)]
        + [written(pw[o, c] * depthwise[c]) for o in range(c_out) for c in range(c_in)]
        + [written(m) for m in separable])
    texts, grids = shown("DepthwiseSeparable", config)
    assert set(grids) == set(expected)            # every grid drawn is one of these, and back
    _, oh, ow = standard.shape
    (h, w), (kh, kwid) = x.shape[1:], dw.shape[1:]
    assert {f"standard output ({c_out}, {oh}, {ow})", f"separable output ({c_out}, {oh}, {ow})",
            f"depthwise output ({c_in}, {oh}, {ow})", f"red channel {h}\u00d7{w}"} <= texts
    # the costs, with the formulas written out
    weights, positions = kh * kwid * c_in * c_out, oh * ow
    light = kh * kwid * c_in + c_in * c_out
    assert {f"{kh}\u00d7{kwid}\u00d7{c_in}\u00d7{c_out} = {weights}",
            f"{oh}\u00d7{ow} positions \u00d7 {weights} = {positions * weights}",
            f"{kh * kwid * c_in} + {c_in * c_out} = {light}",
            f"{positions * kh * kwid * c_in} + {positions * c_in * c_out} = {positions * light}",
            f"{kh}\u00d7{kwid}\u00d7{c_in}\u00d7{c_out} = {weights} weights"} <= texts
    assert any(t.startswith(f"{light}/{weights} = 1/C_out + 1/(kh\u00d7kw) = 1/{c_out} + "
                            f"1/{kh * kwid}: {weights / light:.3g}\u00d7 fewer") for t in texts)


# --------------------------------------------------------------------------- model scenes
@pytest.fixture(scope="module")
def untrained():
    import keras

    from convviz.models import build

    keras.utils.set_random_seed(11)
    return {name: build(name) for name in ("simple_cnn", "deep_cnn")}


def test_relu_softmax_draws_the_models_own_numbers(untrained):
    import keras

    from convviz import family_data as F
    from convviz.data import load_mnist, to_model_input
    from convviz.inspect import feature_maps
    from convviz.keras_check import keras_conv2d
    from convviz.scenes.relu_softmax import _probability, _scientific

    model = untrained["simple_cnn"]
    cfg = R.SceneConfig(digit_index=4)
    texts, grids = shown("ReluSoftmax", cfg, model=model)
    data = F.build("ReluSoftmax", R.resolve_config("ReluSoftmax", cfg), model=model)
    (x_test, y_test) = load_mnist()[1]
    # ReLU: Keras' own convolution of the digit, before the activation
    conv = model.get_layer("conv1")
    x = to_model_input(x_test[4][None], model)
    pre = keras_conv2d(x, *conv.get_weights(), padding=conv.padding)[0][..., data.filter]
    window = pre[data.zoom_rows.start:data.zoom_rows.stop,
                 data.zoom_cols.start:data.zoom_cols.stop]
    assert written(window) in grids
    assert (f"{model.name}, layer conv1: output {tuple(conv.output.shape[1:])} "
            f"(channels_last), filter {data.filter}; MNIST test digit #4 (a {y_test[4]})") in texts
    n_negative = int((pre < 0).sum())
    assert (f"ReLU(x) = max(0, x): the {n_negative} negative cells of {pre.size} are now 0 "
            f"({int((window < 0).sum())} of them in the window, framed blue)") in texts
    # softmax: the logits are what the model's last Dense computes before its softmax
    for step in (data.confident, data.unsure):
        digit = to_model_input(x_test[step.digit_index][None], model)
        hidden = feature_maps(model, digit, layers=["dense1"])["dense1"]
        dense = keras.layers.Dense(10)
        dense.build(hidden.shape)
        dense.set_weights(model.get_layer("output").get_weights())
        logits = np.asarray(dense(hidden))[0]
        probabilities = model.predict(digit, verbose=0)[0]
        assert {format_number(v) for v in logits} <= texts
        assert {_scientific(np.exp(v)) for v in logits.astype(np.float64)} <= texts
        assert {_probability(p) for p in probabilities} <= texts
        assert f"sum = {_scientific(np.exp(logits.astype(np.float64)).sum())}" in texts
        assert f"test digit #{step.digit_index}, a {y_test[step.digit_index]}" in texts
        assert f"predicted {int(np.argmax(probabilities))}" in texts


def test_probability_never_rounds_up_to_one():
    from convviz.scenes.relu_softmax import _probability, _scientific

    assert _probability(0.999999946) == "0.9999999"             # 7 decimals: below 1
    assert _probability(0.99999996) == "0.99999996"             # 7 would round up to 1
    assert _probability(0.3103682) == "0.310" and _probability(1.0) == "1.000"
    assert _probability(2.03e-11) == "2.03e\u221211" and _scientific(-0.5) == "\u22120.5"
    assert _scientific(53216999.13) == "5.32e7" and _scientific(1.94) == "1.94"


@pytest.mark.parametrize("cell, rows, region", [
    ((3, 3), (6, 21), "16\u00d716 pixels"),
    ((0, 6), (-6, 9), "10\u00d710 (16\u00d716 padded)"),     # partly in the padding
])
def test_receptive_field_draws_the_recurrence_and_the_region(untrained, cell, rows, region):
    model = untrained["deep_cnn"]
    texts, _ = shown("ReceptiveField", R.SceneConfig(cell=cell), model=model)
    # deep_cnn: conv 5 (same, p=2), pool 2/2, conv 5 (same), pool 2/2, by hand
    assert {"1 + (5\u22121)\u00b71\u00b71 = 5", "5 + (2\u22121)\u00b71\u00b71 = 6",
            "6 + (5\u22121)\u00b71\u00b72 = 14", "14 + (2\u22121)\u00b71\u00b72 = 16",
            "1\u00b71 = 1", "1\u00b72 = 2", "2\u00b71 = 2", "2\u00b72 = 4",
            "0 \u2212 2\u00b71 = \u22122", "(\u22122) \u2212 0\u00b71 = \u22122",
            "(\u22122) \u2212 2\u00b72 = \u22126", "(\u22126) \u2212 0\u00b72 = \u22126"} <= texts
    shapes = {"(1, 28, 28)"} | {str(tuple(model.get_layer(name).output.shape[1:]))
                                for name in ("relu1", "pool1", "relu2", "pool2")}
    assert shapes == {"(1, 28, 28)", "(32, 28, 28)", "(32, 14, 14)", "(64, 14, 14)",
                      "(64, 7, 7)"} and shapes <= texts
    assert region in texts and {"2\u00d72 cells", "1\u00d71 cell"} <= texts
    # the first input row: start + row*j = -6 + 4*row, and the span r = 16 from there
    first, last = rows
    assert first == -6 + 4 * cell[0] and last == first + 15
    assert (f"row {cell[0]} \u2192 input rows \u22126 + {cell[0]}\u00b74 = "
            f"{format_number(first)} to {last}; column {cell[1]} \u2192 columns \u22126 + "
            f"{cell[1]}\u00b74 = {format_number(-6 + 4 * cell[1])} to {-6 + 4 * cell[1] + 15}"
            ) in texts


# --------------------------------------------------------------------------- the tour
def test_tour_hands_relu_softmax_the_simple_cnn_and_receptive_field_the_deep_cnn(
        tmp_path, monkeypatch):
    """The tour renders ReluSoftmax with its own simple CNN and ReceptiveField with the
    channels_first model it trains for CNNPipeline (no training here: the loader is
    replaced by untrained models, and the scene pool only records what it is given)."""
    from rich.console import Console

    from convviz import tour, train
    from convviz.models import build

    models = {}

    def load(console, bar, task, name, epochs, n_train, why=""):
        models.setdefault(name, build(name))
        return models[name], True, f"{name}-key"

    given = {}

    def record(pool, scene, *, model=None, model_spec=None):
        given[scene] = (model, model_spec)
        pool._finish(scene, tour._scene_item(scene, status="failed", note="recorded"))

    monkeypatch.setattr(tour, "_load_model", load)
    monkeypatch.setattr(train, "load_record", lambda *a, **k: None)
    monkeypatch.setattr(tour, "_figures", lambda *a, **k: ({}, 0.5))
    monkeypatch.setattr(tour, "_explorer", lambda out, model, console: tour.TourItem(
        "explore", "page", "t", "s", status="skipped", note="not in this test"))
    monkeypatch.setattr(tour._ScenePool, "start", record)
    result = tour.run_tour(tmp_path / "out", quick=True,
                           scenes=("ReluSoftmax", "ReceptiveField", "CNNPipeline"),
                           console=Console(file=open(os.devnull, "w")))
    assert {i.key for i in result.failed} == {"ReluSoftmax", "ReceptiveField", "CNNPipeline"}
    assert given["ReluSoftmax"][0] is models[tour.MODEL]
    assert given["ReceptiveField"][0] is given["CNNPipeline"][0] is models["deep_cnn"]
    assert given["ReceptiveField"][1] == given["CNNPipeline"][1] == {**tour.PIPELINE_MODEL,
                                                                     "seed": tour.SEED}
    assert given["ReluSoftmax"][1]["name"] == tour.MODEL
    assert tour.PIPELINE_MODEL["name"] == R.MODEL_SCENES["ReceptiveField"] == "deep_cnn"
