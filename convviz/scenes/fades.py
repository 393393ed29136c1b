"""Fades that copy nothing: for scenes that show many numbers at once.

Manim's ``FadeIn``/``FadeOut`` are transforms: each deep-copies its mobject twice
(the faded target and the starting state). A grid of 25 numbers takes about 50 ms
to copy, so a scene that brings whole grids, tables and captions in and out spends
most of its render time copying. :class:`Appear` and :class:`Vanish` instead scale
the opacities the mobject already has (fill, stroke and image alpha) from 0 to
them, or from them to 0, and put them back when done. They do not move or morph
anything.
"""
from __future__ import annotations

import numpy as np
from manim import Animation, ImageMobject, Mobject, VMobject

__all__ = ["Appear", "Vanish"]


class _Opacity(Animation):
    """Scale every opacity in ``mobject``'s family by ``level(alpha)``."""

    def __init__(self, mobject, **kwargs):
        super().__init__(mobject, **kwargs)
        self.saved = []

    def create_starting_mobject(self) -> Mobject:
        return Mobject()                      # nothing to interpolate from: no copy

    def begin(self) -> None:
        self.saved = []
        for part in self.mobject.get_family():
            if isinstance(part, VMobject):
                self.saved.append((part, part.fill_rgbas[:, 3].copy(),
                                   part.stroke_rgbas[:, 3].copy(),
                                   part.background_stroke_rgbas[:, 3].copy()))
            elif isinstance(part, ImageMobject):
                self.saved.append((part, part.pixel_array[..., 3].copy(), None, None))
        super().begin()

    def level(self, alpha: float) -> float:
        raise NotImplementedError

    def interpolate_mobject(self, alpha: float) -> None:
        self.set_level(self.level(self.rate_func(alpha)))

    def set_level(self, level: float) -> None:
        for part, fill, stroke, background in self.saved:
            if stroke is None:
                part.pixel_array[..., 3] = np.round(fill * level).astype(fill.dtype)
            else:
                part.fill_rgbas[:, 3] = fill * level
                part.stroke_rgbas[:, 3] = stroke * level
                part.background_stroke_rgbas[:, 3] = background * level


class Appear(_Opacity):
    """Fade ``mobject`` in to the opacities it has."""

    def __init__(self, mobject, **kwargs):
        super().__init__(mobject, introducer=True, **kwargs)

    def level(self, alpha: float) -> float:
        return alpha


class Vanish(_Opacity):
    """Fade ``mobject`` out and remove it; its opacities are restored afterwards, so it
    can be shown again."""

    def __init__(self, mobject, **kwargs):
        super().__init__(mobject, remover=True, **kwargs)

    def level(self, alpha: float) -> float:
        return 1.0 - alpha

    def clean_up_from_scene(self, scene) -> None:
        super().clean_up_from_scene(scene)
        self.set_level(1.0)
