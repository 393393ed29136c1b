"""FiltersAndKernels: the words of the article, one picture each.

A kernel is a 2-D grid of weights; a filter is a 3-D stack of kernels, one per
input channel; N filters give N output channels, i.e. N feature maps; a channel
and a feature map are the same thing. The last picture is a table: the input's
channels on top, each filter's kernels in a row under the channels they belong to
(edged in that channel's colour), its bias, and its feature map; one output of
each map is then recomputed from the channels' sums and the bias on screen. The
numbers come from ``convviz.conv2d`` (via :func:`convviz.scene_data.filters_data`).

    manim -ql scenes/filters_kernels.py FiltersAndKernels
"""
from __future__ import annotations

from types import SimpleNamespace

from manim import DOWN, LEFT, RIGHT, UP, Arrow, Create, GrowArrow, VGroup

from . import style
from convviz.scene_data import build, format_number, format_padding, format_stride
from .fades import Appear, Vanish
from .widgets import ConvvizScene, NumberGrid, Slide, cell_size, labelled, place, stack, text


ROW_GAP = 0.3      # between the table's rows of kernels


def _shape(*dims) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"


def _channel_name(c: int, n: int) -> str:
    return f"{style.CHANNEL_NAMES[c]} channel" if n <= len(style.CHANNEL_NAMES) else f"channel {c}"


def _term(value) -> str:
    text_ = format_number(value)
    return f"({text_})" if text_.startswith("\u2212") else text_


class FiltersAndKernels(ConvvizScene):
    def kernel(self, weights, c: int, cell: float) -> NumberGrid:
        """Kernel ``c`` of a filter: orange like every kernel, edged in the colour of
        the input channel it belongs to."""
        return NumberGrid(weights.shape, weights, cell=cell, color=style.KERNEL,
                          fill_opacity=0.3, solid=True, stroke_color=style.channel_color(c))

    def table(self, data, c: float) -> SimpleNamespace:
        """The last picture at cell size ``c``, not yet placed: the input's channels on
        top (``heads``: with their names), a row of kernels per filter under the channels
        they belong to, each row's name, bias, arrow, feature map and its name; ``whole``
        groups them all."""
        n_f, n_ch, kh, _ = data.filters.shape
        _, h, w = data.input.shape
        _, oh, ow = data.feature_maps.shape
        channels = [NumberGrid((h, w), data.input[i], cell=c, color=style.channel_color(i),
                               fill_opacity=0.35, solid=True) for i in range(n_ch)]
        heads = VGroup(*[labelled(g, _channel_name(i, n_ch), style.SMALL_SIZE,
                                  style.channel_color(i)) for i, g in enumerate(channels)])
        heads.arrange(RIGHT, buff=0.45, aligned_edge=DOWN)
        kernels = [[self.kernel(data.filters[f, i], i, c) for i in range(n_ch)]
                   for f in range(n_f)]
        previous = heads
        for f in range(n_f):
            for i, k in enumerate(kernels[f]):
                k.next_to(previous, DOWN, buff=ROW_GAP).match_x(channels[i])
            previous = VGroup(*kernels[f])
        rows_box = VGroup(heads, *[VGroup(*r) for r in kernels])
        row_names = VGroup(text("input", style.SMALL_SIZE, style.INPUT)
                           .next_to(channels[0], LEFT, buff=0.35))
        biases, maps, arrows, map_names = [], [], VGroup(), VGroup()
        for f in range(n_f):
            row_names.add(text(f"filter {f}", style.SMALL_SIZE, style.KERNEL)
                          .next_to(kernels[f][0], LEFT, buff=0.35).align_to(row_names[0], RIGHT))
            bias = NumberGrid((1, 1), [[data.bias[f]]], cell=max(c, 0.45), color=style.BIAS,
                              fill_opacity=0.3)
            bias_group = VGroup(text("+ bias", style.SMALL_SIZE, style.BIAS), bias)
            bias_group.arrange(RIGHT, buff=0.15).next_to(kernels[f][-1], RIGHT, buff=0.35)
            biases.append(bias_group)
            # as tall as its row of kernels and the gap to the next row allow
            fmap = NumberGrid((oh, ow), data.feature_maps[f],
                              cell=min(c, (kh * c + ROW_GAP - 0.1) / oh),
                              color=style.OUTPUT, fill_opacity=0.3)
            fmap.next_to(bias_group, RIGHT, buff=0.9)
            maps.append(fmap)
            arrows.add(Arrow(bias_group.get_right(), fmap.get_left(), buff=0.12,
                             color=style.OUTPUT, stroke_width=3))
            map_names.add(text(f"feature map {f}", style.SMALL_SIZE, style.OUTPUT)
                          .next_to(fmap, RIGHT, buff=0.2))
        whole = VGroup(rows_box, row_names, *biases, *maps, arrows, map_names)
        return SimpleNamespace(channels=channels, heads=heads, kernels=kernels,
                               row_names=row_names, biases=biases, maps=maps, arrows=arrows,
                               map_names=map_names, whole=whole)

    def construct(self):
        data = build(type(self).__name__, self.cfg)
        n_f, n_ch, kh, kw = data.filters.shape
        _, h, w = data.input.shape
        _, oh, ow = data.feature_maps.shape
        # The last picture (3.) is laid out first: a setting it cannot show legibly is
        # refused before anything plays.
        subtitle = self.subtitle(f"input {_shape(n_ch, h, w)}, {n_f} filter{'s' * (n_f > 1)} "
                                 f"{_shape(n_f, n_ch, kh, kw)}, {format_stride(data.strides)}, "
                                 f"{format_padding(data.padding)}")
        top = subtitle.get_bottom()[1] - 0.12
        rows = h + n_f * kh
        c = cell_size(rows, n_ch * w, 6.4, top - style.CONTENT_BOTTOM - 0.4 - ROW_GAP * n_f, 0.5)
        t = self.table(data, c)
        if t.whole.width > style.WIDTH:     # the biases, maps and names did not fit beside it
            t = self.table(data, c * style.WIDTH / t.whole.width * 0.97)
        if any(g.crowded() for g in (*t.channels, *t.maps, *[k for r in t.kernels for k in r])):
            raise ValueError(
                f"FiltersAndKernels cannot draw {n_f} filter{'s' * (n_f > 1)} of {kh}x{kw} "
                f"over a {h}x{w} input with {oh}x{ow} feature maps at a readable size (numbers "
                "would overlap); give fewer filters, 'valid' padding or a smaller input")
        channels, heads, table, row_names = t.channels, t.heads, t.kernels, t.row_names
        biases, maps, arrows, map_names = t.biases, t.maps, t.arrows, t.map_names
        place(t.whole, 0, top=top)

        title = self.title("Kernel, filter, channel, feature map")
        self.play(Appear(title), run_time=0.8)

        # 1. A kernel: one 2-D grid of weights.
        big = cell_size(kh, kw, 3.0, 3.0, 0.8)
        kernel = self.kernel(data.filters[0, 0], 0, big)
        place(kernel, 0)
        words = self.sum_line(f"a KERNEL is a 2-D grid of weights: {kh}\u00d7{kw}",
                              color=style.KERNEL)
        self.play(Appear(kernel), Appear(words), run_time=1.0)
        self.wait(0.8)

        # 2. A filter: one kernel per input channel, side by side, then stacked.
        cell = cell_size(kh, kw * n_ch + n_ch, 9.0, 2.6, 0.7)
        kernels = [self.kernel(data.filters[0, c], c, cell) for c in range(n_ch)]
        names = [labelled(k, f"for the {_channel_name(c, n_ch)}", style.SMALL_SIZE,
                          style.channel_color(c))[0] for c, k in enumerate(kernels)]
        row = VGroup(*[VGroup(n, k) for n, k in zip(names, kernels)])
        place(row.arrange(RIGHT, buff=0.6), 0)
        words2 = self.sum_line(f"a FILTER is a stack of {n_ch} kernels, one per input channel: "
                               f"{_shape(n_ch, kh, kw)}", color=style.KERNEL)
        self.play(Vanish(kernel), Vanish(words), run_time=0.4)
        self.play(Appear(row), Appear(words2), run_time=0.9)
        self.wait(0.8)
        # In the stack only the front kernel shows its numbers (the others' would
        # collide with it); the edges keep the channel colours.
        hidden = VGroup(*[n for k in kernels[1:] for n in k.numbers.values()])
        for k in kernels[1:]:
            k.remove(*k.numbers.values())
        self.add(hidden)
        pile = stack([k.copy() for k in kernels], offset=0.25)
        place(pile, 0)
        for depth, k in enumerate(kernels):   # the first kernel in front of the others
            k.set_z_index(len(kernels) - depth)
        self.play(Vanish(hidden), *[Vanish(n) for n in names], run_time=0.4)
        self.play(*[Slide(k, p) for k, p in zip(kernels, reversed(pile))],
                  run_time=1.0)
        filter_label = text(f"filter 0 {_shape(n_ch, kh, kw)}", style.LABEL_SIZE, style.KERNEL)
        filter_label.next_to(VGroup(*kernels), UP, buff=0.2)
        self.play(Appear(filter_label), run_time=0.5)
        note = self.sum_line("with ONE input channel (a grey image) a filter is just one "
                             "kernel: the two words coincide", color=style.MUTED,
                             size=style.SUBTITLE_SIZE)
        self.play(Vanish(words2), run_time=0.3)
        self.play(Appear(note), run_time=0.5)
        self.wait(1.0)

        # 3. The table: channels on top, one row per filter, its bias, its feature map.
        plural = "s" * (n_f > 1)
        words3 = self.sum_line(f"{n_f} filter{plural} {_shape(n_f, n_ch, kh, kw)} \u2192 {n_f} "
                               f"output channel{plural} = {n_f} feature map{plural} "
                               f"{_shape(n_f, oh, ow)}", color=style.OUTPUT)
        self.play(Vanish(note), Vanish(filter_label), Vanish(VGroup(*kernels)),
                  run_time=0.4)
        self.play(Appear(subtitle), Appear(heads), Appear(row_names[0]), run_time=0.8)
        for f in range(n_f):
            self.play(Appear(VGroup(*table[f])), Appear(row_names[f + 1]), Appear(biases[f]),
                      run_time=0.7)
        self.play(*[GrowArrow(a) for a in arrows], *[Appear(m) for m in maps],
                  Appear(map_names), Appear(words3), run_time=1.0)
        self.wait(0.8)

        # 4. One output of each map, recomputed from what is on screen.
        (pad_top, _), (pad_left, _) = data.pads    # the top-left window, clipped to the input
        line, previous_marks = words3, ()
        for f in range(n_f):
            windows = VGroup(*[g.window(0, 0, min(h, kh - pad_top), min(w, kw - pad_left),
                                        stroke_width=4) for g in channels])
            frames = VGroup(*[k.window(0, 0, kh, kw, stroke_width=4, fill_opacity=0)
                              for k in table[f]], biases[f][1].cell_box(0, 0, style.BIAS),
                            maps[f].cell_box(0, 0))
            sums = " + ".join(_term(v) for v in data.partials[f, :, 0, 0])
            new = self.sum_line(f"feature map {f}, top-left cell: {sums} + bias "
                                f"{_term(data.bias[f])} = {format_number(data.feature_maps[f, 0, 0])}",
                                color=style.OUTPUT)
            self.play(Vanish(line), *[Vanish(m) for m in previous_marks], run_time=0.3)
            self.play(Appear(windows), Create(frames), Appear(new), run_time=0.9)
            if f == 0:
                self.mark_poster()
            self.wait(1.2)
            line, previous_marks = new, (windows, frames)

        final = self.sum_line("a channel and a feature map are the same thing: " + (
            f"these {n_f} maps are the {n_f} input channels of the next layer" if n_f > 1 else
            "this map is the input channel of the next layer"), size=style.SUBTITLE_SIZE)
        self.play(Vanish(line), *[Vanish(m) for m in previous_marks], run_time=0.3)
        self.play(Appear(final), run_time=0.6)
        self.wait(2.0)
