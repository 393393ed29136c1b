"""Pooling: 2x2 max pooling with stride 2 halves a feature map.

Each 2x2 window keeps only its largest number; the window jumps 2 cells, so every
side of the map is halved. ``PoolingSame`` pools an odd-sized (5x5) map with
"same" padding: TensorFlow adds the missing row and column at the bottom/right,
and those padded cells are ignored (they never win), so 5x5 becomes 3x3.

    manim -ql scenes/pooling.py Pooling
    convviz render Pooling --input "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4"
"""
from __future__ import annotations

from manim import (
    Create, FadeIn, FadeOut, ReplacementTransform, SurroundingRectangle,
    TransformFromCopy, VGroup, Write,
)

from . import style
from convviz.scene_data import format_number, split_steps
from .widgets import ConvvizScene, NumberGrid, cell_size, labelled, place


def _size(shape) -> str:
    return "\u00d7".join(str(n) for n in shape)


def pooling_sentence(data) -> str:
    """Caption that explains the padding (numbers from the pooling's ``pads``)."""
    (top, bottom), (left, right) = data.pads
    if top == bottom == left == right == 0:
        return (f"window {_size(data.pool_size)}, stride {data.strides[0]}: "
                "the windows do not overlap, each side is divided by the stride")
    return (f"\"same\": {top + bottom} empty row, {left + right} empty column added (bottom/right, "
            "TensorFlow's rule); empty cells never win")


class Pooling(ConvvizScene):
    def construct(self):
        data = self.data()
        ph, pw = data.pool_size
        hp, wp = data.padding_mask.shape
        oh, ow = data.output.shape

        title = self.title(f"Max pooling {_size(data.pool_size)}, stride "
                           f"{data.strides[0] if data.strides[0] == data.strides[1] else data.strides}:"
                           " keep the largest number of each window")
        inp = NumberGrid((hp, wp), data.padded_input, cell=cell_size(hp, wp, 5.6, 4.7, 0.8),
                         color=style.OUTPUT, mask=data.padding_mask, show_masked=False)
        out = NumberGrid((oh, ow), None, cell=cell_size(oh, ow, 3.6, 4.0, 0.8),
                         color=style.POOL, fill_opacity=0.18)
        in_label = f"feature map ({_size(data.input.shape)})"
        if data.padding_mask.any():
            in_label += " + padding"
        inp_box = labelled(inp, in_label, color=style.OUTPUT)
        out_box = labelled(out, f"pooled ({_size(data.output.shape)})", color=style.POOL)
        place(inp_box, -3.3)
        place(out_box, 3.9)
        caption = self.caption(pooling_sentence(data), color=style.MUTED)

        self.play(Write(title), FadeIn(inp_box), run_time=1.0)
        self.play(FadeIn(out_box[0]), Create(out.squares), FadeIn(caption), run_time=0.8)

        first = data.steps[0]
        window = inp.window(first.top, first.left, ph, pw, color=style.POOL)
        winner = SurroundingRectangle(inp.square(first.win_row, first.win_col),
                                      color=style.POOL, buff=0.0, stroke_width=6)
        self.play(Create(window), run_time=0.6)
        detailed, fast, batched = split_steps(len(data.steps), self.cfg.detailed_steps,
                                              self.cfg.fast_steps)
        line, mark = None, None
        for k in list(detailed) + list(fast):
            step = data.steps[k]
            full = k in detailed
            if k:
                self.play(window.animate.move_to(inp.window(step.top, step.left, ph, pw)),
                          run_time=0.5 if full else 0.25)
            values = ", ".join(format_number(v) for v in step.window)
            new_line = self.sum_line(f"max({values}) = {format_number(step.value)}")
            new_mark = winner.copy().move_to(inp.square(step.win_row, step.win_col))
            value = out.make_number(step.out_row, step.out_col, step.value)
            if line is not None:
                self.remove(line, mark)
            if full:
                self.play(Write(new_line), Create(new_mark), run_time=0.7)
                self.play(TransformFromCopy(inp.numbers[step.win_row, step.win_col], value),
                          run_time=0.7)
            else:
                self.play(FadeIn(new_line), FadeIn(new_mark), FadeIn(value),
                          run_time=style.FAST_TIME)
            out.add(value)
            line, mark = new_line, new_mark

        if len(batched):
            rest = VGroup(*[out.make_number(data.steps[k].out_row, data.steps[k].out_col,
                                            data.steps[k].value) for k in batched])
            note = self.rest_note(len(batched), "windows")
            last = data.steps[batched[-1]]
            self.play(FadeOut(mark), ReplacementTransform(line, note), run_time=0.3)
            self.write_rest(rest, [window.animate.move_to(inp.window(last.top, last.left, ph, pw))],
                            len(batched))
            out.add(*rest)
            line = note
        else:
            self.play(FadeOut(mark), run_time=0.2)

        sides = (f"each side divided by {data.strides[0]}" if data.strides[0] == data.strides[1]
                 else f"sides divided by the strides {data.strides}")
        if data.padding_mask.any():
            sides += ", rounded up"
        done = self.sum_line(f"{_size(data.input.shape)} \u2192 {_size(data.output.shape)}: "
                             f"{sides}; no weights, nothing learned", color=style.POOL)
        self.play(FadeOut(window), ReplacementTransform(line, done),
                  Create(SurroundingRectangle(out.squares, color=style.POOL, buff=0.08)),
                  run_time=0.8)
        self.wait(1.5)


class PoolingSame(Pooling):
    """A 5x5 map with "same" padding: the extra row/column at the bottom/right."""
