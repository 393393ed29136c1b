"""ReceptiveField: one cell of a deep feature map traced back to the digit it sees.

The maps of the article's channels_first CNN (deep_cnn) for a real test digit, from
the input to the deepest pooling layer; one cell of the deepest map (its strongest,
unless configured) and, layer by layer back to the input, the region that can
change it. Then the recurrence that sizes it in input pixels:
``r = r_in + (k-1)*d*j_in``, ``j = j_in*s``, with the numbers of every layer.

Every number comes from :func:`convviz.family_data.receptive_field_data` (the
model's own maps and :func:`convviz.receptive_field`).

    manim -ql scenes/receptive_field.py ReceptiveField
    convviz render ReceptiveField --digit-index 1
"""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, UP, Arrow, Create, Group, LaggedStart, Line,
    Rectangle, SurroundingRectangle, TransformFromCopy, VGroup, Write,
)

from . import style
from convviz.family_data import build
from convviz.scene_data import format_number
from .fades import Appear, Vanish
from .widgets import ConvvizScene, colorize, fit, image, text

MAPS_Y = 1.35                     # centre of the row of maps
TABLE_TOP = -0.5
ROW = 0.32


def _shape(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ")"


def _layout(data_format: str) -> str:
    return "(channels, height, width)" if data_format == "channels_first" else \
        "(height, width, channels)"


def _math(formula: str) -> str:
    """A formula as :meth:`convviz.receptive.FieldStep.equations` writes it, typeset."""
    return formula.replace("*", "\u00b7").replace("-", "\u2212")


def _span(r: range) -> str:
    """``2 to 17``: the first and last index of ``r``."""
    return f"{format_number(r.start)} to {format_number(r.stop - 1)}"


class ReceptiveField(ConvvizScene):
    def construct(self):
        data = build(type(self).__name__, self.cfg, model=self.model)
        levels, field = data.levels, data.field
        row, col = data.cell

        title = self.title(f"Receptive field: the pixels one cell of {data.layer} sees")
        sub = self.subtitle(
            f"{data.model_name}, {data.data_format}: shapes are {_layout(data.data_format)}; "
            f"MNIST test digit #{data.digit_index} (a {data.label})")

        n = len(levels)
        side = min(1.9, (13.6 - 0.55 * (n - 1)) / n)
        maps = []
        for level in levels:
            pixels = data.digit if level.name == "input" else colorize(
                level.peak, style.ACTIVATION_CMAP, (level.peak.min(), level.peak.max()))
            img = image(pixels, side)
            maps.append(Group(img, SurroundingRectangle(img, color=style.MUTED, buff=0,
                                                        stroke_width=1.5)))
        Group(*maps).arrange(RIGHT, buff=0.55).move_to(UP * MAPS_Y)
        names = [self.caption_over(m, "input" if lv.name == "input" else
                                   lv.name if lv.shown == lv.name else
                                   f"{lv.name} + {lv.shown}")
                 for m, lv in zip(maps, levels)]
        shapes = [fit(text(_shape(lv.shape), style.SMALL_SIZE, style.MUTED), max_width=side + 0.5)
                  .next_to(m, DOWN, buff=0.12) for m, lv in zip(maps, levels)]
        arrows = [Arrow(a.get_right(), b.get_left(), buff=0.06, color=style.MUTED,
                        stroke_width=3, max_tip_length_to_length_ratio=0.35)
                  for a, b in zip(maps, maps[1:])]

        key = self.sum_line("each feature map is drawn as the largest value over its channels",
                            color=style.MUTED)
        self.play(Write(title), Appear(sub), run_time=1.0)
        self.play(LaggedStart(*[Appear(Group(m, t, s)) for m, t, s in zip(maps, names, shapes)],
                              *[Appear(a) for a in arrows], lag_ratio=0.15), Appear(key),
                  run_time=1.8)
        self.wait(0.8)
        self.play(Vanish(key), run_time=0.3)

        # the cell, then its region in every earlier map, back to the digit
        boxes = [self.region(m, lv) for m, lv in zip(maps, levels)]
        sizes = [self.region_words(lv, shape, side + 0.45) for lv, shape in zip(levels, shapes)]
        line = self.sum_line(f"{data.layer}, the cell at row {row}, column {col}: its strongest "
                             f"channel, {data.channel}, holds {format_number(data.value)}")
        self.play(Create(boxes[-1]), Appear(sizes[-1]), Appear(line), run_time=1.0)
        self.wait(1.0)
        for i in range(n - 2, -1, -1):
            step = field.steps[i]
            (a, b), (c, d) = levels[i + 1].region_size, levels[i].region_size
            note = self.sum_line(
                f"{step.name}: {step.kind} {step.kernel[0]}\u00d7{step.kernel[1]}, stride "
                f"{step.stride[0]}: its {a}\u00d7{b} read {c}\u00d7{d} of {levels[i].name}")
            funnel = VGroup(Line(boxes[i].get_corner(UP + RIGHT), boxes[i + 1].get_corner(UP + LEFT)),
                            Line(boxes[i].get_corner(DOWN + RIGHT),
                                 boxes[i + 1].get_corner(DOWN + LEFT)))
            funnel.set_stroke(style.BIAS, 2, opacity=0.7)
            self.play(Vanish(line), run_time=0.2)
            self.play(TransformFromCopy(boxes[i + 1], boxes[i]), Create(funnel), Appear(sizes[i]),
                      Appear(note), run_time=0.9)
            self.wait(0.6)
            line = note

        # the recurrence, from the input forward
        self.play(Vanish(line), run_time=0.3)
        table = self.recurrence(field.steps)
        self.play(Appear(table[0]), Appear(table[-1]), run_time=0.5)
        for entry in table[1:-1]:
            self.play(Appear(entry), run_time=0.5)
        self.wait(0.5)
        first = field.levels[0]
        (start_r, start_c), (jump_r, jump_c) = field.start, field.jump
        ending = self.sum_line(
            f"row {row} \u2192 input rows {format_number(start_r)} + {row}\u00b7{jump_r} = "
            f"{_span(first.rows_unclipped)}; column {col} \u2192 columns "
            f"{format_number(start_c)} + {col}\u00b7{jump_c} = {_span(first.cols_unclipped)}",
            color=style.OUTPUT)
        self.play(Appear(ending), Create(SurroundingRectangle(boxes[0], color=style.OUTPUT,
                                                             buff=0.05)), run_time=0.8)
        self.mark_poster()
        self.wait(2.5)

    # ------------------------------------------------------------------ pieces
    @staticmethod
    def caption_over(mobject, words: str):
        t = fit(text(words, style.SMALL_SIZE), max_width=mobject.width + 0.5)
        return t.next_to(mobject, UP, buff=0.12)

    @staticmethod
    def region(framed, level) -> Rectangle:
        """The level's region (clipped to the map) as a rectangle over its picture."""
        img = framed[0]
        h, w = level.region.size
        px, py = img.width / w, img.height / h
        rows, cols = level.region.rows, level.region.cols
        rect = Rectangle(width=len(cols) * px, height=len(rows) * py, stroke_color=style.BIAS,
                         stroke_width=4)
        rect.move_to(img.get_corner(UP + LEFT), aligned_edge=UP + LEFT)
        return rect.shift(RIGHT * cols.start * px + DOWN * rows.start * py)

    @staticmethod
    def region_words(level, under, room: float):
        """``16×16 pixels``, or ``10×10 (16×16 padded)`` when part of the region lies in
        the padding; at most ``room`` wide."""
        rows, cols = level.region_size
        if level.region_full_size != level.region_size:
            full_rows, full_cols = level.region_full_size
            words = f"{rows}\u00d7{cols} ({full_rows}\u00d7{full_cols} padded)"
        else:
            unit = "pixels" if level.name == "input" else "cells" if rows * cols > 1 else "cell"
            words = f"{rows}\u00d7{cols} {unit}"
        t = fit(text(words, style.SMALL_SIZE, style.BIAS), max_width=room)
        return t.next_to(under, DOWN, buff=0.1)

    def recurrence(self, steps) -> VGroup:
        """layer | k | s | d | p | r = ... | j = ... | start = ..., one row per layer (rows;
        a second row for the columns when they differ). ``p`` is the padding before."""
        size = style.SMALL_SIZE
        symmetric = all(s.equations(0) == s.equations(1) for s in steps)
        rows = []
        for s in steps:
            for axis in ((0,) if symmetric else (0, 1)):
                name = s.name if symmetric else f"{s.name} ({('rows', 'columns')[axis]})"
                geometry = [str(v[axis]) for v in (s.kernel, s.stride, s.dilation)]
                equations = [e.split(" = ", 2) for e in s.equations(axis)]
                rows.append(([name] + geometry + [format_number(s.pads[axis][0])],
                             equations))
        heads = ["layer", "k", "s", "d", "p"] + [_math(" = ".join(e[:2])) for e in rows[0][1]]
        cells = [heads] + [words + [_math(e[2]) for e in equations] for words, equations in rows]
        colors = [style.MUTED] + [style.TEXT] * (len(cells) - 2) + [style.OUTPUT]
        texts = [[text(v, size, color) for v in row] for row, color in zip(cells, colors)]
        widths = [max(t[k].width for t in texts) for k in range(len(heads))]
        x = np.cumsum([0] + [w + 0.4 for w in widths[:-1]])
        table = VGroup()
        for i, row in enumerate(texts):
            table.add(VGroup(*[t.move_to(RIGHT * (x[k] + widths[k] / 2) + DOWN * ROW * i)
                               for k, t in enumerate(row)]))
        rule = Line(LEFT * 0.1, RIGHT * (x[-1] + widths[-1] + 0.1), color=style.MUTED,
                    stroke_width=1.5).next_to(table[0], DOWN, buff=0.05)
        rule.set_x(table.get_center()[0])
        table.add(rule)
        fit(table, max_width=13.6, max_height=2.0)
        return table.move_to(UP * TABLE_TOP, aligned_edge=UP).set_x(0)
