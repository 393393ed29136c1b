"""A check report as ONE self-contained HTML page: inline CSS, no script, no request.

The failing step is drawn side by side: on the left the core's step for the first
differing output cell (the window with its padding, the kernel, the products, the
channel sums, the bias and the total, from :func:`convviz.trace_conv2d`) and the
expected output; on the right the function's value for that cell and its output.
The page reflows from a 390 px phone to a wide screen (grids of numbers scroll
inside their own box if a case is ever wider than the screen).

:func:`write_report` writes it atomically and never replaces a file that is not an
earlier convviz check report.
"""
from __future__ import annotations

import html
import pathlib

import numpy as np

from ..cache import atomic_write
from ..shapes import explain_shape
from ..worked import _num
from .report import CheckReport, size_derivations, slice_mark, slices

__all__ = ["report_html", "write_report", "GENERATOR"]

GENERATOR = "convviz check"
_MAX_SLICES = 6

_CSS = """
:root { --ink: #1b1f24; --muted: #57606a; --bad: #b42318; --good: #1a7f37;
        --line: #d0d7de; --hit: #fff1a8; --card: #fff; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--ink); background: #f6f8fa; }
main { max-width: 1120px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.35rem; margin: 0 0 4px; }
h2 { font-size: 1.1rem; margin: 24px 0 8px; }
h3 { font-size: 1rem; margin: 0 0 8px; }
p { margin: 6px 0; }
.meta, figcaption, .small { font-size: 14px; color: var(--muted); }
.meta { overflow-wrap: anywhere; }
.verdict { font-weight: 700; padding: 10px 14px; border-radius: 8px; margin: 12px 0; }
.fail { background: #ffebe9; color: var(--bad); }
.pass { background: #dafbe1; color: var(--good); }
.diagnosis { font-size: 1.15rem; background: var(--card); border-left: 5px solid var(--bad);
             padding: 10px 14px; border-radius: 6px; }
code, pre { font: 15px/1.45 ui-monospace, "DejaVu Sans Mono", monospace; }
code { overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f8fa; padding: 8px 10px;
      border-radius: 6px; margin: 6px 0; font-size: 14px; }
.group { border-left: 3px solid var(--line); padding-left: 8px; min-width: 0; }
.pair { display: grid; gap: 16px; margin-top: 16px;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 430px), 1fr)); }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px;
        padding: 14px; min-width: 0; }
.card.yours { border-top: 5px solid var(--bad); }
.card.core { border-top: 5px solid var(--good); }
.arrays, .step { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-start; }
.step { align-items: center; margin: 8px 0; }
figure { margin: 0; min-width: 0; max-width: 100%; }
.scroll { overflow-x: auto; max-width: 100%; }
table.grid { border-collapse: collapse; font: 15px ui-monospace, "DejaVu Sans Mono", monospace; }
table.grid td { border: 1px solid var(--line); padding: 2px 7px; text-align: right;
                min-width: 2.3em; background: #fff; }
table.grid td.pad { background: #eceff3; color: var(--muted); font-style: italic; }
table.grid td.win { background: var(--hit); }
table.grid td.win.pad { background: #e4d894; }
table.grid td.hit { background: var(--hit); outline: 2px solid #c69026; font-weight: 700; }
.op { font-size: 1.3rem; color: var(--muted); }
.value { font-size: 1.6rem; font-weight: 700; }
.value.bad { color: var(--bad); }
.value.good { color: var(--good); }
ul { padding-left: 20px; }
"""


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _grid(array2d, *, hit=None, pad=None, window=frozenset()) -> str:
    """A table of numbers: ``hit`` (row, col) and the cells in ``window`` highlighted,
    cells where ``pad`` is True shaded as padding."""
    rows = []
    for i, row in enumerate(np.asarray(array2d)):
        cells = []
        for j, value in enumerate(row):
            cls = " ".join(c for c, on in (("hit", hit == (i, j)), ("win", (i, j) in window),
                                           ("pad", pad is not None and pad[i][j])) if on)
            cells.append(f'<td class="{cls}">{_e(_num(value))}</td>' if cls
                         else f"<td>{_e(_num(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table class="grid">{"".join(rows)}</table></div>'


def _figure(caption: str, body: str) -> str:
    return f"<figure><figcaption>{_e(caption)}</figcaption>{body}</figure>"


def _array(name: str, array, layout: str, role: str = "image", cell=None) -> str:
    """Every 2-D slice of ``array`` as a captioned grid (the cell ``cell`` highlighted)."""
    array = np.asarray(array)
    if array.ndim == 0:
        return _figure(name, f'<p class="value">{_e(_num(array))}</p>')
    if array.ndim == 1:
        return _figure(f"{name} {array.shape}", _grid(array[None]))
    if array.size == 0:
        return _figure(f"{name} {array.shape}", "<p>(empty)</p>")
    parts = []
    for count, (label, part, prefix) in enumerate(slices(array, layout, role)):
        if label is None:
            return _figure(f"{name} {array.shape}", f"<pre>{_e(np.array2string(array))}</pre>")
        if count == _MAX_SLICES:
            parts.append("<p>…</p>")
            break
        mark = slice_mark(cell, prefix, layout)
        caption = f"{name}{label}" if label else f"{name} {array.shape}"
        parts.append(_figure(caption, _grid(part, hit=mark)))
    if array.ndim == 2:
        return "".join(parts)
    return (f'<div class="group"><p class="small">{_e(name)} {array.shape}</p>'
            f'<div class="arrays">{"".join(parts)}</div></div>')


def _padded_inputs(case, step) -> str:
    """The input of the step's image, padded (shaded), with the window's cells highlighted."""
    (top, bottom), (left, right) = case.pads
    window = frozenset((r + top, c + left) for r in step.rows for c in step.cols)
    figures = []
    for channel in (step.channels or range(case.x.shape[3]))[:_MAX_SLICES]:
        image = case.x[step.batch, :, :, channel]
        padded = np.pad(image, ((top, bottom), (left, right)))
        is_pad = np.pad(np.zeros(image.shape, bool), ((top, bottom), (left, right)),
                        constant_values=True)
        label = f"input channel {channel}" if case.x.shape[3] > 1 else "input"
        figures.append(_figure(f"{label}, padded (the window in yellow)",
                               _grid(padded, pad=is_pad, window=window)))
    return f'<div class="arrays">{"".join(figures)}</div>'


def _step_html(case, step) -> str:
    """The core's step: where the window sits, then window × kernel = products per channel,
    and the total."""
    blocks = [_padded_inputs(case, step)]
    channels = step.window_values.shape[0]
    for c in range(channels):
        label = f"channel {step.channels[c] if step.channels else c}: " if channels > 1 else ""
        blocks.append(
            f'<p class="small">{_e(label)}rows {step.rows[0]}..{step.rows[-1]}, '
            f"cols {step.cols[0]}..{step.cols[-1]} (shaded: padding)</p>"
            '<div class="step">'
            + _figure("window", _grid(step.window_values[c], pad=step.is_padding))
            + '<span class="op">×</span>'
            + _figure("kernel", _grid(step.kernel[c]))
            + '<span class="op">=</span>'
            + _figure("products", _grid(step.products[c]))
            + f'<span class="op">→ sum {_e(_num(step.channel_sums[c]))}</span></div>')
    sums = " + ".join(_num(s) for s in step.channel_sums)
    blocks.append(f"<p><code>{_e(sums)} + bias {_e(_num(step.bias))} = "
                  f"{_e(_num(step.total))}</code></p>")
    return "".join(blocks)


def _cell_text(cell) -> str:
    return "out[" + ", ".join(str(i) for i in cell) + "]"


def _shape_derivations(case, received_shape) -> str:
    return "".join(f"<p>Output {name}: yours is {yours}, it should be {right}:</p>"
                   f"<pre>{_e(text)}</pre>"
                   for name, yours, right, text in size_derivations(case, received_shape))


def _failure_html(report: CheckReport) -> str:
    failure, case = report.failure, report.failure.case
    name = report.function_name
    parts = ["<h2>The smallest failing configuration</h2>",
             f"<p><code>{_e(case.call_text(name))}</code></p>"]
    if hasattr(case, "x") and case.padding == "same":
        (top, bottom), (left, right) = case.pads
        parts.append(f'<p class="small">padding \'same\' here: top {top}, bottom {bottom}, '
                     f"left {left}, right {right}</p>")
    inputs = "".join(_array(arg, a, case.layout, "kernel" if arg == "kernel" else "image")
                     for arg, a in case.arrays.items())
    if inputs:
        parts.append(f'<div class="arrays">{inputs}</div>')

    core = [f"<h3>{_e(case.core_name)} (expected)</h3>"]
    yours = [f"<h3>{_e(name)} (yours)</h3>"]
    if np.ndim(failure.expected) == 0:
        core.append(f'<p class="value good">{_e(_num(failure.expected))}</p>'
                    f"<pre>{_e(explain_shape(case.n, case.k, case.stride, case.padding, case.dilation))}</pre>")
        yours.append(f'<p class="value bad">{_e(repr(failure.received))}</p>'
                     if failure.received is not None else "")
    else:
        if failure.cell is not None:
            expected = failure.value_at_cell(failure.expected)
            core.append(f'<p>{_e(_cell_text(failure.cell))} = '
                        f'<span class="value good">{_e(_num(expected))}</span></p>')
            if failure.step is not None:
                core.append(_step_html(case, failure.step))
            received = failure.value_at_cell(failure.received)
            yours.append(f'<p>{_e(_cell_text(failure.cell))} = <span class="value bad">'
                         f'{_e(_num(received)) if received is not None else "missing"}'
                         "</span></p>")
        core.append(_array("expected", failure.expected,
                           case.layout, cell=failure.cell))
        if failure.kind in ("wrong values", "wrong shape"):
            yours.append(_array("received", failure.received,
                                case.layout, cell=failure.cell))
        if failure.kind == "wrong shape":
            yours.append(_shape_derivations(case, np.shape(failure.received)))
    if failure.error:
        yours.append(f"<p><strong>{_e(failure.kind)}:</strong> {_e(failure.error)}</p>")
    if failure.where:
        yours.append(f"<pre>{_e(failure.where)}</pre>")
    if failure.printed:
        yours.append(f'<p class="small">it printed:</p><pre>{_e(failure.printed[:600])}</pre>')
    parts.append('<div class="pair"><section class="card core">' + "".join(core)
                 + '</section><section class="card yours">' + "".join(yours) + "</section></div>")
    return "".join(parts)


def report_html(report: CheckReport) -> str:
    """The whole page for ``report``."""
    status = "pass" if report.passed else "fail"
    body = [f"<h1>convviz check: {_e(report.function)}</h1>",
            f'<p class="meta">{_e(report.heading.split(": ", 1)[1])} · seed {report.seed} · '
            f"{report.seconds:.2f} s</p>",
            f'<p class="verdict {status}">{_e(report.verdict)}</p>']
    if not report.passed:
        body.append(f'<p class="diagnosis">{_e(report.diagnosis)}</p>')
        if report.also:
            body.append("<p>It also fits:</p><ul>"
                        + "".join(f"<li>{_e(s)}</li>" for s in report.also) + "</ul>")
        if report.failure is not None:
            body.append(_failure_html(report))
    if report.notes:
        body.append("<h2>Notes</h2><ul>" + "".join(f"<li>{_e(n)}</li>" for n in report.notes)
                    + "</ul>")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="{GENERATOR}">'
            f"<title>{_e(report.verdict.split(':')[0])}: {_e(report.function)} · convviz check</title>"
            f"<style>{_CSS}</style></head><body><main>{''.join(body)}</main></body></html>\n")


def is_report(path) -> bool:
    """True if ``path`` is a page an earlier check wrote (so it may be replaced)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(600)
    except OSError:
        return False
    return f'<meta name="generator" content="{GENERATOR}">' in head


def check_report_path(path) -> bool:
    """Raise if ``path`` may not be written; True when it replaces an earlier report."""
    path = pathlib.Path(path)
    if path.is_dir():
        raise ValueError(f"--html {str(path)!r} is a folder; give a file name like report.html")
    if path.exists():
        if not is_report(path):
            raise ValueError(f"--html {str(path)!r} exists and is not a convviz check report; "
                             "choose another name or move that file away")
        return True
    return False


def write_report(report: CheckReport, path) -> pathlib.Path:
    """Write :func:`report_html` to ``path`` atomically (see :func:`check_report_path`)."""
    check_report_path(path)
    return atomic_write(path, report_html(report))
