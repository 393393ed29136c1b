"""Every scene of ``convviz.render.SCENES``: its words are true and its screen is clean.

Each scene is stepped through with Manim's own hooks and no pixels
(``tests/scene_probe.py``): inside every animation and at the end of every
``play``/``wait``, at 1280x720. A new scene is checked as soon as it is listed in
``SCENES``; a model scene gets an untrained model (as in ``tests/test_render.py``)
whose last layer is made sure of one class, so that the tallest probability bar a
trained model draws is laid out too.

* :func:`test_every_claim_is_true` — sizes, shapes, strides, padding, model and
  data format on screen against the scene's data (``tests/scene_claims.py``);
* :func:`test_layout_is_clean` — no overlapping or moving-over texts, nothing
  outside the frame, no text under 14 px, no text morphs, no invisible leftovers,
  no equation left bright after its window moved (``tests/scene_probe.py``);
* :func:`test_poster_is_marked_and_clear_of_the_controls` — one poster moment, no
  text in the bottom 15 % of the frame there (a paused video's controls);
* the glitch tests below rebuild, in tiny scenes, each glitch the checks exist
  for (issue 10), and show that the checks catch it.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from manim import (
    DOWN, LEFT, RIGHT, UP, FadeIn, FadeOut, LaggedStart, Rectangle, ReplacementTransform,
    Scene, Text, TransformFromCopy, VGroup,
)

from convviz import render as R
from convviz import scene_data as S

import scene_claims as C
import scene_probe as P

CONTROLS = 0.15          # the bottom fraction of a paused video the browser's controls cover


@pytest.fixture(autouse=True, scope="module")
def manim_media(tmp_path_factory):
    """Manim writes every Text's SVG under its media folder: keep it out of the cwd."""
    from manim import tempconfig

    with tempconfig({"media_dir": str(tmp_path_factory.mktemp("media"))}):
        yield


@pytest.fixture(scope="module")
def models():
    import keras

    from convviz.models import build

    keras.utils.set_random_seed(0)
    built = {}
    for name in set(R.MODEL_SCENES.values()):
        model = build(name)
        last = [layer for layer in model.layers if layer.get_weights()][-1]
        kernel, bias = last.get_weights()
        bias[3] = 60.0                       # sure of class 3: one full-height bar
        last.set_weights([kernel, bias])
        built[name] = model
    return built


_PROBES: dict[str, P.Probe] = {}


def probed(scene, models) -> P.Probe:
    if scene not in _PROBES:
        model = models[R.MODEL_SCENES[scene]] if scene in R.MODEL_SCENES else None
        _PROBES[scene] = P.probe(scene, model=model)
    return _PROBES[scene]


def scene_data(scene, models):
    model = models[R.MODEL_SCENES[scene]] if scene in R.MODEL_SCENES else None
    return S.build(scene, R.resolve_config(scene), model=model)


@pytest.mark.slow
@pytest.mark.parametrize("scene", list(R.SCENES))
def test_every_claim_is_true(scene, models):
    result = probed(scene, models)
    texts = result.texts()
    assert len(texts) > 5                                 # the scene showed its words
    assert C.claim_problems(texts, scene_data(scene, models)) == []


@pytest.mark.slow
@pytest.mark.parametrize("scene", list(R.SCENES))
def test_layout_is_clean(scene, models):
    result = probed(scene, models)
    assert sum(m.alpha is None for m in result.moments) > 5
    problems = P.layout_problems(result)
    assert problems == [], "\n".join(problems[:40])


@pytest.mark.slow
@pytest.mark.parametrize("scene", list(R.SCENES))
def test_poster_is_marked_and_clear_of_the_controls(scene, models):
    from manim import config

    result = probed(scene, models)
    assert len(result.posters) == 1, f"{scene} must call mark_poster() once"
    (t,) = result.posters
    assert 0 < t < result.moments[-1].time
    poster = result.settled(t)
    band = -config.frame_height / 2 + CONTROLS * config.frame_height
    hidden = [x.text for x in poster.visible() if x.box[1] < band]
    assert hidden == [], f"under the video controls on the poster: {hidden}"
    assert len(poster.visible()) > 3


# Other numbers than the article's: negative weights and a bias, a stride of 3, padded
# channels, overlapping pooling windows. The layout must hold for them too.
CUSTOM = [
    ("KernelSlide", R.SceneConfig(kernel=[[1, 0, -1], [2, 0, -2], [1, 0, -1]], bias=-3,
                                  padding="same")),
    ("KernelSlideStride2", R.SceneConfig(input=np.arange(49).reshape(7, 7) % 10, stride=3)),
    ("MultiChannelSum", R.SceneConfig(padding="same")),
    ("Pooling", R.SceneConfig(input=np.arange(49).reshape(7, 7) * 3 % 31, pool_size=3,
                              stride=2)),
    # 5x5 feature maps beside 3x3 kernels; one filter: a wider cell, shrunk to the frame
    ("FiltersAndKernels", R.SceneConfig(padding="same")),
    ("FiltersAndKernels", R.SceneConfig(filters=1, padding="same")),
]


@pytest.mark.slow
@pytest.mark.parametrize("scene, config", CUSTOM, ids=[c[0] for c in CUSTOM])
def test_other_numbers_keep_the_layout_and_the_words_true(scene, config):
    result = P.probe(scene, config)
    assert P.layout_problems(result) == []
    assert C.claim_problems(result.texts(), S.build(scene, R.resolve_config(scene, config))) == []


@pytest.mark.slow
@pytest.mark.parametrize("config, maps", [
    (R.SceneConfig(filters=3), "3x3"),
    (R.SceneConfig(filters=3, padding="same"), "5x5"),
    (R.SceneConfig(input=np.arange(3 * 7 * 7).reshape(3, 7, 7) % 4, padding="same"), "7x7"),
])
def test_filters_and_kernels_refuses_a_table_whose_numbers_would_overlap(config, maps,
                                                                          tmp_path, capsys):
    """Its table has a row of kernels per filter under the input: too many rows leave
    cells too small for two numbers side by side. It says so before anything plays."""
    from convviz.cli import main

    with pytest.raises(ValueError, match=f"cannot draw .* with {maps} feature maps at a "
                                         "readable size"):
        P.probe("FiltersAndKernels", config)
    args = ["render", "FiltersAndKernels", "--output", str(tmp_path / "fk.mp4")]
    if config.filters:
        args += ["--filters", str(config.filters)]
    if config.padding:
        args += ["--padding", config.padding]
    if config.input is not None:
        args += ["--input", " | ".join("; ".join(" ".join(map(str, row)) for row in channel)
                                       for channel in config.input)]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot draw" in err[0] and "fewer filters" in err[0]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("config, sizes", [
    (R.SceneConfig(padding="same"), "3×3 kernels and 5×5 outputs"),
    (R.SceneConfig(input=np.random.default_rng(0).integers(0, 4, (3, 7, 7))),
     "3×3 kernels and 5×5 outputs"),
])
def test_depthwise_separable_refuses_maps_whose_numbers_would_overlap(config, sizes):
    """Its rows hold C_in + C_out maps side by side at one cell size: bigger maps leave
    cells too narrow for numbers like -11. It says so before anything plays."""
    with pytest.raises(ValueError, match=f"cannot draw .* with {sizes} at a readable size"):
        P.probe("DepthwiseSeparable", config)


@pytest.mark.slow
def test_learned_filters_poster_shows_the_filters(models):
    result = probed("LearnedFilters", models)
    poster = result.settled(result.posters[0])
    titles = [t.text for t in poster.visible() if t.role == "title"]
    assert len(titles) == 1 and "filters of" in titles[0] and "pooling" not in titles[0]
    data = scene_data("LearnedFilters", models)
    assert any(s[0] == "ImageMobject" for s in poster.shapes)       # the filter tiles
    shown = [t.text for t in poster.visible()]
    weights = [S.format_number(w) for w in data.filters[0].ravel()]
    missing = Counter(weights) - Counter(shown)
    assert not missing, f"filter 0's weights not written: {missing}"
    assert f"bias {S.format_number(data.bias[0], 3)}" in shown


# --------------------------------------------------------------------------- the checks
def problems_of(scene_class) -> list[str]:
    return P.layout_problems(P.probe(scene_class))


def digits(values, x=0.0, y=0.0, step=0.6):
    return VGroup(*[Text(str(v), font_size=36).move_to(RIGHT * (x + step * i) + UP * y)
                    for i, v in enumerate(values)])


class DoubledNumber(Scene):            # Pooling 3.3 s: a copy flies off its original
    def construct(self):
        row = digits([5, 6, 7, 8], x=-2)
        target = Text("6", font_size=36).move_to(RIGHT * 4)
        self.add(row)
        self.play(TransformFromCopy(row[1], target))


class ScatteredProducts(Scene):        # KernelSlideSame 10.9 s: digits flying over digits
    def construct(self):
        window = digits([1, 2, 3], x=-3, y=1)
        between = digits([4, 5, 6], x=-3, y=0)
        products = digits([7, 8, 9], x=-3, y=-1)
        self.add(window, between)
        self.play(LaggedStart(*[TransformFromCopy(a, b) for a, b in zip(window, products)],
                              lag_ratio=0.3))


class GhostText(Scene):                # MultiChannelSum 5.4 s: faded copies left behind
    def construct(self):
        sums = digits([0, 3, 3])
        self.add(sums)
        copies = sums.copy()
        self.play(copies.animate.shift(DOWN * 2).set_opacity(0))


class OverprintedTitles(Scene):        # LearnedFilters 5.0 s: one title morphing into another
    def construct(self):
        a = Text("What simple_cnn learned", font_size=32).to_edge(UP)
        b = Text("One digit through the filters", font_size=32).to_edge(UP)
        self.add(a)
        self.play(ReplacementTransform(a, b))


class CrossFadedTitles(Scene):         # the same, as a cross-fade in place
    def construct(self):
        a = Text("first title", font_size=32)
        b = Text("second title", font_size=32)
        self.add(a)
        self.play(FadeOut(a), FadeIn(b))


class StaleEquation(Scene):            # MultiChannelSum 15.4 s: the equation outlives its window
    def construct(self):
        from convviz.scenes.widgets import ConvvizScene

        window = Rectangle(width=1, height=1)
        line = ConvvizScene.explains(Text("1 + 3 + 0 = 4", font_size=30).shift(DOWN * 2), window)
        self.add(window, line)
        self.play(window.animate.shift(RIGHT))


class CollidingDigits(Scene):          # FiltersAndKernels 7.5 s: a back kernel's digits peep out
    def construct(self):
        from convviz.scenes.widgets import NumberGrid, stack

        grids = [NumberGrid((3, 3), np.arange(9).reshape(3, 3) + c, cell=0.5, solid=True)
                 for c in range(3)]
        self.play(FadeIn(stack(grids, 0.16)))


class KernelSmear(Scene):              # KernelSlideSame 3.0 s: a kernel morphing into a window
    def construct(self):
        from convviz.scenes.widgets import NumberGrid

        kernel = NumberGrid((3, 3), np.ones((3, 3)), cell=0.5).shift(RIGHT * 3)
        self.add(kernel)
        self.play(ReplacementTransform(kernel.copy(), Rectangle(width=1.5, height=1.5)))


class TinyAndOutside(Scene):
    def construct(self):
        self.play(FadeIn(Text("0.02", font="DejaVu Sans", font_size=12)),
                  FadeIn(Text("probabilities", font_size=30).move_to(LEFT * 7)))


@pytest.mark.parametrize("scene_class, expected", [
    (DoubledNumber, "passes over '7'"),
    (ScatteredProducts, "passes over '5'"),
    (GhostText, "invisible text '0' left in the scene"),
    (OverprintedTitles, "morphs ['What simple_cnn learned'] into"),
    (CrossFadedTitles, "'first title' overlaps 'second title'"),
    (StaleEquation, "'1 + 3 + 0 = 4' still bright after what it explains moved on"),
    (CollidingDigits, "overlaps"),
    (KernelSmear, "morphs ['1', '1', '1', '1', '1', '1', '1', '1', '1'] into shapes"),
    (TinyAndOutside, "'0.02' is 11."),
    (TinyAndOutside, "'probabilities' at x -8."),
])
def test_the_checks_catch_each_glitch(scene_class, expected):
    problems = problems_of(scene_class)
    assert any(expected in p for p in problems), "\n".join(problems)


def test_a_clean_scene_passes():
    class Clean(Scene):
        def construct(self):
            a = Text("12", font_size=30).shift(LEFT)
            self.play(FadeIn(a))
            self.play(a.animate.shift(DOWN))
            self.play(FadeOut(a))
            self.play(FadeIn(Text("17", font_size=30).shift(LEFT)))

    assert problems_of(Clean) == []


def test_digit_height_is_measured_in_pixels_at_720p():
    t = Text("0123456789", font="DejaVu Sans", font_size=30)
    assert P.text_px(t) == pytest.approx(t.height * 720 / 8, rel=0.01)   # Pango rounds
    t.scale(0.5)
    assert P.text_px(t) == pytest.approx(t.height * 720 / 8, rel=0.01)
    assert P.text_px(Text("0", font="DejaVu Sans", font_size=15.5)) > 14 > \
        P.text_px(Text("0", font="DejaVu Sans", font_size=14.5))


# --------------------------------------------------------------------------- the claims
def box(text, role=None, labels=None):
    return P.TextBox(text, (0, 0, 1, 1), 1.0, 20.0, role, labels, id(text))


def test_claims_catch_the_false_padding_label():
    data = S.build("KernelSlideSame", R.resolve_config("KernelSlideSame"))
    title = box('Convolution: 5×5 input, 3×3 kernel, stride 1, padding "same"', "title")
    old = {title.text: title,
           "input + zero padding (5×5)": box("input + zero padding (5×5)", "label", (7, 7))}
    assert C.claim_problems(old, data) == [
        "label 'input + zero padding (5×5)' names [(5, 5)] but labels a drawing of (7, 7)"]
    new = {title.text: title, "input 5×5, padded to 7×7": box("input 5×5, padded to 7×7",
                                                               "label", (7, 7))}
    assert C.claim_problems(new, data) == []


def test_claims_catch_wrong_sizes_strides_and_unnamed_padding():
    data = S.build("KernelSlideSameStride2", R.resolve_config("KernelSlideSameStride2"))
    texts = {t: box(t, "title") for t in ["Convolution: 4×4 input, 3×3 kernel, stride 1"]}
    texts["output (2, 3)"] = box("output (2, 3)")
    problems = C.claim_problems(texts, data)
    assert any("claims stride 1" in p for p in problems)
    assert any("claims the shape (2, 3)" in p for p in problems)
    assert any('never names the padding (padding "same")' in p for p in problems)


@pytest.mark.slow
def test_claims_hold_a_model_scene_to_its_data_format(models):
    data = scene_data("LearnedFilters", models)
    assert data.data_format == "channels_last" and data.map_shape == (28, 28, 32)
    texts = {t: box(t, "title") for t in ["What simple_cnn learned, channels_last"]}
    texts["32 feature maps (32, 28, 28)"] = box("32 feature maps (32, 28, 28)")
    problems = C.claim_problems(texts, data)
    # the channels-first array shape, true of the data but not in the model's notation
    assert len(problems) == 1 and "claims the shape (32, 28, 28)" in problems[0]
    assert "(Keras' channels_last shapes)" in problems[0]
    texts = {"What deep_cnn learned": box("What deep_cnn learned", "title")}
    problems = C.claim_problems(texts, data)
    assert any("never names the model 'simple_cnn'" in p for p in problems)
    assert any("must be said exactly once" in p for p in problems)
