"""MultiChannelSum: ONE filter of 3 kernels over an RGB-like (3, 5, 5) input.

Each channel is convolved with its own kernel (top row: the window on every channel
carries that channel's kernel weights); the three partial results (bottom row) are
added position by position, plus the bias, into ONE output feature map. The cells
being filled are framed while the windows sit on the input.

    manim -ql scenes/multi_channel.py MultiChannelSum
"""
from __future__ import annotations

from manim import DOWN, RIGHT, Create, SurroundingRectangle, VGroup

from . import style
from convviz.scene_data import build, format_number, format_padding, format_stride, split_steps
from .fades import Appear, Vanish
from .widgets import ConvvizScene, NumberGrid, Slide, cell_size, labelled, place, text


MIN_CELL = 0.34


def _channel_name(c: int, n: int) -> str:
    return style.CHANNEL_NAMES[c] if n <= len(style.CHANNEL_NAMES) else f"channel {c}"


def _term(value) -> str:
    text_ = format_number(value)
    return f"({text_})" if text_.startswith("\u2212") else text_


def _shape(*dims) -> str:
    return "(" + ", ".join(str(d) for d in dims) + ")"


class MultiChannelSum(ConvvizScene):
    def construct(self):
        data = build(type(self).__name__, self.cfg)
        n_ch, hp, wp = data.padded_input.shape
        _, kh, kw = data.kernels.shape
        _, oh, ow = data.partials.shape

        title = self.title(f"One filter = {n_ch} kernels: each channel gets its own kernel, "
                           "then the results are added")
        subtitle = self.subtitle(
            f"input {_shape(*data.input.shape)}, ONE filter {_shape(n_ch, kh, kw)}, "
            f"{format_stride(data.strides)}, {format_padding(data.padding)} "
            f"\u2192 ONE output channel {_shape(oh, ow)}")
        top = subtitle.get_bottom()[1] - 0.12
        # Top row: every channel beside its kernel. Bottom row: the partial sums.
        # at least MIN_CELL, the room a number like "−1" needs; the top row gives way
        pcell = max(MIN_CELL, cell_size(oh, ow, min(1.6, 7.5 / (n_ch + 2)), 1.3, 0.45))
        room = top - style.CONTENT_BOTTOM - 0.4 - 0.35 - (oh * pcell + 0.4)
        cell = cell_size(hp, wp + 0.85 * kw + 0.5, 13.4 / n_ch - 0.35, room, 0.62)
        kcell = max(MIN_CELL, 0.85 * cell)
        inputs, kernels, blocks = [], [], VGroup()
        for c in range(n_ch):
            color = style.channel_color(c)
            name = _channel_name(c, n_ch)
            grid = NumberGrid((hp, wp), data.padded_input[c], cell=cell, color=color,
                              mask=data.padding_mask, lift=0.13)
            kern = NumberGrid((kh, kw), data.kernels[c], cell=kcell, color=style.KERNEL,
                              fill_opacity=0.3)
            block = VGroup(labelled(grid, f"{name} channel", style.SMALL_SIZE, color),
                           labelled(kern, f"kernel {c}", style.SMALL_SIZE, style.KERNEL))
            block.arrange(RIGHT, buff=0.2, aligned_edge=DOWN)
            inputs.append(grid)
            kernels.append(kern)
            blocks.add(block)
        blocks.arrange(RIGHT, buff=0.35)

        partials = [NumberGrid((oh, ow), None, cell=pcell, color=style.channel_color(c),
                               fill_opacity=0.15) for c in range(n_ch)]
        bias_grid = NumberGrid((1, 1), [[data.bias]], cell=pcell, color=style.BIAS,
                               fill_opacity=0.3)
        out = NumberGrid((oh, ow), None, cell=pcell, color=style.OUTPUT)
        row, signs = VGroup(), []
        for c, grid in enumerate(partials):
            if c:
                signs.append(text("+", style.TITLE_SIZE))
                row.add(signs[-1])
            row.add(labelled(grid, f"{_channel_name(c, n_ch)} \u2297 kernel {c}",
                             style.SMALL_SIZE, style.channel_color(c), max_width=2.4))
        signs += [text("+", style.TITLE_SIZE), text("=", style.TITLE_SIZE)]
        row.add(signs[-2], labelled(bias_grid, "bias", style.SMALL_SIZE, style.BIAS),
                signs[-1], labelled(out, "ONE output feature map", style.SMALL_SIZE,
                                    style.OUTPUT, max_width=3.2))
        row.arrange(RIGHT, buff=0.25)
        place(VGroup(blocks, row).arrange(DOWN, buff=0.35), 0, top=top)
        for sign in signs:
            sign.match_y(out)

        self.play(Appear(title), Appear(subtitle), Appear(blocks), run_time=1.2)
        self.play(Appear(row), run_time=1.0)

        def windows_at(step):
            return [g.window(step.top, step.left, kh, kw, weights=data.kernels[c])
                    for c, g in enumerate(inputs)]

        def frames_at(step):
            return ([p.cell_box(step.out_row, step.out_col) for p in partials]
                    + [out.cell_box(step.out_row, step.out_col)])

        first = data.steps[0]
        windows, frames = windows_at(first), VGroup(*frames_at(first))
        self.play(*[Appear(w) for w in windows], Create(frames), run_time=1.0)
        detailed, fast, batched = split_steps(len(data.steps), self.cfg.detailed_steps,
                                              self.cfg.fast_steps)
        line = None
        for k in list(detailed) + list(fast):
            step = data.steps[k]
            full = k in detailed
            if k:
                moves = []
                for c, new in enumerate(windows_at(step)):
                    anims, windows[c] = self.move_window(windows[c], new)
                    moves += anims
                self.play(Vanish(line), *moves,
                          *[Slide(f, t) for f, t in zip(frames, frames_at(step))],
                          run_time=0.5 if full else 0.3)
            parts = [p.make_number(step.out_row, step.out_col, step.channel_sums[c])
                     for c, p in enumerate(partials)]
            terms = " + ".join(_term(v) for v in step.channel_sums)
            line = self.explains(self.sum_line(f"{terms} + bias {_term(step.bias)} = "
                                               f"{format_number(step.total)}"), windows[0])
            value = out.make_number(step.out_row, step.out_col, step.total)
            self.reveal_cell(parts, line, value, k, detailed, full, lag_ratio=0.3)
            for p, grid in zip(parts, partials):
                grid.add(p)
            out.add(value)

        leaving = [Vanish(m) for m in (line, *windows, frames) if m is not None]
        if len(batched):
            note = self.rest_note(len(batched), "positions")
            rest = []
            for k in batched:
                step = data.steps[k]
                rest += [p.make_number(step.out_row, step.out_col, step.channel_sums[c])
                         for c, p in enumerate(partials)]
                rest.append(out.make_number(step.out_row, step.out_col, step.total))
            self.play(*leaving, run_time=0.3)
            self.play(Appear(note), run_time=0.3)
            self.write_rest(rest, [], len(batched), lag_ratio=0.05, base_time=0.8)
            out.add(*rest)
            leaving = [Vanish(note)]
        done = self.sum_line("each output cell = the channels' sums at that position + bias",
                             color=style.OUTPUT)
        self.play(*leaving, run_time=0.4)
        self.play(Appear(done), Create(SurroundingRectangle(out.squares, color=style.OUTPUT,
                                                            buff=0.06)), run_time=0.8)
        self.wait(1.5)
