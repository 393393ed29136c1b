"""CNNPipeline: one digit through a CNN, the shape beside each stage.

For the article's channels_first model: (1, 28, 28) -> conv 5x5 + relu (32, 28, 28)
-> max pool 2x2 (32, 14, 14) -> conv 5x5 + relu (64, 14, 14) -> max pool 2x2
(64, 7, 7) -> flatten 3136 -> dense + relu 1024 -> dense + softmax 10, ending on
the class probabilities. The title names the model and the subtitle its data
format once; every shape is written as Keras gives it in that format. Every shape,
activation and probability comes from :func:`convviz.scene_data.pipeline_data`
(the model's own layer outputs and ``predict``).

    manim -ql scenes/cnn_pipeline.py CNNPipeline
    convviz render CNNPipeline --digit-index 1
"""
from __future__ import annotations

from manim import (
    DOWN, LEFT, RIGHT, UP, Arrow, Create, Group, GrowArrow, GrowFromEdge, Indicate,
    LaggedStart, Line, Rectangle, SurroundingRectangle, VGroup,
)

from . import style
from convviz.scene_data import to_pixels
from .fades import Appear
from .widgets import ConvvizScene, colorize, fit, image, stack, text

SHOWN_MAPS = 4        # maps drawn per spatial stage (a stack; the shape says how many)
BAR_HEIGHT = 1.0      # a probability of 1
BASE_Y = -1.85        # the bar chart's base line


def shape_text(shape) -> str:
    """``(32, 28, 28)`` as written by Keras; a flat ``(3136,)`` as ``3136``."""
    return str(shape[0]) if len(shape) == 1 else "(" + ", ".join(str(d) for d in shape) + ")"


def stage_title(stage) -> str:
    """``conv 5×5 + relu``, ``max pool 2×2``, ``flatten``, ``dense + softmax``."""
    words = {"conv": "conv", "pool": "max pool", "flatten": "flatten", "dense": "dense"}
    word = words.get(stage.kind, stage.kind)
    if stage.window is not None:
        word += f" {stage.window[0]}\u00d7{stage.window[1]}"
    return word if stage.activation is None else f"{word} + {stage.activation}"


def _framed(img, color):
    return Group(img, SurroundingRectangle(img, color=color, buff=0.0, stroke_width=1.5))


class CNNPipeline(ConvvizScene):
    def construct(self):
        data = self.data()
        stages = data.shown
        spatial = [s for s in stages if len(s.shape) == 3]
        flat = [s for s in stages if len(s.shape) == 1]
        layout = ("(channels, height, width)" if data.data_format == "channels_first"
                  else "(height, width, channels)")
        title = self.title(f"One digit through {data.model_name}: the shape after every stage")
        subtitle = self.subtitle(f"{data.model_name} is {data.data_format}: every shape is "
                                 f"Keras' {layout}")
        self.play(Appear(title), Appear(subtitle), run_time=0.8)

        # Row 1: the input and the spatial stages, each a stack of its first maps.
        columns = 1 + len(spatial)
        slot = 13.6 / columns
        top_y = 1.4
        digit = _framed(image(data.digit, 1.4), style.INPUT)
        boxes = [self._column(digit, "input", shape_text(data.input_shape), style.INPUT, slot)]
        for s in spatial:
            color = style.POOL if s.kind == "pool" else style.OUTPUT
            # drawn to scale with the input (7x7 would be tiny: at least 0.55 units)
            size = max(1.4 * s.maps.shape[1] / data.digit.shape[0], 0.55)
            lim = (min(0.0, float(s.maps.min())), float(s.maps.max()))
            maps = [_framed(image(colorize(m, style.ACTIVATION_CMAP, lim), size), color)
                    for m in s.maps[:SHOWN_MAPS]]
            boxes.append(self._column(stack(maps, 0.14), stage_title(s), shape_text(s.shape),
                                      color, slot))
        for k, box in enumerate(boxes):
            box.move_to(LEFT * 6.8 + RIGHT * slot * (k + 0.5) + UP * top_y)
        arrows = [Arrow(a[1].get_right(), b[1].get_left(), buff=0.1, color=style.MUTED,
                        stroke_width=3, max_tip_length_to_length_ratio=0.3)
                  for a, b in zip(boxes, boxes[1:])]

        self.play(Appear(boxes[0]), run_time=0.6)
        for arrow, box in zip(arrows, boxes[1:]):
            self.play(GrowArrow(arrow), Appear(box), run_time=0.6)

        # Row 2: flatten, dense, and the probabilities.
        low_y = -1.2
        flat_boxes = []
        for s in flat[:-1]:
            strip = _framed(image(to_pixels(s.maps.reshape(1, -1)), 0.3), style.OUTPUT)
            strip[0].stretch_to_fit_width(2.4)
            strip[1].stretch_to_fit_width(2.4)
            flat_boxes.append(self._column(strip, stage_title(s), shape_text(s.shape),
                                           style.OUTPUT, 3.0))
        for k, box in enumerate(flat_boxes):
            box.move_to(LEFT * 5.45 + RIGHT * 3.15 * k + UP * low_y)
        last = flat[-1]
        bars = self._bars(data.probabilities, data.predicted)
        bars_label = text(f"{stage_title(last)} \u2192 {shape_text(last.shape)} class "
                          "probabilities", style.SMALL_SIZE, style.OUTPUT)
        fit(bars_label, max_width=6.6)
        # anchored by the base line, so that a sure prediction's full-height bar fits
        bars.shift(RIGHT * (3.45 - bars.base.get_center()[0])
                   + UP * (BASE_Y - bars.base.get_center()[1]))
        bars_label.move_to(RIGHT * 3.45 + UP * (BASE_Y + BAR_HEIGHT + 0.45))
        # pool2 -> flatten: down, left just under the first row, down again.
        mid_y = min(b.get_bottom()[1] for b in boxes) - 0.15
        start = boxes[-1].get_bottom() + DOWN * 0.05
        corner_a = [start[0], mid_y, 0]
        corner_b = [flat_boxes[0].get_center()[0], mid_y, 0]
        down = VGroup(Line(start, corner_a, color=style.MUTED, stroke_width=3),
                      Line(corner_a, corner_b, color=style.MUTED, stroke_width=3),
                      Arrow(corner_b, flat_boxes[0].get_top() + UP * 0.05, buff=0.0,
                            color=style.MUTED, stroke_width=3,
                            max_tip_length_to_length_ratio=0.5))
        flat_arrows = [Arrow(a[1].get_right(), b.get_left(), buff=0.12, color=style.MUTED,
                             stroke_width=3)
                       for a, b in zip(flat_boxes, flat_boxes[1:] + [bars.base])]

        self.play(Create(down), run_time=0.8)
        self.play(Appear(flat_boxes[0]), run_time=0.5)
        for arrow, box in zip(flat_arrows[:-1], flat_boxes[1:]):
            self.play(GrowArrow(arrow), Appear(box), run_time=0.6)
        self.play(GrowArrow(flat_arrows[-1]), Appear(bars_label), Appear(bars.base),
                  LaggedStart(*[GrowFromEdge(b, DOWN) for b in bars.bars], lag_ratio=0.05),
                  Appear(bars.digits), Appear(bars.values), run_time=1.4)

        verdict = (f"predicted: {data.predicted} "
                   f"(probability {data.probabilities[data.predicted]:.3f})")
        if data.label is not None:
            verdict += f"; the true label is {data.label}"
        line = self.sum_line(verdict, color=style.OUTPUT)
        self.play(Indicate(bars.bars[data.predicted], color=style.BIAS),
                  Create(SurroundingRectangle(VGroup(bars.bars[data.predicted],
                                                     bars.digits[data.predicted],
                                                     bars.values[data.predicted]),
                                              color=style.BIAS, buff=0.06)),
                  Appear(line), run_time=1.2)
        self.mark_poster()
        self.wait(2.0)

    def _column(self, body, name: str, shape: str, color, width: float) -> Group:
        """``[name above, body, shape below]`` as one group, the texts at most ``width``."""
        top = fit(text(name, style.SMALL_SIZE, color), max_width=width - 0.15)
        bottom = fit(text(shape, style.SMALL_SIZE, style.TEXT), max_width=width - 0.15)
        top.next_to(body, UP, buff=0.12)
        bottom.next_to(body, DOWN, buff=0.12)
        return Group(top, body, bottom)

    def _bars(self, probabilities, predicted) -> VGroup:
        """A bar chart of the class probabilities, each value written above its bar."""
        width, gap, height = 0.5, 0.14, BAR_HEIGHT
        group = VGroup()
        group.bars, group.digits, group.values = VGroup(), VGroup(), VGroup()
        base = Line(LEFT * 0.1, RIGHT * (len(probabilities) * (width + gap) - gap + 0.1),
                    color=style.MUTED, stroke_width=2)
        group.base = base
        for c, p in enumerate(probabilities):
            x = c * (width + gap) + width / 2
            color = style.OUTPUT if c == predicted else style.MUTED
            bar = Rectangle(width=width, height=max(height * float(p), 0.02), stroke_width=0,
                            fill_color=color, fill_opacity=0.9)
            bar.move_to(RIGHT * x, aligned_edge=DOWN)
            digit = text(str(c), style.SMALL_SIZE, style.TEXT).next_to(RIGHT * x, DOWN, buff=0.1)
            value = text(f"{p:.2f}", style.WEIGHT_SIZE, color)
            value.next_to(bar, UP, buff=0.06)
            group.bars.add(bar)
            group.digits.add(digit)
            group.values.add(value)
        group.add(base, group.bars, group.digits, group.values)
        return group
