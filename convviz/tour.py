"""The tour: the main job end to end, into one folder with an ``index.html``.

:func:`run_tour` loads MNIST (offline, checksummed), trains the article's simple CNN
(or loads it from the cache), draws the article's figures, renders the explainer
scenes and writes a page that shows every figure and plays every video with one
sentence each -- a page a teacher can open in a browser or project in class::

    convviz-out/
        index.html          the page (relative links only: the folder can be moved)
        explore.html        convviz explore's page for the tour's model (one offline file)
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

import contextlib
import dataclasses
import html
import importlib.util
import json
import pathlib
import os
import shutil
import threading
import time
from dataclasses import dataclass, field

from ._extras import require_extras
from .cache import atomic_path, atomic_write
from .outdir import OutputFolder, check_out_folder

__all__ = [
    "TourItem",
    "TourResult",
    "FIGURES",
    "SCENE_TEXT",
    "scene_text",
    "QUICK",
    "FULL",
    "quick_scenes",
    "default_quality",
    "default_jobs",
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
MAX_JOBS = 4         # scene worker processes at most (see default_jobs)
WORKER_NICENESS = 10  # scene workers yield the cores to training (see _start_worker)

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

def _grid(shape) -> str:
    return "×".join(str(n) for n in shape)


def _zeros(pads) -> str:
    """``((top, bottom), (left, right))`` zero rows/columns in words."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right:
        return f"a border of zeros {top} cell{'s' if top != 1 else ''} wide"
    words = []
    for n, noun, side in ((top, "row", "on top"), (bottom, "row", "at the bottom"),
                          (left, "column", "on the left"), (right, "column", "on the right")):
        if n:
            words.append(f"{n} {noun}{'s' if n != 1 else ''} of zeros {side}")
    return ", ".join(words)


def scene_text(scene: str, config=None) -> tuple[str, str]:
    """``(title, takeaway)`` of ``scene`` for the page, every size in them computed by
    the core from ``config`` (default: the scene's own, which the tour renders)."""
    import numpy as np

    from .conv import conv2d, max_pool2d, resolve_padding
    from .render import resolve_config

    if scene == "LearnedFilters":
        return ("Filters a network learned",
                "The kernels the trained CNN learned from MNIST, and the feature maps they "
                "produce on a real handwritten test digit.")
    if scene == "CNNPipeline":
        epochs, n_train = PIPELINE_MODEL["epochs"], PIPELINE_MODEL["n_train"]
        return ("A digit through the whole network",
                "A test digit travels through the article's channels_first model "
                f"({PIPELINE_MODEL['name']}, trained {epochs} epoch{'s' if epochs != 1 else ''} "
                f"on {n_train:,} images for this animation): convolution, pooling and dense "
                "layers to the ten class probabilities, every picture a real layer output.")
    if scene in _FAMILY_TEXT:
        return _FAMILY_TEXT[scene](scene, config)
    c = resolve_config(scene, config)
    x, k = np.asarray(c.input), np.asarray(c.kernel) if c.kernel is not None else None
    if scene.startswith("Pooling"):
        stride = c.stride or c.pool_size
        out = max_pool2d(x, c.pool_size, stride, c.padding).shape
        if c.padding == "same":
            valid = max_pool2d(x, c.pool_size, stride).shape
            odd = "n odd-sized" if any(n % 2 for n in x.shape) else ""
            return ("Max pooling with 'same' padding",
                    f"On a{odd} {_grid(x.shape)} map, 'same' pooling lets the last windows hang "
                    f"over the bottom and right edges, so the output is {_grid(out)} instead "
                    f"of {_grid(valid)}.")
        return ("Max pooling",
                f"{_grid([c.pool_size] * 2)} max pooling with stride {stride} keeps the largest "
                f"value of each window, so the {_grid(x.shape)} map becomes {_grid(out)}: the "
                "strongest features survive at a lower resolution.")
    if scene in ("MultiChannelSum", "FiltersAndKernels"):
        filters = k if k.ndim == 4 else k[None]                       # (N, C, kh, kw)
        keras_kernel = filters.transpose(2, 3, 1, 0)                  # (kh, kw, C, N)
        out = conv2d(x[None], keras_kernel, strides=c.stride, padding=c.padding,
                     data_format="channels_first").shape[1:]          # (N, H', W')
        channels = x.shape[0]
        if scene == "MultiChannelSum":
            return ("Many channels, one filter, one feature map",
                    f"An {'RGB ' if channels == 3 else ''}input has {channels} channels and "
                    f"the filter has one {_grid(k.shape[1:])} kernel per channel: each channel "
                    f"is convolved with its own kernel and the {channels} results plus the bias "
                    f"are added into ONE {_grid(out[1:])} feature map.")
        return ("Filters are stacks of kernels",
                f"{len(filters)} filters on the same {channels}-channel input give {out[0]} "
                f"feature maps of {_grid(out[1:])}: a filter is a stack of {channels} kernels, "
                "one per input channel, and each filter makes one output channel.")
    out = conv2d(x, k, strides=c.stride, padding=c.padding).shape
    pads = resolve_padding(c.padding, x.shape, k.shape, c.stride)
    padded = (x.shape[0] + sum(pads[0]), x.shape[1] + sum(pads[1]))
    if c.padding == "same" and c.stride > 1:
        uneven = any(before != after for before, after in pads)
        return (f"'same' padding with stride {c.stride}",
                f"On a {_grid(x.shape)} input with stride {c.stride}, 'same' padding adds only "
                f"what the windows need, {_zeros(pads)}"
                + (": when the zeros cannot be split evenly, TensorFlow puts the extra ones at "
                   "the bottom and right" if uneven else "") + f". The output is {_grid(out)}.")
    if c.padding == "same":
        return ("'same' padding",
                f"The same kernel with 'same' padding: {_zeros(pads)} makes the "
                f"{_grid(x.shape)} input {_grid(padded)}, so the kernel can sit on every input "
                f"cell and the feature map keeps the input's size, {_grid(out)}.")
    if c.stride > 1:
        return (f"Stride {c.stride}",
                f"With stride {c.stride} the kernel jumps {c.stride} cells at a time, so the "
                f"feature map shrinks to {_grid(out)} ({_grid(conv2d(x, k).shape)} with "
                "stride 1).")
    return ("A kernel slides over the input",
            f"A {_grid(k.shape)} kernel slides over a {_grid(x.shape)} input (stride "
            f"{c.stride}, no padding); at each position the {k.size} products are summed "
            f"into one cell of the {_grid(out)} feature map.")


def _family_data(scene, config):
    from .family_data import build
    from .render import resolve_config

    return build(scene, resolve_config(scene, config))


def _transposed_text(scene, config) -> tuple[str, str]:
    d = _family_data(scene, config)
    return ("Transposed convolution",
            f"A transposed convolution makes a small input bigger: each cell of the "
            f"{_grid(d.input.shape)} input stamps its value times the {_grid(d.kernel.shape)} "
            f"kernel into the output, {d.strides[0]} cells apart, overlapping stamps add up, "
            f"and the {_grid(d.output.shape)} result equals an ordinary convolution over the "
            "input with zeros inserted and the kernel turned 180 degrees.")


def _dilation_text(scene, config) -> tuple[str, str]:
    d = _family_data(scene, config)
    return ("Dilated convolution",
            f"Dilation {d.dilation[0]} spreads the {_grid(d.kernel.shape)} kernel's taps "
            f"apart with gaps between them, so its {d.kernel.size} weights cover a "
            f"{_grid(d.effective_size)} patch of the {_grid(d.input.shape)} input; the "
            f"output is {_grid(d.output.shape)}.")


def _flip_text(scene, config) -> tuple[str, str]:
    import numpy as np

    d = _family_data(scene, config)
    same = np.array_equal(d.correlation.output, d.convolution.output)
    return ("Convolution or cross-correlation?",
            "Keras slides the kernel as it is (cross-correlation), while textbook convolution "
            f"turns it 180 degrees first; on this {_grid(d.input.shape)} input the two "
            f"{_grid(d.correlation.output.shape)} outputs "
            + ("are equal, because this kernel looks the same turned around"
               if same else "differ")
            + ", and libraries skip the flip because the kernel is learned anyway.")


def _separable_text(scene, config) -> tuple[str, str]:
    d = _family_data(scene, config)
    standard, separable = d.costs["standard"], d.costs["separable"]
    return ("Depthwise-separable convolution",
            f"The same {d.standard.shape[0]} output maps two ways: a standard convolution sums "
            f"one kernel per input channel for every filter ({standard.weights} weights, "
            f"{standard.multiplies} multiplications), while a depthwise step (one kernel per "
            "channel, no sum) followed by a 1x1 pointwise step that mixes the channels needs "
            f"{separable.weights} weights and {separable.multiplies} multiplications.")


def _relu_softmax_text(scene, config) -> tuple[str, str]:
    return ("ReLU and softmax",
            "On the trained network and real test digits, ReLU sets every negative value of "
            "a feature map to 0, and softmax turns the last layer's ten numbers into "
            "probabilities, for the model's most confident test digit and its least "
            "confident one.")


def _receptive_field_text(scene, config) -> tuple[str, str]:
    return ("Receptive field",
            f"One cell deep in the article's channels_first model ({PIPELINE_MODEL['name']}, "
            "the one CNNPipeline shows) traced back layer by layer to the square of the digit "
            "it sees, sized by the recurrence r = r_in + (k-1)*d*j_in, j = j_in*s.")


_FAMILY_TEXT = {"TransposedConv": _transposed_text, "Dilation": _dilation_text,
                "ConvolutionVsCorrelation": _flip_text, "DepthwiseSeparable": _separable_text,
                "ReluSoftmax": _relu_softmax_text, "ReceptiveField": _receptive_field_text}


def _all_scene_text() -> dict:
    from .render import SCENES

    return {scene: scene_text(scene) for scene in SCENES}


SCENE_TEXT = _all_scene_text()     # the tour's captions, from the configs it renders


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
# A figure wider than this many px gets a cell of the page's whole width (so that it is
# shown at its own size); every video does.
HALF_CELL = 600

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
    ``"failed"``; ``note`` says why when it is not ok. ``seconds`` and
    ``cpu_seconds`` are the wall and CPU time it took to make (a scene: in its
    worker). ``section`` is the heading the item appears under (default "Figures" /
    "Animations"); ``wide`` items span the page's whole width.
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
    cpu_seconds: float = 0.0
    section: str = ""
    wide: bool = False

    def __post_init__(self):
        if not self.section:
            self.section = "Figures" if self.kind == "figure" else "Animations"
        if self.kind not in ("figure", "video", "page"):
            raise ValueError(f"TourItem.kind must be 'figure', 'video' or 'page', "
                             f"got {self.kind!r}")
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
# One column at projector width: a video is shown at least 1280 px wide on a 1366 px
# screen (so a 14 px label of a 720p video stays 14 px) and a figure at its own pixel
# size (its text is >= 14 px there); on a phone both shrink to the screen's width
# (tap a figure to open it full size) and nothing is wider than the screen.
PAGE_WIDTH = 1320            # CSS px: the page's widest content
FIGURE_MAX_WIDTH = 1280      # px: the tour's figures are at most this wide, so that a
                             # 1366 px screen shows them at their own size
_CSS = """
*, *::before, *::after { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto;
       max-width: calc(%(page)dpx + 3em); padding: 1em clamp(0.6em, 2vw, 1.5em) 3em;
       color: #1d1d1f;
       line-height: 1.45; overflow-wrap: anywhere; }
h1 { margin-bottom: 0.2em; }
.lead, .intro, .summary, .glossary, figcaption, footer { max-width: 80ch; }
.lead { font-size: 1.1em; color: #333; }
.phone { display: none; color: #444; }
.summary { background: #f3f6fa; border-radius: 8px; padding: 0.6em 1em 0.6em 2em; }
.glossary dt { font-weight: 600; float: left; clear: left; width: 7em; }
.glossary dd { margin: 0 0 0.3em 7.5em; }
.grid { display: grid; gap: 1.4em;
        grid-template-columns: repeat(auto-fill, minmax(min(100%%, %(cell)dpx), 1fr)); }
figure { margin: 0; padding: 0.7em; border: 1px solid #ddd; border-radius: 8px;
         background: #fff; min-width: 0; }
figure img { display: block; max-width: 100%%; height: auto; margin: 0 auto; }
figure video { display: block; width: 100%%; height: auto; background: #111; }
figcaption { margin-top: 0.6em; font-size: 1.05em; }
figcaption b { display: block; margin-bottom: 0.2em; }
.wide { grid-column: 1 / -1; }
.intro { color: #444; margin-top: -0.4em; }
.missing { color: #8a1c1c; background: #fdf0f0; padding: 0.6em; border-radius: 6px; }
footer { margin-top: 2em; color: #666; font-size: 0.9em; }
@media (max-width: 640px) {
  .phone { display: block; }
  .glossary dt { float: none; width: auto; }
  .glossary dd { margin: 0 0 0.5em 1em; }
  figure { padding: 0.4em; }
}
""" % {"page": PAGE_WIDTH, "cell": HALF_CELL + 26}    # + the figure's padding and border


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
    elif item.kind == "page":
        body = f'<p><a href="{_rel(item.path)}"><b>Open {title}</b></a></p>'
    elif item.kind == "figure":
        size = (f' width="{item.width}" height="{item.height}"'
                if item.width and item.height else "")
        body = (f'<a href="{_rel(item.path)}"><img src="{_rel(item.path)}"{size} '
                f'alt="{title}"></a>')
    else:
        poster = f' poster="{_rel(item.poster)}"' if item.poster else ""
        size = (f' width="{item.width}" height="{item.height}"'
                if item.width and item.height else "")
        body = (f'<video controls preload="metadata"{poster}{size}>'
                f'<source src="{_rel(item.path)}" type="video/mp4">'
                f'Your browser cannot play this video: <a href="{_rel(item.path)}">'
                f"download it</a>.</video>")
    wide = ' class="wide"' if item.wide or item.kind == "video" else ""
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
        '<p class="phone">On a small screen, tap a figure to open it at full size; the '
        "page reads best on a wide screen or a projector.</p>",
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
            title=f"{MODEL}: feature maps of test image #{DIGIT}, a {y_test[DIGIT]} (the "
                  f"model answers {int(scores[DIGIT].argmax())})")

    def conv_step():
        x, kernel, bias = multi_channel_example()
        trace = trace_conv2d(x, kernel, bias, data_format="channels_first")
        return plot_conv_step(trace, 0)

    def history():
        return plot_history(record["history"], val_label="test",
                            title=f"{MODEL}: {epochs} epoch{'s' if epochs != 1 else ''} "
                                  f"on {trained_on} training "
                                  f"images, tested on {len(y_test):,} test images")

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


def default_quality(quick: bool = False) -> str:
    """The tour's video quality: ``"medium"`` (1280x720 at 30 fps, readable on a
    projector), or ``"low"`` (854x480 at 15 fps) for the one-minute ``--quick`` look."""
    return "low" if quick else "medium"


def default_jobs() -> int:
    """Scenes rendered at once: one worker process per CPU core this process may use,
    at most :data:`MAX_JOBS` (each worker holds Manim, and TensorFlow for the model scenes)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:          # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_JOBS))


def run_tour(out="convviz-out", *, quick=False, quality=None, render_videos=True,
             scenes=None, console=None, jobs=None) -> TourResult:
    """Do the main job into folder ``out``; return what was made.

    The scenes that need no model start rendering at once, in ``jobs`` worker
    processes, while this process loads TensorFlow, trains (or loads) the model and
    draws the figures; each model scene follows as soon as its model is ready. One
    failing scene is reported on the page and in the summary, not fatal.

    Args:
        out: the output folder (created; files of an earlier tour are replaced, any
            other file the tour would replace is kept under another name and announced:
            see :mod:`convviz.outdir`).
        quick: 1 epoch on 15,000 images and only the short scenes (under a minute on 2 cores).
        quality: ``"low"``, ``"medium"`` or ``"high"`` (Manim's presets); default
            :func:`default_quality` (1280x720 at 30 fps, low for ``quick``).
        render_videos: False skips the scenes (figures and page only).
        scenes: the scenes to render (default: every scene, or the quick ones).
        console: a ``rich.console.Console`` for messages (default: a new one).
        jobs: worker processes for the scenes (default :func:`default_jobs`).
    """
    check_extras(render_videos)
    from rich.console import Console

    from . import render as render_mod

    if quality is None:
        quality = default_quality(quick)
    if quality not in render_mod.QUALITIES:
        raise ValueError(f"quality must be one of {', '.join(render_mod.QUALITIES)}, "
                         f"got {quality!r}")
    jobs = default_jobs() if jobs is None else render_mod._check_int(jobs, "jobs", 1)
    if scenes is None:
        scenes = quick_scenes() if quick else tuple(render_mod.SCENES)
    for s in scenes:
        if s not in render_mod.SCENES:
            raise ValueError(f"scenes must name scenes of {sorted(render_mod.SCENES)}, got {s!r}")
    if not render_videos:
        scenes = ()
    console = console or Console()
    out = check_out_folder(out)
    say = lambda line: console.print(line, style="yellow", markup=False, highlight=False)  # noqa: E731
    with OutputFolder(out, _planned_files(scenes), say=say):
        return _tour_into(out, quick=quick, quality=quality, render_videos=render_videos,
                          scenes=scenes, console=console, jobs=jobs)


def _planned_files(scenes) -> list[str]:
    """Every file a tour of ``scenes`` writes, relative to its folder."""
    return (["index.html", "tour.json", "explore.html"]
            + [f"figures/{key.replace('_', '-')}.png" for key in FIGURES]
            + [f"{kind}/{scene}.{ext}" for scene in scenes
               for kind, ext in (("videos", "mp4"), ("stills", "png"))])


def _tour_into(out: pathlib.Path, *, quick, quality, render_videos, scenes,
               console, jobs) -> TourResult:
    """:func:`run_tour`'s work, once the output folder is claimed."""
    from . import render as render_mod

    settings = QUICK if quick else FULL
    epochs, n_train = settings["epochs"], settings["n_train"]
    times = {}
    t_start, cpu_start = time.perf_counter(), time.process_time()
    _, width, height, fps = render_mod.QUALITIES[quality]

    with contextlib.ExitStack() as stack:
        bar = stack.enter_context(_progress(console))
        model_task = bar.add_task("2/4 model", total=None, start=False)
        figures_task = bar.add_task("3/4 figures", total=None, start=False)
        pool = stack.enter_context(_ScenePool(scenes, quality, jobs, bar, console))
        if scenes:
            bar.update(pool.task, description=f"4/4 scenes ({width}x{height}, {fps} fps, "
                                              f"{pool.workers} processes)")
        else:
            bar.update(pool.task, visible=False)
        for scene in scenes:        # model-free scenes render while TensorFlow loads and trains
            if scene not in render_mod.MODEL_SCENES:
                pool.start(scene)

        from . import train as _train  # noqa: F401  (imports TensorFlow: timed as startup)

        times["startup"] = time.perf_counter() - t_start
        times["startup_cpu"] = time.process_time() - cpu_start

        # 1. data -------------------------------------------------------------
        t0 = time.perf_counter()
        from .data import load_mnist

        (x_train, _), (x_test_u8, y_test) = load_mnist()
        times["data"] = time.perf_counter() - t0
        console.print(f"[bold]1/4 data[/]: MNIST {len(x_train):,} training + "
                      f"{len(x_test_u8):,} test images, checksums verified "
                      f"({times['data']:.1f} s)")

        # 2. models; each model scene starts as soon as its model is ready --------
        t0, cpu0 = time.perf_counter(), time.process_time()
        bar.start_task(model_task)
        from .train import load_record

        model, model_cached, key = _load_model(console, bar, model_task, MODEL, epochs, n_train)
        record = load_record(MODEL, epochs=epochs, seed=SEED, n_train=n_train)
        for scene in scenes:     # LearnedFilters, ReluSoftmax: the tour's simple CNN
            if render_mod.MODEL_SCENES.get(scene) == MODEL:
                pool.start(scene, model=model,
                           model_spec={"name": MODEL, "epochs": epochs, "n_train": n_train,
                                       "seed": SEED})
        deep = [s for s in scenes if render_mod.MODEL_SCENES.get(s) == PIPELINE_MODEL["name"]]
        if deep:                 # CNNPipeline, ReceptiveField: the article's channels_first model
            pipeline_model, _, _ = _load_model(console, bar, model_task, **PIPELINE_MODEL,
                                               why=f" for {', '.join(deep)}")
            for scene in deep:
                pool.start(scene, model=pipeline_model,
                           model_spec={**PIPELINE_MODEL, "seed": SEED})
        times["model"] = time.perf_counter() - t0
        times["model_cpu"] = time.process_time() - cpu0
        bar.update(model_task, description="2/4 model", total=1, completed=1)

        # 3. figures ------------------------------------------------------------
        t0, cpu0 = time.perf_counter(), time.process_time()
        from .plot import save_figure

        figure_items: list[TourItem] = []
        makers, accuracy = _figures(model, record, x_test_u8, y_test, epochs=epochs,
                                    n_train=n_train)
        bar.update(figures_task, total=len(makers))
        bar.start_task(figures_task)
        for fkey, make in makers.items():
            title, sentence = FIGURES[fkey]
            rel = f"figures/{fkey.replace('_', '-')}.png"
            t1 = time.perf_counter()
            bar.update(figures_task, description=f"3/4 figures: {fkey}")
            try:
                save_figure(make(), out / rel, dpi=DPI)
                fig_width, fig_height = _png_size(out / rel)
                figure_items.append(TourItem(fkey, "figure", title, sentence, rel,
                                             width=fig_width, height=fig_height,
                                             seconds=time.perf_counter() - t1,
                                             **_placement(fkey, fig_width)))
            except Exception as exc:  # report it on the page and in the summary
                figure_items.append(TourItem(fkey, "figure", title, sentence, status="failed",
                                             note=f"{type(exc).__name__}: {exc}",
                                             **_placement(fkey)))
                console.print(f"[red]figure {fkey} failed: {type(exc).__name__}: {exc}")
            bar.advance(figures_task)
        bar.update(figures_task, description="3/4 figures")
        figure_items.append(_explorer(out, model, console))
        times["figures"] = time.perf_counter() - t0
        times["figures_cpu"] = time.process_time() - cpu0

        # 4. scenes: wait for the workers, then copy videos and posters in ---------
        t0 = time.perf_counter()
        scene_items = [_publish_scene(item, out) for item in pool.results()]
        times["scenes"] = pool.seconds
        times["scenes_wait"] = time.perf_counter() - t0
        times["render"] = sum(i.seconds for i in scene_items if not i.cached)
        times["render_cpu"] = sum(i.cpu_seconds for i in scene_items if not i.cached)
    if not scenes:
        console.print("[bold]4/4 scenes[/]: not rendered (--no-render)")

    # the page, last -------------------------------------------------------------
    items = figure_items + scene_items
    times["total"] = time.perf_counter() - t_start
    times["main_cpu"] = time.process_time() - cpu_start
    n_videos = sum(1 for i in items if i.kind == "video" and i.status == "ok")
    summary = [
        f"Model: the article's simple CNN ({MODEL}), trained {epochs} "
        f"epoch{'s' if epochs != 1 else ''} on "
        f"{n_train or 60000:,} MNIST training images with seed {SEED}.",
        f"Test accuracy: {accuracy:.2%} on the 10,000 MNIST test images "
        f"(error {1 - accuracy:.2%}).",
        f"{sum(1 for i in items if i.kind == 'figure' and i.status == 'ok')} figures and "
        f"{n_videos} animations ({width}x{height}, {fps} fps).",
    ]
    command = "convviz tour" + (" --quick" if quick else "") + (
        f" --quality {quality}" if quality != default_quality(quick) else "") + (
        "" if render_videos else " --no-render")
    items = _ordered(items)
    index = write_index(out, items, summary=summary,
                        footer=f"Made by '{command}' with convviz. Every number in the "
                               "animations is computed by convviz's numpy core, which the "
                               "test suite checks against Keras Conv2D.")
    result = TourResult(out=out, index=index, items=items, accuracy=accuracy,
                        model_key=key, model_cached=model_cached, times=times)
    _write_manifest(result, quick=quick, quality=quality, epochs=epochs, n_train=n_train)
    return result


def _explorer(out: pathlib.Path, model, console) -> TourItem:
    """``explore.html`` (:func:`convviz.explore.write_explorer`) for the tour's model."""
    from .explore import write_explorer

    title = "the explorer: click any number and see where it comes from"
    sentence = ("One offline page: click any output cell of a convolution, or any pixel of "
                "this network's feature maps, and see its window, products, sums and bias.")
    place = {"section": "How a convolution works", "wide": True}
    t1 = time.perf_counter()
    try:
        page = write_explorer(out / "explore.html", model=model)
    except Exception as exc:  # reported on the page, like a figure
        console.print(f"[red]explore.html failed: {type(exc).__name__}: {exc}")
        return TourItem("explore", "page", title, sentence, status="failed",
                        note=f"{type(exc).__name__}: {exc}", **place)
    seconds = time.perf_counter() - t1
    console.print(f"explore.html: {page.bytes / 1e6:.1f} MB in {seconds:.1f} s")
    return TourItem("explore", "page", title, sentence, "explore.html", seconds=seconds, **place)


def _placement(key: str, width: int | None = None) -> dict:
    """The section of ``key`` and whether its cell is wide (a figure ``width`` px wide)."""
    return {"section": _SECTION_OF.get(key, "How a convolution works"),
            "wide": width is not None and width > HALF_CELL}


def _progress(console):
    """One rich display for the whole run: the model, the figures and the scenes."""
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn,
                               TextColumn, TimeElapsedColumn)

    return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                    transient=False)


def _load_model(console, bar, task, name: str, epochs: int, n_train, why: str = ""):
    """``(model, was_cached, cache key)``: ``name`` trained with the tour's seed, from
    the cache when it is there; says which, and shows the training on ``bar``'s ``task``
    (one step per batch; one line per epoch with the test accuracy)."""
    from .train import is_cached, load_trained, model_path

    key = model_path(name, epochs=epochs, seed=SEED, n_train=n_train).stem
    cached = is_cached(name, epochs=epochs, seed=SEED, n_train=n_train)
    what = (f"{name}, {epochs} epoch(s)"
            + (f" on the first {n_train:,} training images" if n_train else "")
            + f", seed {SEED}{why}")
    if cached:
        console.print(f"[bold]2/4 model[/]: {what}: [green]reused from the cache[/] ({key})")
        bar.update(task, description=f"2/4 model: loading {name}")
    else:
        console.print(f"[bold]2/4 model[/]: training {what} (cached afterwards, so this "
                      "happens once)")
    model = load_trained(name, epochs=epochs, seed=SEED, n_train=n_train, verbose=0,
                         callbacks=[_training_display(console, bar, task, name)])
    return model, cached, key


def _training_display(console, bar, task, name: str):
    """A Keras callback that moves ``task`` one step per batch and prints each epoch."""
    import keras

    class TrainingDisplay(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.epochs, steps = self.params["epochs"], self.params.get("steps") or 0
            bar.reset(task, total=self.epochs * steps or None,
                      description=f"2/4 model: training {name}, epoch 1/{self.epochs}")
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            bar.advance(task)

        def on_epoch_end(self, epoch, logs=None):
            logs = logs or {}
            console.print(f"  {name} epoch {epoch + 1}/{self.epochs}: accuracy "
                          f"{logs.get('accuracy', float('nan')):.2%} on the training images, "
                          f"{logs.get('val_accuracy', float('nan')):.2%} on the 10,000 test "
                          f"images ({time.perf_counter() - self.start:.0f} s)")
            bar.update(task, description=f"2/4 model: training {name}, epoch "
                                         f"{min(epoch + 2, self.epochs)}/{self.epochs}")

    return TrainingDisplay()


def _ordered(items: list[TourItem]) -> list[TourItem]:
    """Items in the page's teaching order (sections of :data:`SECTIONS`, stable inside)."""
    order = {name: i for i, name in enumerate(SECTIONS)}
    return sorted(items, key=lambda i: order.get(i.section, len(order)))


def _scene_config(scene: str):
    """The config the tour renders ``scene`` with (the model scenes draw the figures' digit)."""
    from . import render as render_mod

    return (render_mod.SceneConfig(digit_index=DIGIT)
            if scene in render_mod.MODEL_SCENES else None)


def _scene_item(scene: str, **fields) -> TourItem:
    title, sentence = SCENE_TEXT.get(scene, (scene, f"The {scene} scene."))
    return TourItem(scene, "video", title, sentence, **fields, **_placement(scene))


def _render_scene(scene, quality, *, model=None, model_spec=None) -> TourItem:
    """Render ``scene`` (or take it from the render cache) and keep its poster beside it.

    Runs in a worker process of :class:`_ScenePool` (``model_spec``: the arguments of
    :func:`convviz.train.load_trained`, whose cache has the model by then) or here
    (``model``: a Keras model). Returns the scene's item with ``path`` and ``poster``
    pointing INTO THE CACHE (:func:`_publish_scene` copies them into the tour's
    folder); never raises: a failure is a ``"failed"`` item with the reason.
    """
    from . import render as render_mod

    start, cpu = time.perf_counter(), time.process_time()
    try:
        if model_spec is not None:
            from .train import load_trained

            model = load_trained(verbose=0, **model_spec)
        video = render_mod.render(scene, _scene_config(scene), quality=quality, model=model)
        poster = video.with_name(f"{video.stem}.poster.png")
        if not poster.is_file():
            render_mod.save_poster(video, poster)     # the frame the scene marked
        frames, (width, height) = _frames_and_size(video)
    except Exception as exc:  # one scene failing must not lose the rest of the tour
        return _scene_item(scene, status="failed", note=f"{type(exc).__name__}: {exc}")
    return _scene_item(scene, path=str(video), poster=str(poster), width=width, height=height,
                       frames=frames, seconds=time.perf_counter() - start,
                       cpu_seconds=time.process_time() - cpu)


def _frames_and_size(video: pathlib.Path) -> tuple[int, tuple[int, int]]:
    """``(frames, (width, height))`` of a rendered video, counted once and kept beside
    it in the cache (``<video>.json``) so that a re-run decodes nothing."""
    from . import render as render_mod

    info = video.with_suffix(".json")
    if info.is_file():
        known = json.loads(info.read_text())
        return known["frames"], tuple(known["size"])
    frames, size, _ = render_mod.read_video(video)
    if frames == 0:
        raise RuntimeError(f"the video {video} has no frames")
    atomic_write(info, json.dumps({"frames": frames, "size": list(size)}))
    return frames, size


def _publish_scene(item: TourItem, out: pathlib.Path) -> TourItem:
    """Copy a rendered scene's video and poster from the cache into ``out``; the item
    with paths relative to ``out`` (or ``"failed"`` if the copy fails)."""
    if item.status != "ok":
        return item
    rel, poster = f"videos/{item.key}.mp4", f"stills/{item.key}.png"
    try:
        for source, target in ((item.path, rel), (item.poster, poster)):
            with atomic_path(out / target) as tmp:
                shutil.copyfile(source, tmp)
    except OSError as exc:
        return dataclasses.replace(item, path=None, poster=None, status="failed",
                                   note=f"{type(exc).__name__}: {exc}")
    return dataclasses.replace(item, path=rel, poster=poster)


def _start_worker(parent: int) -> None:
    """Worker initializer. The worker runs at a lower priority than the tour's process,
    so training (which the model scenes wait for) keeps the cores it can use, and the
    model-free scenes take what is left. It ends when the tour process is gone
    (killed), so no orphan goes on rendering for nobody: the render is interrupted
    first (a KeyboardInterrupt raised by :data:`_STOP_SIGNAL`), so that its temporary
    files are cleaned up; after a grace period the process just exits."""
    import _thread
    import signal

    with contextlib.suppress(OSError, AttributeError):     # AttributeError: no os.nice
        os.nice(WORKER_NICENESS)

    stop = getattr(signal, _STOP_SIGNAL, None)
    if stop is not None:
        signal.signal(stop, _interrupt)

    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        if stop is not None:
            _thread.interrupt_main(stop)
        time.sleep(10)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


_STOP_SIGNAL = "SIGUSR1"     # the tour's "stop rendering" to its workers (POSIX only)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"the tour stopped this worker (signal {signum})")


class _ScenePool:
    """The tour's scenes, rendered by ``job`` (:func:`_render_scene`) in ``jobs`` worker
    processes started with "spawn" (TensorFlow must never be forked), while the tour
    goes on.

    :meth:`start` takes a scene from the render cache at once or sends it to a worker;
    ``bar``'s task :attr:`task` counts the scenes as they finish, and :meth:`results`
    waits for them all. A worker that dies (a crash, the OOM killer) breaks the whole
    executor and with it the scenes its siblings were rendering or waiting for: each of
    those is tried once more in a worker of its own, so only the scene that dies there
    too is reported failed. Leaving the ``with`` block on an error or Ctrl-C interrupts
    the workers.
    """

    def __init__(self, scenes, quality, jobs, bar, console, job=None):
        self.scenes, self.quality, self.bar, self.console = tuple(scenes), quality, bar, console
        self.job = job or _render_scene
        self.workers = max(1, min(jobs, len(self.scenes) or 1))
        self.task = bar.add_task("4/4 scenes", total=len(self.scenes))
        self.done: dict[str, TourItem] = {}
        self.running = 0                                # submitted, outcome not yet known
        self.broken: list[tuple[str, dict]] = []       # (scene, model_spec) to try again
        self.executor = None
        self.started = time.perf_counter()
        self.seconds = 0.0
        self.lock = threading.Condition()

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if self.executor is None:
            return
        if kind is not None:        # an error or Ctrl-C: the workers' work is lost anyway
            import signal

            # Interrupt their renders (they clean up their temporary files and wait for
            # the shutdown); ProcessPoolExecutor has no public way to reach its workers
            # before Python 3.14.
            stop = getattr(signal, _STOP_SIGNAL, signal.SIGTERM)
            for process in list((getattr(self.executor, "_processes", None) or {}).values()):
                with contextlib.suppress(OSError):
                    os.kill(process.pid, stop)
        self.executor.shutdown(wait=True, cancel_futures=True)

    def start(self, scene, *, model=None, model_spec=None) -> None:
        from . import render as render_mod

        if importlib.util.find_spec(render_mod.scene_module(scene)) is None:
            note = (f"its module {render_mod.scene_module(scene)} is not installed, so there "
                    "is nothing to render")
            return self._finish(scene, _scene_item(scene, status="skipped", note=note))
        try:
            cached = render_mod.cached_video(scene, _scene_config(scene), quality=self.quality,
                                             model=model)
        except Exception as exc:
            return self._finish(scene, _scene_item(scene, status="failed",
                                                   note=f"{type(exc).__name__}: {exc}"))
        if cached is not None:
            item = self.job(scene, self.quality, model=model)
            return self._finish(scene, dataclasses.replace(item, cached=True))
        self._submit(scene, model_spec)

    def _submit(self, scene, model_spec) -> None:
        from concurrent.futures.process import BrokenProcessPool

        for _ in range(2):
            if self.executor is None:
                self.executor = self._executor(self.workers)
            try:
                future = self.executor.submit(self.job, scene, self.quality,
                                              model_spec=model_spec)
                break
            except BrokenProcessPool:       # broken by an earlier scene: start afresh
                self.executor.shutdown(wait=False)
                self.executor = None
        with self.lock:
            self.running += 1
        future.add_done_callback(lambda f: self._outcome(scene, model_spec, f))

    def _outcome(self, scene, model_spec, future) -> None:
        from concurrent.futures.process import BrokenProcessPool

        try:
            item = future.result()
        except BrokenProcessPool:
            with self.lock:
                self.broken.append((scene, model_spec))
                self.running -= 1
                self.lock.notify_all()
            return
        except BaseException as exc:   # e.g. the result could not be sent back
            item = _scene_item(scene, status="failed", note=f"{type(exc).__name__}: {exc}")
        self._finish(scene, item)
        with self.lock:
            self.running -= 1
            self.lock.notify_all()

    def _finish(self, scene: str, item: TourItem) -> None:
        """Record ``item`` (in whichever thread the scene finished) and report it."""
        with self.lock:
            self.done[scene] = item
            self.seconds = time.perf_counter() - self.started
        if item.status == "skipped":
            self.console.print(f"[yellow]scene {scene}: skipped, {item.note}")
        elif item.status == "failed":
            self.console.print(f"[red]scene {scene} failed: {item.note}")
        else:
            how = ("[green]reused from the cache[/]" if item.cached
                   else f"rendered in {item.seconds:.0f} s")
            self.console.print(f"scene {scene}: {how}, {item.frames} frames "
                               f"{item.width}x{item.height}")
        self.bar.advance(self.task)

    def results(self) -> list[TourItem]:
        """Every scene's item, in the order of ``scenes``, once all have finished."""
        with self.lock:
            self.lock.wait_for(lambda: self.running == 0)
            again, self.broken = self.broken, []
        if again:
            self.console.print(f"[yellow]a scene worker process died; trying "
                               f"{', '.join(s for s, _ in again)} again, one at a time")
        for scene, model_spec in again:
            self._finish(scene, self._alone(scene, model_spec))
        return [self.done[scene] for scene in self.scenes]

    def _alone(self, scene, model_spec) -> TourItem:
        """``scene`` once more, in a worker process of its own."""
        from concurrent.futures.process import BrokenProcessPool

        with self._executor(1) as executor:
            try:
                return executor.submit(self.job, scene, self.quality,
                                       model_spec=model_spec).result()
            except BrokenProcessPool as exc:
                note = f"its worker process died, also alone ({type(exc).__name__}: {exc})"
            except Exception as exc:
                note = f"{type(exc).__name__}: {exc}"
        return _scene_item(scene, status="failed", note=note)

    @staticmethod
    def _executor(workers: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=(os.getpid(),))


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


def check_extras(render_videos: bool = True) -> None:
    """Raise :class:`~convviz._extras.MissingExtra` naming every extra the tour lacks:
    TensorFlow (the model), matplotlib (the figures), Manim (the videos)."""
    require_extras("convviz.tour", "keras", "plot", *(("scenes",) if render_videos else ()))


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
                       ("startup", "data", "model", "figures", "total") if name in t)
    console.print(f"times           {phases}")
    if t.get("scenes"):
        how = (f"{t['render']:.1f} s of rendering in the worker processes" if t.get("render")
               else "every video reused from the cache")
        console.print(f"                scenes {t['scenes']:.1f} s from the start, alongside the "
                      f"rest ({how})")
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
