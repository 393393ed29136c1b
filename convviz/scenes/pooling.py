"""Pooling: 2x2 max pooling with stride 2 halves a feature map.

Each 2x2 window keeps only its largest number: the winner is framed in the window
and the output cell it fills is framed at the same time; the window jumps 2 cells,
so every side of the map is halved. ``PoolingSame`` pools an odd-sized (5x5) map
with "same" padding: TensorFlow adds the missing row and column at the
bottom/right, and those padded cells are ignored (they never win), so 5x5 becomes
3x3.

    manim -ql scenes/pooling.py Pooling
    convviz render Pooling --input "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4"
"""
from __future__ import annotations

from manim import Create, FadeIn, SurroundingRectangle, VGroup

from . import style
from convviz.scene_data import format_number, format_padding, split_steps
from .fades import Appear, Vanish
from .widgets import ConvvizScene, NumberGrid, Slide, cell_size, labelled, place


def _size(shape) -> str:
    return "\u00d7".join(str(n) for n in shape)


def _stride(strides) -> str:
    return str(strides[0]) if strides[0] == strides[1] else str(tuple(strides))


def pooling_sentence(data) -> str:
    """What the window and the padding do (numbers from the pooling's ``pads``)."""
    (top, bottom), (left, right) = data.pads
    overlap = any(s < p for s, p in zip(data.strides, data.pool_size))
    keep = ("each window keeps its largest number; the windows "
            + ("overlap" if overlap else "do not overlap"))
    if top == bottom == left == right == 0:
        return keep
    rows, cols = top + bottom, left + right
    return (f"{keep}\n{format_padding(data.padding)}: {rows} empty row{'s' * (rows != 1)} and "
            f"{cols} empty column{'s' * (cols != 1)} at the bottom/right (TensorFlow's rule); "
            "they never win")


class Pooling(ConvvizScene):
    def construct(self):
        data = self.data()
        ph, pw = data.pool_size
        hp, wp = data.padding_mask.shape
        oh, ow = data.output.shape
        padded = data.padding_mask.any()

        title = self.title(f"Max pooling {_size(data.pool_size)}, stride "
                           f"{_stride(data.strides)}, {format_padding(data.padding)}")
        subtitle = self.subtitle(pooling_sentence(data))
        top = subtitle.get_bottom()[1] - 0.12
        room = top - style.CONTENT_BOTTOM - 0.45
        inp = NumberGrid((hp, wp), data.padded_input, cell=cell_size(hp, wp, 5.6, room, 0.85),
                         color=style.OUTPUT, mask=data.padding_mask, show_masked=False)
        out = NumberGrid((oh, ow), None, cell=cell_size(oh, ow, 3.6, room, 0.85),
                         color=style.POOL, fill_opacity=0.18)
        in_label = f"feature map {_size(data.input.shape)}"
        if padded:
            in_label += f", padded to {_size(data.padding_mask.shape)}"
        inp_box = labelled(inp, in_label, color=style.OUTPUT, max_width=6.0)
        out_box = labelled(out, f"pooled {_size(data.output.shape)}", color=style.POOL)
        place(inp_box, -3.3, top=top)
        place(out_box, 3.9, top=top)

        self.play(Appear(title), Appear(subtitle), Appear(inp_box), run_time=1.0)
        self.play(Appear(out_box[0]), Create(out.squares), run_time=0.8)

        def window_at(step):
            return inp.window(step.top, step.left, ph, pw, color=style.POOL)

        first = data.steps[0]
        window = window_at(first)
        target = out.cell_box(first.out_row, first.out_col, color=style.POOL)
        self.play(Create(window), Create(target), run_time=0.6)
        detailed, fast, batched = split_steps(len(data.steps), self.cfg.detailed_steps,
                                              self.cfg.fast_steps)
        line, mark = None, None
        for k in list(detailed) + list(fast):
            step = data.steps[k]
            full = k in detailed
            if k:
                moves, window = self.move_window(window, window_at(step))
                self.play(*[Vanish(m) for m in (line, mark)], *moves,
                          Slide(target, out.square(step.out_row, step.out_col)),
                          run_time=0.5 if full else 0.25)
            values = ", ".join(format_number(v) for v in step.window)
            line = self.explains(self.sum_line(f"max({values}) = {format_number(step.value)}"),
                                 window)
            mark = inp.cell_box(step.win_row, step.win_col, color=style.POOL, stroke_width=7)
            value = out.make_number(step.out_row, step.out_col, step.value)
            if full:
                self.play(Appear(line), Create(mark), run_time=0.7)
                self.play(FadeIn(value, scale=1.4), run_time=0.5)
                self.poster_at_step(k, detailed)
            else:
                self.play(Appear(line), Appear(mark), Appear(value), run_time=style.FAST_TIME)
            out.add(value)

        leaving = [Vanish(m) for m in (line, mark, window, target) if m is not None]
        if len(batched):
            rest = VGroup(*[out.make_number(data.steps[k].out_row, data.steps[k].out_col,
                                            data.steps[k].value) for k in batched])
            note = self.rest_note(len(batched), "windows")
            self.play(*leaving, run_time=0.3)
            self.play(Appear(note), run_time=0.3)
            self.write_rest(rest, [], len(batched))
            out.add(*rest)
            leaving = [Vanish(note)]

        sides = (f"each side divided by {data.strides[0]}" if data.strides[0] == data.strides[1]
                 else f"sides divided by the strides {data.strides}")
        if padded:
            sides += ", rounded up"
        done = self.sum_line(f"{_size(data.input.shape)} \u2192 {_size(data.output.shape)}: "
                             f"{sides}; no weights, nothing learned", color=style.POOL)
        self.play(*leaving, run_time=0.4)
        self.play(Appear(done), Create(SurroundingRectangle(out.squares, color=style.POOL,
                                                            buff=0.08)), run_time=0.8)
        self.wait(1.5)


class PoolingSame(Pooling):
    """A 5x5 map with "same" padding: the extra row/column at the bottom/right."""
