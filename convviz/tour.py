"""The tour: the main job end to end, into one folder with an ``index.html``.

:func:`run_tour` loads MNIST (offline, checksummed), trains the article's simple CNN
(or loads it from the cache), draws the article's figures, renders the explainer
scenes and writes a page that shows every figure and plays every video with one
sentence each -- a page a teacher can open in a browser or project in class::

    convviz-out/
        index.html          the page (relative links only: the folder can be moved)
        tour.json           what was made, with sizes, timings and cache hits
        figures/*.png       digits, filters, feature maps, a conv step, training, confusion
        videos/*.mp4        the scenes
        stills/*.png        one frame of each scene (the video's poster)

What is expensive is cached outside the folder (:func:`convviz.cache.cache_dir`):
trained models keyed by model name, epochs, seed and subset size
(:func:`convviz.train.load_trained`), rendered videos keyed by scene, config,
quality and scene code (:func:`convviz.render.render`). A second run reuses both
and says so. Every file is written atomically and ``index.html`` last, so an
interrupted run leaves no half-written file and no page pointing at missing ones.

:func:`write_index` (the page writer) is pure: it needs neither TensorFlow nor Manim.
"""
from __future__ import annotations

import dataclasses
import html
import importlib.util
import json
import pathlib
import shutil
import time
from dataclasses import dataclass, field

from .cache import atomic_path, atomic_write, cache_dir

__all__ = [
    "TourItem",
    "TourResult",
    "FIGURES",
    "SCENE_TEXT",
    "QUICK",
    "FULL",
    "quick_scenes",
    "write_index",
    "run_tour",
]

MODEL = "simple_cnn"
SEED = 7
DIGIT = 0            # the test digit whose feature maps are drawn
DPI = 120

# The two tour sizes: the article's full training, or a one-minute first look.
FULL = {"epochs": 10, "n_train": None}
QUICK = {"epochs": 1, "n_train": 15000}
# CNNPipeline follows a digit through the article's channels_first model (deep_cnn);
# one epoch on a fifth of the data already predicts confidently, and keeps the first
# tour minutes shorter than the full 10 epochs (~20 min on 2 cores) would.
PIPELINE_MODEL = {"name": "deep_cnn", "epochs": 1, "n_train": 12000}
# --quick renders only these two: the single-channel slide and the channel sum are
# the article's two worked examples and render in ~15 s each at low quality.
QUICK_SCENES = ("KernelSlide", "MultiChannelSum")

# key -> (title, one sentence for the page)
FIGURES = {
    "digits": (
        "The data: MNIST digits",
        "The first four training images of MNIST, 28x28 gray pixels with their labels: "
        "the handwritten digits the network learns to recognise (the article's 2x2 figure).",
    ),
    "filters": (
        "What the first convolution learned: its filters",
        "Each tile is one learned 5x5 kernel of weights (red positive, blue negative); "
        "convolving an image with it lights up the strokes and edges it matches.",
    ),
    "feature_maps": (
        "A test digit through every layer: feature maps",
        "Each tile is one feature map (= one channel): the digit convolved with one "
        "filter, then max pooling keeps the strongest values at half the resolution.",
    ),
    "conv_step": (
        "One convolution step, every number shown",
        "The article's three-channel example: each channel's window is multiplied "
        "cell by cell with its own kernel, the products are summed per channel, and "
        "the channel sums plus the bias give ONE cell of the output feature map.",
    ),
    "history": (
        "Training curves",
        "Loss and accuracy after each epoch on the training images (solid) and on the "
        "10,000 test images (dashed): rising test accuracy means the model learned "
        "something that carries over to digits it has never seen.",
    ),
    "confusion": (
        "Where the model goes wrong: confusion matrix",
        "Row = the true digit, column = the model's answer, on the 10,000 test images; "
        "the diagonal counts the right answers and every number off it is a mistake.",
    ),
}

SCENE_TEXT = {
    "KernelSlide": (
        "A kernel slides over the input",
        "A 3x3 kernel slides over a 5x5 input (stride 1, no padding); at each position "
        "the nine products are summed into one cell of the 3x3 feature map.",
    ),
    "KernelSlideSame": (
        "'same' padding",
        "The same kernel with 'same' padding: a border of zeros lets the kernel sit on "
        "every input cell, so the feature map keeps the input's 5x5 size.",
    ),
    "KernelSlideStride2": (
        "Stride 2",
        "With stride 2 the kernel jumps two cells at a time, so the feature map "
        "shrinks to 2x2.",
    ),
    "KernelSlideSameStride2": (
        "'same' padding with stride 2",
        "On a 4x4 input with stride 2 'same' padding needs only one extra row and "
        "column of zeros, and TensorFlow puts them at the bottom and right.",
    ),
    "MultiChannelSum": (
        "Many channels, one filter, one feature map",
        "An RGB input has three channels and the filter has one kernel per channel: "
        "each channel is convolved with its own kernel and the three results plus the "
        "bias are added into ONE feature map.",
    ),
    "FiltersAndKernels": (
        "Filters are stacks of kernels",
        "Two filters on the same three-channel input give two feature maps: a filter "
        "is a stack of kernels, one per input channel, and each filter makes one "
        "output channel.",
    ),
    "Pooling": (
        "Max pooling",
        "2x2 max pooling with stride 2 keeps the largest value of each window, so the "
        "strongest features survive at half the resolution.",
    ),
    "PoolingSame": (
        "Max pooling with 'same' padding",
        "On an odd-sized 5x5 map, 'same' pooling lets the last windows hang over the "
        "bottom and right edges, so the output is 3x3 instead of 2x2.",
    ),
    "LearnedFilters": (
        "Filters a network learned",
        "The kernels the trained CNN learned from MNIST, and the feature maps they "
        "produce on a real handwritten test digit.",
    ),
    "CNNPipeline": (
        "A digit through the whole network",
        "A test digit travels through the article's channels_first model (deep_cnn, "
        f"trained {PIPELINE_MODEL['epochs']} epoch on {PIPELINE_MODEL['n_train']:,} images "
        "for this animation): convolution, pooling "
        "and dense layers to the ten class probabilities, every picture a real layer output.",
    ),
    "DepthwiseSeparable": (
        "Depthwise-separable convolution",
        "The same output maps two ways: a standard convolution sums one kernel per input "
        "channel for every filter, while a depthwise step (one kernel per channel, no sum) "
        "followed by a 1x1 pointwise step that mixes the channels needs far fewer weights "
        "and multiplications.",
    ),
    "ReluSoftmax": (
        "ReLU and softmax",
        "On the trained network and real test digits, ReLU sets every negative value of a "
        "feature map to 0, and softmax turns the last layer's ten numbers into "
        "probabilities, for the model's most confident test digit and its least confident one.",
    ),
    "ReceptiveField": (
        "Receptive field",
        "One cell deep in the article's channels_first model (the one CNNPipeline shows) "
        "traced back layer by layer to the square of the digit it sees, sized by the "
        "recurrence r = r_in + (k-1)*d*j_in, j = j_in*s.",
    ),
}

# Where each item goes on the page, in teaching order: the data, how a convolution
# works, what the trained network learned, how well it does.
SECTIONS = {
    "The data": "The handwritten digits the network learns from.",
    "How a convolution works": "The arithmetic of one convolution layer, step by step, on the "
                               "source article's small examples.",
    "What the network learned": "Inside the trained CNN: its filters and what they make of a "
                                "test digit.",
    "How well it works": "Accuracy during training and the mistakes it still makes.",
}
_SECTION_OF = {
    "digits": "The data", "conv_step": "How a convolution works",
    "filters": "What the network learned", "feature_maps": "What the network learned",
    "LearnedFilters": "What the network learned", "CNNPipeline": "What the network learned",
    "ReluSoftmax": "What the network learned", "ReceptiveField": "What the network learned",
    "history": "How well it works", "confusion": "How well it works",
}
_WIDE = {"conv_step", "history"}

GLOSSARY = (
    ("kernel", "a small 2-D grid of weights (e.g. 3x3 or 5x5) slid over one channel."),
    ("filter", "a stack of kernels, one per input channel; with a single input channel "
               "the filter and the kernel are the same thing."),
    ("channel", "one 2-D grid of numbers in a layer's input or output: a gray image has "
                "one, an RGB image three, a conv layer with 32 filters outputs 32."),
    ("feature map", "the same thing as a channel: the output of convolving the input "
                    "with ONE filter (each filter makes one feature map)."),
)


@dataclass
class TourItem:
    """One figure or video of the page.

    ``path`` (and ``poster``) are relative to the output folder, with ``/``.
    ``status`` is ``"ok"``, ``"skipped"`` (e.g. the scene does not exist) or
    ``"failed"``; ``note`` says why when it is not ok. ``section`` is the heading the
    item appears under (default "Figures" / "Animations"); ``wide`` items span the
    page's whole width.
    """

    key: str
    kind: str                       # "figure" or "video"
    title: str
    sentence: str
    path: str | None = None
    poster: str | None = None
    width: int | None = None
    height: int | None = None
    frames: int | None = None
    status: str = "ok"
    note: str = ""
    cached: bool = False
    seconds: float = 0.0
    section: str = ""
    wide: bool = False

    def __post_init__(self):
        if not self.section:
            self.section = "Figures" if self.kind == "figure" else "Animations"
        if self.kind not in ("figure", "video"):
            raise ValueError(f"TourItem.kind must be 'figure' or 'video', got {self.kind!r}")
        if self.status not in ("ok", "skipped", "failed"):
            raise ValueError(f"TourItem.status must be 'ok', 'skipped' or 'failed', "
                             f"got {self.status!r}")
        if self.status == "ok" and not self.path:
            raise ValueError(f"TourItem {self.key!r} is ok but has no path")


@dataclass
class TourResult:
    out: pathlib.Path
    index: pathlib.Path
    items: list[TourItem]
    accuracy: float
    model_key: str
    model_cached: bool
    times: dict = field(default_factory=dict)

    @property
    def failed(self) -> list[TourItem]:
        return [i for i in self.items if i.status == "failed"]

    @property
    def skipped(self) -> list[TourItem]:
        return [i for i in self.items if i.status == "skipped"]


# --------------------------------------------------------------------------- page
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: 1100px; padding: 1.2em 1.5em 3em; color: #1d1d1f; line-height: 1.45; }
h1 { margin-bottom: 0.2em; }
.lead { font-size: 1.1em; color: #333; }
.summary { background: #f3f6fa; border-radius: 8px; padding: 0.6em 1em; }
.glossary dt { font-weight: 600; float: left; clear: left; width: 7em; }
.glossary dd { margin: 0 0 0.3em 7.5em; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(480px, 1fr));
        gap: 1.4em; }
figure { margin: 0; padding: 0.7em; border: 1px solid #ddd; border-radius: 8px;
         background: #fff; }
figure img, figure video { width: 100%; height: auto; display: block; background: #111; }
figure img { background: #fff; }
figcaption { margin-top: 0.5em; }
figcaption b { display: block; margin-bottom: 0.2em; }
.wide { grid-column: 1 / -1; }
.wide img { max-width: 1000px; margin: 0 auto; }
.intro { color: #444; margin-top: -0.4em; }
.missing { color: #8a1c1c; background: #fdf0f0; padding: 0.6em; border-radius: 6px; }
footer { margin-top: 2em; color: #666; font-size: 0.9em; }
"""


def _rel(path: str) -> str:
    """A relative URL for ``path`` (a folder-relative path with ``/``), escaped."""
    from urllib.parse import quote

    if path.startswith(("/", "\\")) or "://" in path or ".." in pathlib.PurePosixPath(path).parts:
        raise ValueError(f"item paths must be relative to the output folder, got {path!r}")
    return html.escape(quote(path), quote=True)


def _figure_html(item: TourItem) -> str:
    title = html.escape(item.title)
    sentence = html.escape(item.sentence)
    if item.status != "ok":
        what = "was skipped" if item.status == "skipped" else "could not be made"
        body = (f'<p class="missing">This {"video" if item.kind == "video" else "figure"} '
                f"{what}: {html.escape(item.note or 'no reason given')}</p>")
    elif item.kind == "figure":
        size = (f' width="{item.width}" height="{item.height}"'
                if item.width and item.height else "")
        body = (f'<a href="{_rel(item.path)}"><img src="{_rel(item.path)}"{size} '
                f'alt="{title}" loading="lazy"></a>')
    else:
        poster = f' poster="{_rel(item.poster)}"' if item.poster else ""
        size = (f' width="{item.width}" height="{item.height}"'
                if item.width and item.height else "")
        body = (f'<video controls preload="metadata"{poster}{size}>'
                f'<source src="{_rel(item.path)}" type="video/mp4">'
                f'Your browser cannot play this video: <a href="{_rel(item.path)}">'
                f"download it</a>.</video>")
    wide = ' class="wide"' if item.wide else ""
    return (f'<figure id="{html.escape(item.key, quote=True)}"{wide}>{body}'
            f"<figcaption><b>{title}</b>{sentence}</figcaption></figure>")


def write_index(out_dir, items, *, summary=(), title="convviz: how a CNN sees digits",
                footer="") -> pathlib.Path:
    """Write ``out_dir/index.html`` atomically and return its path.

    ``items`` are :class:`TourItem` s, shown under their ``section`` headings (in the
    order the sections first appear, items in their given order; a section named in
    :data:`SECTIONS` gets its one-line introduction). ``summary`` is a sequence of
    plain-text lines shown at the top. Every text is HTML-escaped and every link is
    relative, so the folder can be copied anywhere (or projected from a USB stick).
    """

    out_dir = pathlib.Path(out_dir)
    items = list(items)
    for item in items:
        if not isinstance(item, TourItem):
            raise TypeError(f"items must be TourItem objects, got {type(item).__name__}")
    sections: dict[str, list[TourItem]] = {}
    for item in items:
        sections.setdefault(item.section, []).append(item)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        '<p class="lead">A convolutional neural network (CNN) reads a handwritten digit '
        "by sliding small grids of learned weights over it. The pictures below come from "
        "a real network trained on the MNIST digits; the animations show the arithmetic "
        "of a convolution with every number computed by convviz.</p>",
    ]
    if summary:
        parts.append('<ul class="summary">' + "".join(
            f"<li>{html.escape(str(line))}</li>" for line in summary) + "</ul>")
    parts.append('<h2>Four words</h2><dl class="glossary">' + "".join(
        f"<dt>{html.escape(term)}</dt><dd>{html.escape(text)}</dd>" for term, text in GLOSSARY)
        + "</dl>")
    for number, (section, members) in enumerate(sections.items(), 1):
        parts.append(f"<h2>{number}. {html.escape(section)}</h2>")
        if SECTIONS.get(section):
            parts.append(f'<p class="intro">{html.escape(SECTIONS[section])}</p>')
        parts.append('<div class="grid">')
        parts.extend(_figure_html(i) for i in members)
        parts.append("</div>")
    if footer:
        parts.append(f"<footer>{html.escape(footer)}</footer>")
    parts.append("</body></html>\n")
    return atomic_write(out_dir / "index.html", "\n".join(parts))


# --------------------------------------------------------------------------- the run
def quick_scenes() -> tuple[str, ...]:
    """The scenes of ``--quick``: the two short ones of the article's worked examples."""
    from . import render

    return tuple(s for s in QUICK_SCENES if s in render.SCENES)


class _Precomputed:
    """An object with ``predict`` returning scores computed once (for plot_confusion)."""

    def __init__(self, scores):
        self.scores = scores

    def predict(self, x, **kwargs):
        return self.scores


def _figures(model, record, x_test_u8, y_test, *, epochs, n_train):
    """``[(key, Figure)]`` of the tour, and the test accuracy (from one prediction pass)."""
    import numpy as np

    from .data import load_mnist, to_model_input
    from .inspect import conv_layers, feature_maps, filters
    from .plot import (plot_confusion, plot_conv_step, plot_digits, plot_feature_maps,
                       plot_filters, plot_history)
    from .trace import trace_conv2d
    from .train import prepare
    from .worked import multi_channel_example

    (x_train, y_train), _ = load_mnist()
    x_test, _ = prepare(model, x_test_u8)
    scores = np.asarray(model.predict(x_test, batch_size=500, verbose=0))
    accuracy = float(np.mean(scores.argmax(axis=1) == y_test))
    trained_on = f"{n_train:,}" if n_train else "60,000"

    def digits():
        return plot_digits(x_train[:4], y_train[:4], title="MNIST: the first 4 training images")

    def learned_filters():
        info = conv_layers(model)[0]
        kernel, _ = filters(model, info.name)
        return plot_filters(kernel, name=f"{MODEL} {info.name}")

    def maps():
        x = to_model_input(x_test_u8[DIGIT][None], model)
        found = feature_maps(model, x)
        formats = {n: getattr(model.get_layer(n), "data_format", "channels_last") for n in found}
        return plot_feature_maps(
            found, data_format=formats, input_image=x_test_u8[DIGIT],
            title=f"{MODEL}: feature maps of test digit {DIGIT} (label {y_test[DIGIT]}, "
                  f"predicted {int(scores[DIGIT].argmax())})")

    def conv_step():
        x, kernel, bias = multi_channel_example()
        trace = trace_conv2d(x, kernel, bias, data_format="channels_first")
        return plot_conv_step(trace, 0)

    def history():
        return plot_history(record["history"], title=f"{MODEL}: {epochs} epoch(s) on "
                                                     f"{trained_on} training images")

    def confusion():
        return plot_confusion(_Precomputed(scores), x_test, y_test,
                              title=f"{MODEL}: test accuracy {accuracy:.2%} on "
                                    f"{len(y_test):,} images")

    makers = {"digits": digits, "filters": learned_filters, "feature_maps": maps,
              "conv_step": conv_step, "history": history, "confusion": confusion}
    return makers, accuracy


def _png_size(path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def run_tour(out="convviz-out", *, quick=False, quality="low", render_videos=True,
             scenes=None, console=None) -> TourResult:
    """Do the main job into folder ``out``; return what was made.

    Args:
        out: the output folder (created; files of an earlier tour are replaced).
        quick: 1 epoch on 15,000 images and only the short scenes (about a minute).
        quality: ``"low"``, ``"medium"`` or ``"high"`` (Manim's presets).
        render_videos: False skips the scenes (figures and page only).
        scenes: the scenes to render (default: every scene, or the quick ones).
        console: a ``rich.console.Console`` for messages (default: a new one).
    """
    from rich.console import Console

    from . import render as render_mod

    if quality not in render_mod.QUALITIES:
        raise ValueError(f"quality must be one of {', '.join(render_mod.QUALITIES)}, "
                         f"got {quality!r}")
    if scenes is None:
        scenes = quick_scenes() if quick else tuple(render_mod.SCENES)
    for s in scenes:
        if s not in render_mod.SCENES:
            raise ValueError(f"scenes must name scenes of {sorted(render_mod.SCENES)}, got {s!r}")
    if not render_videos:
        scenes = ()
    console = console or Console()
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out must be a folder, got the existing file {str(out)!r}")
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(out)
    settings = QUICK if quick else FULL
    epochs, n_train = settings["epochs"], settings["n_train"]
    times = {}
    t_start = time.perf_counter()

    from . import train as _train  # noqa: F401  (imports TensorFlow: timed as startup)

    times["startup"] = time.perf_counter() - t_start

    # 1. data -----------------------------------------------------------------
    t0 = time.perf_counter()
    from .data import load_mnist

    (x_train, _), (x_test_u8, y_test) = load_mnist()
    times["data"] = time.perf_counter() - t0
    console.print(f"[bold]1/4 data[/]: MNIST {len(x_train):,} training + {len(x_test_u8):,} "
                  f"test images, checksums verified ({times['data']:.1f} s)")

    # 2. models (Keras' own progress bar: printed outside any rich live display) -
    t0 = time.perf_counter()
    from .train import load_record

    model, model_cached, key = _load_model(console, MODEL, epochs, n_train)
    record = load_record(MODEL, epochs=epochs, seed=SEED, n_train=n_train)
    scene_models = {scene: model for scene in scenes}
    deep = [s for s in scenes if render_mod.MODEL_SCENES.get(s) == PIPELINE_MODEL["name"]]
    if deep:
        pipeline, _, _ = _load_model(console, **PIPELINE_MODEL, why=f" for {', '.join(deep)}")
        scene_models.update(dict.fromkeys(deep, pipeline))
    times["model"] = time.perf_counter() - t0

    # 3. figures ----------------------------------------------------------------
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                               TextColumn, TimeElapsedColumn)

    def progress():
        return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                        transient=False)

    t0 = time.perf_counter()
    from .plot import save_figure

    items: list[TourItem] = []
    makers, accuracy = _figures(model, record, x_test_u8, y_test, epochs=epochs,
                                n_train=n_train)
    with progress() as bar:
        task = bar.add_task("3/4 figures", total=len(makers))
        for fkey, make in makers.items():
            title, sentence = FIGURES[fkey]
            rel = f"figures/{fkey.replace('_', '-')}.png"
            t1 = time.perf_counter()
            bar.update(task, description=f"3/4 figures: {fkey}")
            try:
                save_figure(make(), out / rel, dpi=DPI)
                width, height = _png_size(out / rel)
                items.append(TourItem(fkey, "figure", title, sentence, rel, width=width,
                                      height=height, seconds=time.perf_counter() - t1,
                                      **_placement(fkey)))
            except Exception as exc:  # report it on the page and in the summary
                items.append(TourItem(fkey, "figure", title, sentence, status="failed",
                                      note=f"{type(exc).__name__}: {exc}", **_placement(fkey)))
                bar.console.print(f"[red]figure {fkey} failed: {type(exc).__name__}: {exc}")
            bar.advance(task)
        bar.update(task, description="3/4 figures")
    times["figures"] = time.perf_counter() - t0

    # 4. scenes -----------------------------------------------------------------
    t0 = time.perf_counter()
    if scenes:
        renders_dir = cache_dir() / "renders"
        with progress() as bar:
            task = bar.add_task(f"4/4 scenes ({quality} quality)", total=len(scenes))
            for scene in scenes:
                items.append(_render_scene(scene, out, quality, renders_dir, bar,
                                           model=scene_models[scene]))
                bar.advance(task)
            bar.update(task, description=f"4/4 scenes ({quality} quality)")
    else:
        console.print("[bold]4/4 scenes[/]: not rendered (--no-render)")
    times["scenes"] = time.perf_counter() - t0

    # the page, last -------------------------------------------------------------
    times["total"] = time.perf_counter() - t_start
    n_videos = sum(1 for i in items if i.kind == "video" and i.status == "ok")
    summary = [
        f"Model: the article's simple CNN ({MODEL}), trained {epochs} epoch(s) on "
        f"{n_train or 60000:,} MNIST training images with seed {SEED}.",
        f"Test accuracy: {accuracy:.2%} on the 10,000 MNIST test images "
        f"(error {1 - accuracy:.2%}).",
        f"{sum(1 for i in items if i.kind == 'figure' and i.status == 'ok')} figures and "
        f"{n_videos} animations ({quality} quality).",
    ]
    command = "convviz tour" + (" --quick" if quick else "") + (
        f" --quality {quality}" if quality != "low" else "") + ("" if render_videos else
                                                                 " --no-render")
    items = _ordered(items)
    index = write_index(out, items, summary=summary,
                        footer=f"Made by '{command}' with convviz. Every number in the "
                               "animations is computed by convviz's numpy core, which the "
                               "test suite checks against Keras Conv2D.")
    result = TourResult(out=out, index=index, items=items, accuracy=accuracy,
                        model_key=key, model_cached=model_cached, times=times)
    _write_manifest(result, quick=quick, quality=quality, epochs=epochs, n_train=n_train)
    return result


def _remove_stale_temporaries(out: pathlib.Path) -> None:
    """Delete the hidden temporary files a killed run may have left (``.name.*.tmp.png``:
    :func:`convviz.cache.atomic_path` names); nothing ever reads them."""
    for folder in (out, out / "figures", out / "videos", out / "stills"):
        if folder.is_dir():
            for path in folder.glob(".*.tmp*"):
                if path.is_file():
                    path.unlink()


def _placement(key: str) -> dict:
    return {"section": _SECTION_OF.get(key, "How a convolution works"), "wide": key in _WIDE}


def _load_model(console, name: str, epochs: int, n_train, why: str = ""):
    """``(model, was_cached, cache key)``: ``name`` trained with the tour's seed, from
    the cache when it is there; says which, and shows Keras' progress bar when training."""
    from .train import is_cached, load_trained, model_path

    key = model_path(name, epochs=epochs, seed=SEED, n_train=n_train).stem
    cached = is_cached(name, epochs=epochs, seed=SEED, n_train=n_train)
    what = (f"{name}, {epochs} epoch(s)"
            + (f" on the first {n_train:,} training images" if n_train else "")
            + f", seed {SEED}{why}")
    if cached:
        console.print(f"[bold]2/4 model[/]: {what}: [green]reused from the cache[/] ({key})")
    else:
        console.print(f"[bold]2/4 model[/]: training {what} (cached afterwards, so this "
                      "happens once)")
    model = load_trained(name, epochs=epochs, seed=SEED, n_train=n_train,
                         verbose=0 if cached else 1)
    return model, cached, key


def _ordered(items: list[TourItem]) -> list[TourItem]:
    """Items in the page's teaching order (sections of :data:`SECTIONS`, stable inside)."""
    order = {name: i for i, name in enumerate(SECTIONS)}
    return sorted(items, key=lambda i: order.get(i.section, len(order)))


def _render_scene(scene, out, quality, renders_dir, bar, *, model) -> TourItem:
    from . import render as render_mod

    title, sentence = SCENE_TEXT.get(scene, (scene, f"The {scene} scene."))
    rel, poster = f"videos/{scene}.mp4", f"stills/{scene}.png"
    if importlib.util.find_spec(render_mod.scene_module(scene)) is None:
        note = (f"its module {render_mod.scene_module(scene)} is not installed, so there is "
                "nothing to render")
        bar.console.print(f"[yellow]scene {scene}: skipped, {note}")
        return TourItem(scene, "video", title, sentence, status="skipped", note=note,
                        **_placement(scene))
    before = set(renders_dir.glob("*.mp4")) if renders_dir.is_dir() else set()
    t1 = time.perf_counter()
    bar.update(bar.task_ids[0], description=f"4/4 scenes: rendering {scene}")
    try:
        config = (render_mod.SceneConfig(digit_index=DIGIT)     # the figures' test digit
                  if scene in render_mod.MODEL_SCENES else None)
        cached_video = render_mod.render(scene, config, quality=quality, model=model)
        cached = cached_video in before
        target = out / rel
        with atomic_path(target) as tmp:
            shutil.copyfile(cached_video, tmp)
        n_frames, (width, height), stills = render_mod.read_video(target, (1.0,))
        if n_frames == 0:
            raise RuntimeError(f"the video {cached_video} has no frames")
        with atomic_path(out / poster) as tmp:
            stills[0].save(tmp, format="PNG")
    except Exception as exc:  # one scene failing must not lose the rest of the tour
        note = f"{type(exc).__name__}: {exc}"
        bar.console.print(f"[red]scene {scene} failed: {note}")
        return TourItem(scene, "video", title, sentence, status="failed", note=note,
                        **_placement(scene))
    seconds = time.perf_counter() - t1
    how = "[green]reused from the cache[/]" if cached else f"rendered in {seconds:.0f} s"
    bar.console.print(f"scene {scene}: {how}, {n_frames} frames {width}x{height}")
    return TourItem(scene, "video", title, sentence, rel, poster=poster, width=width,
                    height=height, frames=n_frames, cached=cached, seconds=seconds,
                    **_placement(scene))


def _write_manifest(result: TourResult, **settings) -> pathlib.Path:

    data = {
        "settings": settings,
        "model": result.model_key,
        "model_cached": result.model_cached,
        "accuracy": result.accuracy,
        "times": {k: round(v, 2) for k, v in result.times.items()},
        "items": [dataclasses.asdict(i) for i in result.items],
    }
    return atomic_write(result.out / "tour.json", json.dumps(data, indent=1))


def print_summary(result: TourResult, console=None) -> None:
    """The short summary at the end of ``convviz tour``."""
    from rich.console import Console

    console = console or Console()
    t = result.times
    videos = [i for i in result.items if i.kind == "video"]
    reused = [i.key for i in videos if i.cached and i.status == "ok"]
    console.rule("convviz tour: done" if not result.failed else "convviz tour: done, with errors")
    console.print(f"test accuracy   {result.accuracy:.2%} ({result.model_key}"
                  f"{', reused from the cache' if result.model_cached else ', trained now'})")
    phases = ", ".join(f"{name} {t[name]:.1f} s" for name in
                       ("startup", "data", "model", "figures", "scenes", "total") if name in t)
    console.print(f"times           {phases}")
    if videos:
        console.print(f"videos          {sum(i.status == 'ok' for i in videos)} of {len(videos)}"
                      + (f", reused from the cache: {', '.join(reused)}" if reused else ""))
    for item in result.skipped:
        console.print(f"[yellow]skipped         {item.key}: {item.note}")
    for item in result.failed:
        console.print(f"[red]failed          {item.key}: {item.note}")
    console.print(f"open            [bold]{result.index.resolve()}[/]")
    console.print(f"                (file://{result.index.resolve()} in a browser)",
                  highlight=False)
