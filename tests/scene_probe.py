"""Step through a convviz scene with Manim's own hooks and check what is on screen, no pixels.

:func:`probe` runs a scene's ``construct()`` with Manim's ``dry_run`` and
``skip_animations`` (no frame is drawn, no file is written) and records a
:class:`Moment` inside every animation at :data:`ALPHAS` of its run time (the
scene is interpolated there with ``Scene.update_to_time``, as the renderer does for
each frame) and once more at the end of every ``play``/``wait``, after Manim has
cleaned up. A moment holds the box, opacity and size of every text and the box
of every drawn shape.

:func:`layout_problems` turns the moments into sentences, one per problem; an
empty list means the scene passed. The rules:

* **overlap** — no two visible texts overlap, at any moment and anywhere in between:
  a text that moves is followed along its straight path between two samples
  (:data:`SUBSTEPS` points each), so a digit flying over another is caught even
  if no sample lands on it. This is what doubled numbers ("66"), scattered product
  digits, ghost copies drifting over other numbers, two titles at once and a back
  kernel's digits under the front one look like.
* **frame** — every visible mobject lies inside the frame, :data:`MARGIN` units in.
* **size** — every visible text is at least :data:`MIN_PX` pixels tall, meaning:
  the height of a digit (the same as a capital letter in DejaVu Sans) in that text's
  font at its current size, on a 1280x720 frame. The frame is 8 units high, so one
  Manim unit is 90 px; a DejaVu Sans digit is 0.73 of the font size, so 14 px
  needs a font size of about 15 points after any shrinking (``font_size`` 15.5 =
  14.7 px).
* **morph** — no animation morphs a text into a different text or into a shape:
  Manim then draws the glyphs of both half-way, a smear (two titles overprinted,
  a kernel's digits smeared over the input).
* **leftover** — at the end of a ``play``/``wait`` no invisible text is still in the
  scene: a faded copy that was never removed is a ghost, counted in every later
  overlap and shown again by the next animation of its group.
* **stale** — a text tied to a place with ``ConvvizScene.explains`` (the equation of
  one window position) is not shown bright (opacity above :data:`BRIGHT`) half-way
  through or at the end of an animation once that mobject has moved on or left
  (it may still be fading out while the window starts off).

A scene listed in ``convviz.render.SCENES`` is checked by ``tests/test_scene_layout.py``
without any further work.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)   # samples inside each animation
SUBSTEPS = 8                           # points checked between two samples of a moving text
FRAME_PX = 720                         # the tour's video height
MIN_PX = 14                            # smallest digit height, pixels at FRAME_PX
MARGIN = 0.1                           # units kept free at the frame's edges (9 px at 720p)
TOUCH = 0.01                           # boxes may touch by 1 px without overlapping
BRIGHT = 0.6                           # opacity above which a text counts as shown bright
VISIBLE = 0.05                         # opacity below which nothing counts as shown


@dataclass(frozen=True)
class TextBox:
    """One text as it is on screen at a moment.

    ``box`` is ``(left, bottom, right, top)`` in Manim units; ``px`` the height of a
    digit of its font at its current size, in pixels on a 720-px-high frame;
    ``role`` what the scene made it for (``"title"``, ``"subtitle"``, ``"sum"``...);
    ``labels`` the drawn shape of what it labels (``labelled``), or None.
    """

    text: str
    box: tuple[float, float, float, float]
    opacity: float
    px: float
    role: str | None
    labels: tuple | None
    key: int                              # id() of the Text mobject


@dataclass
class Moment:
    """The screen inside play number ``play`` (at ``alpha``) or at its end (None)."""

    play: int
    alpha: float | None
    time: float
    texts: list[TextBox]
    shapes: list[tuple[str, tuple[float, float, float, float]]]
    morphs: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        where = "end" if self.alpha is None else f"{self.alpha:.0%} through"
        return f"play {self.play} ({where}, t={self.time:.2f} s)"

    def visible(self) -> list[TextBox]:
        return [t for t in self.texts if t.opacity > VISIBLE]


@dataclass
class Probe:
    """What a probed scene showed: its moments, the poster time(s) it marked with
    ``mark_poster``, and the scene object."""

    scene: object
    moments: list[Moment]
    posters: list[float]

    def settled(self, t: float) -> Moment:
        """The screen at renderer time ``t`` (the last play ending at or before it)."""
        return [m for m in self.moments if m.alpha is None and m.time <= t + 1e-9][-1]

    def texts(self) -> dict[str, TextBox]:
        """Every text the scene showed, by content (as it first appeared)."""
        seen: dict[str, TextBox] = {}
        for m in self.moments:
            for t in m.visible():
                seen.setdefault(t.text, t)
        return seen


# --------------------------------------------------------------------------- measuring
@lru_cache(maxsize=None)
def _digit_units_per_point(font: str) -> float:
    """Height in Manim units of the digits 0-9 set in ``font``, per point of font size."""
    from manim import Text

    return Text("0123456789", font=font, font_size=100).height / 100


def text_px(t) -> float:
    """A digit's height, in pixels at 720p, for Text ``t`` as it is scaled now."""
    return t.font_size * _digit_units_per_point(t.font) * FRAME_PX / 8.0


def _box(m) -> tuple[float, float, float, float]:
    from manim import VMobject

    if isinstance(m, VMobject):
        points = m.get_all_points()
        if len(points):
            (left, bottom), (right, top) = points[:, :2].min(axis=0), points[:, :2].max(axis=0)
            return float(left), float(bottom), float(right), float(top)
    left, bottom, _ = m.get_corner((-1, -1, 0))
    right, top, _ = m.get_corner((1, 1, 0))
    return float(left), float(bottom), float(right), float(top)


def _opacity(m) -> float:
    """The most opaque part of ``m``'s family (fill or stroke); 0 if nothing is drawn."""
    from manim import ImageMobject, VMobject

    best = 0.0
    for part in m.get_family():
        if isinstance(part, VMobject) and len(part.points):
            fill = float(part.fill_rgbas[:, 3].max())
            stroke = float(part.stroke_rgbas[:, 3].max()) if part.stroke_width > 0 else 0.0
            best = max(best, fill, stroke)
        elif isinstance(part, ImageMobject):
            best = max(best, float(part.pixel_array[..., 3].max()) / 255)
    return best


def _walk(mobjects):
    """``(texts, leaves)`` under ``mobjects``: Text mobjects (not entered) and the
    other drawn pieces (VMobjects with points, images), each once."""
    from manim import ImageMobject, Text, VMobject
    from manim.mobject.text.text_mobject import MarkupText

    texts, leaves, seen = [], [], set()

    def visit(m):
        if id(m) in seen:
            return
        seen.add(id(m))
        if isinstance(m, (Text, MarkupText)):
            texts.append(m)
            return
        if isinstance(m, ImageMobject) or (isinstance(m, VMobject) and len(m.points)):
            leaves.append(m)
        for sub in m.submobjects:
            visit(sub)

    for m in mobjects:
        visit(m)
    return texts, leaves


def _strings(m) -> list[str]:
    return sorted(t.original_text for t in _walk([m])[0])


def _leaf_animations(animations):
    """Every leaf animation inside AnimationGroup / LaggedStart / Succession."""
    for a in animations:
        inner = getattr(a, "animations", None)
        if inner:
            yield from _leaf_animations(inner)
        else:
            yield a


def _morphs(animations) -> list[str]:
    from manim import Transform
    from manim.animation.fading import _Fade

    found = []
    for a in _leaf_animations(animations):
        # a fade's "target" is the same mobject, faded (and, inside a Succession,
        # possibly not built yet)
        if not isinstance(a, Transform) or isinstance(a, _Fade) or a.target_mobject is None:
            continue
        before, after = _strings(a.mobject), _strings(a.target_mobject)
        if (before or after) and before != after:
            found.append(f"{type(a).__name__} morphs {before or 'shapes'} into "
                         f"{after or 'shapes'}")
    return found


def _drawn_shape(m):
    """The ``(rows, cols)`` (or ``(n, rows, cols)``) a labelled mobject draws."""
    return getattr(m, "convviz_shape", None)


def snapshot(scene, play: int, alpha: float | None, time: float, morphs=()) -> Moment:
    texts, leaves = _walk(scene.mobjects + scene.foreground_mobjects)
    boxes = []
    for t in texts:
        if t.width == 0 and t.height == 0:
            continue
        labels = getattr(t, "convviz_labels", None)     # a weak reference
        labels = None if labels is None else labels()
        boxes.append(TextBox(t.original_text, _box(t), _opacity(t), text_px(t),
                             getattr(t, "convviz_role", None),
                             None if labels is None else _drawn_shape(labels), id(t)))
    shapes = [(type(m).__name__, _box(m)) for m in leaves if _opacity(m) > VISIBLE]
    moment = Moment(play, alpha, time, boxes, shapes, list(morphs))
    if alpha is None:
        moment.leftovers = [t.text for t in boxes if t.opacity <= VISIBLE]
    if alpha is None or alpha >= 0.5:           # a line may fade while its window starts off
        on_screen = {id(m) for top in scene.mobjects for m in top.get_family()}
        for t in texts:
            anchor = getattr(t, "convviz_explains", None)
            if anchor is None or _opacity(t) <= BRIGHT:
                continue
            mobject, where = anchor[0](), anchor[1]
            if (mobject is None or id(mobject) not in on_screen
                    or np.linalg.norm(mobject.get_center() - where) > 1e-3):
                moment.stale.append(t.original_text)
    return moment


# --------------------------------------------------------------------------- running
def probe(scene, config=None, model=None) -> Probe:
    """Run ``scene`` without drawing and record it: a name of
    ``convviz.render.SCENES`` (built with ``config`` and ``model``), or any Manim
    ``Scene`` class (built with no arguments).

    The frame is 1280x720 at 30 fps, the tour's default.
    """
    from manim import tempconfig

    from convviz import render as R

    if isinstance(scene, str):
        cls, kwargs = R.scene_class(scene), {"scene_config": config, "model": model}
    else:
        cls, kwargs = scene, {}
    moments: list[Moment] = []
    with tempfile.TemporaryDirectory(prefix="convviz-probe-") as media, \
            tempconfig({"dry_run": True, "media_dir": media, "disable_caching": True,
                        "progress_bar": "none", "verbosity": "WARNING",
                        "pixel_width": 1280, "pixel_height": 720, "frame_rate": 30}):
        instance = cls(skip_animations=True, **kwargs)
        count = [0]
        play, update_to_time = instance.play, instance.update_to_time

        def probed_play(*animations, **options):
            count[0] += 1
            play(*animations, **options)
            moments.append(snapshot(instance, count[0], None, float(instance.renderer.time)))

        def probed_update_to_time(t):
            # Skipping, Manim jumps to the end in one call (t = duration); stop at
            # ALPHAS on the way, as the frames would. The renderer's clock has
            # already moved past this play.
            duration = instance.duration
            if t < duration or duration <= 0:
                return update_to_time(t)
            start = instance.renderer.time - duration
            morphs = _morphs(instance.animations or ())
            for alpha in ALPHAS:
                update_to_time(alpha * duration)
                moments.append(snapshot(instance, count[0], alpha, start + alpha * duration,
                                        morphs))
            return None

        instance.play = probed_play
        instance.update_to_time = probed_update_to_time
        instance.render()
    return Probe(instance, moments, list(getattr(instance, "poster_times", [])))


# --------------------------------------------------------------------------- checks
def _overlap(a, b) -> bool:
    return (min(a[2], b[2]) - max(a[0], b[0]) > TOUCH
            and min(a[3], b[3]) - max(a[1], b[1]) > TOUCH)


def overlapping_texts(moment: Moment) -> list[str]:
    shown = moment.visible()
    return [f"{moment}: {a.text!r} overlaps {b.text!r}"
            for i, a in enumerate(shown) for b in shown[i + 1:] if _overlap(a.box, b.box)]


def swept_overlaps(before: Moment, after: Moment) -> list[str]:
    """Texts that move between two samples of one animation, followed along the
    straight path between them, against every other text (also interpolated)."""
    b = {t.key: t for t in before.texts}
    a = {t.key: t for t in after.texts}
    keys = [k for k in b if k in a]
    if len(keys) < 2:
        return []
    box0 = np.array([b[k].box for k in keys])
    box1 = np.array([a[k].box for k in keys])
    moving = np.flatnonzero(np.abs(box1 - box0).max(axis=1) > 1e-3)
    if not len(moving):
        return []
    s = np.linspace(0, 1, SUBSTEPS + 2)[1:-1, None, None]
    boxes = box0 + s * (box1 - box0)                                  # (S, n, 4)
    op = (np.array([b[k].opacity for k in keys]) * (1 - s[:, :, 0])
          + np.array([a[k].opacity for k in keys]) * s[:, :, 0])      # (S, n)
    found = []
    for i in moving:
        width = np.minimum(boxes[:, i:i + 1, 2], boxes[:, :, 2]) - \
            np.maximum(boxes[:, i:i + 1, 0], boxes[:, :, 0])
        height = np.minimum(boxes[:, i:i + 1, 3], boxes[:, :, 3]) - \
            np.maximum(boxes[:, i:i + 1, 1], boxes[:, :, 1])
        hit = (width > TOUCH) & (height > TOUCH) & (op[:, i:i + 1] > VISIBLE) & (op > VISIBLE)
        hit[:, i] = False
        for j in np.flatnonzero(hit.any(axis=0)):
            found.append(f"{before} to {after.alpha:.0%}: moving {b[keys[i]].text!r} "
                         f"passes over {b[keys[j]].text!r}")
    return found


def outside_frame(moment: Moment, margin: float = MARGIN) -> list[str]:
    from manim import config

    half_w, half_h = config.frame_width / 2 - margin, config.frame_height / 2 - margin
    found = []
    for name, (left, bottom, right, top) in (
            [(repr(t.text), t.box) for t in moment.visible()] + moment.shapes):
        if left < -half_w or right > half_w or bottom < -half_h or top > half_h:
            found.append(f"{moment}: {name} at x {left:.2f}..{right:.2f}, "
                         f"y {bottom:.2f}..{top:.2f} leaves the frame (margin {margin})")
    return found


def too_small(moment: Moment, min_px: float = MIN_PX) -> list[str]:
    return [f"{moment}: {t.text!r} is {t.px:.1f} px tall (< {min_px})"
            for t in moment.visible() if t.px < min_px]


def layout_problems(result: Probe) -> list[str]:
    """Every problem of every moment, as sentences, each said once (empty: passed)."""
    problems: list[str] = []
    previous = None
    for m in result.moments:
        problems += overlapping_texts(m) + outside_frame(m) + too_small(m)
        problems += [f"{m}: {morph}" for morph in m.morphs]
        problems += [f"{m}: invisible text {t!r} left in the scene" for t in m.leftovers]
        problems += [f"{m}: {t!r} still bright after what it explains moved on"
                     for t in m.stale]
        if previous is not None and m.alpha and previous.play == m.play:
            problems += swept_overlaps(previous, m)
        previous = m
    unique, seen = [], set()
    for p in problems:
        what = p.split(": ", 1)[1]
        if what not in seen:
            seen.add(what)
            unique.append(p)
    return unique
