"""CNNPipeline: one digit through the article's channels_first CNN, shapes beside each stage.

(1, 28, 28) -> conv 5x5 + relu (32, 28, 28) -> max pool (32, 14, 14) -> conv 5x5 +
relu (64, 14, 14) -> max pool (64, 7, 7) -> flatten 3136 -> dense + relu 1024 ->
dense + softmax 10, ending on the predicted class probabilities. Every shape,
activation and probability comes from :func:`convviz.scene_data.pipeline_data`
(the model's own layer outputs and ``predict``).

    manim -ql scenes/cnn_pipeline.py CNNPipeline
    convviz render CNNPipeline --digit-index 1
"""
from __future__ import annotations

from manim import (
    DOWN, LEFT, RIGHT, UP, Arrow, Create, FadeIn, GrowArrow, GrowFromEdge, Group, Indicate,
    LaggedStart, Line, Rectangle, SurroundingRectangle, VGroup, Write,
)

from . import style
from convviz.scene_data import to_pixels
from .widgets import ConvvizScene, fit, image, stack, text

SHOWN_MAPS = 4        # maps drawn per spatial stage (a stack; the shape says how many)


def shape_text(shape) -> str:
    """``(32, 28, 28)`` as written by Keras; a flat ``(3136,)`` as ``3136``."""
    return str(shape[0]) if len(shape) == 1 else "(" + ", ".join(str(d) for d in shape) + ")"


def stage_title(stage) -> str:
    words = {"conv": "conv", "pool": "max pool", "flatten": "flatten", "dense": "dense"}
    word = words.get(stage.kind, stage.kind)
    return word if stage.activation is None else f"{word} + {stage.activation}"


def _framed(img, color):
    return Group(img, SurroundingRectangle(img, color=color, buff=0.0, stroke_width=1.5))


class CNNPipeline(ConvvizScene):
    def construct(self):
        data = self.data()
        stages = data.shown
        spatial = [s for s in stages if len(s.shape) == 3]
        flat = [s for s in stages if len(s.shape) == 1]
        model_name = self.model.name if self.model is not None else self.cfg.model
        title = self.title(f"One digit through {model_name}: the shape after every stage")
        self.play(Write(title), run_time=0.8)

        # Row 1: the input and the spatial stages, each a stack of its first maps.
        columns = 1 + len(spatial)
        slot = 13.4 / columns
        top_y = 1.35
        digit = _framed(image(data.digit, 1.45), style.INPUT)
        boxes = [self._column(digit, "input", shape_text(data.input_shape), style.INPUT)]
        for s in spatial:
            color = style.POOL if s.kind == "pool" else style.OUTPUT
            # drawn to scale with the input (7x7 would be tiny: at least 0.55 units)
            size = max(1.45 * s.shape[1] / data.digit.shape[0], 0.55)
            maps = [_framed(image(to_pixels(m), size), color) for m in s.maps[:SHOWN_MAPS]]
            boxes.append(self._column(stack(maps, 0.16), stage_title(s), shape_text(s.shape),
                                      color))
        for k, box in enumerate(boxes):
            box.move_to(LEFT * 6.7 + RIGHT * slot * (k + 0.5) + UP * top_y)
        arrows = [Arrow(a[1].get_right(), b[1].get_left(), buff=0.12, color=style.MUTED,
                        stroke_width=3, max_tip_length_to_length_ratio=0.3)
                  for a, b in zip(boxes, boxes[1:])]

        self.play(FadeIn(boxes[0]), run_time=0.6)
        for arrow, box in zip(arrows, boxes[1:]):
            self.play(GrowArrow(arrow), FadeIn(box[1], shift=RIGHT * 0.2), FadeIn(box[0]),
                      run_time=0.5)
            self.play(Write(box[2]), run_time=0.4)

        # Row 2: flatten, dense, and the probabilities.
        low_y = -1.75
        strips = VGroup()
        flat_boxes = []
        for s in flat[:-1]:
            values = s.maps
            strip = _framed(image(to_pixels(values.reshape(1, -1)), 0.3), style.OUTPUT)
            strip[0].stretch_to_fit_width(3.0)
            strip[1].stretch_to_fit_width(3.0)
            flat_boxes.append(self._column(strip, stage_title(s), shape_text(s.shape),
                                           style.OUTPUT))
        for k, box in enumerate(flat_boxes):
            box.move_to(LEFT * 4.9 + RIGHT * 3.7 * k + UP * low_y)
        bars = self._bars(data.probabilities, data.predicted)
        # the chart stands on y = -2.5 (room below the pool2 -> flatten line for the
        # tallest bar, its value and the label)
        bars.shift(RIGHT * 4.3 - RIGHT * bars.base.get_center()[0]
                   + UP * (-2.5 - bars.base.get_center()[1]))
        last = flat[-1]
        bars_label = text(f"{stage_title(last)} \u2192 {shape_text(last.shape)} class "
                          "probabilities", style.SMALL_SIZE, style.OUTPUT)
        fit(bars_label, max_width=5.4).move_to(RIGHT * 4.3 + UP * -0.85)
        # pool2 -> flatten: down, left along the gap between the rows, down again.
        mid_y = (boxes[-1].get_bottom()[1] + flat_boxes[0].get_top()[1]) / 2
        start = boxes[-1].get_bottom() + DOWN * 0.08
        corner_a = [start[0], mid_y, 0]
        corner_b = [flat_boxes[0].get_center()[0], mid_y, 0]
        down = VGroup(Line(start, corner_a, color=style.MUTED, stroke_width=3),
                      Line(corner_a, corner_b, color=style.MUTED, stroke_width=3),
                      Arrow(corner_b, flat_boxes[0].get_top() + UP * 0.05, buff=0.0,
                            color=style.MUTED, stroke_width=3,
                            max_tip_length_to_length_ratio=0.5))
        flat_arrows = [Arrow(a[1].get_right(), b.get_left() if isinstance(b, Group) else
                             b.get_left(), buff=0.15, color=style.MUTED, stroke_width=3)
                       for a, b in zip(flat_boxes, flat_boxes[1:] + [bars])]

        self.play(Create(down), run_time=0.8)
        self.play(FadeIn(flat_boxes[0]), run_time=0.5)
        for arrow, box in zip(flat_arrows[:-1], flat_boxes[1:]):
            self.play(GrowArrow(arrow), FadeIn(box), run_time=0.6)
        self.play(GrowArrow(flat_arrows[-1]), FadeIn(bars_label),
                  LaggedStart(*[GrowFromEdge(b, DOWN) for b in bars.bars], lag_ratio=0.05),
                  FadeIn(bars.digits), FadeIn(bars.values), run_time=1.4)

        verdict = (f"predicted: {data.predicted} "
                   f"(probability {data.probabilities[data.predicted]:.3f})")
        if data.label is not None:
            verdict += f"; the true label is {data.label}"
        line = self.caption(verdict, size=style.LABEL_SIZE, color=style.OUTPUT)
        self.play(Indicate(bars.bars[data.predicted], color=style.BIAS),
                  Create(SurroundingRectangle(VGroup(bars.bars[data.predicted],
                                                     bars.digits[data.predicted],
                                                     bars.values[data.predicted]),
                                              color=style.BIAS, buff=0.06)),
                  Write(line), run_time=1.2)
        self.wait(2.0)

    def _column(self, body, name: str, shape: str, color) -> Group:
        """``[name above, body, shape below]`` as one group."""
        top = fit(text(name, style.SMALL_SIZE, color), max_width=1.75)
        bottom = fit(text(shape, style.SMALL_SIZE, style.TEXT), max_width=1.85)
        top.next_to(body, UP, buff=0.15)
        bottom.next_to(body, DOWN, buff=0.15)
        group = Group(top, body, bottom)
        return group

    def _bars(self, probabilities, predicted) -> VGroup:
        """A bar chart of the class probabilities, each value written above its bar."""
        width, gap, height = 0.4, 0.14, 1.2
        group = VGroup()
        group.bars, group.digits, group.values = VGroup(), VGroup(), VGroup()
        base = Line(LEFT * 0.1, RIGHT * (10 * (width + gap) - gap + 0.1), color=style.MUTED,
                    stroke_width=2)
        group.base = base
        for c, p in enumerate(probabilities):
            x = c * (width + gap) + width / 2
            color = style.OUTPUT if c == predicted else style.MUTED
            bar = Rectangle(width=width, height=max(height * float(p), 0.02), stroke_width=0,
                            fill_color=color, fill_opacity=0.9)
            bar.move_to(RIGHT * x, aligned_edge=DOWN)
            digit = text(str(c), style.SMALL_SIZE, style.TEXT).next_to(RIGHT * x, DOWN, buff=0.12)
            value = fit(text(f"{p:.2f}", 14, color), max_width=width + gap * 0.6)
            value.next_to(bar, UP, buff=0.06)
            group.bars.add(bar)
            group.digits.add(digit)
            group.values.add(value)
        group.add(base, group.bars, group.digits, group.values)
        return group
