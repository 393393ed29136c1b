"""DepthwiseSeparable: the standard convolution and the depthwise + pointwise route.

1. Standard: C_out filters of C_in kernels each (C_in x C_out kernels); each channel
   is convolved with its own kernel and the results are summed into one map per
   filter.
2. Depthwise: one kernel per channel and no sum: C_in maps.
3. Pointwise: a 1x1 convolution mixes them: map o = sum over c of
   pointwise[o, c] x depthwise map c, the same maps as the standard route.
4. What each route costs (weights and multiplies), and ``groups=`` as the general
   case: each filter sees C_in / G channels (G = 1 standard, G = C_in depthwise).

Every number comes from :func:`convviz.family_data.depthwise_separable_data`
(``convviz.conv2d``, ``depthwise_conv2d`` and ``separable_conv2d``).

    manim -ql scenes/separable.py DepthwiseSeparable
    convviz render DepthwiseSeparable --padding same
"""
from __future__ import annotations

from manim import (
    DOWN, LEFT, RIGHT, UP, Create, Dot, LaggedStart, Line, Rectangle, VGroup, Write,
)

from . import style
from convviz.family_data import build
from convviz.scene_data import format_number, format_padding, format_stride
from .fades import Appear, Vanish
from .widgets import ConvvizScene, NumberGrid, Slide, fit, labelled, text

LABEL = 0.45              # a label over a grid, with its gap
CAPTION = 0.8             # the two lines under a kernel, with their gap
GAP = 0.3                 # between the top row (channels, kernels) and the bottom row
ROW_BUFF = 0.4            # between the grids and signs of the bottom row


def _size(shape) -> str:
    return "\u00d7".join(str(n) for n in shape)


def _shape(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ")"


def _channel(c: int, n: int) -> str:
    return style.CHANNEL_NAMES[c] if n <= len(style.CHANNEL_NAMES) else f"channel {c}"


def _term(value) -> str:
    written = format_number(value)
    return f"({written})" if written.startswith("\u2212") else written


def _times(formula: str) -> str:
    """A formula as the data writes it (``3*3*3 = 27``), with multiplication signs."""
    return formula.replace("*", "\u00d7")


def _outline(square, color=style.BIAS):
    return square.copy().set_fill(opacity=0).set_stroke(color, 5)


def _frame(mobject, color=style.OUTPUT):
    return Rectangle(width=mobject.width + 0.12, height=mobject.height + 0.12,
                     stroke_color=color, stroke_width=5).move_to(mobject)


class DepthwiseSeparable(ConvvizScene):
    def construct(self):
        data = build(type(self).__name__, self.cfg)
        c_in, h, w = data.input.shape
        c_out = data.pointwise.shape[0]
        kh, kw = data.depthwise_kernels.shape[1:]
        oh, ow = data.depthwise.shape[1:]

        # the frame: channels and kernel places on top, results = output maps below
        title = self.title(f"Standard convolution: {c_out} filters of {c_in} kernels, "
                           "summed over the channels")
        sub = self.subtitle(
            f"input {_shape(data.input.shape)} (channels, height, width); kernels "
            f"{_size((kh, kw))}; {format_stride(data.strides)}; "
            f"{format_padding(data.padding)}")
        # one cell size for both rows, which share the height between them
        free = style.CONTENT_TOP - style.CONTENT_BOTTOM - 2 * LABEL - GAP
        cell = min(0.5, free / (h + oh), (free - CAPTION) / (kh + oh),
                   (13.4 - 0.4 * (c_in - 1)) / c_in / (w + kw + 0.5),
                   (13.4 - c_in * (2 * ROW_BUFF + 0.3) - (c_out - 1) * 0.25)
                   / ((c_in + c_out) * ow))
        drawn = [*data.input, *data.depthwise_kernels, *data.depthwise, data.pointwise,
                 *data.standard_filters.reshape(-1, kh, kw),
                 *data.standard_partials.reshape(-1, oh, ow), *data.standard,
                 *data.pointwise_terms.reshape(-1, oh, ow), *data.separable]
        if any(NumberGrid(a.shape, a, cell=cell).crowded() for a in drawn):
            raise ValueError(
                f"DepthwiseSeparable cannot draw a {_shape(data.input.shape)} input with "
                f"{_size((kh, kw))} kernels and {_size((oh, ow))} outputs at a readable size "
                "(numbers would overlap); give a smaller input, 'valid' padding or a stride")
        blocks, kernel_places = VGroup(), []
        for c in range(c_in):
            color = style.channel_color(c)
            grid = NumberGrid((h, w), data.input[c], cell=cell, color=color)
            place = NumberGrid((kh, kw), None, cell=cell, color=style.KERNEL,
                               fill_opacity=0.0)
            box = labelled(grid, f"{_channel(c, c_in)} channel {_size((h, w))}",
                           style.SMALL_SIZE, color)
            block = VGroup(box, place).arrange(RIGHT, buff=0.22)
            blocks.add(block)
            place.align_to(grid, UP)
            kernel_places.append(place)
        blocks.arrange(RIGHT, buff=0.4).move_to(UP * style.CONTENT_TOP, aligned_edge=UP)
        top_bottom = min(blocks.get_bottom()[1], kernel_places[0].get_bottom()[1] - CAPTION)

        places = [NumberGrid((oh, ow), None, cell=cell, color=style.channel_color(c),
                             fill_opacity=0.0) for c in range(c_in)]
        slots = VGroup(*[NumberGrid((oh, ow), None, cell=cell, color=style.OUTPUT,
                                    fill_opacity=0.1) for _ in range(c_out)])
        slots.arrange(RIGHT, buff=0.25)
        signs = [text("+", style.TITLE_SIZE) for _ in range(c_in - 1)] + \
                [text("=", style.TITLE_SIZE)]
        row = VGroup()
        for c, place in enumerate(places):
            row.add(place, signs[c])
        row.add(slots).arrange(RIGHT, buff=ROW_BUFF)
        row.move_to(UP * (top_bottom - GAP - LABEL), aligned_edge=UP)
        for sign in signs:
            sign.match_y(places[0])
        slot_label = self.label_above(slots, f"standard output {_shape((c_out, oh, ow))}",
                                      style.OUTPUT)

        self.play(Write(title), Appear(sub), Appear(blocks), run_time=1.2)
        self.play(*[Create(p.squares) for p in kernel_places + places],
                  *[Appear(s) for s in signs], Appear(slots), Appear(slot_label), run_time=0.8)

        # 1. standard: filter o has one kernel per channel; their results add up to map o
        kernels, partials, maps, focus, line = [], [], [], None, None
        for o in range(c_out):
            full = o == 0
            new_kernels = [self.kernel(kernel_places[c], data.standard_filters[o, c],
                                       f"filter {o}\nkernel {c}") for c in range(c_in)]
            new_partials = [self.result(places[c], data.standard_partials[o, c],
                                        style.channel_color(c), f"{_channel(c, c_in)} \u2297 "
                                        f"kernel {c}") for c in range(c_in)]
            maps.append(self.filled(slots[o], data.standard[o]))
            new_focus = _frame(slots[o])
            new_line = self.sum_line(
                f"filter {o}, top-left cell: "
                + " + ".join(_term(v) for v in data.standard_partials[o, :, 0, 0])
                + f" = {format_number(data.standard[o, 0, 0])}")
            self.clear_out(*kernels, *partials, focus, line)
            self.play(LaggedStart(*[Appear(k) for k in new_kernels],
                                  lag_ratio=0.2), run_time=1.0 if full else 0.5)
            self.play(LaggedStart(*[Appear(p) for p in new_partials], lag_ratio=0.25),
                      run_time=1.0 if full else 0.4)
            marks = VGroup(*[_outline(p[1].square(0, 0)) for p in new_partials],
                           _outline(maps[o].square(0, 0)))
            self.play(Create(new_focus), Appear(maps[o]), Create(marks), Appear(new_line),
                      run_time=1.2 if full else 0.6)
            self.wait(1.2 if full else 0.3)
            self.play(Vanish(marks), run_time=0.3)
            kernels, partials, focus, line = new_kernels, new_partials, new_focus, new_line
        self.clear_out(focus, line)
        line = self.sum_line(f"{c_out} filters \u00d7 {c_in} channels = {c_in * c_out} kernels; "
                             f"each filter adds its {c_in} channel results into one map",
                             color=style.OUTPUT)
        self.play(Appear(line), run_time=0.6)
        self.wait(1.5)

        # 2. depthwise: one kernel per channel, no sum
        title2 = self.title(f"Depthwise: one kernel per channel and no sum: {c_in} maps")
        dw_kernels = [self.kernel(kernel_places[c], data.depthwise_kernels[c],
                                  f"depthwise\nkernel {c}") for c in range(c_in)]
        dw_maps = [self.result(places[c], data.depthwise[c], style.channel_color(c),
                               f"depthwise map {c}") for c in range(c_in)]
        self.clear_out(title, line, *kernels, *partials, *signs)
        self.play(Appear(title2), LaggedStart(*[Appear(k) for k in dw_kernels],
                                                lag_ratio=0.2),
                  run_time=1.0)
        self.play(LaggedStart(*[Appear(m) for m in dw_maps], lag_ratio=0.25), run_time=1.0)
        line = self.sum_line(f"channel c \u2297 depthwise kernel c = depthwise map c: "
                             f"the {c_in} channels never mix")
        self.play(Appear(line), run_time=0.5)
        self.wait(1.5)

        # 3. pointwise: 1x1 weights mix the depthwise maps; the standard output moves up
        title3 = self.title(f"Pointwise: a 1\u00d71 convolution mixes the {c_in} maps")
        self.clear_out(title2, line, blocks, *dw_kernels, *[p.squares for p in kernel_places],
                       *[m[0] for m in dw_maps])
        lifted = VGroup(*[m[1].copy() for m in dw_maps]).arrange(RIGHT, buff=0.3)
        lifted.move_to(UP * (style.CONTENT_TOP - 2 * LABEL), aligned_edge=UP)
        lifted.shift(RIGHT * (-6.9 - lifted.get_left()[0]))
        rise = lifted.get_top()[1] - slots.get_top()[1]
        names = VGroup(*[text(f"map {c}", style.SMALL_SIZE, style.channel_color(c))
                         .next_to(g, UP, buff=0.12) for c, g in enumerate(lifted)])
        names_label = self.label_above(names, "depthwise output "
                                       f"{_shape(data.depthwise.shape)}", style.TEXT)
        names_label.shift(RIGHT * max(0.0, -6.9 - names_label.get_left()[0]))
        weights = NumberGrid(data.pointwise.shape, data.pointwise, cell=cell,
                             color=style.KERNEL, fill_opacity=0.3, uniform=True)
        matrix = labelled(weights, "pointwise weights", style.SMALL_SIZE, style.KERNEL)
        matrix.next_to(lifted, RIGHT, buff=0.5).align_to(lifted, DOWN)
        standard = VGroup(slot_label, slots, *maps)
        matrix_note = self.sum_line(f"row o of the {c_out}\u00d7{c_in} weights mixes the "
                                    f"{c_in} depthwise maps into output map o",
                                    color=style.KERNEL)
        self.play(Appear(title3), *[Slide(m[1], t) for m, t in zip(dw_maps, lifted)],
                  Slide(standard, standard.get_center() + UP * rise), run_time=1.0)
        self.play(Appear(names), Appear(names_label), run_time=0.5)
        self.play(Appear(matrix), Appear(matrix_note), run_time=0.6)
        new_slots = VGroup(*[NumberGrid((oh, ow), None, cell=cell, color=style.OUTPUT,
                                        fill_opacity=0.1).move_to(s) for s in slots])
        new_slots.shift(DOWN * rise)
        sep_label = self.label_above(new_slots, f"separable output {_shape((c_out, oh, ow))}",
                                     style.OUTPUT)
        signs = [text(s.original_text, style.TITLE_SIZE).move_to(s) for s in signs]
        self.play(*[Appear(s) for s in signs], Appear(new_slots), Appear(sep_label),
                  run_time=0.6)
        self.wait(0.6)
        terms, focus, line, row_box = [], None, matrix_note, None
        for o in range(c_out):
            full = o == 0
            new_terms = [self.result(places[c], data.pointwise_terms[o, c],
                                     style.channel_color(c),
                                     f"{_term(data.pointwise[o, c])} \u00d7 map {c}")
                         for c in range(c_in)]
            sep_map = self.filled(new_slots[o], data.separable[o])
            new_focus = _frame(new_slots[o])
            new_row_box = weights.window(o, 0, 1, c_in, color=style.BIAS, fill_opacity=0.0)
            new_line = self.sum_line(
                f"map {o} = " + " + ".join(f"{_term(data.pointwise[o, c])}\u00d7(map {c})"
                                           for c in range(c_in))
                + "; top-left: " + " + ".join(_term(v) for v in data.pointwise_terms[o, :, 0, 0])
                + f" = {format_number(data.separable[o, 0, 0])}")
            self.clear_out(*terms, focus, line, row_box)
            self.play(Create(new_row_box), LaggedStart(*[Appear(t) for t in new_terms],
                                                        lag_ratio=0.25),
                      run_time=1.0 if full else 0.5)
            self.play(Create(new_focus), Appear(sep_map), Appear(new_line),
                      run_time=1.0 if full else 0.5)
            self.wait(1.2 if full else 0.3)
            terms, focus, line, row_box = new_terms, new_focus, new_line, new_row_box
        self.clear_out(focus, line, row_box)
        line = self.sum_line(f"the same maps as the standard route, from "
                             f"{data.costs['separable'].weights} weights instead of "
                             f"{data.costs['standard'].weights}", color=style.OUTPUT)
        self.play(Appear(line), Create(_frame(standard[1])), Create(_frame(new_slots)),
                  run_time=0.8)
        self.mark_poster()
        self.wait(1.5)

        # 4. the costs, and groups= as the general case
        title4 = self.title("The same maps, two costs; groups= is the general case")
        self.clear_out(*self.mobjects)
        table = self.cost_table(data)
        panel = self.groups_panel(data)
        VGroup(table, panel).arrange(DOWN, buff=0.5).move_to(UP * 0.4)
        self.play(Appear(title4), LaggedStart(*[Appear(r) for r in table], lag_ratio=0.25),
                  run_time=1.8)
        self.play(Appear(panel), run_time=1.0)
        kh_kw = kh * kw
        line = self.sum_line(
            f"{data.costs['separable'].weights}/{data.costs['standard'].weights} = "
            f"1/C_out + 1/(kh\u00d7kw) = 1/{c_out} + 1/{kh_kw}: {data.saving:.3g}\u00d7 fewer "
            "weights and multiplies", color=style.OUTPUT)
        self.play(Appear(line), run_time=0.6)
        self.wait(2.5)

    # ------------------------------------------------------------------ pieces
    def label_above(self, mobject, words: str, color):
        label = fit(text(words, style.SMALL_SIZE, color), max_width=mobject.width + 1.0)
        return label.next_to(mobject, UP, buff=0.15)

    def clear_out(self, *mobjects):
        """Fade out what is there (None skipped)."""
        gone = [Vanish(m) for m in mobjects if m is not None]
        if gone:
            self.play(*gone, run_time=0.35)

    def kernel(self, place, values, words: str) -> VGroup:
        grid = NumberGrid(values.shape, values, cell=place.cell, color=style.KERNEL,
                          fill_opacity=0.3, uniform=True).move_to(place)
        caption = VGroup(*[fit(text(line, style.SMALL_SIZE, style.KERNEL),
                               max_width=place.width + 0.5) for line in words.split("\n")])
        caption.arrange(DOWN, buff=0.08)
        return VGroup(caption.next_to(grid, DOWN, buff=0.12), grid)

    def result(self, place, values, color, words: str) -> VGroup:
        grid = NumberGrid(values.shape, values, cell=place.cell, color=color,
                          fill_opacity=0.2).move_to(place)
        caption = fit(text(words, style.SMALL_SIZE, color),
                      max_width=place.width + 2 * ROW_BUFF + 0.2)
        caption.next_to(grid, UP, buff=0.15)
        caption.shift(RIGHT * max(0.0, -6.95 - caption.get_left()[0]))    # inside the frame
        return VGroup(caption, grid)

    @staticmethod
    def filled(slot, values) -> NumberGrid:
        return NumberGrid(values.shape, values, cell=slot.cell, color=style.OUTPUT,
                          fill_opacity=0.25).move_to(slot)

    def cost_table(self, data) -> VGroup:
        """Route | weights | multiplies, with the formulas the data writes."""
        costs = data.costs
        rows = [("route", "weights", "multiplies", style.MUTED)]
        for key, name, color in (
                ("standard", "standard (kh\u00d7kw\u00d7C_in\u00d7C_out)", style.TEXT),
                ("depthwise", "depthwise (kh\u00d7kw\u00d7C_in)", style.TEXT),
                ("pointwise", "pointwise (C_in\u00d7C_out)", style.TEXT),
                ("separable", "depthwise + pointwise", style.OUTPUT)):
            rows.append((name, _times(costs[key].weights_formula),
                         _times(costs[key].multiplies_formula), color))
        cells = [[text(v, style.SMALL_SIZE, row[3]) for v in row[:3]] for row in rows]
        widths = [max(r[k].width for r in cells) for k in range(3)]
        x = [0.0, widths[0] + 0.6, widths[0] + widths[1] + 1.2]
        table = VGroup()
        for i, row in enumerate(cells):
            table.add(VGroup(*[t.move_to(RIGHT * x[k] + DOWN * 0.42 * i, aligned_edge=LEFT)
                               for k, t in enumerate(row)]))
        y = table[0].get_bottom()[1] - 0.08
        table.add(Line(RIGHT * x[0] + UP * y, RIGHT * (x[2] + widths[2]) + UP * y,
                       color=style.MUTED, stroke_width=1.5))
        return table

    def groups_panel(self, data) -> VGroup:
        """Per ``groups=G``: the channels above, the filters below, a line where a filter
        sees a channel."""
        c_in = data.input.shape[0]
        c_out = data.pointwise.shape[0]
        panel = VGroup()
        for case in data.groups:
            ins = VGroup(*[Dot(radius=0.11, color=style.channel_color(c)) for c in range(c_in)])
            outs = VGroup(*[Dot(radius=0.11, color=style.OUTPUT) for _ in range(c_out)])
            ins.arrange(RIGHT, buff=0.4)
            outs.arrange(RIGHT, buff=0.4).next_to(ins, DOWN, buff=0.7)
            links = VGroup(*[Line(ins[c].get_bottom(), outs[o].get_top(),
                                  color=style.channel_color(c), stroke_width=2.5)
                             for o, seen in enumerate(case.filter_channels) for c in seen])
            seen = len(case.filter_channels[0])
            name = ("the standard route" if case.groups == 1 else
                    "the depthwise step" if case.groups == c_in == c_out else
                    f"{case.groups} groups of {seen} channels")
            head = text(f"groups={case.groups}: {name}", style.SMALL_SIZE)
            words = VGroup(text(f"each filter sees {seen} of the {c_in} channels",
                                style.SMALL_SIZE, style.MUTED),
                           text(f"{_times(case.cost.weights_formula)} weights",
                                style.SMALL_SIZE, style.MUTED)).arrange(DOWN, buff=0.1)
            names = VGroup(text("channels", style.SMALL_SIZE, style.MUTED).next_to(ins, LEFT),
                           text("filters", style.SMALL_SIZE, style.OUTPUT).next_to(outs, LEFT))
            names[1].align_to(names[0], RIGHT)
            panel.add(VGroup(head, VGroup(ins, links, outs, names), words)
                      .arrange(DOWN, buff=0.18))
        return panel.arrange(RIGHT, buff=1.0)
