"""Dilation: a 3x3 kernel with dilation 2 sliding over a 7x7 input.

The kernel spreads out in place: its taps move ``d`` cells apart and the gaps
between them stay empty, so the 3x3 kernel covers ``d*(k-1)+1 = 5`` cells a side
(derived on screen). Then it slides: the taps light the input cells they multiply,
each with its weight, and the output cell they fill is framed. The numbers equal
``conv2d(x, kernel, dilation_rate=2)``.

    manim -ql scenes/dilation.py Dilation
    convviz render Dilation --dilation 3 --padding same
"""
from __future__ import annotations

from manim import DOWN, RIGHT, Create, SurroundingRectangle, VGroup

from . import style
from .fades import Appear, Vanish
from .parts import (
    CONTENT_BOTTOM, LINE_A, LINE_B, LIFT, line, outline, size, slide, slide_notes,
    stride_text, taps,
)
from .widgets import ConvvizScene, NumberGrid, Slide, cell_size, labelled, place
from convviz.scene_data import format_padding, split_steps


def _dilation(d) -> str:
    return str(d.dilation[0]) if d.dilation[0] == d.dilation[1] else str(tuple(d.dilation))


class Dilation(ConvvizScene):
    def construct(self):
        d = self.data()
        self.convviz_grids = {}
        kh, kw = d.kernel.shape
        eh, ew = d.effective_size
        hp, wp = d.padded_input.shape
        oh, ow = d.output.shape

        title = self.title(f"Dilated convolution: {size(d.input.shape)} input, "
                           f"{size(d.kernel.shape)} kernel, dilation {_dilation(d)}, "
                           f"stride {stride_text(d.strides)}, {format_padding(d.padding)}")
        notes = (f"dilation {_dilation(d)}: the kernel's taps sit {_dilation(d)} cells apart "
                 f"with gaps between them, so the {size(d.kernel.shape)} kernel covers "
                 f"{size(d.effective_size)}")
        notes += slide_notes(d.padding, d.pads, d.strides)
        head = self.subtitle(notes)
        top = head.get_bottom()[1] - 0.12
        room = top - CONTENT_BOTTOM - 0.45

        inp = NumberGrid((hp, wp), d.padded_input, cell=cell_size(hp, wp, 5.0, room, 0.66),
                         color=style.INPUT, mask=d.padding_mask, lift=LIFT)
        kcell = cell_size(eh + kh + 0.8, ew, 2.6, room - 0.5, 0.5)
        spread = NumberGrid((eh, ew), d.spread_kernel, cell=kcell, color=style.KERNEL,
                            fill_opacity=0.3, mask=d.is_gap, show_masked=False)
        self.convviz_grids["dilated kernel"] = spread
        prod = NumberGrid((kh, kw), None, cell=kcell, color=style.PRODUCT, fill_opacity=0.12)
        out = NumberGrid((oh, ow), None, cell=cell_size(oh, ow, 3.0, room, 0.75),
                         color=style.OUTPUT)
        self.convviz_grids["output"] = out

        label = f"input {size(d.input.shape)}"
        if d.padding_mask.any():
            label += f", padded to {size((hp, wp))}"
        inp_box = labelled(inp, label, color=style.INPUT, max_width=5.4)
        spread_box = labelled(spread, f"dilated kernel {size((eh, ew))}", color=style.KERNEL)
        prod_box = labelled(prod, "taps \u00d7 kernel", color=style.PRODUCT)
        middle = VGroup(spread_box, prod_box).arrange(DOWN, buff=0.3)
        out_box = labelled(out, f"output {size((oh, ow))}", color=style.OUTPUT)
        row = VGroup(inp_box, middle, out_box).arrange(RIGHT, buff=0.7)
        place(row, 0, top=top, bottom=CONTENT_BOTTOM)

        # the kernel, then its taps spread apart with empty gaps between them
        kernel = NumberGrid((kh, kw), d.kernel, cell=kcell, color=style.KERNEL, fill_opacity=0.3)
        kernel.move_to(spread)
        kernel_label = labelled(kernel, f"kernel {size(d.kernel.shape)}", color=style.KERNEL)[0]
        kernel_label.move_to(spread_box[0])
        self.play(Appear(title), Appear(head), Appear(inp_box), run_time=0.9)
        self.play(Appear(kernel), Appear(kernel_label), run_time=0.6)
        taps_at = [(u * d.dilation[0], v * d.dilation[1]) for u in range(kh) for v in range(kw)]
        gaps = VGroup(*[spread.square(i, j) for i in range(eh) for j in range(ew)
                        if d.is_gap[i, j]])
        moves = []
        for (u, v), (i, j) in zip([(u, v) for u in range(kh) for v in range(kw)], taps_at):
            moves += [Slide(kernel.square(u, v), spread.square(i, j)),
                      Slide(kernel.numbers[u, v], spread.numbers[i, j])]
        effective = VGroup(*[line(t, y) for t, y in zip(d.effective_lines, (LINE_A, LINE_B))])
        self.play(*moves, run_time=1.2)
        self.play(Appear(gaps), self.swap(kernel_label, spread_box[0]), Appear(effective),
                  run_time=0.8)
        self.remove(kernel)
        self.add(spread_box)
        self.wait(1.0)
        self.play(Vanish(effective), Appear(prod_box), Appear(out_box[0]), Create(out.squares),
                  run_time=0.6)

        # the slide: the taps light the input cells they multiply
        def window(step):
            return VGroup(outline(inp, step.rows[0], step.cols[0], eh, ew, style.KERNEL, 2,
                                  dashed=True),
                          taps(inp, step.rows, step.cols, d.kernel))

        slide(self, d.steps, grid=inp, window=window,
              corner=lambda step: (step.rows[0], step.cols[0]), extent=(eh, ew),
              prod=prod, out=out, bias=d.bias, poster=True,
              split=split_steps(len(d.steps), self.cfg.detailed_steps, self.cfg.fast_steps))
        self.add(out_box)

        # the output size, from the effective kernel
        sizes = VGroup(*[line(t, y) for t, y in zip(d.size_lines, (LINE_A, LINE_B))])
        if len(sizes) == 1:
            sizes.add(line(f"each output cell sees {size(d.effective_size)} input cells "
                           f"through {d.kernel.size} weights", LINE_B, style.MUTED))
        self.play(Appear(sizes),
                  Create(SurroundingRectangle(out.squares, color=style.OUTPUT, buff=0.06)),
                  run_time=0.8)
        self.wait(1.5)
