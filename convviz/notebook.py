"""What shows itself in a Jupyter notebook: videos, pages, traces.

Jupyter shows a cell's value by asking it for ``_repr_html_`` (or ``_repr_png_``).
Nothing here imports IPython or anything beyond the standard library and numpy, so
these work in any front end that asks (JupyterLab, Notebook, VS Code, Colab) and are
plain objects elsewhere:

* :func:`show` -- a video (:func:`convviz.render.render` returns its path) as a
  ``<video>`` whose mp4 is inside the notebook (base64): a notebook saved and
  opened on another machine, offline, still plays it. An HTML page (the explorer's)
  as an ``<iframe>`` that holds the page itself (``srcdoc``), a PNG or GIF as an image.
* :func:`explorer` -- the explorer page built in memory and shown inline (no file).
* :func:`trace_html`, :func:`transpose_trace_html`, :func:`receptive_field_html` --
  the tables behind ``ConvTrace._repr_html_`` (also the depthwise trace's),
  ``TransposeTrace._repr_html_`` and ``ReceptiveField._repr_html_``: every step's
  numbers, the first :data:`MAX_ROWS` steps of a long trace with a note saying so.

Figures show themselves as PNGs: :class:`convviz.plot.InlineFigure`.
"""
from __future__ import annotations

import base64
import html
import os
import pathlib
from dataclasses import dataclass

import numpy as np

from .worked import _num

__all__ = ["show", "explorer", "Video", "Image", "Page", "trace_html",
           "transpose_trace_html", "receptive_field_html", "MAX_ROWS", "MAX_EMBED_BYTES"]

MAX_ROWS = 40                   # steps a trace's table shows unless asked for more
MAX_MAPS = 8                    # output feature maps drawn under a trace's table
MAX_EMBED_BYTES = 50_000_000    # a video or page put inside a notebook (base64: 4/3 of it)
PAGE_HEIGHT = 820               # px: the iframe of an embedded page (it scrolls inside)

_VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm"}
_IMAGE_TYPES = {".png": "image/png", ".gif": "image/gif", ".jpg": "image/jpeg",
                ".jpeg": "image/jpeg"}


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _read(path, what: str) -> bytes:
    path = pathlib.Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"{what} {str(path)!r} does not exist")
    size = path.stat().st_size
    if size > MAX_EMBED_BYTES:
        raise ValueError(f"{what} {str(path)!r} is {size / 1e6:.0f} MB, more than the "
                         f"{MAX_EMBED_BYTES / 1e6:.0f} MB a notebook should carry; render it "
                         "at a lower quality (quality='low', or pixel_width=...)")
    return path.read_bytes()


# --------------------------------------------------------------------------- objects
@dataclass(frozen=True, repr=False)
class Video:
    """An mp4 (or webm) that plays inline: ``data`` is the file's bytes."""

    data: bytes
    mime: str = "video/mp4"
    width: int | None = None        # CSS px; None: the video's own, at most the cell's

    def __repr__(self) -> str:
        return f"<convviz Video: {self.mime}, {len(self.data):,} bytes>"

    def _repr_html_(self) -> str:
        width = f' width="{int(self.width)}"' if self.width else ""
        source = base64.b64encode(self.data).decode("ascii")
        return (f'<video controls loop playsinline{width} style="max-width:100%;height:auto" '
                f'src="data:{self.mime};base64,{source}"></video>')


@dataclass(frozen=True, repr=False)
class Image:
    """A PNG, GIF or JPEG shown inline."""

    data: bytes
    mime: str = "image/png"

    def __repr__(self) -> str:
        return f"<convviz Image: {self.mime}, {len(self.data):,} bytes>"

    def _repr_html_(self) -> str:
        source = base64.b64encode(self.data).decode("ascii")
        return f'<img style="max-width:100%" src="data:{self.mime};base64,{source}">'


# In a srcdoc frame "#part" resolves against the notebook's own address, so following
# an in-page link would load the notebook's URL into the frame: scroll to it instead.
_IN_PAGE_LINKS = ("<script>document.addEventListener('click', function (e) {"
                  " var a = e.target.closest && e.target.closest('a[href^=\"#\"]');"
                  " if (!a) return; e.preventDefault();"
                  " var t = document.getElementById(a.getAttribute('href').slice(1));"
                  " if (t) t.scrollIntoView(); });</script>")


@dataclass(frozen=True, repr=False)
class Page:
    """A whole HTML page shown inline in an ``<iframe>`` that holds it (``srcdoc``):
    its scripts run inside the frame (``sandbox="allow-scripts"``), apart from the
    notebook, and nothing is fetched. Links to a part of the page scroll to it."""

    html: str
    height: int = PAGE_HEIGHT
    title: str = "convviz page"

    def __repr__(self) -> str:
        return f"<convviz Page: {self.title!r}, {len(self.html):,} characters>"

    def _repr_html_(self) -> str:
        head, found, rest = self.html.partition("</head>")
        page = head + _IN_PAGE_LINKS + found + rest if found else _IN_PAGE_LINKS + self.html
        return (f'<iframe title="{_e(self.title)}" sandbox="allow-scripts" '
                f'style="width:100%;height:{int(self.height)}px;border:1px solid #d0d7de;'
                f'border-radius:6px;background:#fff" srcdoc="{_e(page)}"></iframe>')


def show(obj, *, width: int | None = None, height: int = PAGE_HEIGHT):
    """``obj`` as something Jupyter shows inline; make it a cell's value.

    Args:
        obj: the path of a video (``.mp4``/``.webm``, e.g. what ``render`` returns), of
            an image (``.png``/``.gif``/``.jpg``) or of an HTML page (``.html``, e.g.
            ``convviz explore``'s), or an object that shows itself already (a trace,
            a figure, an :class:`~convviz.explore.ExplorerPage`), returned as it is.
        width: a video's width in CSS pixels (default: its own, at most the cell's).
        height: a page's frame height in pixels.
    """
    if hasattr(obj, "_repr_html_") or hasattr(obj, "_repr_png_"):
        return obj
    if not isinstance(obj, (str, os.PathLike)):
        raise TypeError(f"obj must be the path of a video, image or HTML page, or an object "
                        f"Jupyter shows, got {type(obj).__name__}")
    suffix = pathlib.Path(os.fspath(obj)).suffix.lower()
    if suffix in _VIDEO_TYPES:
        return Video(_read(obj, "video"), _VIDEO_TYPES[suffix], width)
    if suffix in _IMAGE_TYPES:
        return Image(_read(obj, "image"), _IMAGE_TYPES[suffix])
    if suffix in (".html", ".htm"):
        page = _read(obj, "page").decode("utf-8")
        return Page(page, height, pathlib.Path(os.fspath(obj)).name)
    raise ValueError(f"obj must end with {', '.join([*_VIDEO_TYPES, *_IMAGE_TYPES, '.html'])}, "
                     f"got {os.fspath(obj)!r}")


def explorer(examples=None, model=None, digits=None, *, epochs: int | None = None,
             n_train: int | None = None, height: int = PAGE_HEIGHT) -> Page:
    """The ``convviz explore`` page, built in memory and shown inline; nothing is written.

    Arguments as :func:`convviz.explore.write_explorer` (``model=None``: part 1 alone,
    numpy only). Each digit adds about 0.5 MB to the notebook: give two or three."""
    from .explore import explorer_html

    page, _ = explorer_html(examples, model, digits, epochs=epochs, n_train=n_train)
    return Page(page, height, "convviz explore")


# --------------------------------------------------------------------------- tables
_CSS = """<style>
.convviz-trace { color: #1b1f24; background: #fff; font: 15px/1.45 system-ui, sans-serif;
                 padding: 6px; max-width: 100%; overflow-x: auto; }
.convviz-trace p { margin: 4px 0; }
table.convviz-steps { border-collapse: collapse; }
table.convviz-steps th, table.convviz-steps td { border: 1px solid #d0d7de; padding: 3px 8px;
  text-align: center; vertical-align: middle; font-size: 15px; color: #1b1f24; }
table.convviz-steps th { background: #f6f8fa; }
table.convviz-steps tr, table.convviz-steps tr:hover { background: #fff; }
table.convviz-steps td.total { font-weight: 700; }
table.convviz-grid { border-collapse: collapse; margin: 0 auto; }
table.convviz-grid td { border: 1px solid #d0d7de; padding: 1px 6px; min-width: 2em;
  text-align: right; font: 14px ui-monospace, "DejaVu Sans Mono", monospace;
  background: #fff; color: #1b1f24; }
table.convviz-grid td.pad { background: #eceff3; color: #57606a; font-style: italic; }
.convviz-maps { display: flex; flex-wrap: wrap; gap: 12px; }
.convviz-maps figure { margin: 0; }
.convviz-maps figcaption { font-size: 14px; color: #57606a; }
</style>"""


def _grid(array2d, shade=None) -> str:
    """A 2-D array as a small table of numbers; cells where ``shade`` is True are grey."""
    rows = []
    for i, row in enumerate(np.asarray(array2d)):
        cells = "".join(
            f'<td class="pad">{_e(_num(v))}</td>' if shade is not None and shade[i][j]
            else f"<td>{_e(_num(v))}</td>" for j, v in enumerate(row))
        rows.append(f"<tr>{cells}</tr>")
    return f'<table class="convviz-grid">{"".join(rows)}</table>'


def _maps(feature_maps, what: str) -> str:
    """``(N, C, H, W)`` maps as grids, the first :data:`MAX_MAPS` of them."""
    n, c = feature_maps.shape[:2]
    figures = [f"<figure><figcaption>{_e(what)} (image {b}, channel {f})</figcaption>"
               f"{_grid(feature_maps[b, f])}</figure>"
               for b in range(n) for f in range(c)][:MAX_MAPS]
    more = n * c - len(figures)
    note = f"<p>… and {more} more (the trace's <code>feature_maps</code>)</p>" if more > 0 else ""
    return f'<div class="convviz-maps">{"".join(figures)}</div>{note}'


def _cap(n_steps: int, max_rows, function: str) -> tuple[int, str]:
    """How many rows to show, and the note that says what was left out."""
    shown = n_steps if max_rows is None else min(n_steps, max_rows)
    if shown == n_steps:
        return shown, ""
    return shown, (f"<p><b>Showing steps 1-{shown} of {n_steps:,}.</b> "
                   f"<code>convviz.notebook.{function}(trace, max_rows=None)</code> shows "
                   "them all; <code>trace[i]</code> is step i + 1.</p>")


def _span(coords) -> str:
    if len(coords) == 0:
        return "none"
    return f"{coords[0]}..{coords[-1]}" if len(coords) > 1 else str(coords[0])


def trace_html(trace, max_rows: int | None = MAX_ROWS) -> str:
    """A :class:`~convviz.trace.ConvTrace` as a table: one row per step (per input
    channel of its window), with the window (padding grey), the kernel, the products,
    each channel's sum, the bias and the total; then the output feature maps."""
    n, c_in, h, w = trace.input.shape
    (top, bottom), (left, right) = trace.pads
    kh, kw = trace.kernel_size
    out_h, out_w = trace.output_size
    head = (f"<p><b>trace_conv2d</b>: input {n}x{c_in}x{h}x{w} (N, C, H, W), "
            f"{trace.kernel.shape[0]} filter(s) of {trace.kernel.shape[1]} kernel(s) {kh}x{kw}, "
            f"stride {trace.strides}, dilation {trace.dilation}, padding top {top}, "
            f"bottom {bottom}, left {left}, right {right}"
            + (f", groups {trace.groups}" if trace.groups > 1 else "")
            + (", mode convolution (kernels flipped)" if trace.mode == "convolution" else "")
            + f" → output {out_h}x{out_w}; {len(trace):,} steps.</p>")
    shown, note = _cap(len(trace), max_rows, "trace_html")
    rows = []
    for step in trace.steps[:shown]:
        channels = step.window_values.shape[0]
        span = f' rowspan="{channels}"' if channels > 1 else ""
        for k in range(channels):
            cells = []
            if k == 0:
                where = (f"rows {_span(step.rows)}<br>cols {_span(step.cols)}")
                cells += [f"<td{span}>{step.index + 1}</td>",
                          f"<td{span}>[{step.out_row}, {step.out_col}]"
                          + (f"<br>filter {step.filter}" if trace.kernel.shape[0] > 1 else "")
                          + (f"<br>image {step.batch}" if n > 1 else "") + "</td>",
                          f"<td{span}>{where}</td>"]
            channel = step.channels[k] if step.channels else k
            cells += [f"<td>{channel}</td>",
                      f"<td>{_grid(step.window_values[k], step.is_padding)}</td>",
                      f"<td>{_grid(step.kernel[k])}</td>",
                      f"<td>{_grid(step.products[k])}</td>",
                      f"<td>{_e(_num(step.channel_sums[k]))}</td>"]
            if k == 0:
                cells += [f"<td{span}>{_e(_num(step.bias))}</td>",
                          f'<td{span} class="total">{_e(_num(step.total))}</td>']
            rows.append(f"<tr>{''.join(cells)}</tr>")
    header = ("<tr><th>step</th><th>output</th><th>window at</th><th>channel</th>"
              "<th>window</th><th>kernel</th><th>window × kernel</th><th>sum</th>"
              "<th>bias</th><th>total</th></tr>")
    return (f'{_CSS}<div class="convviz-trace">{head}{note}'
            f'<table class="convviz-steps">{header}{"".join(rows)}</table>'
            f"{_maps(trace.feature_maps, 'output')}</div>")


def transpose_trace_html(trace, max_rows: int | None = MAX_ROWS) -> str:
    """A :class:`~convviz.transposed.TransposeTrace` as a table: one row per stamp (per
    output channel), with the input value, the kernel, the stamp it adds (value ×
    kernel; cells that land in the cropped border grey) and where it lands; then the
    output feature maps, bias included."""
    n, c_in, h, w = trace.input.shape
    c_out, kh, kw = trace.kernel.shape[1:]
    out_h, out_w = trace.feature_maps.shape[2:]
    head = (f"<p><b>trace_conv2d_transpose</b>: input {n}x{c_in}x{h}x{w} (N, C, H, W), "
            f"kernels {kh}x{kw} from {c_in} input to {c_out} output channel(s), stride "
            f"{trace.strides}, dilation {trace.dilation}, cropped (top, bottom), (left, "
            f"right) {trace.crops}, bias {' '.join(_num(b) for b in trace.bias)} → output "
            f"{out_h}x{out_w}; {len(trace):,} stamps, each input value times its kernels, "
            "added where it lands.</p>")
    shown, note = _cap(len(trace), max_rows, "transpose_trace_html")
    rows = []
    for step in trace.steps[:shown]:
        span = f' rowspan="{c_out}"' if c_out > 1 else ""
        for k in range(c_out):
            cells = []
            if k == 0:
                cells += [f"<td{span}>{step.index + 1}</td>",
                          f"<td{span}>[{step.in_row}, {step.in_col}]<br>channel {step.channel}"
                          + (f"<br>image {step.batch}" if n > 1 else "") + "</td>",
                          f"<td{span}>{_e(_num(step.value))}</td>"]
            cells += [f"<td>{k}</td>", f"<td>{_grid(step.kernel[k])}</td>",
                      f"<td>{_grid(step.contribution[k], step.is_cropped)}</td>"]
            if k == 0:
                cells.append(f"<td{span}>rows {_span(step.rows)}<br>cols {_span(step.cols)}</td>")
            rows.append(f"<tr>{''.join(cells)}</tr>")
    header = ("<tr><th>step</th><th>input</th><th>value</th><th>output channel</th>"
              "<th>kernel</th><th>value × kernel</th><th>lands on</th></tr>")
    return (f'{_CSS}<div class="convviz-trace">{head}{note}'
            f'<table class="convviz-steps">{header}{"".join(rows)}</table>'
            f"{_maps(trace.feature_maps, 'output')}</div>")


def receptive_field_html(field) -> str:
    """A :class:`~convviz.receptive.ReceptiveField` as the recurrence, one row per
    layer (kernel, stride, dilation, padding before, jump, receptive size, start),
    under the region of the input the cell sees."""
    rows = []
    for s in field.steps:
        rows.append("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in (
            s.name, s.kind, f"{s.in_size[0]}x{s.in_size[1]} → {s.out_size[0]}x{s.out_size[1]}",
            f"{s.kernel[0]}x{s.kernel[1]}", s.stride, s.dilation,
            f"{s.pads[0][0]}, {s.pads[1][0]}", s.jump_out, s.size_out, s.start_out)) + "</tr>")
    header = ("<tr><th>layer</th><th>kind</th><th>size</th><th>kernel</th><th>stride</th>"
              "<th>dilation</th><th>pad before</th><th>jump j</th><th>receptive size r</th>"
              "<th>start</th></tr>")
    head = (f"<p><b>receptive_field</b>: cell [{field.row}, {field.col}] of {_e(field.layer)} "
            f"sees input rows {_span(field.rows)}, cols {_span(field.cols)} of the "
            f"{field.input_size[0]}x{field.input_size[1]} input (receptive size "
            f"{field.size[0]}x{field.size[1]} with the padding"
            + ("" if field.is_dense else "; not every pixel inside reaches it") + ").</p>")
    return (f'{_CSS}<div class="convviz-trace">{head}'
            f'<table class="convviz-steps">{header}{"".join(rows)}</table></div>')
