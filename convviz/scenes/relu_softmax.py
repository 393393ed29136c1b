"""ReluSoftmax: a trained model's ReLU and softmax on real MNIST test digits.

1. ReLU: one filter's map of a conv layer before the activation (red positive, blue
   negative, white 0), a window of its numbers, and the same map after ReLU: every
   negative cell becomes 0; the scene counts them.
2. Softmax: the last layer's logits -> exp -> divided by their sum ->
   probabilities, for the most confident correctly classified test digit and for
   the least confident one (often misclassified).

Every number is the model's own (:func:`convviz.family_data.relu_softmax_data`:
the conv layer's output before and after its ReLU, the logits its softmax reads,
``predict``).

    manim -ql scenes/relu_softmax.py ReluSoftmax
    convviz render ReluSoftmax --digit-index 3
"""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, UP, Arrow, Create, GrowArrow, GrowFromEdge, Group,
    LaggedStart, Line, Rectangle, SurroundingRectangle, VGroup, Write,
)

from . import style
from convviz.family_data import build
from convviz.scene_data import format_number
from .fades import Appear, Vanish
from .widgets import (
    ConvvizScene, NumberGrid, colorize, colormap_colors, fit, image, luminance, text,
)

ROW = 0.29                      # height of a table row


def _scientific(value: float) -> str:
    """How the scene writes an exp or a probability: three significant digits, and
    ``5.32e7`` / ``2.03e−11`` far from 1 (a superscript exponent would be too small to
    read at 720p)."""
    value = float(value)
    if value == 0:
        return "0"
    if 0.001 <= abs(value) < 10000:
        written = f"{value:.3g}"
    else:
        mantissa, exponent = f"{value:.2e}".split("e")
        written = f"{mantissa}e{int(exponent)}"
    return written.replace("-", "\u2212")


def _probability(p: float) -> str:
    """Three decimals, or as many as it takes not to round a p below 1 up to 1."""
    p = float(p)
    if p < 0.001:
        return _scientific(p)
    decimals = 3
    while p < 1 and round(p, decimals) >= 1 and decimals < 12:
        decimals += 1
    return f"{p:.{decimals}f}"


def _two_lines(sentence: str) -> tuple[str, ...]:
    """``sentence`` broken at the space nearest its middle."""
    spaces = [i for i, ch in enumerate(sentence) if ch == " "]
    if not spaces:
        return (sentence,)
    cut = min(spaces, key=lambda i: abs(i - len(sentence) / 2))
    return sentence[:cut], sentence[cut + 1:]


def _range(r: range) -> str:
    return f"{r.start}\u2013{r.stop - 1}"


class ReluSoftmax(ConvvizScene):
    def construct(self):
        data = build(type(self).__name__, self.cfg, model=self.model)
        self.relu(data)
        self.softmax(data)

    # ------------------------------------------------------------------ 1. ReLU
    def relu(self, data):
        pre, after = data.pre_activation, data.activated
        rows, cols = data.zoom_rows, data.zoom_cols
        limit = float(np.abs(pre).max())
        limits = (-limit, limit)                     # one colour scale before and after
        title = self.title("ReLU: every negative value of a feature map becomes 0")
        sub = self.subtitle(
            f"{data.model_name}, layer {data.conv_layer}: output {_shape(data.layer_shape)} "
            f"({data.data_format}), filter {data.filter}; MNIST test digit "
            f"#{data.digit_index} (a {data.label})")

        side = 2.1
        digit = self.framed(image(data.digit, side), style.INPUT)
        before = self.framed(image(colorize(pre, style.WEIGHT_CMAP, limits), side), style.MUTED)
        activated = self.framed(image(colorize(after, style.WEIGHT_CMAP, limits), side), style.MUTED)
        cell = min(0.74, 4.44 / max(len(rows), len(cols)))
        zoom = self.zoom_grid(pre[rows.start:rows.stop, cols.start:cols.stop], cell, limits)
        row = Group(digit, before, zoom, activated).arrange(RIGHT, buff=0.6)
        row.move_to(UP * 0.3)
        labels = [
            self.label(digit, f"test digit #{data.digit_index}\n{_size(data.digit.shape)} pixels",
                       style.INPUT),
            self.label(before, f"before ReLU\nfilter {data.filter}, {_size(pre.shape)}",
                       style.TEXT),
            fit(text(f"rows {_range(rows)}, columns {_range(cols)}", style.SMALL_SIZE),
                max_width=zoom.width + 0.5).next_to(zoom, UP, buff=0.15),
            self.label(activated, f"after ReLU\n{_size(after.shape)}", style.TEXT),
        ]
        into = Arrow(digit.get_right(), before.get_left(), buff=0.08, color=style.KERNEL,
                     stroke_width=4)
        px = side / pre.shape[1]
        window = Rectangle(width=len(cols) * px, height=len(rows) * px, stroke_color=style.BIAS,
                           stroke_width=4)
        window.move_to(before[0].get_corner(UP + LEFT), aligned_edge=UP + LEFT)
        window.shift(RIGHT * cols.start * px + DOWN * rows.start * px)
        links = VGroup(Line(window.get_corner(UP + RIGHT), zoom.get_corner(UP + LEFT)),
                       Line(window.get_corner(DOWN + RIGHT), zoom.get_corner(DOWN + LEFT)))
        links.set_stroke(style.BIAS, 2, opacity=0.8)
        relu = Arrow(zoom.get_right(), activated.get_left(), buff=0.08, color=style.OUTPUT,
                     stroke_width=4)
        key = self.sum_line("red = positive, blue = negative, white = 0 (the same colours "
                            "before and after)", color=style.MUTED)

        self.play(Write(title), Appear(sub), Appear(digit), Appear(labels[0]), run_time=1.2)
        self.play(GrowArrow(into), Appear(before), Appear(labels[1]),
                  Appear(key), run_time=1.0)
        self.play(Create(window), Create(links), Appear(zoom), Appear(labels[2]), run_time=1.2)
        self.wait(1.0)

        negative = [(i, j) for i in range(len(rows)) for j in range(len(cols))
                    if data.zeroed[rows.start + i, cols.start + j]]
        white = colormap_colors([[0.0]], style.WEIGHT_CMAP, limits)[0][0]
        ink = style.DARK_TEXT if luminance(white) > 0.55 else style.TEXT
        zeros = VGroup(*[zoom.make_number(i, j, after[rows.start + i, cols.start + j], ink)
                         for i, j in negative])
        for (i, j), zero in zip(negative, zeros):           # the size of the numbers it replaces
            zero.font_size = zoom.numbers[i, j].font_size
            zero.move_to(zoom.numbers[i, j])
        count = self.sum_line(
            f"ReLU(x) = max(0, x): the {data.n_zeroed} negative cells of {pre.size} are now 0 "
            f"({len(negative)} of them in the window, framed blue)", color=style.OUTPUT)
        self.play(Vanish(key), *[Vanish(zoom.numbers[c]) for c in negative], run_time=0.5)
        marks = VGroup(*[zoom.square(i, j).copy().set_fill(opacity=0).set_stroke(style.INPUT, 4)
                         for i, j in negative])
        self.play(*[zoom.square(i, j).animate.set_fill(white, 1) for i, j in negative],
                  Appear(zeros), Create(marks), GrowArrow(relu), run_time=1.0)
        self.play(Appear(activated), Appear(labels[3]), Appear(count), run_time=1.0)
        self.wait(2.5)
        self.play(*[Vanish(m) for m in self.mobjects], run_time=0.6)

    # ------------------------------------------------------------------ 2. softmax
    def softmax(self, data):
        title = self.title("Softmax: logits \u2192 exp \u2192 divided by their sum "
                           "\u2192 probabilities")
        sub = self.subtitle(f"the ten numbers of {data.model_name}'s last layer (logits, one per "
                            "class) for two MNIST test digits")
        panels = Group(*[self.panel(step) for step in (data.confident, data.unsure)])
        panels.arrange(RIGHT, buff=0.6, aligned_edge=UP)
        panels.move_to(UP * (style.CONTENT_TOP + 0.05), aligned_edge=UP).set_x(0)
        self.play(Write(title), Appear(sub), run_time=1.0)
        rule = self.sum_line("p(class) = exp(logit) \u00f7 sum of all ten exp(logit)",
                             color=style.MUTED)
        for k, panel in enumerate(panels):
            quick = 0.5 if k else 1.0
            self.play(Appear(panel.head), Appear(panel.digit), Appear(panel.header[:2]),
                      Appear(panel.classes), run_time=0.8 * quick)
            self.play(LaggedStart(*[Appear(t) for t in panel.logits], lag_ratio=0.08),
                      run_time=1.2 * quick)
            self.play(Appear(panel.header[2]), LaggedStart(*[Appear(t) for t in panel.exps],
                                                           lag_ratio=0.08),
                      run_time=1.2 * quick)
            self.play(Appear(panel.total), *([] if k else [Appear(rule)]), run_time=0.8 * quick)
            self.play(Appear(panel.header[3]),
                      LaggedStart(*[GrowFromEdge(b, LEFT) for b in panel.bars], lag_ratio=0.05),
                      LaggedStart(*[Appear(t) for t in panel.probabilities], lag_ratio=0.08),
                      run_time=1.2 * quick)
            self.play(Create(panel.mark), Appear(panel.verdict), run_time=0.6)
            self.wait(1.0 * quick)
        ending = self.sum_line("one logit far above the rest: a sure answer; logits close "
                               "together: probabilities shared, the model unsure",
                               color=style.OUTPUT)
        self.play(Vanish(rule), run_time=0.3)
        self.play(Appear(ending), run_time=0.6)
        self.mark_poster()
        self.wait(2.5)

    def panel(self, step) -> Group:
        """Digit, verdict and the table class | logit | exp | probability of one digit."""
        widths = (0.45, 1.0, 1.35, 1.35)
        x = np.cumsum((0,) + widths[:-1]) + np.array(widths) / 2
        size = style.SMALL_SIZE - 3
        header = VGroup(*[text(words, size, style.MUTED).move_to(RIGHT * xi)
                          for words, xi in zip(("class", "logit", "exp(logit)",
                                                "\u00f7 sum = p"), x)])
        ys = [-(i + 1) * ROW - 0.1 for i in range(len(step.logits))]
        classes = VGroup(*[text(str(c), size).move_to(RIGHT * x[0] + UP * y)
                           for c, y in enumerate(ys)])
        logits = VGroup(*[text(format_number(v), size).move_to(RIGHT * x[1] + UP * y)
                          for v, y in zip(step.logits, ys)])
        exps = VGroup(*[text(_scientific(v), size).move_to(RIGHT * x[2] + UP * y)
                        for v, y in zip(step.exps, ys)])
        bars = VGroup(*[Rectangle(width=max(float(p), 0.004) * widths[3], height=ROW * 0.8,
                                  stroke_width=0, fill_color=style.OUTPUT, fill_opacity=0.45)
                        .move_to(RIGHT * (x[3] - widths[3] / 2) + UP * y, aligned_edge=LEFT)
                        for p, y in zip(step.probabilities, ys)])
        probabilities = VGroup(*[text(_probability(p), size).move_to(RIGHT * x[3] + UP * y)
                                 for p, y in zip(step.probabilities, ys)])
        for width, column in zip(widths[1:], (logits, exps, probabilities)):
            for t in column:
                fit(t, max_width=width - 0.08)
        total = text(f"sum = {_scientific(step.total)}", size, style.TEXT)
        total.next_to(exps, DOWN, buff=0.15)
        table = VGroup(header, classes, logits, exps, bars, probabilities, total)
        digit = Group(image(step.digit, 1.3))
        digit.add(SurroundingRectangle(digit[0], color=style.INPUT, buff=0, stroke_width=2))
        digit.next_to(table, LEFT, buff=0.3).align_to(table, UP)
        correct = step.predicted == step.label
        head = VGroup(text(f"test digit #{step.digit_index}, a {step.label}", style.SMALL_SIZE,
                           style.INPUT),
                      *[text(line, size, style.MUTED) for line in _two_lines(step.reason)])
        head.arrange(DOWN, buff=0.08, aligned_edge=LEFT)
        head.next_to(Group(digit, table), UP, buff=0.15).align_to(digit, LEFT)
        row = step.predicted
        mark = SurroundingRectangle(VGroup(classes[row], probabilities[row], bars[row]),
                                    color=style.OUTPUT if correct else style.POOL, buff=0.04)
        verdict = VGroup(*[fit(text(line, size, style.OUTPUT if correct else style.POOL),
                               max_width=1.6) for line in (
            f"predicted {step.predicted}", "correct" if correct else f"wrong: a {step.label}")])
        verdict.arrange(DOWN, buff=0.08, aligned_edge=LEFT).next_to(digit, DOWN, buff=0.25)
        verdict.align_to(digit, LEFT)
        panel = Group(head, digit, table, verdict)
        panel.head, panel.digit, panel.header, panel.classes = head, digit, header, classes
        panel.logits, panel.exps, panel.total, panel.bars = logits, exps, total, bars
        panel.probabilities, panel.mark, panel.verdict = probabilities, mark, verdict
        panel.add(mark)
        return panel

    # ------------------------------------------------------------------ pieces
    @staticmethod
    def framed(img, color) -> Group:
        return Group(img, SurroundingRectangle(img, color=color, buff=0, stroke_width=2))

    @staticmethod
    def label(mobject, words: str, color):
        """Lines of ``words`` under ``mobject`` (above it, the zoom's links run)."""
        lines = VGroup(*[fit(text(line, style.SMALL_SIZE, color), max_width=mobject.width + 0.5)
                         for line in words.split("\n")]).arrange(DOWN, buff=0.1)
        return lines.next_to(mobject, DOWN, buff=0.15)

    @staticmethod
    def zoom_grid(values, cell: float, limits) -> NumberGrid:
        return NumberGrid(values.shape, values, cell=cell, color=style.MUTED, uniform=True,
                          fills=colormap_colors(values, style.WEIGHT_CMAP, limits),
                          stroke_color=style.BACKGROUND)


def _shape(shape) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ")"


def _size(shape) -> str:
    return "\u00d7".join(str(n) for n in shape)
