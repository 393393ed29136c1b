"""The ``convviz`` command line (also ``python -m convviz``).

Each module in :data:`COMMAND_MODULES` adds its sub-commands through a
``register(subparsers)`` function; heavy imports (TensorFlow, Manim) happen
inside the command functions so that ``convviz --help`` stays instant.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = [
    "convviz.cli.core",
    "convviz.cli.models",
    "convviz.cli.figures",
    "convviz.cli.shape",
    "convviz.cli.render",
    "convviz.cli.explore",
    "convviz.cli.tour",
    "convviz.cli.check",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convviz",
        description="Teach and verify 2-D convolution: worked examples, MNIST models, "
                    "filters, feature maps and Manim scenes.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return args.func(args) or 0
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"convviz {args.command}: error: {exc}", file=sys.stderr)
        return 2
