"""LearnedFilters: the simple CNN's 32 real 5x5 filters and what they make of a digit.

1. The first convolution's 32 filters (5x5 each, one input channel, so each filter
   is one kernel), with filter 0's 25 weights written out.
2. A real MNIST test digit turned into 32 feature maps (32, 28, 28): feature map k
   is relu(digit (x) filter k + bias k) ("same" padding keeps 28x28).
3. 2x2 max pooling: (32, 28, 28) -> (32, 14, 14).

Every weight and pixel comes from :func:`convviz.scene_data.learned_filters_data`
(``convviz.inspect.filters`` / ``feature_maps`` of the model).

    manim -ql scenes/learned_filters.py LearnedFilters
    convviz render LearnedFilters --digit-index 3
"""
from __future__ import annotations

from manim import (
    DOWN, LEFT, RIGHT, UP, AnimationGroup, Arrow, Create, FadeIn, FadeOut, GrowArrow, Group,
    LaggedStart, ReplacementTransform, SurroundingRectangle, Write,
)

from . import style
from convviz.scene_data import format_number
from .widgets import ConvvizScene, NumberGrid, fit, image, text

COLS = 8


def _tile(images, cell: float, gap: float, color, stroke: float = 1.5) -> Group:
    """Images in a grid of ``COLS`` columns, each framed in ``color``."""
    tiles = Group()
    for k, img in enumerate(images):
        frame = SurroundingRectangle(img, color=color, buff=0.0, stroke_width=stroke)
        tile = Group(img, frame)
        tile.move_to(RIGHT * (k % COLS) * (cell + gap) + DOWN * (k // COLS) * (cell + gap))
        tiles.add(tile)
    return tiles


class LearnedFilters(ConvvizScene):
    def construct(self):
        data = self.data()
        n, kh, kw = data.filters.shape
        _, h, w = data.feature_maps.shape
        _, ph, pw = data.pooled.shape
        model_name = self.model.name if self.model is not None else self.cfg.model

        # 1. The filters.
        title = self.title(f"What {model_name} learned: {n} filters of {kh}\u00d7{kw} "
                           f"(layer {data.conv_layer})")
        cell, gap = 0.78, 0.12
        filters = _tile([image(p, cell) for p in data.filter_pixels], cell, gap, style.KERNEL)
        filters.move_to(LEFT * 2.75 + UP * 0.2)
        zoom = NumberGrid((kh, kw), data.filters[0], cell=0.85, color=style.KERNEL,
                          fill_opacity=0.3, uniform=True)
        zoom.move_to(RIGHT * 4.55 + UP * 0.1)
        zoom_label = text(f"filter 0 (top left): {kh * kw} learned weights", style.SMALL_SIZE,
                          style.KERNEL)
        zoom_label.next_to(zoom, UP, buff=0.2)
        bias_label = text(f"bias {format_number(data.bias[0], 3)}", style.SMALL_SIZE,
                          style.BIAS)
        bias_label.next_to(zoom, DOWN, buff=0.2)
        pointer = SurroundingRectangle(filters[0], color=style.KERNEL, buff=0.05,
                                       stroke_width=5)
        caption = self.caption("mid-grey = 0, lighter = positive weight, darker = negative; "
                               "one input channel, so each filter is one kernel",
                               color=style.MUTED)
        self.play(Write(title), LaggedStart(*[FadeIn(t) for t in filters], lag_ratio=0.03),
                  run_time=1.6)
        self.play(FadeIn(zoom_label), FadeIn(zoom), FadeIn(bias_label), Create(pointer),
                  FadeIn(caption), run_time=1.2)
        self.wait(1.5)

        # 2. A digit through the filters: 32 feature maps.
        digit = image(data.digit, 2.6)
        digit_frame = SurroundingRectangle(digit, color=style.INPUT, buff=0.0, stroke_width=2)
        label = f"MNIST test digit #{self.cfg.digit_index}"
        if data.label is not None:
            label += f" (a {data.label})"
        digit_box = Group(digit, digit_frame)
        digit_box.move_to(LEFT * 5.3 + UP * 0.2)
        digit_label = fit(text(label, style.SMALL_SIZE, style.INPUT), max_width=3.2)
        digit_label.next_to(digit_box, UP, buff=0.2)
        digit_shape = text(f"(1, {data.digit.shape[0]}, {data.digit.shape[1]})",
                           style.SMALL_SIZE, style.INPUT).next_to(digit_box, DOWN, buff=0.2)
        maps = _tile([image(p, cell) for p in data.map_pixels], cell, gap, style.OUTPUT)
        maps.move_to(RIGHT * 1.9 + UP * 0.2)
        maps_label = text(f"{n} feature maps ({n}, {h}, {w})", style.LABEL_SIZE, style.OUTPUT)
        maps_label.next_to(maps, UP, buff=0.2)
        arrow = Arrow(digit_box.get_right(), maps.get_left(), buff=0.15, color=style.KERNEL,
                      stroke_width=4)
        arrow_label = text(f"{n} filters", style.SMALL_SIZE, style.KERNEL)
        arrow_label.next_to(arrow, UP, buff=0.1)
        title2 = self.title(f"One digit through the {n} filters: {n} feature maps")
        caption2 = self.caption(f"feature map k = relu(digit \u2297 filter k + bias k); "
                                f"\"same\" padding keeps {h}\u00d7{w}", color=style.MUTED)
        self.play(FadeOut(zoom), FadeOut(zoom_label), FadeOut(bias_label), FadeOut(pointer),
                  ReplacementTransform(title, title2), ReplacementTransform(caption, caption2),
                  filters.animate.move_to(maps.get_center()), run_time=1.0)
        self.play(FadeIn(digit_box), FadeIn(digit_label), FadeIn(digit_shape),
                  GrowArrow(arrow), FadeIn(arrow_label), run_time=1.0)
        self.play(LaggedStart(*[AnimationGroup(FadeOut(f), FadeIn(m)) for f, m in zip(filters, maps)],
                              lag_ratio=0.04), FadeIn(maps_label), run_time=2.4)
        self.wait(1.5)

        # 3. Pooling: 28x28 -> 14x14, drawn at half the size beside the maps.
        before = Group(maps.copy(), maps_label.copy())
        before.move_to(LEFT * 6.65 + UP * 0.2, aligned_edge=LEFT)
        pooled = _tile([image(p, cell / 2) for p in data.pooled_pixels], cell / 2, gap,
                       style.POOL, stroke=1.2)
        pooled.move_to(RIGHT * 6.6 + UP * 0.2, aligned_edge=RIGHT)
        pooled.match_y(before[0])
        pooled_label = text(f"pooled ({n}, {ph}, {pw})", style.LABEL_SIZE, style.POOL)
        pooled_label.next_to(pooled, UP, buff=0.2)
        pool_arrow = Arrow(before[0].get_right(), pooled.get_left(), buff=0.15,
                           color=style.POOL, stroke_width=4)
        pool_arrow_label = text("2\u00d72 max", style.SMALL_SIZE, style.POOL)
        pool_arrow_label.next_to(pool_arrow, UP, buff=0.1)
        title3 = self.title(f"2\u00d72 max pooling: ({n}, {h}, {w}) \u2192 ({n}, {ph}, {pw})")
        caption3 = self.caption(f"each map keeps the largest value of every 2\u00d72 window: "
                                f"{h}\u00d7{w} \u2192 {ph}\u00d7{pw}, drawn at half the size",
                                color=style.MUTED)
        self.play(ReplacementTransform(title2, title3), ReplacementTransform(caption2, caption3),
                  run_time=0.6)
        self.play(FadeOut(digit_box), FadeOut(digit_label), FadeOut(digit_shape),
                  FadeOut(arrow), FadeOut(arrow_label),
                  maps.animate.move_to(before[0]), maps_label.animate.move_to(before[1]),
                  run_time=1.0)
        self.play(GrowArrow(pool_arrow), FadeIn(pool_arrow_label), run_time=0.6)
        copies = [m.copy() for m in maps]
        self.play(LaggedStart(*[c.animate.scale(0.5).move_to(p) for c, p in zip(copies, pooled)],
                              lag_ratio=0.03), FadeIn(pooled_label), run_time=1.8)
        self.play(*[FadeOut(c) for c in copies], *[FadeIn(p) for p in pooled], run_time=0.5)
        self.wait(2.0)
