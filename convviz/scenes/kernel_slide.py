"""KernelSlide: a 3x3 kernel sliding over a 5x5 input, as in the article.

The window carries the kernel's weights (small, bottom-right of each cell) and the
output cell it fills is framed while it sits on the input; the products appear in
place in the product grid and their sum goes into that cell. Variants:
``KernelSlideSame`` (zero padding drawn as grey cells), ``KernelSlideStride2``
(the window jumps two cells; the positions it skips are marked) and
``KernelSlideSameStride2`` (TensorFlow's "same" rule with an odd total padding:
the extra zeros go at the bottom/right).

    manim -ql scenes/kernel_slide.py KernelSlide
    convviz render KernelSlide --input "1 2 3; 4 5 6; 7 8 9" --kernel "1 0; 0 1"
"""
from __future__ import annotations

from manim import (
    DOWN, Create, DashedVMobject, Indicate, SurroundingRectangle, VGroup,
)

from . import style
from convviz.scene_data import build, format_number, format_padding, split_steps
from .fades import Appear, Vanish
from .widgets import ConvvizScene, NumberGrid, Slide, cell_size, labelled, place


def _size(shape) -> str:
    return "\u00d7".join(str(n) for n in shape)


def _stride(strides) -> str:
    return str(strides[0]) if strides[0] == strides[1] else str(tuple(strides))


def padding_sentence(data) -> str:
    """What the padding (and a stride > 1) does, from the trace's ``pads`` and the
    output's size: one line, or one more for an odd "same" padding and a stride."""
    (top, bottom), (left, right) = data.pads
    if top == bottom == left == right == 0:
        lines = ["no padding: the kernel stays inside the input"]
    else:
        lines = [f"{format_padding(data.padding)}: zeros added {top} top, {bottom} bottom, "
                 f"{left} left, {right} right"]
        if data.padding == "same" and (top != bottom or left != right):
            lines.append("the total is odd, so TensorFlow puts the extra zeros at the "
                         "bottom/right")
    if max(data.strides) > 1:
        lines.append(f"stride {_stride(data.strides)}: the window jumps {_stride(data.strides)} "
                     "cells (dashed: a position it skips)")
    lines[-1] += f"; the output is {_size(data.output.shape)}"
    return "\n".join(lines)


def skipped_positions(previous, step) -> list[tuple[int, int]]:
    """Top-left corners a stride-1 window would visit between two positions of a
    strided slide: the columns jumped over in a row, or the rows jumped over when
    the window goes back to the left edge (padded coordinates)."""
    if step.top == previous.top:
        return [(step.top, c) for c in range(previous.left + 1, step.left)]
    return [(r, step.left) for r in range(previous.top + 1, step.top)]


class KernelSlide(ConvvizScene):
    def construct(self):
        data = build(type(self).__name__, self.cfg)
        kh, kw = data.kernel.shape
        hp, wp = data.padded_input.shape
        oh, ow = data.output.shape
        padded = data.padding_mask.any()

        title = self.title(f"Convolution: {_size(data.input.shape)} input, "
                           f"{_size(data.kernel.shape)} kernel, stride {_stride(data.strides)}, "
                           f"{format_padding(data.padding)}")
        subtitle = self.subtitle(padding_sentence(data))
        top = subtitle.get_bottom()[1] - 0.12
        room = top - style.CONTENT_BOTTOM - 0.45             # grid height under a label
        inp = NumberGrid((hp, wp), data.padded_input,
                         cell=cell_size(hp, wp, 5.6, room, 0.85),
                         color=style.INPUT, mask=data.padding_mask, lift=0.12)
        ker = NumberGrid((kh, kw), data.kernel,
                         cell=cell_size(2 * kh, kw, 2.4, room - 0.75, 0.62),
                         color=style.KERNEL, fill_opacity=0.3)
        prod = NumberGrid((kh, kw), None, cell=ker.cell, color=style.PRODUCT, fill_opacity=0.12)
        out = NumberGrid((oh, ow), None,
                         cell=cell_size(oh, ow, 3.4, room, 0.8),
                         color=style.OUTPUT)

        inp_label = f"input {_size(data.input.shape)}"
        if padded:
            inp_label += f", padded to {_size(data.padded_input.shape)}"
        inp_box = labelled(inp, inp_label, color=style.INPUT, max_width=6.0)
        ker_box = labelled(ker, f"kernel {_size(data.kernel.shape)}", color=style.KERNEL)
        prod_box = labelled(prod, "window \u00d7 kernel", color=style.PRODUCT)
        out_box = labelled(out, f"output {_size(data.output.shape)}", color=style.OUTPUT)
        middle = VGroup(ker_box, prod_box).arrange(DOWN, buff=0.3)
        place(inp_box, -3.75, top=top)
        place(middle, 0.75, top=top)
        place(out_box, 4.6, top=top)

        self.play(Appear(title), Appear(subtitle), Appear(inp_box), run_time=1.0)
        self.play(Appear(ker_box), Appear(prod_box[0]), Create(prod.squares),
                  Appear(out_box[0]), Create(out.squares), run_time=1.0)
        if padded:
            pads = VGroup(*[inp.square(i, j) for i in range(hp) for j in range(wp)
                            if data.padding_mask[i, j]])
            self.play(Indicate(pads, color=style.PADDING, scale_factor=1.05), run_time=0.8)

        def window_at(step):
            return inp.window(step.top, step.left, kh, kw, weights=data.kernel)

        first = data.steps[0]
        window = window_at(first)
        target = out.cell_box(first.out_row, first.out_col)
        self.play(Indicate(ker.squares, color=style.KERNEL, scale_factor=1.08),
                  Appear(window), Create(target), run_time=1.0)

        detailed, fast, batched = split_steps(len(data.steps), self.cfg.detailed_steps,
                                              self.cfg.fast_steps)
        products, line, skips = VGroup(), None, VGroup()
        for k in list(detailed) + list(fast):
            step = data.steps[k]
            full = k in detailed
            leaving = [Vanish(m) for m in (products, line, skips) if m is not None and len(m)]
            if k:
                skips = VGroup(*[DashedVMobject(inp.window(r, c, kh, kw, color=style.MUTED,
                                                          fill_opacity=0)[0], num_dashes=24)
                                 for r, c in skipped_positions(data.steps[k - 1], step)])
                moves, window = self.move_window(window, window_at(step))
                self.play(*leaving, *moves, *[Appear(s) for s in skips],
                          Slide(target, out.square(step.out_row, step.out_col)),
                          run_time=0.6 if full else 0.3)
            products = VGroup(*[prod.make_number(u, v, step.products[u, v], style.PRODUCT)
                                for u in range(kh) for v in range(kw)])
            terms = " + ".join(format_number(p) for p in step.products.ravel())
            bias = "" if data.bias == 0 else f" + bias {format_number(data.bias)}"
            line = self.explains(self.sum_line(f"{terms}{bias} = {format_number(step.total)}"),
                                 window)
            value = out.make_number(step.out_row, step.out_col, step.total)
            self.reveal_cell(products, line, value, k, detailed, full, lag_ratio=0.15)
            out.add(value)

        leaving = [Vanish(m) for m in (products, line, skips) if m is not None and len(m)]
        if len(batched):
            rest = VGroup(*[out.make_number(data.steps[k].out_row, data.steps[k].out_col,
                                            data.steps[k].total) for k in batched])
            note = self.rest_note(len(batched), "positions")
            self.play(*leaving, Vanish(window), Vanish(target), run_time=0.3)
            self.play(Appear(note), run_time=0.3)
            self.write_rest(rest, [], len(batched), lag_ratio=0.15)
            out.add(*rest)
            leaving = [Vanish(note)]
        else:
            leaving += [Vanish(window), Vanish(target)]

        done = self.sum_line("every output cell = the sum of (window \u00d7 kernel)",
                             color=style.OUTPUT)
        self.play(*leaving, run_time=0.4)
        self.play(Appear(done), Create(SurroundingRectangle(out.squares, color=style.OUTPUT,
                                                            buff=0.08)), run_time=0.8)
        self.wait(1.5)


class KernelSlideSame(KernelSlide):
    """Padding "same": the output keeps the input's 5x5 size."""


class KernelSlideStride2(KernelSlide):
    """Stride 2: the kernel jumps two cells, the output is 2x2."""


class KernelSlideSameStride2(KernelSlide):
    """"same" with an odd total padding: the extra zeros at the bottom/right."""
