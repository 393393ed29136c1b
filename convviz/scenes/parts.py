"""Pieces the TransposedConv, Dilation and ConvolutionVsCorrelation scenes share.

A kernel's taps marked on the input with their weights (contiguous for an
ordinary window, spread out for a dilated one), the frame on the output cell a
window fills, dashed outlines on the positions a stride skips, a kernel turned by
180 degrees, and the fixed places for the heading and the two lines of arithmetic.
Layout only: every number comes from :mod:`convviz.family_data`.
"""
from __future__ import annotations

from manim import (
    DOWN, LEFT, PI, RIGHT, UP, Animation, Create, DashedVMobject, Rectangle, Square,
    Succession, VGroup, VMobject,
)

from . import style
from convviz.scene_data import format_number
from .widgets import fit, text

# Two lines of arithmetic under the grids: LINE_A above style.SUM_Y, LINE_B on it.
LINE_A = style.SUM_Y + 0.42
LINE_B = style.SUM_Y
CONTENT_BOTTOM = LINE_A + 0.32
WEIGHT_SIZE = 16           # a tap's weight, written small in its cell's corner (15 px)
_CORNER = 0.05             # the weight's distance from the corner, as a fraction of a cell


class OpacityFade(Animation):
    """Fade a mobject in (``appear``) or out by scaling the opacity its parts have now.

    Manim's ``FadeIn``/``FadeOut`` are Transforms that deep-copy the mobject twice
    when they begin; for grids of numbers and lines of arithmetic that copying was
    about half of these scenes' build time. This touches only the alpha channels
    (``lag_ratio`` staggers the parts, as in Manim's fades); a faded-out mobject is
    removed from the scene with its opacity restored, as ``FadeOut`` leaves it.
    """

    def __init__(self, mobject, appear: bool = True, **kwargs):
        super().__init__(mobject, introducer=appear, remover=not appear, **kwargs)
        self.appear = appear
        self.parts = []

    def begin(self) -> None:
        self.parts = [(m, m.fill_rgbas[:, 3].copy(), m.stroke_rgbas[:, 3].copy())
                      for m in self.mobject.family_members_with_points()
                      if isinstance(m, VMobject)]
        self.interpolate(0)

    def finish(self) -> None:
        self.interpolate(1)

    def interpolate_mobject(self, alpha: float) -> None:
        for i, (m, fill, stroke) in enumerate(self.parts):
            k = self.get_sub_alpha(alpha, i, len(self.parts))
            k = k if self.appear else 1 - k
            m.fill_rgbas[:, 3] = fill * k
            m.stroke_rgbas[:, 3] = stroke * k

    def clean_up_from_scene(self, scene) -> None:
        super().clean_up_from_scene(scene)
        if not self.appear:
            for m, fill, stroke in self.parts:
                m.fill_rgbas[:, 3], m.stroke_rgbas[:, 3] = fill, stroke


def fade_in(mobject, **kwargs) -> OpacityFade:
    return OpacityFade(mobject, appear=True, **kwargs)


def fade_out(mobject, **kwargs) -> OpacityFade:
    return OpacityFade(mobject, appear=False, **kwargs)


def size(shape) -> str:
    """``"5×5"`` for a shape."""
    return "\u00d7".join(str(n) for n in shape)


def stride_text(strides) -> str:
    return str(strides[0]) if strides[0] == strides[1] else str(tuple(strides))


def padding_text(padding) -> str:
    """``padding "valid"`` or ``padding 1``: the padding as the scene names it."""
    return f'padding "{padding}"' if isinstance(padding, str) else f"padding {padding}"


def term(value) -> str:
    """A number inside a sum: negative ones in parentheses."""
    t = format_number(value)
    return f"({t})" if t.startswith("\u2212") else t


def slide_notes(padding, pads, strides) -> str:
    """The heading lines on the padding (when there is some) and a stride > 1."""
    (top, bottom), (left, right) = pads
    notes = ""
    if top or bottom or left or right:
        notes += (f"\n{padding_text(padding)}: zeros added {top} top, {bottom} bottom, "
                  f"{left} left, {right} right")
    if max(strides) > 1:
        notes += (f"\nstride {stride_text(strides)}: the window jumps {stride_text(strides)} "
                  "cells (dashed: the positions it skips)")
    return notes


def heading(title, content: str, color=style.MUTED, size_: float = style.SMALL_SIZE) -> VGroup:
    """Muted lines (``\\n``-separated) centred under ``title``."""
    lines = VGroup(*[fit(text(line, size_, color), max_width=13.4)
                     for line in content.split("\n")])
    lines.arrange(DOWN, buff=0.1)
    return lines.next_to(title, DOWN, buff=0.14)


def line(content: str, y: float, color=style.TEXT, size_: float = style.LABEL_SIZE):
    """One line of arithmetic at height ``y`` (:data:`LINE_A` or :data:`LINE_B`)."""
    return fit(text(content, size_, color), max_width=13.4).move_to(UP * y)


def lift_numbers(grid, gap: float = 0.03):
    """Move a grid's numbers up just enough to leave the bottom-right corner of each
    cell free for a tap's weight (:func:`taps`), ``gap`` units between the two."""
    if not grid.numbers:
        return grid
    weight = text("0", WEIGHT_SIZE).height
    weight_top = -grid.cell / 2 + _CORNER * grid.cell + weight
    for (i, j), t in grid.numbers.items():
        centre = grid.square(i, j).get_center()
        bottom = t.get_bottom()[1] - centre[1]
        if bottom < weight_top + gap:
            t.shift(UP * (weight_top + gap - bottom))
    return grid


def taps(grid, rows, cols, weights, color=style.KERNEL, fill_opacity: float = 0.22) -> VGroup:
    """The cells ``rows x cols`` of ``grid`` framed, each with its weight ``weights[u][v]``
    small in the bottom-right corner (conv_arithmetic's subscripts).
    ``taps[0]`` are the frames, ``taps[1]`` the weights."""
    frames, marks = VGroup(), VGroup()
    pad = _CORNER * grid.cell
    for u, r in enumerate(rows):
        for v, c in enumerate(cols):
            square = grid.square(r, c)
            frames.add(Square(side_length=grid.cell, stroke_color=color, stroke_width=4,
                              fill_color=color, fill_opacity=fill_opacity).move_to(square))
            w = fit(text(format_number(weights[u][v]), WEIGHT_SIZE, color),
                    max_width=grid.cell * 0.62)
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


def cell_frame(grid, i: int, j: int, color=style.KERNEL) -> Square:
    """The frame on output cell ``(i, j)``: lit while its window is on the input."""
    return Square(side_length=grid.cell, stroke_color=color, stroke_width=6).move_to(
        grid.square(i, j))


def skipped(previous, current, stride) -> list[tuple[int, int]]:
    """Top-left corners (padded coordinates) a stride-1 window would visit between two
    positions ``(top, left)`` of a strided slide: the columns jumped over along a
    row, or the rows jumped over when the window goes back to the left edge."""
    (pt, pl), (ct, cl) = previous, current
    if ct == pt:
        return [(ct, c) for c in range(pl + 1, cl)]
    return [(r, cl) for r in range(pt + 1, ct)]


def swap(old, new, **kwargs) -> Succession:
    """Replace ``old`` by ``new`` in place: one fades out, then the other fades in."""
    return Succession(fade_out(old), fade_in(new), **kwargs)


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


def place(box, x: float, top: float, bottom: float = CONTENT_BOTTOM):
    """Centre ``box`` horizontally at ``x`` and vertically between ``top`` and ``bottom``."""
    return box.move_to(RIGHT * x + UP * (top + bottom) / 2)


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
    scene.play(fade_in(note), run_time=0.3)
    scene.write_rest([value for _, _, value in written], [], count)
    for grid, s, value in written:
        put(grid, s.out_row, s.out_col, value)
    return [fade_out(note)]


def slide(scene, steps, *, grid, window, corner, extent, strides, prod, out, bias,
          split, poster: bool = False) -> None:
    """Slide a window over ``grid`` through ``steps`` and fill ``out``, then clear up.

    ``window(step)`` is what marks a position on ``grid`` (:func:`taps`, maybe in a
    group with an outline), ``corner(step)`` its top-left cell ``(row, col)``;
    ``extent`` ``(h, w)`` the cells it spans, for the dashed outlines of the
    positions a stride > 1 skips. Each step's ``products`` appear in ``prod``, their
    sum (plus ``bias``) on :data:`LINE_A` and ``total`` in its ``out`` cell, which is
    framed while the window is there. ``split`` is :func:`~convviz.scene_data.split_steps`'
    (step by step, quick, all at once); ``poster`` marks the second detailed step.
    """
    detailed, fast, batched = split
    kh, kw = prod.rows, prod.cols
    win = frame = None
    shown = VGroup()
    for k in list(detailed) + list(fast):
        step = steps[k]
        new_win = window(step)
        new_frame = cell_frame(out, step.out_row, step.out_col)
        leaving = [fade_out(shown)] if len(shown) else []
        skips = VGroup()
        if win is None:
            moves = [fade_in(new_win), Create(new_frame)]
            win, frame = new_win, new_frame
        else:
            before, now = corner(steps[k - 1]), corner(step)
            skips = VGroup(*[outline(grid, r, c, *extent, style.MUTED, 2, dashed=True)
                             for r, c in skipped(before, now, strides)])
            if now[0] == before[0]:
                moves = [win.animate.move_to(new_win), frame.animate.move_to(new_frame)]
            else:
                moves = [swap(win, new_win), frame.animate.move_to(new_frame)]
                win = new_win
        products = VGroup(*[prod.make_number(u, v, step.products[u, v], style.PRODUCT)
                            for u in range(kh) for v in range(kw)])
        terms = " + ".join(term(p) for p in step.products.ravel())
        extra = "" if bias == 0 else f" + bias {term(bias)}"
        sum_line = line(f"{terms}{extra} = {format_number(step.total)}", LINE_A)
        value = out.make_number(step.out_row, step.out_col, step.total)
        arrive = [*leaving, *moves, *[fade_in(s) for s in skips]]
        if k in detailed:
            scene.play(*arrive, run_time=0.5)
            scene.play(fade_in(products, lag_ratio=0.1), run_time=0.6)
            scene.play(fade_in(sum_line), run_time=0.35)
            scene.play(fade_in(value), run_time=0.35)
            if poster and k == min(1, len(detailed) - 1):
                mark_poster(scene)
                scene.wait(0.6)
        else:
            scene.play(*arrive, run_time=0.25)
            scene.play(fade_in(products), fade_in(sum_line), fade_in(value), run_time=0.3)
        put(out, step.out_row, step.out_col, value)
        shown = VGroup(products, sum_line, skips)
    leaving = [fade_out(m) for m in (shown, win, frame) if m is not None]
    if len(batched):
        leaving = write_batch(scene, [(out, [steps[k] for k in batched])], leaving)
    scene.play(*leaving, run_time=0.3)


def mark_poster(scene) -> None:
    """Mark this moment as the scene's poster (when the base scene knows posters)."""
    mark = getattr(scene, "mark_poster", None)
    if mark is not None:
        mark()


__all__ = ["OpacityFade", "fade_in", "fade_out", "LINE_A", "LINE_B", "CONTENT_BOTTOM", "size", "stride_text", "padding_text",
           "term", "slide_notes", "put", "write_batch", "slide", "heading", "line", "place", "lift_numbers", "taps", "outline", "cell_frame", "skipped",
           "swap", "turn_half", "mark_poster", "LEFT", "RIGHT"]
