"""ConvolutionVsCorrelation: the same input and kernel, slid as it is and turned 180°.

Keras' ``Conv2D`` (and every deep-learning library) computes cross-correlation: the
kernel slides over the input as it is. Convolution in the textbook sense (scipy's
``convolve2d``, ``convviz.conv2d(..., mode="convolution")``) turns the kernel by
180 degrees first. With a non-symmetric kernel (an edge detector) the two outputs
differ; the window shows the weights of each in turn, and both outputs fill side by
side. Libraries skip the flip because the kernel is learned.

    manim -ql scenes/flip.py ConvolutionVsCorrelation
    convviz render ConvolutionVsCorrelation --kernel "1 0 -1; 2 0 -2; 1 0 -1"
"""
from __future__ import annotations

from manim import DOWN, RIGHT, Create, SurroundingRectangle, VGroup

from . import style
from .fades import Appear, Vanish
from .parts import (
    CONTENT_BOTTOM, LINE_A, LINE_B, LIFT, line, outline, put, size, skipped,
    slide_notes, stride_text, term, turn_half, write_batch,
)
from .widgets import ConvvizScene, NumberGrid, Slide, cell_size, labelled, place
from convviz.scene_data import format_number, format_padding, split_steps

CORRELATION = "cross-correlation"
CONVOLUTION = "convolution"


def _sum(step, bias) -> str:
    terms = " + ".join(term(p) for p in step.products.ravel())
    extra = "" if bias == 0 else f" + bias {term(bias)}"
    return f"{terms}{extra} = {format_number(step.total)}"


class ConvolutionVsCorrelation(ConvvizScene):
    def construct(self):
        d = self.data()
        corr, conv = d.correlation, d.convolution
        self.convviz_grids = {}
        kh, kw = d.kernel.shape
        hp, wp = corr.padded_input.shape
        oh, ow = corr.output.shape

        title = self.title(f"Cross-correlation vs convolution: {size(d.input.shape)} input, "
                           f"{size(d.kernel.shape)} kernel, stride {stride_text(d.strides)}, "
                           f"{format_padding(d.padding)}")
        head = self.subtitle("Keras' Conv2D slides the kernel as it is (cross-correlation); "
                             "convolution (scipy, mode=\"convolution\") turns it 180\u00b0 first"
                             + slide_notes(d.padding, corr.pads, d.strides))
        top = head.get_bottom()[1] - 0.12
        room = top - CONTENT_BOTTOM - 0.45

        inp = NumberGrid((hp, wp), corr.padded_input, cell=cell_size(hp, wp, 4.2, room, 0.7),
                         color=style.INPUT, mask=corr.padding_mask, lift=LIFT)
        stacked = top - CONTENT_BOTTOM - 1.3           # a kernel over an output, two labels
        kcell = cell_size(kh + oh, kw, 2.2, stacked, 0.48)
        ocell = cell_size(oh, ow, 2.6, stacked - kh * kcell, 0.7)
        kernel = NumberGrid((kh, kw), d.kernel, cell=kcell, color=style.KERNEL, fill_opacity=0.3)
        flipped = NumberGrid((kh, kw), d.flipped_kernel, cell=kcell, color=style.KERNEL,
                             fill_opacity=0.3)
        out_a = NumberGrid((oh, ow), None, cell=ocell, color=style.OUTPUT)
        out_b = NumberGrid((oh, ow), None, cell=ocell, color=style.OUTPUT)
        self.convviz_grids.update({"flipped kernel": flipped, "correlation": out_a,
                                   "convolution": out_b})

        label = f"input {size(d.input.shape)}"
        if corr.padding_mask.any():
            label += f", padded to {size((hp, wp))}"
        inp_box = labelled(inp, label, color=style.INPUT, max_width=4.8)
        col_a = VGroup(labelled(kernel, f"kernel {size(d.kernel.shape)}", color=style.KERNEL),
                       labelled(out_a, f"{CORRELATION} {size((oh, ow))}", style.SMALL_SIZE,
                                style.OUTPUT)).arrange(DOWN, buff=0.35)
        col_b = VGroup(labelled(flipped, "kernel turned 180\u00b0", color=style.KERNEL),
                       labelled(out_b, f"{CONVOLUTION} {size((oh, ow))}", style.SMALL_SIZE,
                                style.OUTPUT)).arrange(DOWN, buff=0.35)
        row = VGroup(inp_box, col_a, col_b).arrange(RIGHT, buff=0.8)
        place(row, 0, top=top, bottom=CONTENT_BOTTOM)
        col_b[0][1].match_y(col_a[0][1])
        col_b[1].match_y(col_a[1])

        self.play(Appear(title), Appear(head), Appear(inp_box), run_time=0.9)
        self.play(Appear(col_a[0]), run_time=0.5)
        # a copy of the kernel goes to the right and turns 180 degrees
        turning = kernel.copy().move_to(flipped)
        turning_label = labelled(turning, f"kernel {size(d.kernel.shape)}",
                                 color=style.KERNEL)[0].move_to(col_b[0][0])
        self.play(Appear(turning), Appear(turning_label), run_time=0.5)
        self.play(*turn_half(turning), run_time=1.2)
        self.remove(turning)                 # its numbers now sit where the flipped kernel's do
        self.add(flipped)
        self.play(self.swap(turning_label, col_b[0][0]), run_time=0.6)
        self.add(col_b[0])
        self.play(Appear(col_a[1][0]), Create(out_a.squares), Appear(col_b[1][0]),
                  Create(out_b.squares), run_time=0.6)

        # one window on the input; the weights of each kernel on it in turn
        detailed, fast, batched = split_steps(len(corr.steps), self.cfg.detailed_steps,
                                              self.cfg.fast_steps)
        win = frame_a = frame_b = None
        shown = VGroup()
        for k in list(detailed) + list(fast):
            a, b = corr.steps[k], conv.steps[k]
            window, weights_a = inp.window(a.top, a.left, kh, kw, weights=d.kernel)
            weights_b = inp.window(a.top, a.left, kh, kw, weights=d.flipped_kernel)[1]
            new_a = out_a.cell_box(a.out_row, a.out_col)
            new_b = out_b.cell_box(b.out_row, b.out_col)
            skips = VGroup()
            if win is None:
                moves = [Create(window), Create(new_a)]
                win, frame_a, frame_b = window, new_a, new_b
            else:
                p = corr.steps[k - 1]
                skips = VGroup(*[outline(inp, r, c, kh, kw, style.MUTED, 2, dashed=True)
                                 for r, c in skipped((p.top, p.left), (a.top, a.left))])
                moves = [Slide(win, window), Slide(frame_a, new_a), Slide(frame_b, new_b)]
            line_a = line(f"{CORRELATION}: {_sum(a, corr.bias)}", LINE_A)
            line_b = line(f"{CONVOLUTION}: {_sum(b, conv.bias)}", LINE_B)
            value_a = out_a.make_number(a.out_row, a.out_col, a.total)
            value_b = out_b.make_number(b.out_row, b.out_col, b.total)
            arrive = ([Vanish(shown)] if len(shown) else []) + moves + [Appear(s) for s in skips]
            first_b = [Create(frame_b)] if k == 0 else []
            if k in detailed:
                self.play(*arrive, run_time=0.5)
                self.explains(line_a, win)
                self.explains(line_b, win)
                self.play(Appear(weights_a), run_time=0.35)
                self.play(Appear(line_a), run_time=0.35)
                self.play(Appear(value_a), run_time=0.35)
                self.play(self.swap(weights_a, weights_b), *first_b, run_time=0.6)
                self.play(Appear(line_b), run_time=0.35)
                self.play(Appear(value_b), run_time=0.35)
                shown = VGroup(weights_b, line_a, line_b, skips)
            else:
                self.play(*arrive, *first_b, run_time=0.25)
                self.explains(line_a, win)
                self.explains(line_b, win)
                self.play(Appear(weights_a), Appear(line_a), Appear(line_b), Appear(value_a),
                          Appear(value_b), run_time=0.35)
                shown = VGroup(weights_a, line_a, line_b, skips)
            put(out_a, a.out_row, a.out_col, value_a)
            put(out_b, b.out_row, b.out_col, value_b)

        leaving = [Vanish(m) for m in (shown, win, frame_a, frame_b) if m is not None]
        if len(batched):
            leaving = write_batch(self, [(out_a, [corr.steps[k] for k in batched]),
                                         (out_b, [conv.steps[k] for k in batched])], leaving)
        self.play(*leaving, run_time=0.3)
        self.add(col_a, col_b)

        differ = (f"the kernel is not symmetric, so the two {size((oh, ow))} outputs differ"
                  if d.difference.any() else
                  "this kernel is the same turned 180\u00b0, so the two outputs agree")
        self.play(Appear(line(differ, LINE_A, style.OUTPUT)),
                  Create(SurroundingRectangle(out_a.squares, color=style.OUTPUT, buff=0.06)),
                  Create(SurroundingRectangle(out_b.squares, color=style.OUTPUT, buff=0.06)),
                  run_time=0.7)
        self.play(Appear(line("Deep-learning libraries skip the flip: the kernel is learned, "
                              "so training simply learns it turned.", LINE_B, style.BIAS)),
                  run_time=0.7)
        self.mark_poster()
        self.wait(2.0)
