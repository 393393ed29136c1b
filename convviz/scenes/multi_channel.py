"""MultiChannelSum: ONE filter of 3 kernels over an RGB-like (3, 5, 5) input.

Each channel is convolved with its own kernel (top row); the three partial results
(bottom row) are added position by position, plus the bias, into ONE output
feature map.

    manim -ql scenes/multi_channel.py MultiChannelSum
"""
from __future__ import annotations

from manim import (
    DOWN, RIGHT, Create, FadeIn, FadeOut, LaggedStart, ReplacementTransform,
    SurroundingRectangle, TransformFromCopy, VGroup, Write,
)

from . import style
from convviz.scene_data import build, format_number, split_steps
from .widgets import ConvvizScene, NumberGrid, cell_size, labelled, place, text


def _channel_name(c: int, n: int) -> str:
    return style.CHANNEL_NAMES[c] if n <= len(style.CHANNEL_NAMES) else f"channel {c}"


def _term(value) -> str:
    text_ = format_number(value)
    return f"({text_})" if text_.startswith("\u2212") else text_


class MultiChannelSum(ConvvizScene):
    def construct(self):
        data = build(type(self).__name__, self.cfg)
        n_ch, hp, wp = data.padded_input.shape
        _, kh, kw = data.kernels.shape
        _, oh, ow = data.partials.shape

        title = self.title(f"One filter = {n_ch} kernels: each channel gets its own kernel, "
                           "then the results are added")
        # Top row: every channel beside its kernel.
        width_each = 13.3 / n_ch
        cell = cell_size(hp, wp + kh + 0.6, width_each, 2.6, 0.5)
        inputs, kernels, blocks = [], [], VGroup()
        for c in range(n_ch):
            color = style.channel_color(c)
            name = _channel_name(c, n_ch)
            grid = NumberGrid((hp, wp), data.padded_input[c], cell=cell, color=color,
                              mask=data.padding_mask)
            kern = NumberGrid((kh, kw), data.kernels[c], cell=cell, color=style.KERNEL,
                              fill_opacity=0.3)
            block = VGroup(labelled(grid, f"{name} channel", style.SMALL_SIZE, color),
                           labelled(kern, f"kernel {c}", style.SMALL_SIZE, style.KERNEL))
            block.arrange(RIGHT, buff=0.2, aligned_edge=DOWN)
            inputs.append(grid)
            kernels.append(kern)
            blocks.add(block)
        blocks.arrange(RIGHT, buff=0.35)

        # Bottom row: partial + partial + partial + bias = output.
        pcell = cell_size(oh, ow, min(1.8, 8.0 / (n_ch + 2)), 2.0, 0.55)
        partials = [NumberGrid((oh, ow), None, cell=pcell, color=style.channel_color(c),
                               fill_opacity=0.15) for c in range(n_ch)]
        bias_grid = NumberGrid((1, 1), [[data.bias]], cell=pcell, color=style.BIAS,
                               fill_opacity=0.3)
        out = NumberGrid((oh, ow), None, cell=pcell, color=style.OUTPUT)
        row = VGroup()
        for c, grid in enumerate(partials):
            if c:
                row.add(text("+", style.TITLE_SIZE))
            row.add(labelled(grid, f"{_channel_name(c, n_ch)} \u2297 kernel {c}",
                             style.SMALL_SIZE, style.channel_color(c)))
        row.add(text("+", style.TITLE_SIZE),
                labelled(bias_grid, "bias", style.SMALL_SIZE, style.BIAS),
                text("=", style.TITLE_SIZE),
                labelled(out, "ONE output feature map", style.SMALL_SIZE, style.OUTPUT))
        row.arrange(RIGHT, buff=0.25)
        place(VGroup(blocks, row).arrange(DOWN, buff=0.45), 0)
        for sign in row:
            if not isinstance(sign, VGroup):
                sign.match_y(out)
        caption = self.caption(
            f"input ({n_ch}, {data.input.shape[1]}, {data.input.shape[2]}) \u2192 ONE filter "
            f"({n_ch}, {kh}, {kw}) \u2192 ONE output channel ({oh}, {ow})", color=style.MUTED)

        self.play(Write(title), FadeIn(blocks), run_time=1.2)
        self.play(FadeIn(row), FadeIn(caption), run_time=1.0)

        first = data.steps[0]
        windows = VGroup(*[g.window(first.top, first.left, kh, kw) for g in inputs])
        self.play(*[ReplacementTransform(k.copy().set_opacity(0.5), w)
                    for k, w in zip(kernels, windows)], run_time=1.0)
        detailed, fast, batched = split_steps(len(data.steps), self.cfg.detailed_steps,
                                              self.cfg.fast_steps)
        sum_text = None
        for k in list(detailed) + list(fast):
            step = data.steps[k]
            full = k in detailed
            if k:
                self.play(*[w.animate.move_to(g.window(step.top, step.left, kh, kw))
                            for w, g in zip(windows, inputs)], run_time=0.5 if full else 0.3)
            parts = [p.make_number(step.out_row, step.out_col, step.channel_sums[c])
                     for c, p in enumerate(partials)]
            terms = " + ".join(_term(v) for v in step.channel_sums)
            line = self.sum_line(f"{terms} + bias {_term(step.bias)} = "
                                 f"{format_number(step.total)}")
            value = out.make_number(step.out_row, step.out_col, step.total)
            if sum_text is not None:
                self.remove(sum_text)
            if full:
                self.play(LaggedStart(*[TransformFromCopy(w, p) for w, p in zip(windows, parts)],
                                      lag_ratio=0.25), run_time=style.STEP_TIME)
                self.play(Write(line), run_time=0.6)
                copies = [p.copy() for p in parts] + [bias_grid.numbers[0, 0].copy()]
                self.play(*[m.animate.move_to(value).set_opacity(0) for m in copies],
                          FadeIn(value, scale=1.4), run_time=0.8)
                self.remove(*copies)
            else:
                self.play(*[FadeIn(p) for p in parts], FadeIn(line), FadeIn(value),
                          run_time=style.FAST_TIME)
            for p, grid in zip(parts, partials):
                grid.add(p)
            out.add(value)
            sum_text = line

        if len(batched):
            note = self.rest_note(len(batched), "positions")
            rest = []
            for k in batched:
                step = data.steps[k]
                rest += [p.make_number(step.out_row, step.out_col, step.channel_sums[c])
                         for c, p in enumerate(partials)]
                rest.append(out.make_number(step.out_row, step.out_col, step.total))
            last = data.steps[batched[-1]]
            self.play(ReplacementTransform(sum_text, note), run_time=0.3)
            self.write_rest(rest, [w.animate.move_to(g.window(last.top, last.left, kh, kw))
                                   for w, g in zip(windows, inputs)],
                            len(batched), lag_ratio=0.05, base_time=0.8)
            out.add(*rest)
            sum_text = note
        done = self.sum_line("each output cell = the channels' sums at that position + bias",
                             color=style.OUTPUT)
        self.play(FadeOut(windows), ReplacementTransform(sum_text, done),
                  Create(SurroundingRectangle(out.squares, color=style.OUTPUT, buff=0.06)),
                  run_time=0.8)
        self.wait(1.5)
