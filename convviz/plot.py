"""Matplotlib figures: digits, learned filters, feature maps, a convolution step, training.

Every function takes an optional ``fig=`` (a ``Figure`` or ``SubFigure`` to draw
into) or ``ax=`` and returns the matplotlib ``Figure``; nothing here calls
``plt.show()`` or touches pyplot's global state, so the functions work the same
in scripts, tests and notebooks (in Jupyter a figure that is a cell's value shows
itself as a PNG: :class:`InlineFigure`)::

    from convviz.plot import plot_filters, save_figure
    fig = plot_filters(kernel)                 # kernel (kh, kw, C_in, C_out)
    save_figure(fig, "filters.png")            # written atomically

Colour conventions: weights use a diverging colormap centred at 0 with a symmetric,
shared, labelled scale (red positive, blue negative); activations use ``viridis``;
images use gray.

Text sizes: nothing is smaller than :data:`SMALL` points, which is 15 px at the
tour's 120 dpi; a figure shown at its own pixel size (as the tour's page does on a
projector-sized screen) therefore has no text under 14 px.
"""
from __future__ import annotations

import io
import math
import textwrap
import os
import pathlib

import numpy as np

from ._extras import require

require("matplotlib", "plot", "convviz.plot")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import ConnectionPatch, Rectangle  # noqa: E402

__all__ = [
    "plot_digits",
    "plot_filters",
    "plot_feature_maps",
    "plot_conv_step",
    "window_sentence",
    "plot_history",
    "plot_confusion",
    "confusion_matrix",
    "format_number",
    "save_figure",
    "InlineFigure",
]

WEIGHT_CMAP = "RdBu_r"
ACTIVATION_CMAP = "viridis"
SMALL = 9            # points: the smallest text of every figure
INLINE_DPI = 120     # a figure shown in Jupyter: SMALL is 15 px, as on the tour's page


class InlineFigure(Figure):
    """The ``Figure`` every function here makes: a plain matplotlib ``Figure`` that
    also shows itself as a PNG in Jupyter. Made without pyplot, a figure has no
    backend to show it; ``_repr_png_`` is what IPython asks any object for. Cropped
    to what is drawn (``bbox_inches="tight"``, as IPython's inline backend does)."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=INLINE_DPI, bbox_inches="tight",
                     pad_inches=0.1)
        return buffer.getvalue()


# --------------------------------------------------------------------------- helpers
def _root(fig) -> Figure:
    return fig.get_figure(root=True)


def _new_figure(fig, figsize, **kwargs):
    """``fig`` if given (a Figure or SubFigure), else a fresh Figure of ``figsize`` inches."""
    if fig is None:
        return InlineFigure(figsize=figsize, **kwargs)
    if not hasattr(fig, "add_subplot"):
        raise TypeError(f"fig must be a matplotlib Figure or SubFigure, got {type(fig).__name__}")
    return fig


def _grid_shape(n: int, ncols=None) -> tuple[int, int]:
    """``(rows, cols)`` of a near-square grid holding ``n`` tiles."""
    if ncols is None:
        ncols = math.ceil(math.sqrt(n))
    elif isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    ncols = min(int(ncols), n)
    return math.ceil(n / ncols), ncols


def _tile_axes(fig, nrows, ncols, n, *, left, right, top, bottom, wspace, hspace):
    """``n`` axes in a ``nrows x ncols`` grid with margins in inches; ticks off."""
    width, height = _size_inches(fig)
    gs = fig.add_gridspec(nrows, ncols, left=left / width, right=1 - right / width,
                          top=1 - top / height, bottom=bottom / height,
                          wspace=wspace, hspace=hspace)
    axes = []
    for k in range(n):
        ax = fig.add_subplot(gs[k // ncols, k % ncols])
        ax.set_xticks([])
        ax.set_yticks([])
        axes.append(ax)
    return axes


def _size_inches(fig):
    if isinstance(fig, Figure):
        return tuple(fig.get_size_inches())
    bbox = fig.bbox  # SubFigure: its share of the root figure
    dpi = _root(fig).dpi
    return bbox.width / dpi, bbox.height / dpi


def format_number(value, digits: int = 3) -> str:
    """How a number is printed in a cell: integers as such, others with ``digits``
    significant digits (``12``, ``-3``, ``0.153``, ``-1.25e-05``)."""
    v = float(value)
    if v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.{digits}g}"


def save_figure(fig, path, *, dpi: int = 150) -> pathlib.Path:
    """Save ``fig`` to ``path`` atomically (the format follows the suffix); return the path.

    The folder is created if needed; a reader never sees a half-written file.
    """
    from .cache import atomic_path

    path = pathlib.Path(os.fspath(path))
    if not path.suffix:
        raise ValueError(f"path must end with an image suffix such as .png or .svg, got {str(path)!r}")
    with atomic_path(path) as tmp:
        _root(fig).savefig(tmp, dpi=dpi, format=path.suffix[1:])
    return path


def _as_images(images, name="images") -> np.ndarray:
    """``(N, H, W)`` from ``(N, H, W)``, ``(N, H, W, 1)``, ``(N, 1, H, W)``, ``(H, W)`` or square-flat ``(N, H*W)``."""
    a = np.asarray(images)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if a.ndim == 2 and a.shape[0] > 0 and math.isqrt(a.shape[1]) ** 2 == a.shape[1] \
            and a.shape[1] >= 4 and a.shape[0] != a.shape[1]:
        side = math.isqrt(a.shape[1])
        return a.reshape(len(a), side, side)
    if a.ndim == 2:
        return a[None]
    if a.ndim == 3:
        return a
    if a.ndim == 4 and a.shape[-1] == 1:
        return a[..., 0]
    if a.ndim == 4 and a.shape[1] == 1:
        return a[:, 0]
    raise ValueError(
        f"{name} must be (N, H, W), (N, H, W, 1), (N, 1, H, W), (H, W) or flat (N, H*W); "
        f"got shape {a.shape}"
    )


# --------------------------------------------------------------------------- digits
def plot_digits(images, labels=None, *, fig=None, ncols=None, cmap="gray",
                title=None, tile=1.6) -> Figure:
    """Images in gray in a near-square grid: the article's 2x2 grid of the first 4 digits.

    Args:
        images: ``(N, H, W)`` (also ``(N, H, W, 1)``, ``(N, 1, H, W)``, flat
            ``(N, H*W)`` with a square ``H*W``, or one ``(H, W)`` image).
        labels: ``(N,)`` labels (or one-hot ``(N, K)``) written above each image.
        ncols: columns of the grid (default ``ceil(sqrt(N))``).
        tile: inches per image.
    """
    imgs = _as_images(images)
    n = len(imgs)
    if n == 0:
        raise ValueError("images must hold at least one image, got 0")
    if labels is not None:
        labels = np.asarray(labels)
        if labels.ndim == 2:
            labels = labels.argmax(axis=1)
        if labels.shape != (n,):
            raise ValueError(f"labels must have one entry per image ({n}), got shape {labels.shape}")
    nrows, ncols = _grid_shape(n, ncols)
    head = 0.45 if title else 0.1
    fig = _new_figure(fig, (ncols * tile + 0.2, nrows * (tile + 0.3) + head))
    axes = _tile_axes(fig, nrows, ncols, n, left=0.1, right=0.1, top=head + 0.25,
                      bottom=0.1, wspace=0.1, hspace=0.25)
    for k, ax in enumerate(axes):
        ax.imshow(imgs[k], cmap=cmap)
        if labels is not None:
            ax.set_title(f"label {labels[k]}", fontsize=10)
    if title:
        fig.suptitle(title, fontsize=12)
    return _root(fig)


# --------------------------------------------------------------------------- filters
def _as_kernel(kernel) -> np.ndarray:
    k = np.asarray(kernel)
    if k.dtype == object or not np.issubdtype(k.dtype, np.number):
        raise TypeError(f"kernel must be a numeric array, got dtype {k.dtype}")
    if k.ndim == 2:
        return k[:, :, None, None]
    if k.ndim != 4:
        raise ValueError(f"kernel must be (kh, kw, C_in, C_out) or (kh, kw), got shape {k.shape}")
    return k


def _limit(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive int or None, got {value!r}")
    return int(value)


def plot_filters(kernel, *, fig=None, title=None, name=None, max_filters=None,
                 max_channels=None, cmap=WEIGHT_CMAP, tile=None, annotate=None) -> Figure:
    """The filters of a conv layer, drawn so that a filter is seen as a stack of kernels.

    Args:
        kernel: ``(kh, kw, C_in, C_out)`` (Keras' layout, e.g. from
            :func:`convviz.inspect.filters`) or one ``(kh, kw)`` kernel.
        title: the heading (default: how many filters of which size).
        name: a prefix of the default heading, e.g. the layer's name.
        max_filters, max_channels: draw only the first filters / input channels.
        annotate: write the weight in every cell (default: only for a few small
            kernels: at most 9 of 3x3 or 4 of 5x5).

    With one input channel every filter is one kernel: one tile per filter in a
    near-square grid. With ``C_in > 1`` the grid has one ROW per filter and one
    COLUMN per input channel. All tiles share one colour scale, symmetric around 0
    (``vmin == -vmax``), with a labelled colour bar.
    """
    k = _as_kernel(kernel)
    kh, kw, c_in, c_out = k.shape
    n_f = min(c_out, _limit(max_filters, "max_filters") or c_out)
    n_c = min(c_in, _limit(max_channels, "max_channels") or c_in)
    shown = k[:, :, :n_c, :n_f]
    vmax = float(np.abs(shown).max()) or 1.0
    if annotate is None:
        annotate = (n_f * n_c <= 9 and max(kh, kw) <= 3) or (n_f * n_c <= 4 and max(kh, kw) <= 5)

    stack = c_in > 1
    if stack:
        nrows, ncols, n = n_f, n_c, n_f * n_c
    else:
        nrows, ncols = _grid_shape(n_f)
        n = n_f
    if tile is None:
        tile = 0.45 * max(kh, kw) if annotate else \
            float(np.clip(9.0 / max(ncols, nrows * 0.8), 0.28, 0.75))
    if title is None:
        title = f"{c_out} filter{'s' if c_out != 1 else ''} of {kh}x{kw}"
        if stack:
            title += f", each a stack of {c_in} kernels (one per input channel)"
        if name:
            title = f"{name}: {title}"
    notes = []
    if n_f < c_out:
        notes.append(f"first {n_f} of {c_out} filters")
    if n_c < c_in:
        notes.append(f"first {n_c} of {c_in} input channels")
    small = tile < 0.7            # "filter 12" needs about 0.65 in at SMALL points
    sub = ("rows: filters, columns: input channels" if stack
           else "tile title = filter index" if small else "")
    if notes:
        sub = "; ".join(filter(None, [sub, "showing " + ", ".join(notes)]))

    left = 0.8 if stack else 0.15
    width = max(left + ncols * tile * 1.12 + 1.05, 4.2)
    wrap = max(int(width * 10.5), 40)
    heading = textwrap.wrap(title, wrap) + (textwrap.wrap(sub, wrap) if sub else [])
    head = 0.25 + 0.2 * len(heading) + (0.35 if stack else 0.3)
    height = head + nrows * tile * (1.12 if stack else 1.3) + 0.15
    fig = _new_figure(fig, (width, height))
    fw, fh = _size_inches(fig)
    axes = _tile_axes(fig, nrows, ncols, n, left=left, right=1.05 + max(0, fw - width),
                      top=head, bottom=0.15, wspace=0.12, hspace=0.12 if stack else 0.3)
    for idx, ax in enumerate(axes):
        if stack:
            f, c = divmod(idx, n_c)
        else:
            f, c = idx, 0
        weights = shown[:, :, c, f]
        image = ax.imshow(weights, cmap=cmap, vmin=-vmax, vmax=vmax)
        if annotate:
            for (i, j), w in np.ndenumerate(weights):
                ax.text(j, i, format_number(w, 2), ha="center", va="center", fontsize=SMALL,
                        color="white" if abs(w) > 0.6 * vmax else "black")
        if stack:
            if f == 0:
                ax.set_title(f"{c}" if small else f"ch {c}", fontsize=SMALL)
            if c == 0:
                ax.set_ylabel(f"filter {f}", rotation=0, ha="right", va="center",
                              fontsize=SMALL)
        else:
            ax.set_title(f"{f}" if small else f"filter {f}", fontsize=SMALL, pad=2)

    width, height = _size_inches(fig)
    top_ax = axes[0].get_position()
    bottom_ax = axes[-1].get_position()
    cax = fig.add_axes([1 - 0.85 / width, bottom_ax.y0, 0.14 / width,
                        max(top_ax.y1 - bottom_ax.y0, 1.2 / height)])
    bar = _root(fig).colorbar(image, cax=cax)
    bar.set_label("weight (0 = white)", fontsize=SMALL + 1)
    bar.ax.tick_params(labelsize=SMALL)

    fig.suptitle("\n".join(heading), fontsize=11, x=0.02, ha="left", y=1 - 0.08 / height,
                 va="top")
    return _root(fig)


# --------------------------------------------------------------------------- feature maps
def _single_image_maps(maps, data_format, image, name):
    """``(C, H, W)`` channels-first maps of one image, plus the per-image shape to print."""
    a = np.asarray(maps)
    if a.dtype == object or not np.issubdtype(a.dtype, np.number):
        raise TypeError(f"{name} must be a numeric array, got dtype {a.dtype}")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    if a.ndim == 4:
        if not -len(a) <= image < len(a):
            raise ValueError(f"image must index the batch of {len(a)} in {name}, got {image}")
        a = a[image]
    elif a.ndim == 2:
        a = a[:, :, None] if data_format == "channels_last" else a[None]
    elif a.ndim != 3:
        raise ValueError(
            f"{name} must be (N, H, W, C) / (H, W, C) (channels_last) or (N, C, H, W) / "
            f"(C, H, W) (channels_first); got shape {a.shape} -- dense outputs have no maps"
        )
    shape = tuple(a.shape)
    chw = a.transpose(2, 0, 1) if data_format == "channels_last" else a
    return chw, shape


def _map_columns(n: int, ncols=None) -> int:
    if ncols is not None:
        return _grid_shape(n, ncols)[1]
    return min(n, max(math.ceil(math.sqrt(n)), 8))


def plot_feature_maps(maps, *, data_format="channels_last", image=0, fig=None, title=None,
                      input_image=None, max_channels=None, ncols=None, cmap=ACTIVATION_CMAP,
                      tile=None, shared_scale=True) -> Figure:
    """One tile per channel (feature map), titled with the channel index.

    Args:
        maps: one layer's output: ``(N, H, W, C)`` / ``(H, W, C)`` for channels_last,
            ``(N, C, H, W)`` / ``(C, H, W)`` for channels_first; or a dict
            ``{layer name: array}`` as returned by :func:`convviz.inspect.feature_maps`,
            drawn as one section per layer, top to bottom.
        data_format: the layout of ``maps`` (a str, or a dict per layer name).
        image: which image of a batch to draw.
        input_image: optionally the ``(H, W)`` input (any layout :func:`plot_digits`
            takes), drawn in gray above the first layer.
        max_channels: draw only the first channels of each layer.
        ncols: tiles per row (default: at least 8, or a near-square grid).
        shared_scale: one colour scale per layer, with a colour bar (so weak channels
            look weak); False scales each tile on its own.

    One line at the top says once how shapes are written, from the data format:
    ``(height, width, channels)`` for channels_last, ``(channels, height, width)`` for
    channels_first (each layer's own when they differ). Each section's heading gives
    the layer name and its output shape for one image in that notation, and what it
    means: ``conv1: output (28, 28, 32) = 32 feature maps of 28×28``. A shared scale
    has a colour bar labelled "activation".
    """
    if isinstance(maps, dict):
        layers = list(maps.items())
        if not layers:
            raise ValueError("maps is an empty dict; pass at least one layer's output")
    else:
        layers = [(None, maps)]
    limit = _limit(max_channels, "max_channels")
    prepared = []
    for name, value in layers:
        fmt = data_format.get(name, "channels_last") if isinstance(data_format, dict) \
            else data_format
        chw, shape = _single_image_maps(value, fmt, image, f"maps[{name!r}]" if name else "maps")
        prepared.append((name, chw[:limit] if limit else chw, shape, fmt))
    if input_image is not None:
        input_image = _as_images(input_image, "input_image")
        if len(input_image) != 1:
            raise ValueError(f"input_image must be one image, got {len(input_image)}")
    formats = {fmt for *_, fmt in prepared}
    if len(formats) == 1:
        (fmt,) = formats
        notation = f"Shapes are written {_NOTATION[fmt]}: the data format is {fmt}; "
    else:
        notation = "Shapes are in each layer's own data format, named in its heading; "
    notation += "a tile's title is its channel index."

    cols = _map_columns(max(len(chw) for _, chw, _, _ in prepared), ncols)
    if tile is None:
        tile = float(np.clip(8.0 / cols, 0.45, 1.4))
    width = max(cols * tile * 1.1 + 1.3, 5.5)
    heads = 0.45
    heights = [0.85 if title else 0.45]
    if input_image is not None:
        heights.append(heads + 1.6 + 0.15)
    heights += [heads + _grid_shape(len(chw), cols)[0] * (tile * 1.1 + 0.25) + 0.1
                for _, chw, _, _ in prepared]
    fig = _new_figure(fig, (width, sum(heights)))
    sections = list(fig.subfigures(len(heights), 1, height_ratios=heights))

    def heading(section, text):
        sw, sh = _size_inches(section)
        section.text(0.1 / sw, 1 - 0.1 / sh, text, fontsize=SMALL + 1,
                     ha="left", va="top", fontweight="bold")

    top = sections.pop(0)
    tw, th = _size_inches(top)
    if title:
        top.text(0.5, 1 - 0.1 / th, title, fontsize=13, ha="center", va="top")
    top.text(0.1 / tw, 0.1 / th, notation, fontsize=SMALL + 1, ha="left", va="bottom")
    if input_image is not None:
        section = sections.pop(0)
        h, w = input_image.shape[1:]
        heading(section, f"input: one {h}×{w} image")
        ax = _tile_axes(section, 1, 1, 1, left=0.15, right=_size_inches(section)[0] - 1.75,
                        top=heads, bottom=0.15, wspace=0, hspace=0)[0]
        ax.imshow(input_image[0], cmap="gray")
    for section, (name, chw, shape, fmt) in zip(sections, prepared):
        n, (n_all, h, w) = len(chw), _chw_shape(shape, fmt)
        nrows = _grid_shape(n, cols)[0]
        sw, sh = _size_inches(section)
        used = cols * tile * 1.1
        axes = _tile_axes(section, nrows, cols, n, left=0.1, right=max(sw - 0.1 - used, 1.1),
                          top=heads + 0.12, bottom=0.1, wspace=0.1, hspace=0.28)
        vmin, vmax = (float(chw.min()), float(chw.max())) if shared_scale else (None, None)
        for c, ax in enumerate(axes):
            image_ = ax.imshow(chw[c], cmap=cmap, vmin=vmin, vmax=vmax)
            ax.set_title(str(c), fontsize=SMALL, pad=2)
        text = (f"{name + ': ' if name else ''}output {shape} = {n_all} feature "
                f"map{'s' if n_all != 1 else ''} of {h}×{w}")
        if n < n_all:
            text += f", the first {n} shown"
        if len(formats) > 1:
            text += f"   [{fmt}: {_NOTATION[fmt]}]"
        heading(section, text)
        if shared_scale:
            first, last = axes[0].get_position(), axes[-1].get_position()
            cax = section.add_axes([first.x0 + used / sw + 0.15 / sw, last.y0, 0.14 / sw,
                                    max(first.y1 - last.y0, 0.8 / sh)])
            bar = _root(section).colorbar(image_, cax=cax)
            bar.set_label("activation", fontsize=SMALL)
            bar.ax.tick_params(labelsize=SMALL)
    return _root(fig)


_NOTATION = {"channels_last": "(height, width, channels)",
             "channels_first": "(channels, height, width)"}


def _chw_shape(shape, data_format) -> tuple[int, int, int]:
    """``(C, H, W)`` of a one-image shape in ``data_format``."""
    return tuple(shape) if data_format == "channels_first" else (shape[2], shape[0], shape[1])


# --------------------------------------------------------------------------- conv step
_COLORS = {
    "cell": "#ffffff", "padding": "#e4e4e4", "window": "#ffd966", "window_padding": "#e3cf8c", "kernel": "#cfe2ff",
    "products": "#d9f2d9", "sum": "#eeeeee", "bias": "#eeeeee", "total": "#ffb26b",
    "written": "#ffffff", "current": "#ffb26b", "unwritten": "#f4f4f4",
}


def _grid(ax, values, colors, *, texts=None, fontsize=9, label):
    """Draw a table of cells: ``colors`` ``(h, w)`` of colour names, ``texts`` ``(h, w)`` of str."""
    from matplotlib.colors import to_rgb

    h, w = colors.shape
    rgb = np.array([[to_rgb(c) for c in row] for row in colors])
    ax.imshow(rgb, interpolation="nearest", aspect="equal")
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    ax.hlines(np.arange(h + 1) - 0.5, -0.5, w - 0.5, color="#888888", lw=0.6, clip_on=False)
    ax.vlines(np.arange(w + 1) - 0.5, -0.5, h - 0.5, color="#888888", lw=0.6, clip_on=False)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    if texts is not None:
        for (i, j), text in np.ndenumerate(texts):
            if text:
                ax.text(j, i, text, ha="center", va="center", fontsize=fontsize)
    ax.set_label(label)
    return ax


def _image_grid(ax, values, label):
    """A big grid (no numbers): the values in gray."""
    ax.imshow(values, cmap="gray_r", interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_label(label)
    return ax


def plot_conv_step(trace, step=0, *, fig=None, cell=None, digits=3,
                   max_numbers_side=12) -> Figure:
    """One step of a :func:`convviz.trace_conv2d` trace, every number from the trace.

    For each input channel one row: the (padded) input with the window highlighted,
    ``x`` the kernel, ``=`` the element-wise products, ``Σ`` their sum. Below the
    channel rows: the bias and the total (sum of the channel sums + bias), and to
    the right the output feature map with the cell this step writes (cells of
    earlier steps are filled in, later ones blank).

    Args:
        trace: a :class:`convviz.ConvTrace`.
        step: the step's index in ``trace`` (negative counts from the end) or a
            :class:`convviz.ConvStep` of it.
        cell: inches per cell (default: fitted to the longest number).
        digits: significant digits of non-integer numbers.
        max_numbers_side: inputs/outputs larger than this many cells per side are
            drawn in gray without numbers.

    Axes carry labels for programmatic access: ``"input[c]"``, ``"kernel[c]"``,
    ``"products[c]"``, ``"sum[c]"``, ``"bias"``, ``"total"``, ``"output"``.
    """
    from .trace import ConvStep, ConvTrace

    if not isinstance(trace, ConvTrace):
        raise TypeError(f"trace must be a ConvTrace from convviz.trace_conv2d, got {type(trace).__name__}")
    if isinstance(step, ConvStep):
        if not any(step is s for s in trace.steps):
            raise ValueError("step is a ConvStep of another trace; pass its index instead")
        s = step
    elif isinstance(step, (int, np.integer)) and not isinstance(step, bool):
        if not -len(trace) <= step < len(trace):
            raise ValueError(f"step must be in [{-len(trace)}, {len(trace) - 1}] for this trace of "
                             f"{len(trace)} steps, got {step}")
        s = trace[int(step)]
    else:
        raise TypeError(f"step must be an int or a ConvStep, got {type(step).__name__}")

    b, f = s.batch, s.filter
    padded = trace.padded_input[b]                       # (C, Hp, Wp)
    n_ch, hp, wp = padded.shape
    kh, kw = trace.kernel_size
    oh, ow = trace.output_size
    (top, _), (left, _) = trace.pads
    fmt = lambda v: format_number(v, digits)  # noqa: E731

    input_numbers = max(hp, wp) <= max_numbers_side
    output_numbers = max(oh, ow) <= max_numbers_side
    written = np.arange(oh * ow).reshape(oh, ow) <= s.out_row * ow + s.out_col
    shown = [s.kernel, s.products, s.channel_sums, [s.bias, s.total]]
    if input_numbers:
        shown.append(padded)
    if output_numbers:
        shown.append(trace.feature_maps[b, f][written])
    longest = max(len(fmt(v)) for arr in shown for v in np.ravel(arr))
    if cell is None:
        cell = max(0.42, 0.075 * longest + 0.12)
    in_cell = cell if input_numbers else min(cell, 3.2 / max(hp, wp))
    out_cell = cell if output_numbers else min(cell, 3.2 / max(oh, ow))
    sum_w = max(cell, 0.075 * longest + 0.2)

    # Layout in inches, from the top-left corner.
    label_w, op_w, head = 0.95, 0.5, 1.05
    x_in = label_w
    x_k = x_in + wp * in_cell + op_w
    x_p = x_k + kw * cell + op_w
    x_s = x_p + kw * cell + op_w + 0.1
    x_out = x_s + sum_w + 1.0
    width = x_out + ow * out_cell + 0.35
    row_h = max(hp * in_cell, kh * cell)
    gap = 0.4
    y_rows = [head + r * (row_h + gap) for r in range(n_ch)]
    y_bias = head + n_ch * (row_h + gap) - gap + 0.25
    y_total = y_bias + cell + 0.15
    height = y_total + cell + 0.35
    fig = _new_figure(fig, (width, height))
    fw, fh = _size_inches(fig)
    sx, sy = fw / width, fh / height

    def axes_at(x, y, w, h):
        return fig.add_axes([x * sx / fw, 1 - (y + h) * sy / fh, w * sx / fw, h * sy / fh])

    def text_at(x, y, text, **kw_):
        fig.text(x * sx / fw, 1 - y * sy / fh, text, **kw_)

    small = SMALL
    for c in range(n_ch):
        y0 = y_rows[c]
        mid = y0 + row_h / 2
        # input, window highlighted
        colors = np.full((hp, wp), _COLORS["cell"], dtype=object)
        pad_mask = np.ones((hp, wp), bool)
        h_in, w_in = trace.input.shape[2:]
        pad_mask[top:top + h_in, left:left + w_in] = False
        colors[pad_mask] = _COLORS["padding"]
        prow = [r + top for r in s.rows]
        pcol = [q + left for q in s.cols]
        for r in prow:
            for q in pcol:
                colors[r, q] = _COLORS["window_padding" if pad_mask[r, q] else "window"]
        ax = axes_at(x_in, mid - hp * in_cell / 2, wp * in_cell, hp * in_cell)
        if input_numbers:
            texts = np.vectorize(fmt, otypes=[object])(padded[c])
            _grid(ax, padded[c], colors, texts=texts, fontsize=small, label=f"input[{c}]")
        else:
            _image_grid(ax, padded[c], label=f"input[{c}]")
        ax.add_patch(Rectangle((min(pcol) - 0.5, min(prow) - 0.5), max(pcol) - min(pcol) + 1,
                               max(prow) - min(prow) + 1, fill=False, ec="#d9480f", lw=2.2))
        if c == 0:
            ax.set_title("input" + (" (grey = padding)" if pad_mask.any() else ""), fontsize=10)
        rowname = f"channel {c}" if n_ch > 1 else "input"
        text_at(0.1, mid, rowname, fontsize=10, va="center", ha="left", fontweight="bold")

        text_at(x_k - op_w / 2, mid, "×", fontsize=18, ha="center", va="center")
        ax = axes_at(x_k, mid - kh * cell / 2, kw * cell, kh * cell)
        _grid(ax, s.kernel[c], np.full((kh, kw), _COLORS["kernel"], dtype=object),
              texts=np.vectorize(fmt, otypes=[object])(s.kernel[c]), fontsize=small,
              label=f"kernel[{c}]")
        if c == 0:
            ax.set_title(f"kernel{'s' if n_ch > 1 else ''} of filter {f}", fontsize=10)

        text_at(x_p - op_w / 2, mid, "=", fontsize=18, ha="center", va="center")
        ax = axes_at(x_p, mid - kh * cell / 2, kw * cell, kh * cell)
        _grid(ax, s.products[c], np.full((kh, kw), _COLORS["products"], dtype=object),
              texts=np.vectorize(fmt, otypes=[object])(s.products[c]), fontsize=small,
              label=f"products[{c}]")
        if c == 0:
            ax.set_title("products", fontsize=10)

        text_at(x_s - (op_w + 0.1) / 2, mid, "Σ→", fontsize=13, ha="center", va="center")
        ax = axes_at(x_s, mid - cell / 2, sum_w, cell)
        _grid(ax, np.zeros((1, 1)), np.array([[_COLORS["sum"]]], dtype=object),
              texts=np.array([[fmt(s.channel_sums[c])]], dtype=object), fontsize=10,
              label=f"sum[{c}]")
        ax.set_aspect("auto")
        if c == 0:
            ax.set_title("sum", fontsize=10)

    # bias and total under the sums
    ax = axes_at(x_s, y_bias, sum_w, cell)
    _grid(ax, np.zeros((1, 1)), np.array([[_COLORS["bias"]]], dtype=object),
          texts=np.array([[fmt(s.bias)]], dtype=object), fontsize=10, label="bias")
    ax.set_aspect("auto")
    text_at(x_s - 0.1, y_bias + cell / 2, "+ bias", fontsize=10, ha="right", va="center")
    total_ax = axes_at(x_s, y_total, sum_w, cell)
    _grid(total_ax, np.zeros((1, 1)), np.array([[_COLORS["total"]]], dtype=object),
          texts=np.array([[fmt(s.total)]], dtype=object), fontsize=10, label="total")
    total_ax.set_aspect("auto")
    text_at(x_s - 0.1, y_total + cell / 2, "= total", fontsize=10, ha="right", va="center")
    sums = " + ".join(f"({fmt(v)})" if fmt(v).startswith("-") else fmt(v)
                      for v in s.channel_sums)
    bias_text = f"({fmt(s.bias)})" if fmt(s.bias).startswith("-") else fmt(s.bias)
    what = "sum of the channel sums" if n_ch > 1 else "sum"
    equation = f"{what} + bias = {sums} + {bias_text} = {fmt(s.total)}"
    if 0.085 * len(equation) > x_s - label_w - 1.0:  # too long to fit: just the result
        equation = f"{what} + bias = {fmt(s.total)}"
    text_at(label_w, y_total + cell / 2, equation, fontsize=10, ha="left", va="center")

    # output feature map
    values = trace.feature_maps[b, f]
    y_out = max(head, (head + height - 0.35) / 2 - oh * out_cell / 2)
    out_ax = axes_at(x_out, y_out, ow * out_cell, oh * out_cell)
    if output_numbers:
        colors = np.where(written, _COLORS["written"], _COLORS["unwritten"]).astype(object)
        colors[s.out_row, s.out_col] = _COLORS["current"]
        texts = np.array([[fmt(values[i, j]) if written[i, j] else "" for j in range(ow)]
                          for i in range(oh)], dtype=object)
        _grid(out_ax, values, colors, texts=texts, fontsize=small, label="output")
    else:
        _image_grid(out_ax, np.where(written, values, np.nan), label="output")
        out_ax.add_patch(Rectangle((s.out_col - 0.5, s.out_row - 0.5), 1, 1, fill=False,
                                   ec="#d9480f", lw=2))
    out_ax.set_title(f"output of filter {f}", fontsize=10)
    arrow = ConnectionPatch(xyA=(0.5, 0.0), coordsA="data", axesA=total_ax,
                            xyB=(s.out_col, s.out_row), coordsB="data", axesB=out_ax,
                            arrowstyle="-|>", color="#d9480f", lw=1.5,
                            connectionstyle="arc3,rad=-0.2", shrinkB=6)
    _root(fig).add_artist(arrow)

    where = (f"output[{s.out_row}, {s.out_col}]" + (f" of filter {f}" if trace.kernel.shape[0] > 1 else "")
             + (f", image {b}" if trace.input.shape[0] > 1 else ""))
    text_at(0.1, 0.2, f"Step {s.index + 1} of {len(trace)}: {where} = {fmt(s.total)}",
            fontsize=12, ha="left", va="top", fontweight="bold")
    text_at(0.1, 0.5, window_sentence(trace, s), fontsize=SMALL + 1, ha="left", va="top",
            color="#444444")
    return _root(fig)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _cells(indices) -> str:
    """``0–2`` for a run of neighbours, ``0, 2, 4`` otherwise (a dilated window)."""
    indices = list(indices)
    if len(indices) > 1 and indices == list(range(indices[0], indices[-1] + 1)):
        return f"{indices[0]}–{indices[-1]}"
    return ", ".join(str(i) for i in indices)


def window_sentence(trace, step) -> str:
    """Where the kernel sits at ``step`` and how it moves, in plain words, every number
    from ``trace``: rows and columns are counted in the grid the figure draws (the
    input with its zero border, if any)."""
    (top, bottom), (left, right) = trace.pads
    kh, kw = trace.kernel_size
    sh, sw = trace.strides
    rows = [r + top for r in step.rows]
    cols = [q + left for q in step.cols]
    padded = any((top, bottom, left, right))
    where = (f"The {kh}×{kw} kernel covers rows {_cells(rows)} and columns {_cells(cols)} "
             f"of the {'zero-bordered ' if padded else ''}input")
    moves = (f"it moves {_count(sh, 'cell')} at a time" if sh == sw else
             f"it moves {_count(sh, 'row')} down and {_count(sw, 'column')} across at a time")
    if not padded:
        border = "no zeros are added around the input"
    else:
        sides = [f"{_count(n, what)} {side}" for n, what, side in (
            (top, "row", "on top"), (bottom, "row", "at the bottom"),
            (left, "column", "on the left"), (right, "column", "on the right")) if n]
        border = "zeros added: " + ", ".join(sides)
    return f"{where}; {moves}; {border}."


# --------------------------------------------------------------------------- training
def _history_dict(history, name):
    h = getattr(history, "history", history)
    if not isinstance(h, dict) or "loss" not in h:
        raise ValueError(
            f"{name} must be a Keras History or a dict with at least 'loss' (and usually "
            f"'accuracy', 'val_loss', 'val_accuracy'), got {type(history).__name__}"
            + (f" with keys {sorted(h)}" if isinstance(h, dict) else "")
        )
    return h


def plot_history(history, *, fig=None, title=None, val_label="validation") -> Figure:
    """Loss and accuracy per epoch, training (solid) and validation (dashed).

    Args:
        history: a Keras ``History``, its ``.history`` dict (``loss``, ``accuracy``,
            ``val_loss``, ``val_accuracy``: one value per epoch), or a dict
            ``{model name: history}`` to compare models in one figure.
        val_label: the legend's name for the ``val_`` curves, e.g. ``"test"`` when
            the validation data were the test images (as in :mod:`convviz.train`).
    """
    if not isinstance(val_label, str) or not val_label.strip():
        raise ValueError(f"val_label must be a non-empty str, got {val_label!r}")
    if isinstance(history, dict) and "loss" not in history and history \
            and all(isinstance(getattr(v, "history", v), dict) for v in history.values()):
        runs = [(str(k), _history_dict(v, f"history[{k!r}]")) for k, v in history.items()]
    else:
        runs = [(None, _history_dict(history, "history"))]
    fig = _new_figure(fig, (10, 4), layout="constrained")
    ax_loss, ax_acc = fig.subplots(1, 2)
    colors = [f"C{i}" for i in range(10)]
    n_epochs = max(len(h["loss"]) for _, h in runs)
    for i, (name, h) in enumerate(runs):
        color = colors[i % 10]
        for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
            for prefix, style, what in (("", "-", "train"), ("val_", "--", val_label)):
                values = h.get(prefix + metric)
                if values is None:
                    continue
                epochs = np.arange(1, len(values) + 1)
                label = f"{name} {what}" if name else what
                ax.plot(epochs, values, style, color=color, marker="o", ms=3, label=label)
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.set_title(metric)
        ax.grid(alpha=0.3)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.set_xlim(0.5, n_epochs + 0.5)
        if ax.lines:
            ax.legend(fontsize=SMALL + 1)
    if title:
        fig.suptitle(title)
    return _root(fig)


def confusion_matrix(y_true, y_pred, num_classes=None) -> np.ndarray:
    """``(K, K)`` counts: row = true class, column = predicted class.

    ``y_true``/``y_pred`` are ``(N,)`` int labels or ``(N, K)`` one-hot/probabilities.
    """
    t, p = np.asarray(y_true), np.asarray(y_pred)
    widths = [a.shape[1] for a in (t, p) if a.ndim == 2]  # one-hot / scores say K
    t = t.argmax(axis=1) if t.ndim == 2 else t
    p = p.argmax(axis=1) if p.ndim == 2 else p
    if t.shape != p.shape or t.ndim != 1:
        raise ValueError(f"y_true and y_pred must hold one label per example, got shapes "
                         f"{np.shape(y_true)} and {np.shape(y_pred)}")
    if t.size and (t.min() < 0 or p.min() < 0):
        raise ValueError("labels must be >= 0")
    k = int(num_classes or max(widths + [t.max(initial=0) + 1, p.max(initial=0) + 1]))
    if t.size and max(t.max(), p.max()) >= k:
        raise ValueError(f"labels must be < num_classes={k}, got {max(t.max(), p.max())}")
    matrix = np.zeros((k, k), dtype=np.int64)
    np.add.at(matrix, (t.astype(int), p.astype(int)), 1)
    return matrix


def plot_confusion(model, x, y, *, ax=None, batch_size=256, class_names=None,
                   title=None) -> Figure:
    """Confusion matrix of a trained classifier on ``(x, y)``; the title gives the accuracy.

    The right answers (the diagonal) are drawn in green apart from the mistakes, which
    are coloured on a log scale starting at one mistake, so that a cell with a single
    error is as visible as one with hundreds; every non-zero count is written in its cell.

    Args:
        model: a Keras classifier (or any object with ``predict``) whose outputs are
            ``(N, K)`` class scores.
        x: its input batch, prepared as the model expects.
        y: ``(N,)`` int labels or ``(N, K)`` one-hot.
        class_names: tick labels (default ``0..K-1``).
    """
    from matplotlib.colors import LogNorm, to_rgba

    scores = np.asarray(model.predict(x, batch_size=batch_size, verbose=0))
    if scores.ndim != 2:
        raise ValueError(f"model must output (N, K) class scores, got shape {scores.shape}")
    k = scores.shape[1]
    matrix = confusion_matrix(y, scores, num_classes=k)
    if ax is None:
        fig = InlineFigure(figsize=(0.6 * k + 2.6, 0.6 * k + 1.8), layout="constrained")
        ax = fig.add_subplot()
    diagonal = np.eye(k, dtype=bool)
    mistakes = np.ma.masked_where(diagonal | (matrix == 0), matrix)
    norm = LogNorm(vmin=1, vmax=max(int(mistakes.max()) if mistakes.count() else 1, 10))
    image = ax.imshow(mistakes, cmap=ERROR_CMAP, norm=norm, interpolation="nearest")
    right = np.zeros((k, k, 4))
    right[diagonal] = to_rgba(RIGHT_COLOR)
    ax.imshow(right, interpolation="nearest")
    for (i, j), count in np.ndenumerate(matrix):
        if count and i == j:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=SMALL + 1,
                    fontweight="bold", color="#1b4d1b")
        elif count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=SMALL + 1,
                    color="white" if norm(count) > 0.55 else "black")
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    ax.set_xticks(range(k), names)
    ax.set_yticks(range(k), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    n = int(matrix.sum())
    accuracy = np.trace(matrix) / n if n else float("nan")
    ax.set_title(title or f"accuracy {accuracy:.2%} on {n} images")
    bar = _root(ax.figure).colorbar(image, ax=ax, shrink=0.8,
                                    label="mistakes per cell (log scale; green diagonal = right)")
    steps = [m * 10 ** e for e in range(int(np.log10(norm.vmax)) + 1) for m in (1, 2, 5)]
    bar.set_ticks([t for t in steps if t <= norm.vmax], labels=None)
    bar.ax.yaxis.set_major_formatter(lambda value, _: f"{value:g}")
    bar.ax.yaxis.set_minor_formatter(lambda value, _: "")
    return _root(ax.figure)


# Mistakes: "Reds" without its near-white start, so that one mistake is clearly coloured.
def _error_cmap():
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    return ListedColormap(colormaps["Reds"](np.linspace(0.25, 1.0, 256)), name="mistakes")


ERROR_CMAP = _error_cmap()
RIGHT_COLOR = "#cde8c4"
