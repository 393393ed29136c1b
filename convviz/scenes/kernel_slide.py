"""KernelSlide: a 3x3 kernel sliding over a 5x5 input, as in the article.

At each position the window is highlighted, the element-wise products appear and
their sum is written into the output cell. Variants: ``KernelSlideSame`` (zero
padding drawn as grey cells), ``KernelSlideStride2`` (the kernel jumps two cells,
the output is smaller) and ``KernelSlideSameStride2`` (TensorFlow's "same" rule
with an odd total padding: the extra zeros go at the bottom/right).

    manim -ql scenes/kernel_slide.py KernelSlide
    convviz render KernelSlide --input "1 2 3; 4 5 6; 7 8 9" --kernel "1 0; 0 1"
"""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, UP, Create, FadeIn, FadeOut, Indicate,
    LaggedStart, ReplacementTransform, SurroundingRectangle, TransformFromCopy, VGroup,
    Write,
)

from . import style
from convviz.scene_data import build, format_number, split_steps
from .widgets import ConvvizScene, NumberGrid, cell_size, labelled, place, text


def _size(shape) -> str:
    return "\u00d7".join(str(n) for n in shape)


def padding_sentence(data) -> str:
    """Caption that explains the padding (numbers from the trace's ``pads``)."""
    (top, bottom), (left, right) = data.pads
    if top == bottom == left == right == 0:
        return "no padding (\"valid\"): the kernel stays inside the input"
    mode = f"\"{data.padding}\" padding" if isinstance(data.padding, str) else "padding"
    sentence = f"{mode}: zeros added {top} top, {bottom} bottom, {left} left, {right} right"
    if data.padding == "same" and (top != bottom or left != right):
        sentence += ("\nthe total is odd, so TensorFlow puts the extra zero row/column "
                     "at the bottom/right")
    return sentence


class KernelSlide(ConvvizScene):
    def construct(self):
        data = build(type(self).__name__, self.cfg)
        kh, kw = data.kernel.shape
        (top, _), (left, _) = data.pads
        sh, sw = data.strides
        hp, wp = data.padded_input.shape
        oh, ow = data.output.shape

        title = self.title(
            f"Convolution: {_size(data.input.shape)} input, {_size(data.kernel.shape)} "
            f"kernel, stride {sh if sh == sw else data.strides}"
        )
        inp = NumberGrid((hp, wp), data.padded_input, cell=cell_size(hp, wp, 5.2, 4.7),
                         color=style.INPUT, mask=data.padding_mask)
        ker = NumberGrid((kh, kw), data.kernel, cell=cell_size(kh, kw, 2.4, 1.95, 0.65),
                         color=style.KERNEL, fill_opacity=0.3)
        prod = NumberGrid((kh, kw), None, cell=ker.cell, color=style.PRODUCT, fill_opacity=0.12)
        out = NumberGrid((oh, ow), None, cell=cell_size(oh, ow, 3.6, 4.7, 0.75),
                         color=style.OUTPUT)

        inp_label = "input" if not data.padding_mask.any() else "input + zero padding"
        inp_box = labelled(inp, f"{inp_label} ({_size(data.input.shape)})", color=style.INPUT)
        ker_box = labelled(ker, "kernel", color=style.KERNEL)
        prod_box = labelled(prod, "window \u00d7 kernel", color=style.PRODUCT)
        out_box = labelled(out, f"output ({_size(data.output.shape)})", color=style.OUTPUT)

        place(inp_box, -3.9)
        place(VGroup(ker_box, prod_box).arrange(DOWN, buff=0.3), 0.55)
        place(out_box, 4.75)
        sum_text = text("", style.LABEL_SIZE)
        caption = self.caption(padding_sentence(data), color=style.MUTED)

        self.play(Write(title), FadeIn(inp_box), run_time=1.0)
        self.play(FadeIn(ker_box), FadeIn(prod_box[0]), Create(prod.squares),
                  FadeIn(out_box[0]), Create(out.squares), FadeIn(caption), run_time=1.0)
        if data.padding_mask.any():
            pads = VGroup(*[inp.square(i, j) for i in range(hp) for j in range(wp)
                            if data.padding_mask[i, j]])
            self.play(Indicate(pads, color=style.PADDING, scale_factor=1.05), run_time=0.8)

        window = inp.window(data.steps[0].top, data.steps[0].left, kh, kw)
        detailed, fast, batched = split_steps(len(data.steps), self.cfg.detailed_steps,
                                              self.cfg.fast_steps)
        products = VGroup()
        for k in list(detailed) + list(fast):
            step = data.steps[k]
            full = k in detailed
            target = inp.window(step.top, step.left, kh, kw)
            if k == 0:
                self.play(ReplacementTransform(ker.copy().set_opacity(0.5), window),
                          run_time=1.0 if full else 0.4)
            else:
                self.play(window.animate.move_to(target), run_time=0.6 if full else 0.3)
            new_products = VGroup(*[prod.make_number(u, v, step.products[u, v], style.PRODUCT)
                                    for u in range(kh) for v in range(kw)])
            terms = " + ".join(format_number(p) for p in step.products.ravel())
            bias = "" if data.bias == 0 else f" + bias {format_number(data.bias)}"
            new_sum = self.sum_line(f"{terms}{bias} = {format_number(step.total)}")
            value = out.make_number(step.out_row, step.out_col, step.total)
            if full:
                window_numbers = VGroup(*[inp.numbers[step.top + u, step.left + v]
                                          for u in range(kh) for v in range(kw)])
                self.play(FadeOut(products), FadeOut(sum_text), run_time=0.2)
                self.play(LaggedStart(*[TransformFromCopy(a, b) for a, b in
                                        zip(window_numbers, new_products)], lag_ratio=0.08),
                          run_time=style.STEP_TIME)
                # TransformFromCopy leaves each number as its own scene member: regroup
                # them so that removing the group later removes every number.
                self.remove(*new_products)
                self.add(new_products)
                self.play(Write(new_sum), run_time=0.6)
                self.play(TransformFromCopy(new_sum[-len(format_number(step.total)):], value),
                          run_time=0.7)
            else:
                self.remove(products, sum_text)
                self.play(FadeIn(new_products), FadeIn(new_sum), FadeIn(value),
                          run_time=style.FAST_TIME)
            out.add(value)
            products, sum_text = new_products, new_sum

        if len(batched):
            rest = VGroup(*[out.make_number(data.steps[k].out_row, data.steps[k].out_col,
                                            data.steps[k].total) for k in batched])
            note = self.rest_note(len(batched), "positions")
            self.play(FadeOut(products), ReplacementTransform(sum_text, note), run_time=0.4)
            last = data.steps[batched[-1]]
            self.write_rest(rest, [window.animate.move_to(inp.window(last.top, last.left, kh, kw))],
                            len(batched), lag_ratio=0.15)
            out.add(*rest)
            sum_text = note
        else:
            self.play(FadeOut(products), run_time=0.3)

        done = self.sum_line("every output cell = sum of (window \u00d7 kernel)",
                             color=style.OUTPUT)
        self.play(FadeOut(window), ReplacementTransform(sum_text, done),
                  Create(SurroundingRectangle(out.squares, color=style.OUTPUT, buff=0.08)),
                  run_time=0.8)
        self.wait(1.5)


class KernelSlideSame(KernelSlide):
    """Padding "same": the output keeps the input's 5x5 size."""


class KernelSlideStride2(KernelSlide):
    """Stride 2: the kernel jumps two cells, the output is 2x2."""


class KernelSlideSameStride2(KernelSlide):
    """"same" with an odd total padding: the extra zeros at the bottom/right."""
