"""FiltersAndKernels: the words of the article, one picture each.

A kernel is a 2-D grid of weights; a filter is a 3-D stack of kernels, one per
input channel; N filters give N output channels, i.e. N feature maps; a channel
and a feature map are the same thing. The feature maps' numbers come from
``convviz.conv2d`` (via :func:`convviz.scene_data.filters_data`).

    manim -ql scenes/filters_kernels.py FiltersAndKernels
"""
from __future__ import annotations

from manim import (
    DOWN, LEFT, RIGHT, UP, Arrow, FadeIn, FadeOut, GrowArrow, ReplacementTransform,
    Transform, VGroup, Write,
)

from . import style
from convviz.scene_data import build
from .widgets import ConvvizScene, NumberGrid, cell_size, fit, labelled, place, stack, text


def _shape(*dims) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"


def _channel_name(c: int, n: int) -> str:
    return f"{style.CHANNEL_NAMES[c]} channel" if n <= len(style.CHANNEL_NAMES) else f"channel {c}"


class FiltersAndKernels(ConvvizScene):
    def construct(self):
        data = build(type(self).__name__, self.cfg)
        n_f, n_ch, kh, kw = data.filters.shape
        _, h, w = data.input.shape
        _, oh, ow = data.feature_maps.shape

        title = self.title("Kernel, filter, channel, feature map")
        self.play(Write(title), run_time=0.8)

        # 1. A kernel: one 2-D grid of weights.
        big = cell_size(kh, kw, 3.0, 3.0, 0.8)
        kernel = NumberGrid((kh, kw), data.filters[0, 0], cell=big, color=style.KERNEL,
                            fill_opacity=0.3)
        place(kernel, 0)
        words = self.sum_line(f"a KERNEL is a 2-D grid of weights: {kh}\u00d7{kw}",
                              color=style.KERNEL)
        self.play(FadeIn(kernel), Write(words), run_time=1.2)
        self.wait(0.8)

        # 2. A filter: one kernel per input channel, stacked.
        cell = cell_size(kh, kw * n_ch + n_ch, 9.0, 2.6, 0.7)
        kernels = [NumberGrid((kh, kw), data.filters[0, c], cell=cell, color=style.KERNEL,
                              fill_opacity=0.3, solid=True) for c in range(n_ch)]
        row = VGroup(*[labelled(k, f"for the {_channel_name(c, n_ch)}", style.SMALL_SIZE,
                                style.channel_color(c)) for c, k in enumerate(kernels)])
        place(row.arrange(RIGHT, buff=0.6), 0)
        words2 = self.sum_line(f"a FILTER is a stack of {n_ch} kernels, one per input channel: "
                               f"{_shape(n_ch, kh, kw)}", color=style.KERNEL)
        self.play(ReplacementTransform(kernel, kernels[0]), FadeIn(row[0][0]),
                  *[FadeIn(r) for r in row[1:]], ReplacementTransform(words, words2),
                  run_time=1.2)
        self.wait(0.8)
        pile = stack([k.copy() for k in kernels], offset=0.25)
        place(pile, 0)
        for depth, k in enumerate(kernels):   # the first kernel in front of the others
            k.set_z_index(len(kernels) - depth)
        self.play(*[Transform(k, p) for k, p in zip(kernels, reversed(pile))],
                  *[FadeOut(r[0]) for r in row], run_time=1.2)
        filter_label = text(f"filter 0 {_shape(n_ch, kh, kw)}", style.LABEL_SIZE, style.KERNEL)
        filter_label.next_to(VGroup(*kernels), UP, buff=0.2)
        self.play(FadeIn(filter_label), run_time=0.5)
        note = self.caption("with ONE input channel (a grey image) the filter is just one "
                            "kernel: the two words coincide", color=style.MUTED)
        self.play(FadeIn(note), run_time=0.5)
        self.wait(1.0)

        # 3. N filters -> N output channels = N feature maps.
        icell = cell_size(h + 2, w + 2, 3.0, 3.4, 0.5)
        channels = [NumberGrid((h, w), data.input[c], cell=icell, color=style.channel_color(c),
                               fill_opacity=0.35, solid=True) for c in range(n_ch)]
        in_stack = labelled(stack(channels, 0.25), f"input {_shape(n_ch, h, w)}",
                            style.SMALL_SIZE, style.INPUT)
        slot = 5.3 / n_f
        fcell = cell_size(kh + 2, kw + 2, 2.2, slot - 0.4, 0.42)
        ocell = cell_size(oh, ow, 2.6, slot - 0.45, 0.55)
        filters, maps = VGroup(), VGroup()
        for f in range(n_f):
            grids = [NumberGrid((kh, kw), data.filters[f, c], cell=fcell, color=style.KERNEL,
                                fill_opacity=0.3, solid=True) for c in range(n_ch)]
            filters.add(labelled(stack(grids, 0.16), f"filter {f}", style.SMALL_SIZE,
                                 style.KERNEL, buff=0.12))
            fmap = NumberGrid((oh, ow), data.feature_maps[f], cell=ocell, color=style.OUTPUT,
                              fill_opacity=0.3)
            maps.add(labelled(fmap, f"feature map {f} = output channel {f}", style.SMALL_SIZE,
                              style.OUTPUT, buff=0.12, max_width=5.2))
        filters.arrange(DOWN, buff=0.3)
        maps.arrange(DOWN, buff=0.3)
        for fl, m in zip(filters, maps):
            m.match_y(fl)
        place(in_stack, -4.6)
        place(filters, -0.6)
        maps.set_x(4.0)
        fit(maps, max_width=5.6)
        maps.set_x(4.1)
        in_arrows = VGroup(*[Arrow(in_stack.get_right(), fl.get_left(), buff=0.15,
                                   color=style.MUTED, stroke_width=3) for fl in filters])
        out_arrows = VGroup(*[Arrow(fl.get_right(), m.get_left(), buff=0.15,
                                    color=style.OUTPUT, stroke_width=3)
                              for fl, m in zip(filters, maps)])

        words3 = self.sum_line(f"{n_f} filters {_shape(n_f, n_ch, kh, kw)} \u2192 {n_f} output "
                               f"channels = {n_f} feature maps {_shape(n_f, oh, ow)}",
                               color=style.OUTPUT)
        self.play(FadeOut(note), FadeOut(filter_label),
                  ReplacementTransform(VGroup(*kernels), filters[0][1]),
                  FadeIn(filters[0][0]), FadeIn(in_stack), run_time=1.2)
        self.play(*[FadeIn(fl) for fl in filters[1:]], *[GrowArrow(a) for a in in_arrows],
                  run_time=1.0)
        self.play(*[GrowArrow(a) for a in out_arrows], *[FadeIn(m, shift=RIGHT * 0.3)
                                                         for m in maps],
                  ReplacementTransform(words2, words3), run_time=1.4)
        self.wait(0.8)
        final = self.caption("a channel and a feature map are the same thing: these "
                             f"{n_f} maps are the {n_f} input channels of the next layer",
                             color=style.TEXT)
        self.play(FadeIn(final), run_time=0.6)
        self.wait(2.0)
