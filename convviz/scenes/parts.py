"""Pieces the TransposedConv, Dilation and ConvolutionVsCorrelation scenes share.

A dilated kernel's taps marked on the input with their weights (an ordinary window
is :meth:`~convviz.scenes.widgets.NumberGrid.window`), outlines over a block of
cells (dashed for the positions a stride skips), a kernel turned by 180 degrees,
two lines of arithmetic under the grids, and the slide of a window through a
trace's steps. Layout only: every number comes from :mod:`convviz.family_data`.
"""
from __future__ import annotations

from types import SimpleNamespace

from manim import DOWN, LEFT, PI, RIGHT, UP, Create, DashedVMobject, Rectangle, Square, VGroup

from . import style
from convviz.scene_data import format_number
from .fades import Appear, Vanish
from .kernel_slide import skipped_positions
from .widgets import Slide, fit, text

# Two lines of arithmetic under the grids: LINE_A above style.SUM_Y, LINE_B on it.
LINE_A = style.SUM_Y + 0.42
LINE_B = style.SUM_Y
CONTENT_BOTTOM = LINE_A + 0.32
_CORNER = 0.05             # a tap's weight sits this far (a fraction of a cell) from the corner


def size(shape) -> str:
    """``"5×5"`` for a shape."""
    return "\u00d7".join(str(n) for n in shape)


def stride_text(strides) -> str:
    return str(strides[0]) if strides[0] == strides[1] else str(tuple(strides))


def term(value) -> str:
    """A number inside a sum: negative ones in parentheses."""
    t = format_number(value)
    return f"({t})" if t.startswith("\u2212") else t


def slide_notes(padding, pads, strides) -> str:
    """Subtitle lines on the padding (when there is some) and a stride > 1."""
    from convviz.scene_data import format_padding

    (top, bottom), (left, right) = pads
    notes = ""
    if top or bottom or left or right:
        notes += (f"\n{format_padding(padding)}: zeros added {top} top, {bottom} bottom, "
                  f"{left} left, {right} right")
    if max(strides) > 1:
        notes += (f"\nstride {stride_text(strides)}: the window jumps {stride_text(strides)} "
                  "cells (dashed: the positions it skips)")
    return notes


def line(content: str, y: float, color=style.TEXT, size_: float = style.LABEL_SIZE):
    """One line of arithmetic at height ``y`` (:data:`LINE_A` or :data:`LINE_B`)."""
    t = fit(text(content, size_, color), max_width=style.WIDTH).move_to(UP * y)
    t.convviz_role = "sum"
    return t


def _weight_size(cell: float) -> float:
    """The font size of a tap's weight in a cell of side ``cell`` (as ``NumberGrid.window``)."""
    return max(style.WEIGHT_SIZE, min(20, cell * 24))


LIFT = 0.12     # numbers of an input grid move up this fraction of a cell, for the weights


def taps(grid, rows, cols, weights, color=style.KERNEL, fill_opacity: float = 0.2) -> VGroup:
    """The cells ``rows x cols`` of ``grid`` (spread apart by a dilation) framed, each
    with its weight ``weights[u][v]`` small in the bottom-right corner when the cells
    have room for it (``grid.shows_weights()``, as for ``NumberGrid.window``).
    ``taps[0]`` are the frames, ``taps[1]`` the weights."""
    frames, marks = VGroup(), VGroup()
    room = grid.shows_weights()
    pad = _CORNER * grid.cell
    for u, r in enumerate(rows):
        for v, c in enumerate(cols):
            square = grid.square(r, c)
            frames.add(Square(side_length=grid.cell, stroke_color=color, stroke_width=4,
                              fill_color=color, fill_opacity=fill_opacity).move_to(square))
            if not room:
                continue
            w = fit(text(format_number(weights[u][v]), _weight_size(grid.cell), color),
                    max_width=grid.cell * 0.6)
            marks.add(w.move_to(square.get_corner(DOWN + RIGHT) + (UP + LEFT) * pad,
                                aligned_edge=DOWN + RIGHT))
    return VGroup(frames, marks)


def outline(grid, top: int, left: int, height: int, width: int, color=style.KERNEL,
            stroke_width: float = 3, dashed: bool = False):
    """A rectangle around cells ``[top, top+height) x [left, left+width)`` of ``grid``."""
    a, b = grid.square(top, left), grid.square(top + height - 1, left + width - 1)
    rect = Rectangle(width=width * grid.cell, height=height * grid.cell, stroke_color=color,
                     stroke_width=stroke_width)
    rect.move_to((a.get_center() + b.get_center()) / 2)
    return DashedVMobject(rect, num_dashes=8 * (height + width)) if dashed else rect


def skipped(previous, current) -> list[tuple[int, int]]:
    """Top-left corners ``(row, col)`` a stride-1 window would visit between the
    corners ``previous`` and ``current`` of a strided slide."""
    def corner(c):
        return SimpleNamespace(top=c[0], left=c[1])

    return skipped_positions(corner(previous), corner(current))


def turn_half(grid) -> list:
    """``grid``'s numbers turning 180 degrees about its centre: each number travels on
    a half circle to the mirrored cell and stays upright (a turned glyph would be
    unreadable half-way)."""
    moves = []
    for (i, j), number in grid.numbers.items():
        shift = (grid.square(grid.rows - 1 - i, grid.cols - 1 - j).get_center()
                 - grid.square(i, j).get_center())
        moves.append(number.animate(path_arc=PI).shift(shift))
    return moves


def put(grid, row: int, col: int, value) -> None:
    """Make ``value`` (a Text on screen) the number of ``grid``'s cell ``(row, col)``."""
    grid.numbers[row, col] = value
    grid.add(value)


def write_batch(scene, outputs, leaving: list) -> list:
    """Write the batched last positions of one or more slides at once.

    ``outputs`` are ``(grid, steps)`` pairs (steps with ``out_row``, ``out_col`` and
    ``total``); ``leaving`` the animations that clear the last step. Returns what
    the next animation must clear (the note standing in for the sum line)."""
    count = len(outputs[0][1])
    written = [(grid, s, grid.make_number(s.out_row, s.out_col, s.total))
               for grid, steps in outputs for s in steps]
    note = line(f"\u2026 the other {count} positions, the same way", LINE_A, style.MUTED)
    scene.play(*leaving, run_time=0.3)
    scene.play(Appear(note), run_time=0.3)
    scene.write_rest([value for _, _, value in written], [], count)
    for grid, s, value in written:
        put(grid, s.out_row, s.out_col, value)
    return [Vanish(note)]


def slide(scene, steps, *, grid, window, corner, extent, prod, out, bias, split,
          poster: bool = False) -> None:
    """Slide a window over ``grid`` through ``steps`` and fill ``out``, then clear up.

    ``window(step)`` is what marks a position on ``grid``, ``corner(step)`` its
    top-left cell ``(row, col)``; ``extent`` ``(h, w)`` the cells it spans, for the
    dashed outlines of the positions a stride > 1 skips. Each step's ``products``
    appear in ``prod``, their sum (plus ``bias``) on :data:`LINE_A` and ``total`` in
    its ``out`` cell, which is framed while the window is there. ``split`` is
    :func:`~convviz.scene_data.split_steps`' (step by step, quick, all at once);
    ``poster`` marks the poster at the second detailed step.
    """
    detailed, fast, batched = split
    kh, kw = prod.rows, prod.cols
    win = frame = None
    shown = VGroup()
    for k in list(detailed) + list(fast):
        step = steps[k]
        new_win = window(step)
        new_frame = out.cell_box(step.out_row, step.out_col)
        leaving = [Vanish(shown)] if len(shown) else []
        skips = VGroup()
        if win is None:
            moves = [Appear(new_win), Create(new_frame)]
            win, frame = new_win, new_frame
        else:
            before, now = corner(steps[k - 1]), corner(step)
            skips = VGroup(*[outline(grid, r, c, *extent, style.MUTED, 2, dashed=True)
                             for r, c in skipped(before, now)])
            if now[0] == before[0]:
                moves = [Slide(win, new_win), Slide(frame, new_frame)]
            else:
                moves = [scene.swap(win, new_win), Slide(frame, new_frame)]
                win = new_win
        products = VGroup(*[prod.make_number(u, v, step.products[u, v], style.PRODUCT)
                            for u in range(kh) for v in range(kw)])
        terms = " + ".join(term(p) for p in step.products.ravel())
        extra = "" if bias == 0 else f" + bias {term(bias)}"
        sum_line = line(f"{terms}{extra} = {format_number(step.total)}", LINE_A)
        value = out.make_number(step.out_row, step.out_col, step.total)
        arrive = [*leaving, *moves, *[Appear(s) for s in skips]]
        if k in detailed:
            scene.play(*arrive, run_time=0.5)
            scene.explains(sum_line, win)          # where the window is now
            scene.play(Appear(products), run_time=0.6)
            scene.play(Appear(sum_line), run_time=0.35)
            scene.play(Appear(value), run_time=0.35)
            if poster:
                scene.poster_at_step(k, detailed)
        else:
            scene.play(*arrive, run_time=0.25)
            scene.explains(sum_line, win)
            scene.play(Appear(products), Appear(sum_line), Appear(value), run_time=0.3)
        put(out, step.out_row, step.out_col, value)
        shown = VGroup(products, sum_line, skips)
    leaving = [Vanish(m) for m in (shown, win, frame) if m is not None]
    if len(batched):
        leaving = write_batch(scene, [(out, [steps[k] for k in batched])], leaving)
    scene.play(*leaving, run_time=0.3)


__all__ = ["LINE_A", "LINE_B", "CONTENT_BOTTOM", "size", "stride_text", "term",
           "slide_notes", "line", "LIFT", "taps", "outline", "skipped", "turn_half",
           "put", "write_batch", "slide", "LEFT", "RIGHT"]
