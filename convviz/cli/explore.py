"""``convviz explore``: one offline page where a student clicks any output cell and sees
where every number came from.

    convviz explore                                    # the article's examples + simple_cnn
    convviz explore --input "1 2 3; 4 5 6; 7 8 9" --kernel "1 0; 0 1" --no-model
    convviz explore --model my_model.keras --digits 0,1,2 --out mine.html

Part 1's numbers come from --config (a JSON/TOML file, as for ``convviz render``), then
--input/--kernel/--bias; without any of them, from the article's two examples.
"""
from __future__ import annotations

import argparse
import pathlib

from .render import _array  # the parsers of ``convviz render``

LARGE_PAGE = 10_000_000     # bytes; the default page (simple_cnn, 10 digits) is about 6 MB


def _digits(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected MNIST test indices like '0,1,2', got {text!r}") from None


def register(sub) -> None:
    p = sub.add_parser(
        "explore",
        help="write one offline HTML page: click any output cell of a convolution (or of a "
             "trained network) and see where its number came from",
        description="Write ONE self-contained HTML file (no network needed) with two parts: "
                    "1. a small convolution under every padding/stride/dilation/mode/bias "
                    "setting, every window, product and sum traced by convviz; 2. a trained "
                    "Keras model layer by layer for a few MNIST test digits. Arrays: rows "
                    "split by ';', channels by '|', filters by '||', or JSON.",
    )
    p.add_argument("--out", "-o", type=pathlib.Path, default=pathlib.Path("explore.html"),
                   metavar="FILE.html", help="the page to write (default ./explore.html)")
    p.add_argument("--force", action="store_true",
                   help="replace --out even if convviz explore did not write it")
    p.add_argument("--config", metavar="FILE", help="a .json or .toml file with input, kernel, bias")
    p.add_argument("--input", type=_array("input"), help="the input: (H, W) or (C, H, W)")
    p.add_argument("--kernel", type=_array("kernel"),
                   help="kernel (kh, kw), one filter (C, kh, kw) or filters (N, C, kh, kw)")
    p.add_argument("--bias", type=_array("bias"),
                   help="what the page's bias control adds: a number or one per filter "
                        "(default 1)")
    model = p.add_mutually_exclusive_group()
    model.add_argument("--model", default="simple_cnn", metavar="NAME|FILE.keras",
                       help="a convviz model name (trained once and cached) or a .keras file "
                            "with Conv2D layers taking 28x28 digits (default simple_cnn)")
    model.add_argument("--no-model", dest="model", action="store_const", const=None,
                       help="part 1 only (needs no TensorFlow)")
    p.add_argument("--digits", type=_digits, metavar="I,J,...",
                   help="MNIST test indices to show (default: the first of each class)")
    p.add_argument("--epochs", type=int,
                   help="epochs a named model is trained for (default 10; cached)")
    p.add_argument("--n-train", type=int, metavar="N",
                   help="train a named model on the first N images only (quick)")
    p.set_defaults(func=explore_command)


def examples_from_args(args):
    """Part 1's examples: the article's two, or one built from --config/--input/--kernel."""
    from ..explore import custom_example
    from ..render import load_config_file

    given = {}
    if args.config:
        _, config = load_config_file(args.config)
        given = {k: getattr(config, k) for k in ("input", "kernel", "bias")
                 if getattr(config, k) is not None}
    for name in ("input", "kernel", "bias"):
        if getattr(args, name) is not None:
            given[name] = getattr(args, name)
    if not given:
        return None
    if "input" not in given:
        raise ValueError("--kernel and --bias need --input too (or an input in --config)")
    return [custom_example(given["input"], given.get("kernel"), given.get("bias"))]


def explore_command(args) -> int:
    import os
    import sys
    import time

    from .._extras import require_extras
    from ..explore import write_explorer

    if args.model is not None:
        require_extras("convviz explore", "keras", "plot",
                       hint="--no-model writes the arithmetic part alone")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    start = time.perf_counter()
    existed = args.out.exists()
    try:
        page = write_explorer(args.out, examples=examples_from_args(args), model=args.model,
                              digits=args.digits, epochs=args.epochs, n_train=args.n_train,
                              overwrite=args.force)
    except (FileExistsError, IsADirectoryError) as exc:
        print(f"convviz explore: error: {exc}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    held = f"{page.examples} example(s)" + (
        f", model {page.model} with test digits {', '.join(map(str, page.digits))}"
        if page.model else ", no model")
    print(f"{'replaced' if existed else 'wrote'} {page.path} ({page.bytes / 1e6:.1f} MB, "
          f"{held}) in {seconds:.1f} s")
    if page.bytes > LARGE_PAGE and page.digits:
        print(f"note: the page is large ({page.bytes / 1e6:.0f} MB, "
              f"{page.bytes / len(page.digits) / 1e6:.1f} MB per digit); fewer --digits make "
              "it smaller and quicker to open")
    print(f"open file://{page.path.resolve()} in a browser (works offline)")
    return 0
