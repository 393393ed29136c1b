"""What a check found: :class:`CheckReport` and its smallest :class:`Failure`, as text.

The text is what ``convviz check`` prints and what ``assert_conv2d_correct`` raises:
the verdict, the one-sentence diagnosis, the smallest failing configuration with its
arrays in the caller's layout, the expected and the received output and, for a
convolution, the step of the first differing cell (window, products, sums) from
:func:`convviz.trace_conv2d`. :mod:`convviz.testing.html` draws the same as a page.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..shapes import explain_shape
from ..trace import ConvStep
from ..worked import _num, describe_step

__all__ = ["CheckReport", "Failure"]

_MAX_SLICES = 6


@dataclass(frozen=True)
class Failure:
    """The smallest failing configuration found.

    Attributes:
        kind: ``"wrong values"``, ``"wrong shape"``, ``"raised"``, ``"timeout"`` or
            ``"bad output"``.
        case: the configuration (``case.arrays``, ``case.options``, ``case.call_text``).
        expected: the core's result in the caller's layout (an int for sizes).
        received: what the function returned (None if it raised or timed out).
        error: the exception, the time limit or what is wrong with the output.
        where: the line of the user's code the exception came from.
        printed: what the function printed during this call.
        cell: the first output index that differs, in the caller's layout (or None).
        step: for a convolution, the core's :class:`~convviz.ConvStep` for that cell.
    """

    kind: str
    case: object
    expected: object
    received: object = None
    error: str = ""
    where: str = ""
    printed: str = ""
    cell: tuple | None = None
    step: ConvStep | None = None

    @property
    def config(self) -> dict:
        """The arrays and keyword arguments the function was called with."""
        return {**self.case.arrays, **self.case.options} if self.case.arrays else {
            "n": self.case.n, "k": self.case.k, **self.case.options}

    def value_at_cell(self, array):
        if self.cell is None or array is None:
            return None
        try:
            return np.asarray(array)[self.cell]
        except IndexError:
            return None


@dataclass(frozen=True)
class CheckReport:
    """The result of a check.

    Attributes:
        passed: True when every case equalled the core.
        cases: how many configurations were checked; ``failed``: how many of them failed.
        failure: the smallest failing configuration (None when passed).
        diagnosis: one plain sentence: the convention that was broken, or what happened.
        convention: the name of the wrong convention that fits (``"flipped_kernel"``...),
            None when none does.
        also: sentences of other conventions that fit the same evidence.
        notes: anything else worth knowing (exceptions on other cases, no time limit...).
    """

    function: str
    operation: str
    core: str
    layout: str
    features: frozenset
    passed: bool
    cases: int
    failed: int = 0
    failure: Failure | None = None
    diagnosis: str = ""
    convention: str | None = None
    also: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: float = 0.0
    seed: int = 0

    def __str__(self) -> str:
        return self.text()

    @property
    def verdict(self) -> str:
        if self.passed:
            return f"PASS: all {self.cases} cases equal {self.core}"
        return f"FAIL: {self.failed} of {self.cases} cases differ from {self.core}"

    @property
    def heading(self) -> str:
        layout = "" if self.layout == "size" else f", layout '{self.layout}'"
        features = ", ".join(sorted(self.features)) or "none"
        return f"convviz check: {self.function}{layout}, features: {features}"

    def text(self) -> str:
        lines = [self.heading, f"{self.verdict} ({self.seconds:.2f} s, seed {self.seed})."]
        if self.passed:
            lines += [f"Note: {n}" for n in self.notes]
            return "\n".join(lines)
        lines += ["", f"Diagnosis: {self.diagnosis}"]
        lines += [f"Also fits: {s}" for s in self.also]
        if self.failure is not None:
            lines += [""] + failure_lines(self.failure, self.function_name)
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The report as one self-contained page (:mod:`convviz.testing.html`)."""
        from .html import report_html
        return report_html(self)

    @property
    def function_name(self) -> str:
        return self.function.rsplit(":", 1)[-1]


# --------------------------------------------------------------------------- text
def grid_lines(array2d, indent: str = "    ", mark=None) -> list[str]:
    """Rows of right-aligned numbers; ``mark`` (row, col) is bracketed."""
    cells = [[_num(v) for v in row] for row in np.asarray(array2d)]
    width = max((len(c) for row in cells for c in row), default=1) + 2 + (mark is not None)
    lines = []
    for i, row in enumerate(cells):
        text = "".join((f"[{c}]" if mark == (i, j) else c).rjust(width)
                       for j, c in enumerate(row))
        lines.append(indent + text)
    return lines


def slices(array, layout: str, role: str):
    """``(label, 2-D array, index prefix)`` for each 2-D slice of an array in ``layout``.

    ``role`` is ``"image"`` (x and outputs) or ``"kernel"``. The label is the numpy
    expression of the slice (``x[0, :, :, 1]``), without the array name.
    """
    array = np.asarray(array)
    if array.ndim == 2:
        yield "", array, ()
    elif array.ndim != 4:
        yield None, array, None
    elif layout == "torch":  # (N, C, H, W) and (C_out, C_in, kh, kw): the grid is last
        for a in range(array.shape[0]):
            for b in range(array.shape[1]):
                yield f"[{a}, {b}]", array[a, b], (a, b)
    elif role == "kernel":  # (kh, kw, C_in, C_out)
        for a in range(array.shape[2]):
            for b in range(array.shape[3]):
                yield f"[:, :, {a}, {b}]", array[:, :, a, b], (a, b)
    else:  # (N, H, W, C)
        for a in range(array.shape[0]):
            for b in range(array.shape[3]):
                yield f"[{a}, :, :, {b}]", array[a, :, :, b], (a, b)


def slice_mark(cell, prefix, layout):
    """Where ``cell`` (a full index) falls in the slice with index ``prefix``."""
    if cell is None or prefix is None:
        return None
    if prefix == ():
        return tuple(cell) if len(cell) == 2 else None
    if len(cell) != 4:
        return None
    if layout == "torch":
        return (cell[2], cell[3]) if (cell[0], cell[1]) == prefix else None
    return (cell[1], cell[2]) if (cell[0], cell[3]) == prefix else None


def array_lines(name: str, array, layout: str, role: str = "image", cell=None) -> list[str]:
    array = np.asarray(array)
    if array.ndim == 0:
        return [f"  {name}: {_num(array)}"]
    if array.ndim == 1:
        return [f"  {name} {array.shape}: [{', '.join(_num(v) for v in array)}]"]
    lines = [f"  {name} {array.shape}:"]
    if array.size == 0:
        return lines + ["    (empty)"]
    for count, (label, part, prefix) in enumerate(slices(array, layout, role)):
        if label is None:
            return lines + ["    " + line for line in np.array2string(array).splitlines()]
        if count == _MAX_SLICES:
            lines.append("    ...")
            break
        if label:
            lines.append(f"   {name.split()[0]}{label}")
        lines += grid_lines(part, mark=slice_mark(cell, prefix, layout))
    return lines


def _value_text(value) -> str:
    return _num(value) if np.ndim(value) == 0 and isinstance(value, (int, float, np.number)) \
        else repr(value)


def failure_lines(failure: Failure, name: str) -> list[str]:
    case = failure.case
    lines = [f"Smallest failing case: {case.call_text(name)}"]
    layout = case.layout
    if hasattr(case, "x") and case.padding == "same":
        (top, bottom), (left, right) = case.pads
        lines.append(f"  (padding 'same' here: top {top}, bottom {bottom}, left {left}, "
                     f"right {right})")
    for arg, array in case.arrays.items():
        lines += array_lines(arg, array, layout, "kernel" if arg == "kernel" else "image")
    if np.ndim(failure.expected) == 0:
        lines.append(f"  expected ({case.core_name}): {_value_text(failure.expected)}")
        if failure.received is not None or failure.kind in ("wrong values", "wrong shape"):
            lines.append(f"  received: {_value_text(failure.received)}")
        lines += ["How the size comes about:"] + [
            "  " + line for line in explain_shape(case.n, case.k, case.stride, case.padding,
                                                  case.dilation).splitlines()]
    else:
        lines += array_lines(f"expected ({case.core_name})", failure.expected, layout,
                             cell=failure.cell)
        if failure.kind in ("wrong values", "wrong shape"):
            lines += array_lines("received", failure.received, layout, cell=failure.cell)
    if failure.error:
        lines.append(f"  {failure.kind}: {failure.error}")
    if failure.where:
        lines.append(f"  at {failure.where}")
    if failure.cell is not None:
        expected = failure.value_at_cell(failure.expected)
        received = failure.value_at_cell(failure.received)
        index = ", ".join(str(i) for i in failure.cell)
        got = f", received {_num(received)}" if received is not None else ", missing in yours"
        lines.append(f"First differing cell: out[{index}]: expected {_num(expected)}{got}")
        if failure.step is not None:
            lines += ["  " + line for line in describe_step(failure.step).splitlines()]
            lines += padding_lines(failure.step, case.x.shape[1:3])
    if failure.kind == "wrong shape" and np.ndim(failure.expected) > 0:
        lines += shape_lines(case, np.shape(failure.received))
    if failure.printed:
        printed = failure.printed.rstrip().splitlines()
        lines.append(f"  it printed {len(printed)} line(s); the first: {printed[0][:120]}")
    return lines


def padding_lines(step, hw) -> list[str]:
    """Which of the step's window rows and columns lie in the padding (zeros)."""
    outside = [(name, [i for i in span if not 0 <= i < n])
               for name, span, n in (("row", step.rows, hw[0]), ("column", step.cols, hw[1]))]
    parts = [f"{name}{'s' if len(cells) > 1 else ''} {', '.join(map(str, cells))}"
             for name, cells in outside if cells]
    if not parts:
        return []
    return [f"      (window {' and '.join(parts)} in the padding: zeros)"]


def axis_geometry(case):
    """Per spatial axis of a conv or pool case: ``(name, n, k, stride, dilation, padding)``."""
    h, w = case.x.shape[1:3]
    if hasattr(case, "kernel"):
        kh, kw = case.kernel.shape[:2]
        dilations = case.dilation_pair
    else:
        kh, kw = case.pool_pair
        dilations = (1, 1)
    pads = case.pads
    padding = [case.padding if isinstance(case.padding, str) else pads[i] for i in (0, 1)]
    return [("height", h, kh, case.stride_pair[0], dilations[0], padding[0]),
            ("width", w, kw, case.stride_pair[1], dilations[1], padding[1])]


def size_derivations(case, received_shape):
    """``(axis name, your size, the right size, derivation text)`` for each spatial axis
    where an output of ``received_shape`` has another size than the core's."""
    expected = case.from_layout(np.empty(np.shape(case.expected))).shape
    try:
        received = case.from_layout(np.empty(received_shape)).shape
    except ValueError:
        return []
    if len(received) != 4:
        return []
    return [(name, received[axis], expected[axis], explain_shape(n, k, s, padding, d))
            for axis, (name, n, k, s, d, padding) in zip((1, 2), axis_geometry(case))
            if received[axis] != expected[axis]]


def shape_lines(case, received_shape) -> list[str]:
    """Why the output has the size it has, for each axis where the received size differs."""
    lines = []
    for name, yours, right, text in size_derivations(case, received_shape):
        lines.append(f"Output {name}: yours is {yours}, it should be {right}:")
        lines += ["  " + line for line in text.splitlines()]
    return lines
