"""The TransposedConv, Dilation and ConvolutionVsCorrelation scenes: wiring, options,
the size lines they write, and the numbers they draw.

The numbers the builders compute are proven equal to the core and Keras in
``tests/test_family_data.py``; here the scenes themselves run (Manim's ``dry_run``:
``construct()`` without drawing a frame) and the numbers left in their grids are read
back and compared with ``convviz.conv2d_transpose``, ``conv2d(dilation_rate=2)``,
``conv2d(mode="convolution")`` and scipy.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import signal

import convviz
from convviz import family_data as F
from convviz import render as R
from convviz import scene_data as S

SCENES = ("TransposedConv", "Dilation", "ConvolutionVsCorrelation")


def data_for(scene, config=None):
    return S.build(scene, R.resolve_config(scene, config))


# --------------------------------------------------------------------------- wiring
def test_the_scenes_are_wired_everywhere():
    from convviz.tour import SCENE_TEXT

    for scene in SCENES:
        assert scene in R.SCENES and scene in R.NO_MODEL_SCENES and scene in SCENE_TEXT
        assert R.scene_module(scene).startswith("convviz.scenes.")
        # scene_data.build hands the family scenes to family_data.build
        cfg = R.resolve_config(scene)
        assert type(S.build(scene, cfg)) is type(F.build(scene, cfg))


def test_the_render_cache_follows_the_family_builders():
    import inspect

    source = inspect.getsource(R._code_fingerprint)
    assert "family_data.py" in source and "receptive.py" in source


@pytest.mark.parametrize("scene", SCENES)
def test_checkout_file_subclasses_the_package_scene(scene):
    """``manim scenes/<file>.py <Scene>`` finds a class of that name that is the package's."""
    import importlib.util
    import pathlib

    module = R.SCENES[scene]
    path = pathlib.Path(__file__).resolve().parent.parent / "scenes" / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"checkout_{module}", path)
    checkout = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checkout)
    assert issubclass(getattr(checkout, scene), R.scene_class(scene))


# --------------------------------------------------------------------------- CLI options
def test_cli_options_for_the_family_fields():
    from convviz.cli import build_parser
    from convviz.cli.render import config_from_args

    args = build_parser().parse_args([
        "render", "TransposedConv", "--padding", "same", "--output-padding", "1",
        "--dilation", "2", "--pointwise", "1 2 3; 4 5 6", "--layer", "3", "--cell", "1,2"])
    cfg = config_from_args(args)
    assert (cfg.padding, cfg.output_padding, cfg.dilation) == ("same", 1, 2)
    assert cfg.pointwise == ((1, 2, 3), (4, 5, 6))
    assert cfg.layer == 3 and cfg.cell == (1, 2)
    args = build_parser().parse_args(["render", "Dilation", "--layer", "conv2d_1",
                                      "--cell", "0 6"])
    cfg = config_from_args(args)
    assert cfg.layer == "conv2d_1" and cfg.cell == (0, 6)
    assert data_for("Dilation", R.SceneConfig(dilation=3)).effective_size == (7, 7)


def test_cli_options_override_the_config_file_and_keep_its_family_fields(tmp_path):
    from convviz.cli import build_parser
    from convviz.cli.render import config_from_args

    path = tmp_path / "t.toml"
    path.write_text('scene = "TransposedConv"\ninput = "1 2 3; 4 5 6; 7 8 9"\n'
                    'output_padding = 1\ndilation = 3\n')
    cfg = config_from_args(build_parser().parse_args(
        ["render", "TransposedConv", "--config", str(path)]))
    assert cfg.output_padding == 1 and cfg.dilation == 3        # kept from the file
    cfg = config_from_args(build_parser().parse_args(
        ["render", "TransposedConv", "--config", str(path), "--output-padding", "0"]))
    assert cfg.output_padding == 0 and cfg.input == ((1, 2, 3), (4, 5, 6), (7, 8, 9))
    assert data_for("TransposedConv", cfg).output.shape == (7, 7)


@pytest.mark.parametrize("argv, message", [
    (["--cell", "1"], "argument --cell: expected two ints 'ROW COL' (or 'ROW,COL'), got '1'"),
    (["--dilation", "two"], "argument --dilation: invalid int value: 'two'"),
    (["--pointwise", "1 2; 3"], "pointwise must be rectangular"),
])
def test_cli_option_mistakes_get_one_line(argv, message, capsys):
    from convviz.cli import main

    with pytest.raises(SystemExit) as info:
        main(["render", "Dilation", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("argv, message", [
    (["TransposedConv", "--output-padding", "2"],
     "output_padding must be smaller than strides, got output_padding=2 with strides=2"),
    (["Dilation", "--dilation", "0"], "dilation must be >= 1, got 0"),
    (["Dilation", "--dilation", "4"], "kernel height 3 (dilated to 9) is larger than the "
                                      "padded input height 7"),
])
def test_impossible_family_settings_get_one_line(argv, message, capsys):
    from convviz.cli import main

    assert main(["render", *argv, "--no-cache", "--width", "256", "--height", "144"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("convviz render: error: ") and message in err
    assert len(err.splitlines()) == 1


# --------------------------------------------------------------------------- the data additions
TRANSPOSED_CONFIGS = [
    None,
    R.SceneConfig(padding="same"),
    R.SceneConfig(output_padding=1),
    R.SceneConfig(padding=1, output_padding=1, bias=2),
    R.SceneConfig(input=[[1, -2, 0], [3, 1, 2], [0, 2, -1]]),
    R.SceneConfig(input=[[1, -2, 0], [3, 1, 2]], padding="same"),     # axes differ
    R.SceneConfig(input=[[1, -2, 0], [3, 1, 2], [0, 2, -1]], stride=3),   # no overlaps
    R.SceneConfig(kernel=[[1, 2], [3, 4]], stride=3),                 # gaps: cells added
]


def evaluate(formula: str) -> tuple[int, int]:
    """``(value of the substituted expression, the number after the last '=')``."""
    parts = [p.strip() for p in formula.split(":", 1)[-1].split("=")]
    expression = parts[-2].replace("\u2212", "-").replace("\u00d7", "*")
    expression = expression.replace("floor(", "math.floor(")
    return eval(expression, {"math": math}), int(parts[-1])        # noqa: S307 (our own text)


@pytest.mark.parametrize("config", TRANSPOSED_CONFIGS)
def test_transposed_size_lines_evaluate_to_conv_transpose_output_size(config):
    cfg = R.resolve_config("TransposedConv", config)
    d = data_for("TransposedConv", cfg)
    x, k = np.asarray(cfg.input), np.asarray(cfg.kernel)
    sizes = [convviz.conv_transpose_output_size(x.shape[a], k.shape[a], cfg.stride, cfg.padding,
                                                cfg.output_padding) for a in (0, 1)]
    lines = d.size_lines
    assert len(lines) == (1 if sizes[0] == sizes[1] and x.shape[0] == x.shape[1] else 2)
    for line, size, n in zip(lines * 2 if len(lines) == 1 else lines, sizes, x.shape):
        value, result = evaluate(line)
        assert value == result == size
        assert f"({n}\u22121)\u00d7{cfg.stride}" in line


def test_transposed_size_lines_by_hand():
    assert data_for("TransposedConv").size_lines == (
        "height and width: (n\u22121)\u00d7s + k = (2\u22121)\u00d72 + 3 = 5",)
    assert data_for("TransposedConv", R.SceneConfig(padding="same")).size_lines == (
        "height and width: (n\u22121)\u00d7s + k \u2212 cropped = (2\u22121)\u00d72 + 3 \u2212 1 = 4",)
    assert data_for("TransposedConv", R.SceneConfig(output_padding=1)).size_lines == (
        "height and width: (n\u22121)\u00d7s + k + added = (2\u22121)\u00d72 + 3 + 1 = 6",)


@pytest.mark.parametrize("config", TRANSPOSED_CONFIGS)
def test_stamps_know_where_they_overlap_earlier_stamps(config):
    cfg = R.resolve_config("TransposedConv", config)
    d = data_for("TransposedConv", cfg)
    kh, kw = d.kernel.shape
    count = np.zeros(d.canvas.shape, dtype=int)          # independent: count the footprints
    previous = np.zeros_like(d.canvas)
    for stamp in d.stamps:
        window = (slice(stamp.top, stamp.top + kh), slice(stamp.left, stamp.left + kw))
        np.testing.assert_array_equal(stamp.covered_before, count[window] > 0)
        np.testing.assert_array_equal(stamp.canvas_before, previous)
        np.testing.assert_array_equal(stamp.canvas_after[window],
                                      stamp.canvas_before[window] + stamp.contribution)
        count[window] += 1
        previous = stamp.canvas_after
    # an output cell that several stamps reach was covered before by all but the first
    (top, _), (left, _) = d.crops
    h, w = d.output.shape
    kept = count[top: top + h, left: left + w]
    np.testing.assert_array_equal(kept, d.overlaps[: kept.shape[0], : kept.shape[1]])


@pytest.mark.parametrize("config", TRANSPOSED_CONFIGS)
def test_kept_and_added_canvas_cells_make_the_output(config):
    cfg = R.resolve_config("TransposedConv", config)
    d = data_for("TransposedConv", cfg)
    x, k = np.asarray(cfg.input), np.asarray(cfg.kernel)
    bias = None if cfg.bias is None else np.asarray(cfg.bias, dtype=float).reshape(())
    expected = convviz.conv2d_transpose(x, k, bias, strides=cfg.stride, padding=cfg.padding,
                                        output_padding=cfg.output_padding)
    assert d.kept.sum() == expected.size
    np.testing.assert_array_equal((d.canvas[d.kept] + d.bias).reshape(expected.shape), expected)
    assert d.scatter_shape == tuple((n - 1) * cfg.stride + kk for n, kk in zip(x.shape, k.shape))
    assert not d.canvas[d.added].any()
    footprints = np.zeros(d.canvas.shape, dtype=bool)        # no stamp reaches an added cell
    for s in d.stamps:
        footprints[s.top: s.top + k.shape[0], s.left: s.left + k.shape[1]] = True
    assert not (footprints & d.added).any()
    assert d.added.sum() == d.canvas.size - np.prod(d.scatter_shape)


def test_added_cells_by_hand():
    d = data_for("TransposedConv", R.SceneConfig(output_padding=1))
    assert d.scatter_shape == (5, 5) and d.canvas.shape == d.output.shape == (6, 6)
    assert d.added[5].all() and d.added[:, 5].all() and d.added.sum() == 11
    assert d.kept.all()
    d = data_for("TransposedConv", R.SceneConfig(padding="same"))
    assert d.kept[:4, :4].all() and d.kept.sum() == 16          # row 4 and column 4 cropped
    assert not d.added.any()


DILATION_CONFIGS = [None, R.SceneConfig(padding="same"), R.SceneConfig(stride=2, padding=1),
                    R.SceneConfig(dilation=3), R.SceneConfig(dilation=1),
                    R.SceneConfig(kernel=[[1, 0, 2]], dilation=3)]


@pytest.mark.parametrize("config", DILATION_CONFIGS)
def test_dilation_lines_evaluate_to_the_core_sizes(config):
    cfg = R.resolve_config("Dilation", config)
    d = data_for("Dilation", cfg)
    x, k = np.asarray(cfg.input), np.asarray(cfg.kernel)
    both = (d.effective_lines * 2 if len(d.effective_lines) == 1 else d.effective_lines)
    for line, kk, eff in zip(both, k.shape, d.effective_size):
        assert evaluate(line) == (eff, eff) and eff == cfg.dilation * (kk - 1) + 1
        assert f"{cfg.dilation}\u00d7({kk}\u22121) + 1" in line
    both = d.size_lines * 2 if len(d.size_lines) == 1 else d.size_lines
    for axis, line in enumerate(both):
        size = convviz.conv_output_size(x.shape[axis], k.shape[axis], cfg.stride,
                                        d.pads[axis], cfg.dilation)
        assert evaluate(line) == (size, size) == (d.output.shape[axis],) * 2
    assert len(d.effective_lines) == (1 if k.shape[0] == k.shape[1] else 2)


def test_dilation_lines_by_hand():
    d = data_for("Dilation")
    assert d.effective_lines == (
        "height and width: k_eff = d\u00d7(k\u22121) + 1 = 2\u00d7(3\u22121) + 1 = 5",)
    assert d.size_lines == ("height and width: floor((n + p \u2212 k_eff)/s) + 1 = "
                            "floor((7 + 0 \u2212 5)/1) + 1 = 3",)


def test_flip_data_states_its_stride_and_padding():
    d = data_for("ConvolutionVsCorrelation", R.SceneConfig(stride=2, padding="same"))
    assert d.strides == d.correlation.strides == d.convolution.strides == (2, 2)
    assert d.padding == "same" == d.convolution.padding
    assert d.correlation.pads == d.convolution.pads == ((1, 1), (1, 1))


# --------------------------------------------------------------------------- what the scenes draw
def run(scene, config=None):
    """Run ``scene``'s ``construct()`` without drawing a frame (one position step by
    step, one quick, the rest at once). Returns the scene object and every text it
    showed (read after each ``play``)."""
    import tempfile

    from manim import Text, tempconfig

    seen: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="convviz-dry-") as media, \
            tempconfig({"dry_run": True, "media_dir": media, "disable_caching": True,
                        "progress_bar": "none", "verbosity": "WARNING",
                        "pixel_width": 1280, "pixel_height": 720, "frame_rate": 30}):
        config = R.resolve_config(scene, config).replace(detailed_steps=1, fast_steps=1)
        instance = R.scene_class(scene)(scene_config=config, skip_animations=True)
        play = instance.play

        def recording_play(*args, **kwargs):
            play(*args, **kwargs)
            seen.update(m.original_text for top in instance.mobjects
                        for m in top.get_family() if isinstance(m, Text))

        instance.play = recording_play
        instance.render()
    return instance, seen


def shown(grid) -> np.ndarray:
    """The numbers written in a NumberGrid, as an array of strings ('' where empty)."""
    cells = np.full((grid.rows, grid.cols), "", dtype=object)
    for (i, j), t in grid.numbers.items():
        cells[i, j] = t.original_text
    return cells


def written(values) -> np.ndarray:
    return np.vectorize(S.format_number, otypes=[object])(np.asarray(values))


@pytest.mark.slow
@pytest.mark.parametrize("config", [None, R.SceneConfig(padding="same", bias=1),
                                    R.SceneConfig(output_padding=1)])
def test_transposed_scene_draws_conv2d_transpose_both_ways(config):
    from convviz.keras_check import keras_conv2d_transpose

    cfg = R.resolve_config("TransposedConv", config)
    scene, texts = run("TransposedConv", cfg)
    x, k = np.asarray(cfg.input, dtype=float), np.asarray(cfg.kernel, dtype=float)
    bias = None if cfg.bias is None else np.asarray(cfg.bias, dtype=float).reshape(())
    kwargs = dict(strides=cfg.stride, padding=cfg.padding, output_padding=cfg.output_padding)
    expected = convviz.conv2d_transpose(x, k, bias, **kwargs)
    np.testing.assert_allclose(expected, keras_conv2d_transpose(x, k, bias, **kwargs), atol=1e-9)
    grids = scene.convviz_grids
    # the stamps' way and the zero-insertion way both end at Keras' numbers
    np.testing.assert_array_equal(shown(grids["stamps output"]), written(expected))
    np.testing.assert_array_equal(shown(grids["zero-insertion output"]), written(expected))
    np.testing.assert_array_equal(shown(grids["flipped kernel"]), written(np.rot90(k, 2)))
    d = data_for("TransposedConv", cfg)
    np.testing.assert_array_equal(shown(grids["zero-inserted input"]),
                                  written(d.zero_insert.conv.padded_input))
    # the sizes it states are the data's
    assert set(d.size_lines) <= texts
    oh, ow = expected.shape
    assert f"output {oh}\u00d7{ow}" in texts and f"way 2: output {oh}\u00d7{ow}" in texts
    assert any(t.startswith(f"Transposed convolution: {x.shape[0]}\u00d7{x.shape[1]} input")
               for t in texts)


@pytest.mark.slow
@pytest.mark.parametrize("config", [None, R.SceneConfig(stride=2, padding=1)])
def test_dilation_scene_draws_conv2d_with_dilation(config):
    from convviz.keras_check import keras_conv2d

    cfg = R.resolve_config("Dilation", config)
    scene, texts = run("Dilation", cfg)
    x, k = np.asarray(cfg.input, dtype=float), np.asarray(cfg.kernel, dtype=float)
    kwargs = dict(strides=cfg.stride, padding=cfg.padding, dilation_rate=cfg.dilation)
    expected = convviz.conv2d(x, k, **kwargs)
    np.testing.assert_allclose(expected, keras_conv2d(x, k, None, **kwargs), atol=1e-9)
    grids = scene.convviz_grids
    np.testing.assert_array_equal(shown(grids["output"]), written(expected))
    spread = shown(grids["dilated kernel"])
    d = data_for("Dilation", cfg)
    assert (spread[d.is_gap] == "").all()                       # the gaps stay empty
    np.testing.assert_array_equal(spread[~d.is_gap].reshape(k.shape), written(k))
    assert set(d.size_lines) | set(d.effective_lines) <= texts
    eh, ew = d.effective_size
    assert f"dilated kernel {eh}\u00d7{ew}" in texts and (eh, ew) == (5, 5)
    oh, ow = expected.shape
    assert f"output {oh}\u00d7{ow}" in texts


@pytest.mark.slow
def test_flip_scene_draws_correlation_and_convolution():
    from convviz.keras_check import keras_conv2d

    cfg = R.resolve_config("ConvolutionVsCorrelation")
    scene, texts = run("ConvolutionVsCorrelation", cfg)
    x, k = np.asarray(cfg.input, dtype=float), np.asarray(cfg.kernel, dtype=float)
    grids = scene.convviz_grids
    correlation = convviz.conv2d(x, k)
    np.testing.assert_allclose(correlation, keras_conv2d(x, k, None), atol=1e-9)
    np.testing.assert_array_equal(shown(grids["correlation"]), written(correlation))
    convolution = signal.convolve2d(x, k, mode="valid")
    np.testing.assert_array_equal(convolution, convviz.conv2d(x, k, mode="convolution"))
    np.testing.assert_array_equal(shown(grids["convolution"]), written(convolution))
    assert not np.array_equal(correlation, convolution)       # the kernel is not symmetric
    np.testing.assert_array_equal(shown(grids["flipped kernel"]), written(np.rot90(k, 2)))
    assert any("the kernel is learned" in t for t in texts)


# Other numbers than the defaults: a 3x3 input with "same" padding, output_padding and a
# bias (cropped and added cells, a 9x9 zero-inserted grid); dilation with stride 2 and
# padding, and with "same" padding (an 11x11 grid, too small for the weights); a Sobel
# kernel with a bias, stride 2 and padding. The layout and the words must hold for them.
CUSTOM = [
    ("TransposedConv", R.SceneConfig(input=[[1, -2, 0], [3, 1, 2], [0, 2, -1]],
                                     padding="same", output_padding=1, bias=1)),
    ("Dilation", R.SceneConfig(stride=2, padding=1)),
    ("Dilation", R.SceneConfig(padding="same", bias=-2)),
    ("ConvolutionVsCorrelation", R.SceneConfig(kernel=[[1, 0, -1], [2, 0, -2], [1, 0, -1]],
                                               bias=2, stride=2, padding="same")),
]


@pytest.mark.slow
@pytest.mark.parametrize("scene, config", CUSTOM, ids=[f"{c[0]}-{i}" for i, c in enumerate(CUSTOM)])
def test_other_numbers_keep_the_layout_and_the_words_true(scene, config):
    import scene_claims as C
    import scene_probe as P

    result = P.probe(scene, config)
    assert P.layout_problems(result) == []
    assert C.claim_problems(result.texts(), S.build(scene, R.resolve_config(scene, config))) == []
    assert len(result.posters) == 1
