"""``convviz render``: render one of the Manim scenes with numbers from the core.

    convviz render KernelSlide --input "1 2 3; 4 5 6; 7 8 9" --kernel "1 0; 0 1"
    convviz render KernelSlide --stride 2 --padding same --quality low
    convviz render MultiChannelSum --config my_example.toml
    convviz render LearnedFilters --epochs 1 --n-train 5000     # a quick model
    convviz render TransposedConv --padding same --output-padding 1
    convviz render Dilation --dilation 1          # no gaps: an ordinary 3x3 kernel

Options override the config file, which overrides the scene's defaults (the
article's examples). Prints where the video is.
"""
from __future__ import annotations

import argparse

from ..render import SCENES  # numpy only: --help stays instant

_SCENE_NAMES = tuple(SCENES)


def _padding(text: str):
    word = text.strip().lower()
    if word in ("valid", "same", "full"):
        return word
    try:
        value = int(word)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 'valid', 'same', 'full' or an int >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an int >= 0, got {text!r}")
    return value


def _array(name):
    def parse(text):
        from ..render import parse_array

        try:
            return parse_array(text, name)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
    parse.__name__ = name
    return parse


def _layer(text: str):
    """A layer name, or its index when the text is an int."""
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return text


def _cell(text: str):
    """``"row col"`` or ``"row,col"`` -> ``(row, col)``."""
    parts = [p for p in text.replace(",", " ").split() if p]
    try:
        row, col = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected two ints 'ROW COL' (or 'ROW,COL'), got {text!r}") from None
    return row, col


def register(sub) -> None:
    p = sub.add_parser(
        "render",
        help="render a Manim scene (numbers from the convviz core) and print the video path",
        description="Render one of the convviz Manim scenes. Input, kernel, bias, stride, "
                    "padding and channel/filter counts come from the options, a JSON/TOML "
                    "config file, or the article's defaults. Arrays: rows split by ';', "
                    "channels by '|', filters by '||', e.g. \"1 2; 3 4 | 5 6; 7 8\", or JSON.",
    )
    p.add_argument("scene", choices=_SCENE_NAMES, metavar="SCENE",
                   help="one of: " + ", ".join(_SCENE_NAMES))
    p.add_argument("--config", metavar="FILE", help="a .json or .toml file of settings")
    p.add_argument("--input", type=_array("input"), help="the input: (H, W) or (C, H, W)")
    p.add_argument("--kernel", type=_array("kernel"),
                   help="kernel (kh, kw), one filter (C, kh, kw) or filters (N, C, kh, kw)")
    p.add_argument("--bias", type=_array("bias"), help="a number, or one per filter")
    p.add_argument("--stride", type=int, metavar="S")
    p.add_argument("--padding", type=_padding, help="valid, same, full or an int")
    p.add_argument("--channels", type=int, metavar="C", help="input channels to keep")
    p.add_argument("--filters", type=int, metavar="N", help="filters to keep")
    p.add_argument("--pool-size", type=int, metavar="P")
    p.add_argument("--detailed-steps", type=int, metavar="N",
                   help="positions animated step by step (then quicker, then all at once)")
    p.add_argument("--fast-steps", type=int, metavar="N", help="positions animated quickly")
    p.add_argument("--model", help="model name for LearnedFilters / CNNPipeline")
    p.add_argument("--digit-index", type=int, metavar="I", help="MNIST test digit to show")
    p.add_argument("--epochs", type=int, help="training epochs of the model (default 10)")
    p.add_argument("--n-train", type=int, metavar="N",
                   help="train the model on the first N images only (quick)")
    p.add_argument("--dilation", type=int, metavar="D",
                   help="the kernel's dilation rate (Dilation)")
    p.add_argument("--output-padding", type=int, metavar="P",
                   help="cells added at the bottom/right of a transposed convolution's "
                        "output, < stride (TransposedConv)")
    p.add_argument("--pointwise", type=_array("pointwise"),
                   help="the (C_out, C) 1x1 weights after the depthwise step "
                        "(DepthwiseSeparable)")
    p.add_argument("--layer", type=_layer,
                   help="the layer a model scene looks at: a name or an index")
    p.add_argument("--cell", type=_cell, metavar="'ROW COL'",
                   help="the cell of that layer's output to trace (ReceptiveField)")
    p.add_argument("--quality", choices=("low", "medium", "high"), default="low")
    p.add_argument("--width", type=int, metavar="PX", help="pixel width (overrides quality)")
    p.add_argument("--height", type=int, metavar="PX", help="pixel height")
    p.add_argument("--fps", type=int, help="frame rate (overrides quality)")
    p.add_argument("--output", "-o", metavar="FILE.mp4", help="also copy the video here")
    p.add_argument("--no-cache", action="store_true", help="render even if a cached video exists")
    p.add_argument("--still", metavar="FILE.png",
                   help="also save the video's poster as a PNG: the frame that shows the "
                        "scene's idea")
    p.set_defaults(func=render_command)


_FIELDS = ("input", "kernel", "bias", "stride", "padding", "channels", "filters", "pool_size",
           "detailed_steps", "fast_steps", "model", "digit_index", "epochs", "n_train",
           "dilation", "output_padding", "pointwise", "layer", "cell")


def config_from_args(args):
    """The :class:`~convviz.render.SceneConfig` the options describe (file, then options)."""
    from ..render import SceneConfig, load_config_file

    mapping = {}
    if args.config:
        scene, base = load_config_file(args.config)
        if scene is not None and scene != args.scene:
            raise ValueError(f"--config {args.config!r} is for scene {scene!r}, "
                             f"but SCENE is {args.scene!r}")
        mapping = {name: getattr(base, name) for name in _FIELDS}
    for name in _FIELDS:
        value = getattr(args, name)
        if value is not None:
            mapping[name] = value
    return SceneConfig(**mapping)


def render_command(args) -> int:
    from ..outdir import check_output_file
    from ..render import render, save_poster

    for option, path in (("-o/--output", args.output), ("--still", args.still)):
        if path is not None:        # before the rendering, not after it
            check_output_file(path, option)
    config = config_from_args(args)
    size = dict(quality=args.quality, pixel_width=args.width, pixel_height=args.height,
                frame_rate=args.fps)
    cached = render(args.scene, config, use_cache=not args.no_cache, **size)
    # the poster mark lives beside the cached video, so the still comes from there
    video = cached if args.output is None else render(args.scene, config, output=args.output,
                                                      **size)
    print(video)
    if args.still:
        print(save_poster(cached, args.still))
    return 0
