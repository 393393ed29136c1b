"""LearnedFilters: the simple CNN's 32 real 5x5 filters and what they make of a digit.

1. The first convolution's 32 filters (5x5 each, one input channel, so each filter
   is one kernel) in the figures' red/blue colours, with filter 0's 25 weights and
   its bias written out on the same colours (the poster).
2. A real MNIST test digit turned into 32 feature maps: each map is drawn right
   beside the filter that made it (map k = relu(digit (x) filter k + bias k);
   "same" padding keeps 28x28). The tiles of each picture are one image
   (:func:`convviz.scenes.widgets.mosaic`), which keeps the render cheap.
3. 2x2 max pooling: (28, 28, 32) -> (14, 14, 32), shown large for the first maps.

Shapes are written as Keras gives them in the model's data format, which the
subtitle names once. Every weight and pixel comes from
:func:`convviz.scene_data.learned_filters_data` (``convviz.inspect.filters`` /
``feature_maps`` of the model).

    manim -ql scenes/learned_filters.py LearnedFilters
    convviz render LearnedFilters --digit-index 3
"""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, UP, Arrow, Create, Group, GrowArrow, SurroundingRectangle, VGroup,
)

from . import style
from convviz.scene_data import format_number, format_padding
from .fades import Appear, Vanish
from .widgets import (
    ConvvizScene, NumberGrid, box_of, colorize, colormap_colors, fit, framed_pixels, image,
    labelled, mosaic, text,
)

COLS = 8
POOL_SHOWN = 8        # maps shown large in the pooling part


def _shape(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _rows(tiles, cols: int = COLS):
    return [tiles[i:i + cols] for i in range(0, len(tiles), cols)]


def _blank(tile) -> np.ndarray:
    return np.zeros_like(tile)


class LearnedFilters(ConvvizScene):
    def construct(self):
        data = self.data()
        n, kh, kw = data.filters.shape
        _, h, w = data.feature_maps.shape
        _, ph, pw = data.pooled.shape
        vmax = float(np.abs(data.filters).max()) or 1.0           # one scale, as plot_filters
        weights = (-vmax, vmax)
        lim = (min(0.0, float(data.feature_maps.min())), float(data.feature_maps.max()))

        def filter_tile(k, scale, border=2):
            return framed_pixels(colorize(data.filters[k], style.WEIGHT_CMAP, weights), scale,
                                 style.KERNEL, border)

        def map_tile(values, scale, color):
            return framed_pixels(colorize(values, style.ACTIVATION_CMAP, lim), scale, color)

        # 1. The filters, filter 0's weights written on their colours.
        title = self.title(f"What {data.model_name} learned: {n} filters of {kh}\u00d7{kw} "
                           f"(layer {data.conv_layer})")
        subtitle = self.subtitle(f"{data.model_name} is {data.data_format}: every shape below "
                                 "is Keras' " + ("(height, width, channels)"
                                                 if data.data_format == "channels_last"
                                                 else "(channels, height, width)"))
        pixels, boxes = mosaic(_rows([filter_tile(k, 80 // max(kh, kw), 3) for k in range(n)]), 10)
        filters = _image(pixels, width=7.6).move_to(LEFT * 2.85 + UP * 0.45)
        zoom = NumberGrid((kh, kw), data.filters[0], cell=0.74, color=style.KERNEL, uniform=True,
                          fills=colormap_colors(data.filters[0], style.WEIGHT_CMAP, weights))
        zoom_box = labelled(zoom, f"filter 0: its {kh * kw} weights", style.SMALL_SIZE,
                            style.KERNEL)
        zoom_box.move_to(RIGHT * 4.55 + UP * 0.55)
        bias_label = text(f"bias {format_number(data.bias[0], 3)}", style.SMALL_SIZE, style.BIAS)
        bias_label.next_to(zoom, DOWN, buff=0.15)
        pointer = SurroundingRectangle(box_of(filters, pixels.shape, boxes[0]), color=style.BIAS,
                                       buff=0.04, stroke_width=5)
        legend = self._legend(weights).next_to(filters, DOWN, buff=0.3)
        words = self.sum_line(f"red: positive weight, blue: negative; one input channel, so "
                              f"each filter is one {kh}\u00d7{kw} kernel", size=style.SUBTITLE_SIZE)
        self.play(Appear(title), Appear(subtitle), Appear(filters), run_time=1.2)
        self.play(Appear(zoom_box), Appear(bias_label), Create(pointer), Appear(legend),
                  Appear(words), run_time=1.2)
        self.mark_poster()
        self.wait(2.0)

        # 2. A digit through the filters: each map drawn beside the filter that made it.
        digit = _image(framed_pixels(data.digit, 1, style.INPUT, 1), height=1.8)
        digit.move_to(LEFT * 5.9 + UP * 0.3)
        label = f"test digit #{self.cfg.digit_index}"
        if data.label is not None:
            label += f" (a {data.label})"
        digit_label = fit(text(label, style.SMALL_SIZE, style.INPUT), max_width=2.0)
        digit_label.next_to(digit, UP, buff=0.15)
        digit_shape = text(_shape(data.input_shape), style.SMALL_SIZE, style.INPUT)
        digit_shape.next_to(digit, DOWN, buff=0.15)
        small = [filter_tile(k, 40 // max(kh, kw)) for k in range(n)]
        big = [map_tile(m, max(1, 84 // max(h, w)), style.OUTPUT) for m in data.feature_maps]
        only_filters = _rows([mosaic([[f, _blank(m)]], 6)[0] for f, m in zip(small, big)])
        only_maps = _rows([mosaic([[_blank(f), m]], 6)[0] for f, m in zip(small, big)])
        left_pixels, _ = mosaic(only_filters, 16)
        right_pixels, _ = mosaic(only_maps, 16)
        pairs_filters = _image(left_pixels, width=10.45)
        pairs_filters.move_to(UP * 0.3).align_to(LEFT * 4.3, LEFT)
        pairs_maps = _image(right_pixels, width=10.45).move_to(pairs_filters)
        maps_label = text(f"{n} feature maps {_shape(data.map_shape)}, each beside its filter",
                          style.SMALL_SIZE, style.OUTPUT).next_to(pairs_filters, UP, buff=0.15)
        arrow = Arrow(digit.get_right(), pairs_filters.get_left(), buff=0.12, color=style.KERNEL,
                      stroke_width=4)
        title2 = self.title(f"One digit through the {n} filters: {n} feature maps")
        words2 = self.sum_line(f"feature map k = relu(digit \u2297 filter k + bias k); "
                               f"{self._keeps(data)}", size=style.SUBTITLE_SIZE)
        self.play(Vanish(title), Vanish(zoom_box), Vanish(bias_label), Vanish(pointer),
                  Vanish(legend), Vanish(words), Vanish(filters), run_time=0.5)
        self.play(Appear(title2), Appear(pairs_filters), Appear(digit), Appear(digit_label),
                  Appear(digit_shape), GrowArrow(arrow), run_time=1.0)
        self.play(Appear(pairs_maps), Appear(maps_label), Appear(words2), run_time=1.5)
        self.wait(1.5)

        # 3. Pooling, large, for the first maps.
        shown = min(POOL_SHOWN, n)
        scale = max(1, 112 // max(h, w))
        tiles = [mosaic([[map_tile(data.feature_maps[k], scale, style.OUTPUT),
                          map_tile(data.pooled[k], scale * h // ph, style.POOL)]], 44)
                 for k in range(shown)]
        pixels, boxes = mosaic(_rows([t[0] for t in tiles], 4), 40)
        pooling = _image(pixels, width=13.4).move_to(UP * 0.15)
        marks = VGroup()
        for (top, left, _, _), (_, inner) in zip(boxes, tiles):
            before, after = (box_of(pooling, pixels.shape, (top + t, left + l, hh, ww))
                             for t, l, hh, ww in inner)
            marks.add(Arrow(before.get_right(), after.get_left(), buff=0.08, color=style.POOL,
                            stroke_width=3, max_tip_length_to_length_ratio=0.45))
        names = VGroup(*[text(f"map {k}", style.SMALL_SIZE, style.MUTED)
                         .next_to(box_of(pooling, pixels.shape, boxes[k]), UP, buff=0.1)
                         for k in range(shown)])
        title3 = self.title(f"{data.pool_size[0]}\u00d7{data.pool_size[1]} max pooling: "
                            f"{_shape(data.map_shape)} \u2192 {_shape(data.pooled_shape)}")
        words3 = self.sum_line(f"each {data.pool_size[0]}\u00d7{data.pool_size[1]} window keeps "
                               f"its largest value, {h}\u00d7{w} \u2192 {ph}\u00d7{pw} "
                               f"(maps 0 to {shown - 1} of {n}, drawn at one size)",
                               size=style.SUBTITLE_SIZE)
        self.play(Vanish(title2), Vanish(words2), Vanish(pairs_filters), Vanish(pairs_maps),
                  Vanish(maps_label), Vanish(digit), Vanish(digit_label),
                  Vanish(digit_shape), Vanish(arrow), run_time=0.6)
        self.play(Appear(title3), Appear(pooling), Appear(marks), Appear(names), Appear(words3),
                  run_time=1.0)
        self.wait(2.0)

    @staticmethod
    def _keeps(data) -> str:
        """What the convolution's padding does to the map size (from the shapes)."""
        (h, w), (mh, mw) = data.digit.shape, data.feature_maps.shape[1:]
        verb = "keeps" if (h, w) == (mh, mw) else "gives"
        return f"{format_padding(data.conv_padding)} {verb} {mh}\u00d7{mw}"

    def _legend(self, limits) -> Group:
        """The weight colours from ``-vmax`` to ``vmax`` with their values."""
        lo, hi = limits
        strip = image(colorize(np.linspace(lo, hi, 64)[None], style.WEIGHT_CMAP, limits), 0.22)
        strip.stretch_to_fit_width(3.2)
        left = text(format_number(lo, 2), style.SMALL_SIZE, style.TEXT)
        right = text(format_number(hi, 2), style.SMALL_SIZE, style.TEXT)
        zero = text("0", style.SMALL_SIZE, style.TEXT).next_to(strip, DOWN, buff=0.08)
        left.next_to(strip, LEFT, buff=0.15)
        right.next_to(strip, RIGHT, buff=0.15)
        return Group(left, strip, right, zero)


def _image(pixels, *, width: float | None = None, height: float | None = None):
    """:func:`image` of ``pixels`` at the given width (or height)."""
    if height is None:
        height = width * pixels.shape[0] / pixels.shape[1]
    return image(pixels, height)
