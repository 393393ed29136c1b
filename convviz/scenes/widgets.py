"""Building blocks shared by the convviz scenes: number grids, labels, the base scene.

Only layout lives here. Every number comes from :mod:`convviz.scene_data`, written
with :func:`convviz.scene_data.format_number`. No LaTeX: all text is Pango ``Text``.
"""
from __future__ import annotations

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, UP, FadeIn, Group, ImageMobject, LaggedStart, Rectangle, Scene, Square,
    Text, VGroup, VMobject, interpolate_color,
)
from manim.constants import RESAMPLING_ALGORITHMS

from . import style
from convviz.scene_data import format_number


def text(content: str, size: int = style.LABEL_SIZE, color=style.TEXT, **kwargs) -> Text:
    return Text(content, font=style.FONT, font_size=size, color=color, **kwargs)


def fit(mobject, max_width: float | None = None, max_height: float | None = None):
    """Shrink ``mobject`` (never grow it) to fit the given box."""
    if max_width is not None and mobject.width > max_width:
        mobject.scale_to_fit_width(max_width)
    if max_height is not None and mobject.height > max_height:
        mobject.scale_to_fit_height(max_height)
    return mobject


def cell_size(rows: int, cols: int, max_width: float, max_height: float,
              largest: float = 0.8) -> float:
    """The biggest square cell (<= ``largest``) for a ``rows x cols`` grid in the box."""
    return min(largest, max_width / cols, max_height / rows)


class NumberGrid(VGroup):
    """A ``(H, W)`` grid of squares with optional numbers in them.

    ``values`` None draws empty cells (an output still to be computed); ``mask``
    (bool ``(H, W)``) marks padded cells, drawn grey with grey numbers (or empty
    with ``show_masked=False``, e.g. pooling's padding, which is ignored).
    ``uniform`` writes all numbers at one size (the widest number's), e.g. weights
    like ``0.1`` and ``-0.06`` side by side.
    """

    def __init__(self, shape, values=None, *, cell: float = 0.7, color=style.INPUT,
                 fill_opacity: float = 0.22, mask=None, number_color=style.TEXT,
                 font_scale: float = 1.0, solid: bool = False, show_masked: bool = True,
                 uniform: bool = False):
        super().__init__()
        self.rows, self.cols = shape
        self.cell = cell
        self.color = color
        self.number_color = number_color
        self.font_size = max(12, round(cell * 40 * font_scale))
        self.mask = np.zeros(shape, dtype=bool) if mask is None else np.asarray(mask)
        self.squares = VGroup()
        for i in range(self.rows):
            for j in range(self.cols):
                padded = bool(self.mask[i, j])
                fill = style.PADDING if padded else color
                opacity = 0.12 if padded else fill_opacity
                if solid:  # opaque, same look: for grids stacked on top of each other
                    fill, opacity = interpolate_color(style.BACKGROUND, fill, opacity), 1.0
                sq = Square(side_length=cell, stroke_width=2 if not padded else 1.5,
                            stroke_color=style.PADDING if padded else color,
                            fill_color=fill, fill_opacity=opacity)
                sq.move_to(RIGHT * j * cell + DOWN * i * cell)
                self.squares.add(sq)
        self.add(self.squares)
        self.numbers = {}
        if values is not None:
            values = np.asarray(values)
            for i in range(self.rows):
                for j in range(self.cols):
                    if self.mask[i, j] and not show_masked:
                        continue
                    self.numbers[i, j] = self.make_number(i, j, values[i, j])
                    self.add(self.numbers[i, j])
            if uniform and self.numbers:
                smallest = min(t.font_size for t in self.numbers.values())
                for (i, j), t in self.numbers.items():
                    t.font_size = smallest
                    t.move_to(self.square(i, j).get_center())

    def square(self, i: int, j: int) -> Square:
        return self.squares[i * self.cols + j]

    def make_number(self, i: int, j: int, value, color=None) -> Text:
        """A number centred in cell ``(i, j)`` (not added to the grid)."""
        padded = bool(self.mask[i, j])
        color = color or (style.MUTED if padded else self.number_color)
        t = text(format_number(value), self.font_size, color)
        fit(t, max_width=self.cell * 0.86)
        return t.move_to(self.square(i, j).get_center())

    def window(self, top: int, left: int, height: int, width: int, color=style.KERNEL,
               fill_opacity: float = 0.28, stroke_width: float = 5) -> Rectangle:
        """A rectangle over cells ``[top, top+height) x [left, left+width)``."""
        corner_a = self.square(top, left)
        corner_b = self.square(top + height - 1, left + width - 1)
        rect = Rectangle(width=width * self.cell, height=height * self.cell,
                         stroke_color=color, stroke_width=stroke_width,
                         fill_color=color, fill_opacity=fill_opacity)
        return rect.move_to((corner_a.get_center() + corner_b.get_center()) / 2)


def stack(mobjects, offset: float = 0.22):
    """Mobjects piled into a 3-D looking stack: the first in front, the rest behind,
    each shifted up-right by ``offset``."""
    group = VGroup(*reversed(mobjects)) if all(isinstance(m, VMobject) for m in mobjects) \
        else Group(*reversed(mobjects))
    for depth, m in enumerate(mobjects):
        m.move_to(mobjects[0].get_center() + (RIGHT + UP) * offset * depth)
    return group


def labelled(mobject, label: str, size: int = style.LABEL_SIZE, color=style.TEXT,
             buff: float = 0.2, max_width: float | None = None):
    """``mobject`` with a label centred above it (shrunk to ``max_width`` if wider;
    by default a little wider than ``mobject``)."""
    limit = max(mobject.width + 1.4, 2.5) if max_width is None else max_width
    caption = fit(text(label, size, color), max_width=limit)
    caption.next_to(mobject, UP, buff=buff)
    return VGroup(caption, mobject) if isinstance(mobject, VMobject) else Group(caption, mobject)


def image(pixels, height: float, color=None) -> ImageMobject:
    """A crisp (nearest-neighbour) image of a ``uint8`` array ``(H, W)`` or ``(H, W, 3)``."""
    pixels = np.asarray(pixels, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = np.stack([pixels] * 3, axis=-1)
    img = ImageMobject(pixels)
    img.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
    img.height = height
    return img


class ConvvizScene(Scene):
    """Base scene: dark background and a resolved :class:`convviz.render.SceneConfig`.

    ``scene_config`` is given by :func:`convviz.render.render`; when Manim builds the
    scene itself (``manim scenes/<file>.py <Scene>`` in a checkout) it comes from
    ``$CONVVIZ_SCENE_CONFIG`` or the article's defaults. ``model`` (a Keras model)
    is what the model scenes draw instead of loading the trained one.
    """

    def __init__(self, scene_config=None, model=None, **kwargs):
        from convviz.render import config_from_env, resolve_config

        name = type(self).__name__
        self.cfg = (config_from_env(name) if scene_config is None
                    else resolve_config(name, scene_config))
        self.model = model
        super().__init__(**kwargs)

    def data(self):
        """What this scene draws: :func:`convviz.scene_data.build` for its config."""
        from convviz.scene_data import build

        return build(type(self).__name__, self.cfg, model=self.model)

    def setup(self):
        self.camera.background_color = style.BACKGROUND

    def title(self, content: str) -> Text:
        t = fit(text(content, style.TITLE_SIZE), max_width=13.4)
        return t.to_edge(UP, buff=0.3)

    def caption(self, content: str, size: int = style.CAPTION_SIZE, color=style.TEXT) -> Text:
        """One or two lines at the bottom of the frame."""
        t = fit(text(content, size, color, line_spacing=0.8), max_width=13.4, max_height=0.6)
        return t.to_edge(DOWN, buff=0.22)

    def sum_line(self, content: str, size: int = style.LABEL_SIZE, color=style.TEXT) -> Text:
        """The line of arithmetic above the caption."""
        t = fit(text(content, size, color), max_width=13.4)
        return t.move_to(UP * style.SUM_Y)

    def rest_note(self, count: int, what: str) -> Text:
        """The sum line that stands while the batched positions are written at once."""
        return self.sum_line(f"\u2026 the other {count} {what}, the same way",
                             color=style.MUTED)

    def write_rest(self, numbers, window_moves, count: int, lag_ratio: float = 0.1,
                   base_time: float = 0.6):
        """Write the last ``count`` positions' ``numbers`` at once (popping in one after
        another) while ``window_moves`` carry the window(s) to the last position."""
        self.play(*window_moves,
                  LaggedStart(*[FadeIn(v, scale=1.3) for v in numbers], lag_ratio=lag_ratio),
                  run_time=min(3.0, base_time + 0.1 * count))


def place(box, x: float):
    """Centre ``box`` horizontally at ``x`` and vertically in the content area."""
    box.move_to(RIGHT * x + UP * (style.CONTENT_TOP + style.CONTENT_BOTTOM) / 2)
    return box


__all__ = ["text", "fit", "place", "stack", "cell_size", "NumberGrid", "labelled", "image", "ConvvizScene",
           "LEFT", "RIGHT", "UP", "DOWN"]
