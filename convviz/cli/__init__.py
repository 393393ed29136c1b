"""The ``convviz`` command line (also ``python -m convviz``).

Each module in :data:`COMMAND_MODULES` adds its sub-commands through a
``register(subparsers)`` function; heavy imports (TensorFlow, Manim) happen
inside the command functions so that ``convviz --help`` stays instant.

Whatever goes wrong in a command ends in one line on stderr, never a traceback:
bad input (exit 2), a file or folder that cannot be read or written (exit 1, naming
the path the user gave), a missing optional dependency (exit 1, naming the extra to
install: ``convviz render needs Manim: pip install 'convviz[scenes]'``), Ctrl-C
(exit 130; every file is written atomically, so nothing half-written is left). TensorFlow's start-up log lines are hidden unless
``--verbose`` (:mod:`convviz.cli.stderr_filter`).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys

from .._extras import MissingExtra

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

_VERBOSE_HELP = "show TensorFlow's own log lines (hidden by default)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="convviz",
        description="Teach and verify 2-D convolution: worked examples, MNIST models, "
                    "filters, feature maps and Manim scenes.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=_VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    for command in sub.choices.values():     # also after the command: convviz tour -v
        command.add_argument("-v", "--verbose", action="store_true",
                             default=argparse.SUPPRESS, help=_VERBOSE_HELP)
    return parser


def _os_error_text(exc: OSError) -> str:
    """``Permission denied: 'out/x.png'`` -- the message and the path, no errno."""
    if exc.filename is None or not exc.strerror:
        return str(exc)
    text = f"{exc.strerror}: {str(exc.filename)!r}"
    return text + (f" -> {str(exc.filename2)!r}" if exc.filename2 is not None else "")


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if args.verbose:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0")
        quiet = contextlib.nullcontext()
    else:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        from .stderr_filter import filtered_stderr

        quiet = filtered_stderr()
    what = f"convviz {args.command}"
    try:
        with quiet:
            try:
                return args.func(args) or 0
            except (ValueError, TypeError, FileNotFoundError) as exc:
                print(f"{what}: error: {exc}", file=sys.stderr)
                return 2
            except OSError as exc:
                print(f"{what}: error: {_os_error_text(exc)}", file=sys.stderr)
                return 1
            except MissingExtra as exc:
                print(exc.message_for(what), file=sys.stderr)
                return 1
            except MemoryError:
                print(f"{what}: error: out of memory; ask for something smaller",
                      file=sys.stderr)
                return 1
    except KeyboardInterrupt:
        print(f"{what}: interrupted (Ctrl-C); nothing half-written was kept "
              "(every file is written whole or not at all)", file=sys.stderr)
        return 130
