"""Scene configs and rendering: which numbers a scene shows, and turning it into a video.

A :class:`SceneConfig` holds the input, kernel(s), bias, stride, padding and channel
or filter count a scene uses; :func:`default_config` gives each scene the source
article's example (:mod:`convviz.worked`). Configs come from Python, from CLI
strings (:func:`parse_array`: ``"1 2 3; 4 5 6"`` rows, ``|`` between channels,
``||`` between filters, or JSON) or from a JSON/TOML file (:func:`load_config_file`).

:func:`render` runs Manim in this process on the scene classes of
:mod:`convviz.scenes` (part of the installed package) and keeps the video in a cache
keyed by scene, config, quality and the scene code, written atomically, with the
frame the scene marked as its poster (``ConvvizScene.mark_poster``) in a small JSON
file beside it; :func:`save_poster` saves that frame. In a source
checkout ``manim -ql scenes/<file>.py <Scene>`` works too: the scene then reads its
config from the file named by ``$CONVVIZ_SCENE_CONFIG`` or uses the defaults.

Manim is imported only inside :func:`render`, so importing this module is cheap and
needs numpy alone; rendering and reading videos need ``convviz[scenes]`` (and the
model scenes ``convviz[keras]``: :func:`scene_extras`).
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import io
import json
import os
import pathlib
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from ._extras import require, require_extras
from .cache import atomic_path, atomic_write, cache_subdir, check_cache_writable

__all__ = [
    "SCENES",
    "NO_MODEL_SCENES",
    "MODEL_SCENES",
    "QUALITIES",
    "SceneConfig",
    "default_config",
    "parse_array",
    "load_config_file",
    "config_from_env",
    "scene_class",
    "scene_module",
    "scene_extras",
    "render",
    "cached_video",
    "read_video",
    "save_still",
    "save_poster",
    "poster_frame",
    "save_gif",
    "GIF_BYTES",
    "CONFIG_ENV",
]

CONFIG_ENV = "CONVVIZ_SCENE_CONFIG"

# Scene name -> its module in convviz.scenes.
SCENES = {
    "KernelSlide": "kernel_slide",
    "KernelSlideSame": "kernel_slide",
    "KernelSlideStride2": "kernel_slide",
    "KernelSlideSameStride2": "kernel_slide",
    "MultiChannelSum": "multi_channel",
    "FiltersAndKernels": "filters_kernels",
    "Pooling": "pooling",
    "PoolingSame": "pooling",
    "LearnedFilters": "learned_filters",
    "CNNPipeline": "cnn_pipeline",
    "TransposedConv": "transposed",
    "Dilation": "dilation",
    "ConvolutionVsCorrelation": "flip",
    "DepthwiseSeparable": "separable",
    "ReluSoftmax": "relu_softmax",
    "ReceptiveField": "receptive_field",
}

# Manim quality names with their default size and frame rate.
QUALITIES = {
    "low": ("low_quality", 854, 480, 15),
    "medium": ("medium_quality", 1280, 720, 30),
    "high": ("high_quality", 1920, 1080, 60),
}

# The scenes that draw a trained model, with the model they use by default.
MODEL_SCENES = {"LearnedFilters": "simple_cnn", "CNNPipeline": "deep_cnn",
                "ReluSoftmax": "simple_cnn", "ReceptiveField": "deep_cnn"}

# The scenes that need no trained model (seconds to render at low quality each).
NO_MODEL_SCENES = tuple(s for s in SCENES if s not in MODEL_SCENES)

_PADDING_WORDS = ("valid", "same", "full")


# --------------------------------------------------------------------------- config
def _nested(value, name: str):
    """A numeric array-like as nested tuples (hashable, JSON-able), or None."""
    if value is None:
        return None
    array = np.asarray(value)
    if array.dtype == object or not (np.issubdtype(array.dtype, np.integer)
                                     or np.issubdtype(array.dtype, np.floating)):
        raise TypeError(f"{name} must be a numeric array, got {value!r}")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers, got {array.tolist()}")
    as_list = array.tolist()

    def freeze(v):
        return tuple(freeze(u) for u in v) if isinstance(v, list) else v

    return freeze(as_list)


def _check_int(value, name: str, minimum: int) -> int:
    if not isinstance(value, Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class SceneConfig:
    """The numbers a scene shows; ``None`` fields mean "the scene's default".

    Attributes:
        input: ``(H, W)`` for the single-channel scenes and pooling, ``(C, H, W)``
            for the multi-channel ones.
        kernel: ``(kh, kw)``; ``(C, kh, kw)`` = one filter (MultiChannelSum);
            ``(N, C, kh, kw)`` = N filters (FiltersAndKernels).
        bias: a number, or ``(N,)`` for N filters.
        stride, padding: as for :func:`convviz.conv2d` (``padding`` ``"valid"``,
            ``"same"``, ``"full"`` or an int). None means the scene's default (stride
            1, or the pool size for pooling; the padding its variant shows, e.g.
            ``"same"`` for KernelSlideSame, else ``"valid"``).
        channels: number of input channels to keep from the default input.
        filters: number of filters to keep from the default filters.
        pool_size: pooling window (Pooling scenes).
        detailed_steps, fast_steps: how many positions are animated step by step,
            then quickly; the remaining positions are written all at once.
        model, digit_index, epochs, n_train: the model scenes' model name, test
            digit and training settings (``convviz.train.load_trained``; the defaults
            are the article's 10 epochs on all 60000 images; ``n_train`` uses only the
            first N training images, for a quick model). A Keras model object can
            also be handed to :func:`render` (``model=``) instead.
        dilation: the kernel's dilation rate (Dilation).
        output_padding: cells added at the bottom/right of a transposed
            convolution's output, ``< stride`` (TransposedConv; None: Keras' default).
        pointwise: ``(C_out, C)`` the 1x1 weights after the depthwise step
            (DepthwiseSeparable, whose ``kernel`` is ``(C, kh, kw)``, one per channel).
        layer: the layer a model scene looks at: a name, or an index (ReluSoftmax:
            among the conv layers; ReceptiveField: among the spatial layers).
            None: the scene's choice (the first conv layer; the deepest map).
        cell: ``(row, col)`` in that layer's output (ReceptiveField; None: the
            cell with the largest value).
    """

    input: tuple | None = None
    kernel: tuple | None = None
    bias: object = None
    stride: int | None = None
    padding: object = None
    channels: int | None = None
    filters: int | None = None
    pool_size: int = 2
    detailed_steps: int = 3
    fast_steps: int = 6
    model: str | None = None
    digit_index: int = 0
    epochs: int = 10
    n_train: int | None = None
    dilation: int | None = None
    output_padding: int | None = None
    pointwise: tuple | None = None
    layer: str | int | None = None
    cell: tuple | None = None

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "input", _nested(self.input, "input"))
        set_(self, "kernel", _nested(self.kernel, "kernel"))
        if self.bias is not None:
            bias = _nested(self.bias, "bias")
            set_(self, "bias", bias)
        if self.stride is not None:
            _check_int(self.stride, "stride", 1)
        padding = self.padding
        if padding is None:
            pass
        elif isinstance(padding, str):
            if padding.lower() not in _PADDING_WORDS:
                raise ValueError(f"padding must be one of {_PADDING_WORDS} or an int >= 0, "
                                 f"got {padding!r}")
            set_(self, "padding", padding.lower())
        else:
            _check_int(padding, "padding", 0)
        for name, minimum in (("channels", 1), ("filters", 1)):
            if getattr(self, name) is not None:
                _check_int(getattr(self, name), name, minimum)
        _check_int(self.pool_size, "pool_size", 1)
        _check_int(self.detailed_steps, "detailed_steps", 0)
        _check_int(self.fast_steps, "fast_steps", 0)
        _check_int(self.digit_index, "digit_index", 0)
        _check_int(self.epochs, "epochs", 1)
        if self.n_train is not None:
            _check_int(self.n_train, "n_train", 1)
        if self.model is not None and not isinstance(self.model, str):
            raise TypeError(f"model must be a model name (str), got {self.model!r}")
        if self.dilation is not None:
            _check_int(self.dilation, "dilation", 1)
        if self.output_padding is not None:
            _check_int(self.output_padding, "output_padding", 0)
        set_(self, "pointwise", _nested(self.pointwise, "pointwise"))
        if self.layer is not None and (isinstance(self.layer, bool)
                                       or not isinstance(self.layer, (str, Integral))):
            raise TypeError(f"layer must be a layer name (str) or an index (int), "
                            f"got {self.layer!r}")
        if self.cell is not None:
            cell = self.cell
            if not isinstance(cell, (tuple, list)) or len(cell) != 2:
                raise TypeError(f"cell must be a (row, col) pair of ints, got {cell!r}")
            set_(self, "cell", tuple(_check_int(v, "cell", 0) for v in cell))

    def replace(self, **changes) -> "SceneConfig":
        return dataclasses.replace(self, **changes)

    def to_json(self) -> str:
        """Canonical JSON (sorted keys), the basis of the render cache key."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_mapping(cls, mapping: dict) -> "SceneConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(mapping) - names - {"scene"})
        if unknown:
            raise ValueError(f"unknown config keys {unknown}; expected some of {sorted(names)}")
        return cls(**{k: v for k, v in mapping.items() if k in names})


def _article_filters() -> np.ndarray:
    """``(3, 3, 3, 3)`` (N, C, kh, kw): the article's filter, then two easy ones.

    Filter 1 picks each channel's centre cell (so its feature map is the sum of the
    three channels); filter 2 is a horizontal-edge detector on every channel.
    """
    from .worked import multi_channel_example

    _, kernel, _ = multi_channel_example()
    article = kernel[..., 0].transpose(2, 0, 1)                       # (C, kh, kw)
    centre = np.zeros((3, 3, 3), dtype=article.dtype)
    centre[:, 1, 1] = 1
    edge = np.tile(np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]]), (3, 1, 1))
    return np.stack([article, centre, edge])


_POOLING_EXAMPLE = [[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]  # CS231n


def default_config(scene: str) -> SceneConfig:
    """The article's numbers for ``scene`` (see :data:`SCENES`)."""
    from . import family_data
    from .conv import conv2d
    from .worked import multi_channel_example, single_channel_example

    if scene in family_data.SCENES:
        return family_data.default_config(scene)
    _check_scene(scene)
    x, kernel = single_channel_example()
    if scene == "KernelSlide":
        return SceneConfig(input=x, kernel=kernel)
    if scene == "KernelSlideSame":
        return SceneConfig(input=x, kernel=kernel, padding="same")
    if scene == "KernelSlideStride2":
        return SceneConfig(input=x, kernel=kernel, stride=2)
    if scene == "KernelSlideSameStride2":
        # A 4x4 input, 3x3 kernel, stride 2, "same": the total padding is 1, an odd
        # number, so TensorFlow puts the zero row/column at the bottom/right only.
        return SceneConfig(input=x[:4, :4], kernel=kernel, stride=2, padding="same")
    xm, km, bm = multi_channel_example()
    if scene == "MultiChannelSum":
        return SceneConfig(input=xm[0], kernel=km[..., 0].transpose(2, 0, 1), bias=bm[0])
    if scene == "FiltersAndKernels":
        return SceneConfig(input=xm[0], kernel=_article_filters()[:2], bias=(bm[0], 0))
    if scene == "Pooling":
        return SceneConfig(input=_POOLING_EXAMPLE)
    if scene == "PoolingSame":
        # The 5x5 feature map KernelSlideSame computes: odd size, so "same" pooling
        # adds one row and one column at the bottom/right.
        return SceneConfig(input=conv2d(x, kernel, padding="same"), padding="same")
    return SceneConfig(model=MODEL_SCENES[scene])


def _check_scene(scene) -> str:
    if scene not in SCENES:
        raise ValueError(f"scene must be one of {sorted(SCENES)}, got {scene!r}")
    return scene


def resolve_config(scene: str, config: SceneConfig | None = None) -> SceneConfig:
    """``config`` with every ``None`` array field filled from :func:`default_config`,
    and ``channels``/``filters`` applied to the default input/kernel."""
    base = default_config(scene)
    if config is None:
        config = base
    changes = {}
    for name in ("input", "kernel", "bias", "model", "stride", "padding", "dilation",
                 "pointwise"):
        if getattr(config, name) is None and getattr(base, name) is not None:
            changes[name] = getattr(base, name)
    if (changes.get("stride", config.stride) is None
            and not scene.startswith("Pooling")):
        changes["stride"] = 1
    if changes.get("padding", config.padding) is None:
        changes["padding"] = "valid"
    config = config.replace(**changes) if changes else config
    if config.channels is not None and scene in ("MultiChannelSum", "FiltersAndKernels"):
        config = _keep_channels(config, base)
    if config.filters is not None and scene == "FiltersAndKernels":
        config = _keep_filters(config)
    return config


def _keep_channels(config: SceneConfig, base: SceneConfig) -> SceneConfig:
    x = np.asarray(config.input)
    c = config.channels
    if x.ndim == 3 and x.shape[0] == c:
        return config
    if config.input != base.input:
        raise ValueError(f"channels={c} but the given input has shape {x.shape} "
                         f"(expected ({c}, H, W))")
    if c > x.shape[0]:
        raise ValueError(f"channels must be <= {x.shape[0]} with the default input; "
                         f"give --input with {c} channels instead, got channels={c}")
    kernel = np.asarray(config.kernel)
    kernel = kernel[:c] if kernel.ndim == 3 else kernel[:, :c]
    return config.replace(input=x[:c], kernel=kernel)


def _keep_filters(config: SceneConfig) -> SceneConfig:
    kernel = np.asarray(config.kernel)
    n = config.filters
    if kernel.ndim == 4 and kernel.shape[0] == n:
        return config
    available = _article_filters()[:, : np.asarray(config.input).shape[0]]
    if n > len(available):
        raise ValueError(f"filters must be <= {len(available)} with the default filters; "
                         f"give --kernel with {n} filters instead, got filters={n}")
    bias = np.zeros(n, dtype=int)
    if config.bias is not None:
        given = np.atleast_1d(np.asarray(config.bias))
        bias[: min(n, given.size)] = given[:n]
    return config.replace(kernel=available[:n], bias=bias)


_ROW_SPLIT = re.compile(r"\s*;\s*|\n")


def parse_array(text: str, name: str = "array") -> np.ndarray:
    """Parse a matrix (or stack of them) from a CLI string.

    ``"1 2 3; 4 5 6"`` (rows split by ``;`` or newlines, numbers by spaces or
    commas) is ``(2, 3)``; ``|`` separates channels, giving ``(C, H, W)``; ``||``
    separates filters, giving ``(N, C, kh, kw)``. A string starting with ``[`` is
    read as JSON. Numbers are ints when all are integral, floats otherwise.

    >>> parse_array("1 2; 3 4").tolist()
    [[1, 2], [3, 4]]
    >>> parse_array("1 0; 0 1 | 2 2; 2 2").shape
    (2, 2, 2)
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{name} must be a non-empty string like '1 2 3; 4 5 6', got {text!r}")
    text = text.strip()
    if text.startswith("["):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{name}: invalid JSON {text!r}: {exc}") from exc
        return _rectangular(value, name, text)

    def matrix(part: str):
        rows = [r for r in _ROW_SPLIT.split(part.strip()) if r.strip()]
        out = []
        for row in rows:
            cells = [c for c in re.split(r"[\s,]+", row.strip()) if c]
            try:
                out.append([float(c) for c in cells])
            except ValueError as exc:
                raise ValueError(f"{name}: {exc.args[0]} in row {row!r} of {text!r}; "
                                 "expected numbers like '1 2 3; 4 5 6'") from None
        return out

    if "||" in text:
        value = [[matrix(c) for c in f.split("|")] for f in text.split("||")]
    elif "|" in text:
        value = [matrix(c) for c in text.split("|")]
    else:
        value = matrix(text)
    return _rectangular(value, name, text)


def _rectangular(value, name: str, text: str) -> np.ndarray:
    try:
        array = np.array(value, dtype=float)
    except (ValueError, TypeError):
        raise ValueError(f"{name} must be rectangular (every row the same length, every "
                         f"channel the same shape), got {text!r}") from None
    if array.size == 0:
        raise ValueError(f"{name} must not be empty, got {text!r}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must hold finite numbers, got {text!r}")
    if np.all(array == np.round(array)):
        return array.astype(np.int64)
    return array


def load_config_file(path) -> tuple[str | None, SceneConfig]:
    """``(scene or None, config)`` from a ``.json`` or ``.toml`` file.

    Keys are :class:`SceneConfig` fields (plus an optional ``scene``); arrays are
    nested lists or strings in :func:`parse_array` syntax.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"config file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            mapping = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"config file {str(path)!r} is not valid TOML: {exc}") from exc
    elif path.suffix.lower() == ".json":
        try:
            mapping = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"config file {str(path)!r} is not valid JSON: {exc}") from exc
    else:
        raise ValueError(f"config file must end in .json or .toml, got {str(path)!r}")
    if not isinstance(mapping, dict):
        raise ValueError(f"config file {str(path)!r} must hold a table/object of settings")
    mapping = dict(mapping)
    for key in ("input", "kernel", "bias", "pointwise"):
        if isinstance(mapping.get(key), str):
            mapping[key] = parse_array(mapping[key], key)
    scene = mapping.get("scene")
    if scene is not None:
        _check_scene(scene)
    return scene, SceneConfig.from_mapping(mapping)


def config_from_env(scene: str) -> SceneConfig:
    """The config a scene renders with: ``$CONVVIZ_SCENE_CONFIG`` (a JSON/TOML file)
    if set, else the defaults; always resolved against :func:`default_config`."""
    path = os.environ.get(CONFIG_ENV)
    config = load_config_file(path)[1] if path else None
    return resolve_config(scene, config)


# --------------------------------------------------------------------------- scenes
def scene_module(scene: str) -> str:
    """The module that defines ``scene``, e.g. ``"convviz.scenes.kernel_slide"``."""
    return f"{__package__}.scenes.{SCENES[_check_scene(scene)]}"


def scene_class(scene: str):
    """The Manim ``Scene`` subclass named ``scene`` (imports Manim)."""
    return getattr(importlib.import_module(scene_module(scene)), scene)


def _code_fingerprint(scene: str) -> str:
    """Hash of the code that decides what a scene draws (scene modules + data builders)."""
    here = pathlib.Path(__file__).resolve().parent
    files = sorted((here / "scenes").glob("*.py")) + [
        here / name for name in ("scene_data.py", "family_data.py", "receptive.py", "render.py")]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()


def scene_extras(scene: str) -> tuple[str, ...]:
    """The extras rendering ``scene`` needs: ``("scenes",)``, plus ``"keras"`` for a
    scene that draws a trained model."""
    return ("scenes", "keras") if _check_scene(scene) in MODEL_SCENES else ("scenes",)


def render(scene: str, config: SceneConfig | None = None, *, quality: str = "low",
           pixel_width: int | None = None, pixel_height: int | None = None,
           frame_rate: int | None = None, use_cache: bool = True,
           output: str | os.PathLike | None = None, model=None) -> pathlib.Path:
    """Render ``scene`` with ``config`` to an mp4 and return its path.

    The video lands in ``cache_dir()/renders/`` under a name keyed by the scene, the
    resolved config, quality/size/frame rate and the scene code; an existing file
    is reused unless ``use_cache=False``. ``output`` also copies it there.
    ``pixel_width``/``pixel_height``/``frame_rate`` override the quality's.

    ``model`` (a Keras model) is what the model scenes (:data:`MODEL_SCENES`) draw
    instead of ``load_trained(config.model, epochs=config.epochs,
    n_train=config.n_train)``; the cache key then includes a hash of its weights.
    Tests pass an untrained ``convviz.models.build(...)`` so nothing trains. The
    other scenes ignore it.
    """
    require_extras("convviz.render", *scene_extras(scene))
    target, config, manim_quality, (width, height, fps), model = _video_target(
        scene, config, quality, pixel_width, pixel_height, frame_rate, model)
    if not (use_cache and _usable_cache(target)):
        check_cache_writable(target.parent)
        _render_uncached(scene, config, manim_quality, width, height, fps, target, model)
    if output is not None:
        output = pathlib.Path(output)
        output.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(output) as tmp:
            shutil.copyfile(target, tmp)
        return output
    return target


def cached_video(scene: str, config: SceneConfig | None = None, *, quality: str = "low",
                 pixel_width: int | None = None, pixel_height: int | None = None,
                 frame_rate: int | None = None, model=None) -> pathlib.Path | None:
    """The video :func:`render` would return from its cache for these arguments, or
    None if it is not rendered yet (or damaged: then it is named on stderr). Renders
    nothing and never imports Manim."""
    target = _video_target(scene, config, quality, pixel_width, pixel_height, frame_rate,
                           model)[0]
    return target if _usable_cache(target) else None


def _video_target(scene, config, quality, pixel_width, pixel_height, frame_rate, model):
    """``(cache path, resolved config, Manim quality, (width, height, fps), model)`` of a
    render: the arguments checked, the model dropped for scenes that draw none."""
    _check_scene(scene)
    if quality not in QUALITIES:
        raise ValueError(f"quality must be one of {sorted(QUALITIES)}, got {quality!r}")
    manim_quality, width, height, fps = QUALITIES[quality]
    if pixel_width is not None or pixel_height is not None:
        width = _check_int(pixel_width if pixel_width is not None else width, "pixel_width", 16)
        height = _check_int(pixel_height if pixel_height is not None
                            else round(width * 9 / 16), "pixel_height", 16)
    fps = _check_int(frame_rate if frame_rate is not None else fps, "frame_rate", 1)
    config = resolve_config(scene, config)
    if scene not in MODEL_SCENES:
        model = None
    model_key = "" if model is None else _model_fingerprint(model)

    key = hashlib.sha256("\0".join([
        scene, config.to_json(), f"{width}x{height}@{fps}", _code_fingerprint(scene),
        model_key,
    ]).encode()).hexdigest()[:16]
    target_dir = cache_subdir("renders")
    target = target_dir / f"{scene}-{width}x{height}-{fps}fps-{key}.mp4"
    return target, config, manim_quality, (width, height, fps), model


def _usable_cache(target: pathlib.Path) -> bool:
    """True if the cached video ``target`` is whole and has its poster mark (written
    after the video: without it the render did not finish)."""
    return _good_cached_video(target) and _poster_file(target).is_file()


def _good_cached_video(path: pathlib.Path) -> bool:
    """True if the cached video ``path`` is whole; False if it is missing or damaged
    (then it is named on stderr, to be rendered again)."""
    if not path.is_file():
        return False
    damage = _video_damage(path)
    if damage:
        print(f"convviz: the cached video {path} is damaged ({damage}); rendering it again",
              file=sys.stderr)
    return damage is None


def _video_damage(path) -> str | None:
    """Why the video at ``path`` is not whole, or None: its header opens, the container's
    frame count is there and every frame's packet is present (a truncated mp4 loses
    its index, or the frames after the cut), and the last frame decodes."""
    av = require("av", "scenes", "convviz.render")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return "it has no video stream"
            stream = container.streams.video[0]
            expected = stream.frames
            packets = [p for p in container.demux(stream) if p.size]
            if not packets or (expected and len(packets) != expected):
                return f"{len(packets)} of {expected or '?'} frames are present"
            last_key = max((i for i, p in enumerate(packets) if p.is_keyframe), default=0)
            codec = av.CodecContext.create(stream.codec_context.name, "r")
            codec.extradata = stream.codec_context.extradata
            if not [f for p in packets[last_key:] for f in codec.decode(p)] + codec.decode(None):
                return "its last frame does not decode"
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        return f"it does not open or decode as a video: {getattr(exc, 'strerror', None) or exc}"
    return None


def _model_fingerprint(model) -> str:
    """Hash of a Keras model's name, layer names and weights (the render cache key)."""
    if not hasattr(model, "get_weights") or not hasattr(model, "layers"):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}")
    digest = hashlib.sha256(model.name.encode())
    for layer in model.layers:
        digest.update(layer.name.encode() + b"\0")
    for w in model.get_weights():
        w = np.ascontiguousarray(w)
        digest.update(str(w.shape).encode() + w.tobytes())
    return digest.hexdigest()


def _render_uncached(scene, config, manim_quality, width, height, fps, target, model=None):
    tempconfig = require("manim", "scenes", "convviz.render").tempconfig
    cls = scene_class(scene)
    with tempfile.TemporaryDirectory(prefix="convviz-render-") as media:
        settings = {
            "quality": manim_quality,
            "pixel_width": width, "pixel_height": height, "frame_rate": fps,
            "media_dir": media, "disable_caching": True, "progress_bar": "none",
            "verbosity": "WARNING", "write_to_movie": True, "format": "mp4",
            "output_file": scene, "preview": False,
        }
        with tempconfig(settings):
            instance = cls(scene_config=config, model=model)
            instance.render()
            movie = pathlib.Path(instance.renderer.file_writer.movie_file_path)
        if not movie.is_file():
            raise RuntimeError(f"Manim did not write a video for {scene} (expected {movie})")
        marks = getattr(instance, "poster_times", [])           # the first mark counts
        poster = {"scene": scene, "fps": fps,
                  "poster_time": marks[0] if marks else None,
                  "poster_frame": round(marks[0] * fps) if marks else None}
        with atomic_path(target) as tmp:
            shutil.copyfile(movie, tmp)
        atomic_write(_poster_file(target), json.dumps(poster))


def _poster_file(video) -> pathlib.Path:
    """The JSON beside a rendered video that says which frame is its poster."""
    video = pathlib.Path(video)
    return video.with_name(video.stem + ".poster.json")


# --------------------------------------------------------------------------- frames
def read_video(path, fractions=None):
    """``(n_frames, (width, height), frames)`` of a video, read with PyAV.

    ``frames`` holds PIL images at the given ``fractions`` of the length (e.g.
    ``(0, 0.5, 1)`` for beginning, middle, end); empty when ``fractions`` is None.
    The video is decoded twice, once to count the frames and once to convert only
    the picked ones, so memory stays at one frame whatever the length.
    """
    av = require("av", "scenes", "convviz.render")

    def frames():
        with av.open(str(path)) as container:
            yield from container.decode(container.streams.video[0])

    count, size = 0, (0, 0)
    for frame in frames():
        count, size = count + 1, (frame.width, frame.height)
    if not count:
        return 0, (0, 0), []
    wanted = [min(count - 1, int(round(f * (count - 1)))) for f in fractions or ()]
    images = {}
    if wanted:
        for i, frame in enumerate(frames()):
            if i in wanted:
                images[i] = frame.to_image()
            if i >= max(wanted):
                break
    return count, size, [images[i] for i in wanted]


def _save_png(image, png_path) -> pathlib.Path:
    png_path = pathlib.Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(png_path) as tmp:
        image.save(tmp, format="PNG")
    return png_path


def save_still(video, png_path, at: float = 1.0) -> pathlib.Path:
    """Save the frame at fraction ``at`` of ``video`` as a PNG (atomically)."""
    _, _, (image,) = read_video(video, (at,))
    return _save_png(image, png_path)


def poster_frame(video) -> int | None:
    """The index of the frame ``video`` marked as its poster, or None if it has no
    mark (a video not made by :func:`render`, or a scene without ``mark_poster``)."""
    path = _poster_file(video)
    if not path.is_file():
        return None
    frame = json.loads(path.read_text(encoding="utf-8")).get("poster_frame")
    return None if frame is None else int(frame)


def save_poster(video, png_path) -> pathlib.Path:
    """Save the poster of ``video`` as a PNG (atomically): the frame its scene
    marked as the one that shows its idea, or the last frame if none was marked.

    ``video`` is the path :func:`render` returned (the mark is kept beside the
    cached video; a copy made elsewhere gets the last frame)."""
    av = require("av", "scenes", "convviz.render")
    wanted = poster_frame(video)
    chosen = None
    with av.open(str(video)) as container:
        for index, frame in enumerate(container.decode(container.streams.video[0])):
            chosen = frame                          # ends on the last frame if none matched
            if index == wanted:
                break
    if chosen is None:
        raise ValueError(f"video {str(video)!r} has no frames")
    return _save_png(chosen.to_image(), png_path)


GIF_BYTES = 3_000_000      # the README's budget for one GIF


def save_gif(video, gif_path, *, fps: int = 8, width: int = 640,
             max_bytes: int | None = GIF_BYTES, colors=(64, 32, 16)) -> pathlib.Path:
    """A looping GIF of ``video``: ``fps`` frames a second, ``width`` pixels wide.

    Frames are taken at the GIF's own rate from the video's clock, so it plays in
    real time (GIF delays are whole hundredths of a second: they alternate, e.g.
    0.13/0.12 s at 8 fps, to keep the average exact). All frames share one palette
    (no dithering, so text stays crisp) and each frame after the first stores only
    the pixels that changed, the rest transparent, which keeps a scene's mostly still
    picture small. The palette has ``colors[0]`` entries (one of them the transparent
    one); if the file would exceed ``max_bytes`` the next, smaller palette of
    ``colors`` is tried, and if none fits nothing is written and ``ValueError`` says
    how big it would be.
    """
    av = require("av", "scenes", "convviz.render")
    from PIL import Image

    fps = _check_int(fps, "fps", 1)
    width = _check_int(width, "width", 16)
    if max_bytes is not None:
        max_bytes = _check_int(max_bytes, "max_bytes", 1)
    colors = tuple(_check_int(c, "colors", 2) for c in colors)
    if not colors or any(c > 256 for c in colors):
        raise ValueError(f"colors must be palette sizes in [2, 256], got {colors!r}")

    frames, height = [], None
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        rate = float(stream.average_rate or 30)
        for i, frame in enumerate(container.decode(stream)):
            seconds = frame.time if frame.time is not None else i / rate
            if seconds + 0.5 / rate >= len(frames) / fps:   # the frame nearest the GIF's clock
                image = frame.to_image()
                height = height or round(image.height * width / image.width)
                frames.append(image.resize((width, height), Image.Resampling.LANCZOS))
    if not frames:
        raise ValueError(f"video {str(video)!r} has no frames")
    ticks = [round(k * 100 / fps) for k in range(len(frames) + 1)]     # hundredths of a second
    durations = [10 * (b - a) for a, b in zip(ticks, ticks[1:])]

    sample = frames[:: max(1, len(frames) // 16)]
    montage = Image.new("RGB", (width, height * len(sample)))
    for k, image in enumerate(sample):
        montage.paste(image, (0, k * height))
    sizes = []
    for n_colors in colors:
        buffer = io.BytesIO()
        _write_gif(buffer, frames, montage, n_colors, durations)
        sizes.append(buffer.tell())
        if max_bytes is None or buffer.tell() <= max_bytes:
            break
    else:
        raise ValueError(f"max_bytes={max_bytes}: a {width}x{height} GIF at {fps} fps of "
                         f"{str(video)!r} takes {min(sizes):,} bytes even with "
                         f"{colors[-1]} colours; give a larger max_bytes or a shorter video")
    gif_path = pathlib.Path(gif_path)
    gif_path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(gif_path) as tmp:
        pathlib.Path(tmp).write_bytes(buffer.getvalue())
    return gif_path


def _write_gif(file, frames, montage, n_colors: int, durations) -> None:
    """``frames`` (RGB) as a GIF into ``file``: ``n_colors - 1`` colours from
    ``montage`` plus a transparent index standing for "as in the previous frame"."""
    from PIL import Image

    clear = n_colors - 1
    palette = montage.quantize(clear, method=Image.Quantize.MEDIANCUT)
    rgb = (palette.getpalette() + [0] * 3 * clear)[: 3 * clear] + [0, 0, 0]
    indexed = [np.asarray(f.quantize(palette=palette, dither=Image.Dither.NONE))
               for f in frames]
    images = []
    for k, pixels in enumerate(indexed):
        if k:
            pixels = np.where(pixels == indexed[k - 1], clear, pixels).astype(np.uint8)
        image = Image.fromarray(pixels, mode="P")
        image.putpalette(rgb)
        images.append(image)
    images[0].save(file, format="GIF", save_all=True, append_images=images[1:],
                   duration=durations, loop=0, transparency=clear, disposal=1,
                   optimize=False)
