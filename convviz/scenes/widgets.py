"""Building blocks shared by the convviz scenes: number grids, labels, the base scene.

Only layout lives here. Every number comes from :mod:`convviz.scene_data`, written
with :func:`convviz.scene_data.format_number`. No LaTeX: all text is Pango ``Text``.

A few attributes let ``tests/scene_probe.py`` check what a scene shows without
rendering it: ``convviz_role`` on a text (``"title"``, ``"subtitle"``, ``"label"``,
``"sum"``), ``convviz_labels`` on a label (the mobject it names), ``convviz_shape``
on a drawn grid or image (the size it draws) and ``convviz_explains`` on a text
tied to one position (:meth:`ConvvizScene.explains`).
"""
from __future__ import annotations

import weakref

import numpy as np
from manim import (
    DOWN, LEFT, RIGHT, UP, Animation, FadeIn, Group, ImageMobject, LaggedStart, ManimColor,
    Rectangle, Scene, Square, Succession, Text, VGroup, VMobject, interpolate_color,
)
from manim.constants import RESAMPLING_ALGORITHMS

from . import style
from .fades import Appear, Vanish
from convviz.scene_data import format_number


def text(content: str, size: float = style.LABEL_SIZE, color=style.TEXT, **kwargs) -> Text:
    """A Pango text in the scenes' font; ``size`` at least :data:`style.MIN_SIZE`."""
    if size < style.MIN_SIZE:
        raise ValueError(f"size must be >= {style.MIN_SIZE} (a 14 px digit at 720p), "
                         f"got {size}")
    return Text(content, font=style.FONT, font_size=size, color=color, **kwargs)


def _smallest_font(mobject) -> float | None:
    sizes = [m.font_size for m in mobject.get_family() if isinstance(m, Text)]
    return min(sizes) if sizes else None


def fit(mobject, max_width: float | None = None, max_height: float | None = None):
    """Shrink ``mobject`` (never grow it) to fit the given box, but never set a text
    in it below :data:`style.MIN_SIZE`: an unreadable label is worse than one that
    sticks out, which the layout test then reports."""
    factor = 1.0
    if max_width is not None and mobject.width > max_width:
        factor = max_width / mobject.width
    if max_height is not None and mobject.height * factor > max_height:
        factor = max_height / mobject.height
    smallest = _smallest_font(mobject)
    if smallest is not None:
        factor = max(factor, min(1.0, style.MIN_SIZE / smallest))
    if factor < 1.0:
        mobject.scale(factor)
    return mobject


def cell_size(rows: int, cols: int, max_width: float, max_height: float,
              largest: float = 0.8) -> float:
    """The biggest square cell (<= ``largest``) for a ``rows x cols`` grid in the box."""
    return min(largest, max_width / cols, max_height / rows)


def luminance(color) -> float:
    r, g, b = color.to_rgb()
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


NUMBER_GAP = 2 / 90         # 2 px at 720p: the least space between two numbers side by side
WEIGHTS_MIN_CELL = 0.45     # smallest cell with room for a number and a weight below it


class NumberGrid(VGroup):
    """A ``(H, W)`` grid of squares with optional numbers in them.

    ``values`` None draws empty cells (an output still to be computed); ``mask``
    (bool ``(H, W)``) marks padded cells, drawn grey with grey numbers (or empty
    with ``show_masked=False``, e.g. pooling's padding, which is ignored).
    ``uniform`` writes all numbers at one size (the widest number's), e.g. weights
    like ``0.1`` and ``-0.06`` side by side. ``lift`` (a fraction of the cell)
    raises the numbers to leave room for a window's weights in the bottom-right
    corner (:meth:`window`). ``fills`` ``(H, W)`` colours the cells one by one
    (opaque), with dark or light numbers to match.
    """

    def __init__(self, shape, values=None, *, cell: float = 0.7, color=style.INPUT,
                 fill_opacity: float = 0.22, mask=None, number_color=style.TEXT,
                 font_scale: float = 1.0, solid: bool = False, show_masked: bool = True,
                 uniform: bool = False, lift: float = 0.0, fills=None,
                 stroke_color=None):
        super().__init__()
        self.rows, self.cols = shape
        self.convviz_shape = (self.rows, self.cols)
        self.cell = cell
        self.color = color
        self.number_color = number_color
        self.lift = lift
        self.font_size = max(style.MIN_SIZE, round(cell * 38 * font_scale))
        self.mask = np.zeros(shape, dtype=bool) if mask is None else np.asarray(mask)
        self.fills = fills
        self.squares = VGroup()
        for i in range(self.rows):
            for j in range(self.cols):
                padded = bool(self.mask[i, j])
                fill = style.PADDING if padded else color
                opacity = 0.12 if padded else fill_opacity
                if fills is not None:
                    fill, opacity = fills[i][j], 1.0
                elif solid:  # opaque, same look: for grids stacked on top of each other
                    fill, opacity = interpolate_color(style.BACKGROUND, fill, opacity), 1.0
                edge = style.PADDING if padded else (stroke_color or color)
                sq = Square(side_length=cell, stroke_width=2 if not padded else 1.5,
                            stroke_color=edge, fill_color=fill, fill_opacity=opacity)
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
                    t.move_to(self.number_spot(i, j))

    def crowded(self) -> bool:
        """True if two neighbouring numbers would come closer than ``NUMBER_GAP``: the
        text could not shrink to its cell (it stops at the smallest readable size)."""
        gap = NUMBER_GAP
        for (i, j), t in self.numbers.items():
            right, below = self.numbers.get((i, j + 1)), self.numbers.get((i + 1, j))
            if right is not None and (t.width + right.width) / 2 > self.cell - gap:
                return True
            if below is not None and (t.height + below.height) / 2 > self.cell - gap:
                return True
        return False

    def square(self, i: int, j: int) -> Square:
        return self.squares[i * self.cols + j]

    def number_spot(self, i: int, j: int):
        return self.square(i, j).get_center() + UP * self.lift * self.cell

    def make_number(self, i: int, j: int, value, color=None) -> Text:
        """A number centred in cell ``(i, j)`` (not added to the grid)."""
        padded = bool(self.mask[i, j])
        if color is None and self.fills is not None:
            color = style.DARK_TEXT if luminance(self.fills[i][j]) > 0.55 else style.TEXT
        color = color or (style.MUTED if padded else self.number_color)
        t = text(format_number(value), self.font_size, color)
        fit(t, max_width=self.cell * 0.86)
        return t.move_to(self.number_spot(i, j))

    def window(self, top: int, left: int, height: int, width: int, color=style.KERNEL,
               fill_opacity: float = 0.2, stroke_width: float = 5, weights=None) -> VGroup:
        """A rectangle over cells ``[top, top+height) x [left, left+width)``; with
        ``weights`` ``(height, width)`` each cell also shows its kernel weight, small,
        in its bottom-right corner (as in Dumoulin & Visin's convolution arithmetic),
        when the cells are big enough for both numbers (:data:`WEIGHTS_MIN_CELL`,
        numbers raised by ``lift``). ``window[0]`` is the rectangle, ``window[1]``
        the weights (maybe empty)."""
        corner_a = self.square(top, left)
        corner_b = self.square(top + height - 1, left + width - 1)
        rect = Rectangle(width=width * self.cell, height=height * self.cell,
                         stroke_color=color, stroke_width=stroke_width,
                         fill_color=color, fill_opacity=fill_opacity)
        rect.move_to((corner_a.get_center() + corner_b.get_center()) / 2)
        marks = VGroup()
        if weights is not None and self.shows_weights():
            pad = 0.05 * self.cell
            for u in range(height):
                for v in range(width):
                    w = text(format_number(weights[u][v]),
                             max(style.WEIGHT_SIZE, min(20, self.cell * 24)), style.KERNEL)
                    fit(w, max_width=self.cell * 0.6)
                    corner = self.square(top + u, left + v).get_corner(DOWN + RIGHT)
                    marks.add(w.move_to(corner + (UP + LEFT) * pad, aligned_edge=DOWN + RIGHT))
        return VGroup(rect, marks)

    def shows_weights(self) -> bool:
        """Whether a window on this grid can write its weights in the cells."""
        return self.lift > 0 and self.cell >= WEIGHTS_MIN_CELL

    def cell_box(self, i: int, j: int, color=style.KERNEL, stroke_width: float = 5,
                 fill_opacity: float = 0.0) -> Rectangle:
        """A frame around cell ``(i, j)`` (e.g. the output cell a window fills)."""
        return Rectangle(width=self.cell, height=self.cell, stroke_color=color,
                         stroke_width=stroke_width, fill_color=color,
                         fill_opacity=fill_opacity).move_to(self.square(i, j))


class Slide(Animation):
    """Move ``mobject`` in a straight line until its centre is ``target``'s (a
    mobject or a point), without copying it (``mobject.animate.move_to`` copies it
    twice)."""

    def __init__(self, mobject, target, **kwargs):
        self.end = np.array(target.get_center() if hasattr(target, "get_center") else target,
                            dtype=float)
        super().__init__(mobject, **kwargs)

    def create_starting_mobject(self):
        return self.mobject

    def begin(self):
        self.start = self.mobject.get_center().copy()
        super().begin()

    def interpolate_mobject(self, alpha: float):
        self.mobject.move_to(self.start + self.rate_func(alpha) * (self.end - self.start))


def stack(mobjects, offset: float = 0.22):
    """Mobjects piled into a 3-D looking stack: the first in front, the rest behind,
    each shifted up-right by ``offset``."""
    group = VGroup(*reversed(mobjects)) if all(isinstance(m, VMobject) for m in mobjects) \
        else Group(*reversed(mobjects))
    for depth, m in enumerate(mobjects):
        m.move_to(mobjects[0].get_center() + (RIGHT + UP) * offset * depth)
    shape = getattr(mobjects[0], "convviz_shape", None)
    if shape is not None:
        group.convviz_shape = (len(mobjects),) + tuple(shape)
    return group


def labelled(mobject, label: str, size: float = style.LABEL_SIZE, color=style.TEXT,
             buff: float = 0.15, max_width: float | None = None):
    """``mobject`` with a label centred above it (shrunk to ``max_width`` if wider;
    by default a little wider than ``mobject``)."""
    limit = max(mobject.width + 1.4, 2.5) if max_width is None else max_width
    caption = fit(text(label, size, color), max_width=limit)
    caption.next_to(mobject, UP, buff=buff)
    # weak: a strong reference would make every copy of the label copy the grid
    caption.convviz_role, caption.convviz_labels = "label", weakref.ref(mobject)
    return VGroup(caption, mobject) if isinstance(mobject, VMobject) else Group(caption, mobject)


def colorize(values, cmap: str, limits) -> np.ndarray:
    """``(H, W, 3)`` uint8: ``values`` through matplotlib's colormap ``cmap`` with
    ``limits = (lo, hi)`` (display only)."""
    from matplotlib import colormaps

    lo, hi = limits
    scaled = np.zeros(np.shape(values)) if hi == lo else \
        (np.asarray(values, dtype=float) - lo) / (hi - lo)
    rgba = colormaps[cmap](np.clip(scaled, 0, 1))
    return np.round(rgba[..., :3] * 255).astype(np.uint8)


def colormap_colors(values, cmap: str, limits) -> list[list[ManimColor]]:
    """One Manim colour per entry of a 2-D ``values`` (e.g. the cells of a weight grid)."""
    return [[ManimColor(tuple(c / 255)) for c in row] for row in colorize(values, cmap, limits)]


def framed_pixels(pixels, scale: int, color, border: int = 2) -> np.ndarray:
    """``(H*scale + 2*border, W*scale + 2*border, 4)`` uint8: an ``(H, W)`` or
    ``(H, W, 3)`` image blown up ``scale`` times (each pixel a block) in a ``color``
    frame, for :func:`mosaic`."""
    pixels = np.asarray(pixels, dtype=np.uint8)
    if pixels.ndim == 2:
        pixels = np.stack([pixels] * 3, axis=-1)
    big = pixels.repeat(scale, axis=0).repeat(scale, axis=1)
    h, w = big.shape[:2]
    out = np.empty((h + 2 * border, w + 2 * border, 4), dtype=np.uint8)
    out[..., :3] = np.round(np.array(color.to_rgb()) * 255).astype(np.uint8)
    out[..., 3] = 255
    out[border:border + h, border:border + w, :3] = big
    return out


def mosaic(rows, gap: int) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """Tiles (RGBA arrays, e.g. :func:`framed_pixels`) laid out in ``rows`` (a list
    of lists), ``gap`` transparent pixels apart, each row's tiles bottom-aligned:
    ``(pixels, boxes)`` with one ``(top, left, height, width)`` pixel box per tile.

    One image of many tiles is drawn by Cairo as fast as one tile, where many
    separate images each cost a full-frame composite on every frame they move in."""
    widths = [sum(t.shape[1] for t in row) + gap * (len(row) - 1) for row in rows]
    heights = [max(t.shape[0] for t in row) for row in rows]
    out = np.zeros((sum(heights) + gap * (len(rows) - 1), max(widths), 4), dtype=np.uint8)
    boxes, top = [], 0
    for row, height in zip(rows, heights):
        left = 0
        for tile in row:
            th, tw = tile.shape[:2]
            out[top + height - th: top + height, left: left + tw] = tile
            boxes.append((top + height - th, left, th, tw))
            left += tw + gap
        top += height + gap
    return out, boxes


def box_of(img: ImageMobject, pixels_shape, box) -> Rectangle:
    """An invisible rectangle over the pixel ``box`` ``(top, left, height, width)`` of
    ``img`` (an image of ``pixels_shape``), to point at or frame one tile."""
    unit = img.height / pixels_shape[0]
    top, left, h, w = box
    corner = img.get_corner(UP + LEFT)
    rect = Rectangle(width=w * unit, height=h * unit, stroke_width=0, fill_opacity=0)
    return rect.move_to(corner + RIGHT * (left + w / 2) * unit + DOWN * (top + h / 2) * unit)


def image(pixels, height: float) -> ImageMobject:
    """A crisp (nearest-neighbour) image of a ``uint8`` array ``(H, W)``, ``(H, W, 3)``
    or ``(H, W, 4)`` (with transparency)."""
    pixels = np.asarray(pixels, dtype=np.uint8)
    shape = pixels.shape[:2]
    if pixels.ndim == 2:
        pixels = np.stack([pixels] * 3, axis=-1)
    img = ImageMobject(pixels)
    img.set_resampling_algorithm(RESAMPLING_ALGORITHMS["nearest"])
    img.height = height
    img.convviz_shape = shape
    return img


class ConvvizScene(Scene):
    """Base scene: dark background, a resolved :class:`convviz.render.SceneConfig`,
    the frame's fixed places for text, and the poster mark.

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
        self.poster_times: list[float] = []
        super().__init__(**kwargs)

    def data(self):
        """What this scene draws: :func:`convviz.scene_data.build` for its config."""
        from convviz.scene_data import build

        return build(type(self).__name__, self.cfg, model=self.model)

    def setup(self):
        self.camera.background_color = style.BACKGROUND

    def mark_poster(self):
        """Mark this moment as the scene's poster: the frame that shows its idea.

        Call it right after the ``play`` that completes the picture (a ``wait``
        should follow). :func:`convviz.render.render` keeps the time with the video
        and :func:`convviz.render.save_poster` saves that frame.
        """
        self.poster_times.append(float(self.renderer.time))

    def poster_at_step(self, k: int, detailed, hold: float = 0.6):
        """Mark the poster after step ``k`` if it is the second of the ``detailed``
        steps (the first if there is only one): the window, its products or sums
        and the filled cell are all on screen, with one cell already filled."""
        if k == min(1, len(detailed) - 1):
            self.mark_poster()
            self.wait(hold)

    def reveal_cell(self, parts, line, value, k: int, detailed, full: bool, lag_ratio: float):
        """One output cell appears: its ``parts`` (products, or channel sums) one after
        another, then the ``line`` that adds them up, then ``value`` in the output grid.
        A detailed step (``full``) takes its time and may be the poster (step ``k`` of
        ``detailed``); a quick one shows all three at once."""
        if full:
            self.play(LaggedStart(*[Appear(p) for p in parts], lag_ratio=lag_ratio),
                      run_time=style.STEP_TIME)
            self.play(Appear(line), run_time=0.6)
            self.play(FadeIn(value, scale=1.4), run_time=0.5)
            self.poster_at_step(k, detailed)
        else:
            self.play(*[Appear(p) for p in parts], Appear(line), Appear(value),
                      run_time=style.FAST_TIME)

    def title(self, content: str) -> Text:
        t = fit(text(content, style.TITLE_SIZE), max_width=style.WIDTH)
        t.convviz_role = "title"
        return t.to_edge(UP, buff=style.TITLE_BUFF)

    def subtitle(self, content: str, color=style.MUTED, size: float = style.SUBTITLE_SIZE
                 ) -> VGroup:
        """Muted lines (``\\n``-separated), centred under the title: what holds for the
        whole scene."""
        lines = VGroup()
        for line in content.split("\n"):
            t = fit(text(line, size, color), max_width=style.WIDTH)
            t.convviz_role = "subtitle"
            lines.add(t)
        lines.arrange(DOWN, buff=0.12)
        return lines.move_to(UP * style.SUBTITLE_TOP, aligned_edge=UP)

    def sum_line(self, content: str, size: float = style.LABEL_SIZE, color=style.TEXT) -> Text:
        """The line of arithmetic (or the takeaway) under the content."""
        t = fit(text(content, size, color), max_width=style.WIDTH)
        t.convviz_role = "sum"
        return t.move_to(UP * style.SUM_Y)

    @staticmethod
    def explains(line: Text, mobject) -> Text:
        """Tie ``line`` to where ``mobject`` is now (an equation to its window): the
        layout test fails if ``line`` is still bright after ``mobject`` moved on."""
        line.convviz_explains = (weakref.ref(mobject), mobject.get_center().copy())
        return line

    @staticmethod
    def swap(old, new, **kwargs) -> Succession:
        """Replace ``old`` by ``new`` in place: fade one out, then the other in (a
        cross-fade would show both at once, overprinted)."""
        return Succession(Vanish(old), Appear(new), **kwargs)

    def move_window(self, window, new_window):
        """``(animations, window)`` taking ``window`` (:meth:`NumberGrid.window`) to
        ``new_window``'s place. Along a row it slides; to another row it fades out,
        then ``new_window`` fades in (sliding down, its weights would cross the
        numbers of the rows in between)."""
        if abs(window[0].get_center()[1] - new_window[0].get_center()[1]) < 1e-6:
            return [Slide(window, new_window)], window
        return [self.swap(window, new_window)], new_window

    def rest_note(self, count: int, what: str) -> Text:
        """The sum line that stands while the batched positions are written at once."""
        return self.sum_line(f"\u2026 the other {count} {what}, the same way",
                             color=style.MUTED)

    def write_rest(self, numbers, moves, count: int, lag_ratio: float = 0.1,
                   base_time: float = 0.6):
        """Write the last ``count`` positions' ``numbers`` at once (fading in one after
        another) while ``moves`` carry the window(s) to the last position."""
        self.play(*moves,
                  LaggedStart(*[Appear(v) for v in numbers], lag_ratio=lag_ratio),
                  run_time=min(3.0, base_time + 0.1 * count))


def place(box, x: float, top: float = style.CONTENT_TOP, bottom: float = style.CONTENT_BOTTOM):
    """Centre ``box`` horizontally at ``x`` and vertically between ``top`` and ``bottom``."""
    box.move_to(RIGHT * x + UP * (top + bottom) / 2)
    return box


__all__ = ["text", "fit", "place", "stack", "cell_size", "NumberGrid", "labelled", "image",
           "Slide",
           "colorize", "colormap_colors", "luminance", "framed_pixels", "mosaic", "box_of", "ConvvizScene", "LEFT", "RIGHT", "UP", "DOWN"]
