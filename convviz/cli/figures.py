"""``convviz filters``, ``convviz feature-maps``, ``convviz digits``, ``convviz conv-step``: figures as PNG."""
from __future__ import annotations

import argparse
import math
import os
import pathlib
import zipfile

from .._extras import require, require_extras

MODEL_NAMES = ("mlp", "simple_cnn", "improved_cnn", "deep_cnn")  # = convviz.models.MODEL_NAMES
OUT_DIR = pathlib.Path("convviz-out")
DPI_RANGE = (20, 1200)
MAX_SIDE = 16384                # pixels a side of a raster image (Agg's limit is 65536)
MAX_PIXELS = 100_000_000        # pixels in all: 100 megapixels are 400 MB as RGBA
MAX_DIGITS = 100                # one figure of `convviz digits`: a 10x10 grid
VECTOR_SUFFIXES = (".svg", ".pdf", ".eps", ".ps")


def _int_in(low: int, high: int, why: str = ""):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an int, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be an int in [{low}, {high}]{why}, got {value}")
        return value
    parse.__name__ = "int"
    return parse


def _add_model(p) -> None:
    p.add_argument("model", metavar="MODEL",
                   help=f"one of the bundled models ({', '.join(MODEL_NAMES)}; trained and "
                        "cached on first use) or the path of a .keras file")
    p.add_argument("--epochs", type=int, default=10,
                   help="training epochs of a bundled model (default 10, the article's)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7, the article's)")
    p.add_argument("--data-format", choices=("channels_last", "channels_first"), default=None,
                   help="input layout of a bundled CNN (default: channels_first for deep_cnn, "
                        "channels_last for the others)")


def _add_output(p, what: str) -> None:
    p.add_argument("-o", "--output", type=pathlib.Path, default=None, metavar="PATH",
                   help=f"image file to write (.png, .svg, .pdf; default {OUT_DIR}/{what}-....png)")
    p.add_argument("--dpi", type=_int_in(*DPI_RANGE), default=150,
                   help=f"resolution of raster images, {DPI_RANGE[0]}-{DPI_RANGE[1]} "
                        "(default 150)")


def register(sub) -> None:
    p = sub.add_parser("filters", help="plot the learned filters of a model's conv layer")
    _add_model(p)
    p.add_argument("--layer", default="0", metavar="L",
                   help="conv layer: its name (e.g. conv2) or index among the conv layers "
                        "(0 = first, -1 = last; default 0)")
    p.add_argument("--max-filters", type=int, default=32, metavar="N",
                   help="draw at most N filters (default 32)")
    p.add_argument("--max-channels", type=int, default=32, metavar="N",
                   help="draw at most N input channels per filter (default 32)")
    _add_output(p, "filters")
    p.set_defaults(func=filters_command)

    p = sub.add_parser("feature-maps",
                       help="plot a digit's feature maps through every conv and pooling layer")
    _add_model(p)
    p.add_argument("--digit", type=int, default=0, metavar="INDEX",
                   help="index of the MNIST image (default 0)")
    p.add_argument("--split", choices=("test", "train"), default="test",
                   help="take the image from the test (default) or training set")
    p.add_argument("--layers", default=None, metavar="A,B",
                   help="comma-separated layer names (default: every Conv2D and pooling layer)")
    p.add_argument("--max-channels", type=int, default=None, metavar="N",
                   help="draw at most N channels per layer")
    _add_output(p, "feature-maps")
    p.set_defaults(func=feature_maps_command)

    p = sub.add_parser("digits", help="plot MNIST images with their labels "
                                      "(default: the first 4 training images, as in the article)")
    p.add_argument("--count", type=_int_in(1, MAX_DIGITS, f" (one figure shows at most "
                                                         f"{MAX_DIGITS} digits; page through "
                                                         "the set with --start)"),
                   default=4, help=f"how many images, at most {MAX_DIGITS} (default 4)")
    p.add_argument("--start", type=int, default=0, help="index of the first image (default 0)")
    p.add_argument("--split", choices=("train", "test"), default="train",
                   help="training (default) or test set")
    _add_output(p, "digits")
    p.set_defaults(func=digits_command)

    p = sub.add_parser("conv-step", help="plot one step of the article's worked convolution, "
                                         "every number from the trace")
    p.add_argument("--example", choices=("single", "multi"), default="multi",
                   help="the single-channel (5x5) or the three-channel 'RGB' example "
                        "(default multi)")
    p.add_argument("--step", type=int, default=0, help="which step (default 0, the first)")
    p.add_argument("--padding", default="valid", help="valid (default), same, full or an int")
    p.add_argument("--stride", type=int, default=1, help="stride (default 1)")
    _add_output(p, "conv-step")
    p.set_defaults(func=conv_step_command)


# --------------------------------------------------------------------------- helpers
def load_model(spec: str, *, epochs=10, seed=7, data_format=None):
    """A bundled model by name (trained and cached on first use) or a ``.keras`` file."""
    if spec in MODEL_NAMES:
        from ..train import load_trained

        return load_trained(spec, epochs=epochs, seed=seed, data_format=data_format)
    path = pathlib.Path(spec).expanduser()
    if path.suffix not in (".keras", ".h5"):
        raise ValueError(f"MODEL must be one of {', '.join(MODEL_NAMES)} or the path of a "
                         f".keras file, got {spec!r}")
    if not path.is_file():
        raise FileNotFoundError(f"model file {str(path)!r} does not exist (MODEL must be one "
                                f"of {', '.join(MODEL_NAMES)} or the path of a .keras file)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    keras = require("keras", "keras", "convviz.cli.figures")
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise ValueError(f"model file {str(path)!r} is not a Keras model: a .keras file is a "
                         "zip archive and this one is not (truncated, or some other file)")
    try:
        return keras.saving.load_model(path)
    except Exception as exc:  # noqa: BLE001  (h5py, zipfile and Keras each raise their own)
        raise ValueError(f"model file {str(path)!r} is not a Keras model that Keras can load "
                         f"({type(exc).__name__}: {_first_line(exc)})") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "no details"


def _layer_ref(text: str):
    try:
        return int(text)
    except ValueError:
        return text


def _output(args, *parts) -> pathlib.Path:
    if args.output is not None:
        return args.output
    return OUT_DIR / ("-".join(str(p) for p in parts if p is not None) + ".png")


def _check_output(args) -> None:
    """Refuse an output nobody can write before any work (model, data) is done."""
    from ..outdir import check_output_file

    if args.output is not None:
        check_output_file(args.output, "-o/--output")
    else:
        check_output_file(OUT_DIR / "figure.png",
                          label=f"the default output folder {str(OUT_DIR)!r} (or choose a "
                                "file with -o)")


def _check_size(fig, path, dpi) -> None:
    if pathlib.Path(path).suffix.lower() in VECTOR_SUFFIXES:
        return
    w_in, h_in = fig.get_size_inches()
    width, height = w_in * dpi, h_in * dpi
    if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
        fits = math.floor(min(MAX_SIDE / max(w_in, h_in), math.sqrt(MAX_PIXELS / (w_in * h_in))))
        raise ValueError(f"--dpi {dpi} would make this {w_in:.1f}x{h_in:.1f}-inch figure "
                         f"{width:,.0f}x{height:,.0f} pixels (at most {MAX_SIDE:,} a side and "
                         f"{MAX_PIXELS // 10**6} megapixels); use --dpi {fits} or less, or "
                         "write a .svg or .pdf")


def _save(fig, path, dpi) -> int:
    from ..plot import save_figure

    _check_size(fig, path, dpi)
    print(f"wrote {save_figure(fig, path, dpi=dpi)}")
    return 0


def _positive(value, name):
    if value is not None and value < 1:
        raise ValueError(f"{name} must be >= 1, got {value}")


def _model_label(args, model):
    return args.model if args.model in MODEL_NAMES else model.name


# --------------------------------------------------------------------------- commands
def filters_command(args) -> int:
    require_extras("convviz filters", "keras", "plot")
    from ..inspect import conv_layer, filters
    from ..plot import plot_filters

    _check_output(args)
    _positive(args.max_filters, "--max-filters")
    _positive(args.max_channels, "--max-channels")
    model = load_model(args.model, epochs=args.epochs, seed=args.seed, data_format=args.data_format)
    info = conv_layer(model, _layer_ref(args.layer))
    kernel, _ = filters(model, info.name)
    fig = plot_filters(kernel, name=f"{_model_label(args, model)} {info.name}",
                       max_filters=args.max_filters, max_channels=args.max_channels)
    return _save(fig, _output(args, "filters", _model_label(args, model), info.name), args.dpi)


def feature_maps_command(args) -> int:
    require_extras("convviz feature-maps", "keras", "plot")
    from ..data import load_mnist, to_model_input
    from ..inspect import feature_maps
    from ..plot import plot_feature_maps

    _check_output(args)
    _positive(args.max_channels, "--max-channels")
    (x_train, y_train), (x_test, y_test) = load_mnist()
    images, labels = (x_test, y_test) if args.split == "test" else (x_train, y_train)
    if not -len(images) <= args.digit < len(images):
        raise ValueError(f"--digit must be in [0, {len(images) - 1}] for the {args.split} set, "
                         f"got {args.digit}")
    model = load_model(args.model, epochs=args.epochs, seed=args.seed, data_format=args.data_format)
    x = to_model_input(images[args.digit][None], model)
    layers = None if args.layers is None else [_layer_ref(n.strip()) for n in args.layers.split(",")]
    maps = feature_maps(model, x, layers=layers)
    formats = {name: getattr(model.get_layer(name), "data_format", "channels_last") for name in maps}
    label = _model_label(args, model)
    probabilities = model.predict(x, verbose=0)[0]
    fig = plot_feature_maps(
        maps, data_format=formats, input_image=images[args.digit],
        max_channels=args.max_channels,
        title=f"{label}: feature maps of {args.split} image {args.digit} (label "
              f"{labels[args.digit]}, predicted {int(probabilities.argmax())})",
    )
    return _save(fig, _output(args, "feature-maps", label, args.split, args.digit), args.dpi)


def digits_command(args) -> int:
    from ..data import load_mnist
    from ..plot import plot_digits

    _check_output(args)

    (x_train, y_train), (x_test, y_test) = load_mnist()
    images, labels = (x_train, y_train) if args.split == "train" else (x_test, y_test)
    if not 0 <= args.start < len(images):
        raise ValueError(f"--start must be in [0, {len(images) - 1}], got {args.start}")
    stop = min(args.start + args.count, len(images))
    fig = plot_digits(images[args.start:stop], labels[args.start:stop],
                      title=f"MNIST {args.split} images {args.start}..{stop - 1}")
    return _save(fig, _output(args, "digits", args.split, args.start, stop - args.start), args.dpi)


def conv_step_command(args) -> int:
    from ..plot import plot_conv_step
    from ..trace import trace_conv2d
    from ..worked import multi_channel_example, single_channel_example

    _check_output(args)

    padding = _layer_ref(args.padding)
    if args.example == "single":
        x, kernel = single_channel_example()
        trace = trace_conv2d(x, kernel, strides=args.stride, padding=padding)
    else:
        x, kernel, bias = multi_channel_example()
        trace = trace_conv2d(x, kernel, bias, strides=args.stride, padding=padding,
                             data_format="channels_first")
    fig = plot_conv_step(trace, args.step)
    return _save(fig, _output(args, "conv-step", args.example, args.step), args.dpi)
