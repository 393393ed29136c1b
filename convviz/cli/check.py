"""``convviz check FILE.py:FUNCTION``: grade a convolution, pooling or output-size formula
against the core and say which convention it breaks.

Exit status: 0 when the function passes, 1 when it fails, 2 when it could not be
checked (a bad FILE:FUNCTION, a file that does not import, a bad option).
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import pathlib
import sys

OPERATIONS = ("conv2d", "max_pool2d", "avg_pool2d", "output_size")
_IMPORT_SECONDS = 20.0


def register(sub) -> None:
    from ..testing.cases import CONV_FEATURES, LAYOUTS

    p = sub.add_parser(
        "check",
        help="check your own conv2d (or pooling, or output-size formula) against convviz "
             "and name the mistake",
        description="Call FUNCTION from FILE.py on random configurations, compare with "
                    "convviz's verified core, shrink the first failure to the smallest one "
                    "and name the wrong convention it follows (flipped kernel, 'same' padding "
                    "on the wrong side, missing bias...). Exit 0: pass, 1: fail, 2: could "
                    "not check.",
    )
    p.add_argument("target", metavar="FILE.py:FUNCTION", help="the function to check")
    p.add_argument("--op", choices=OPERATIONS, default="conv2d",
                   help="what FUNCTION computes (default conv2d)")
    p.add_argument("--layout", choices=LAYOUTS, default=None,
                   help="keras: x (N, H, W, C), kernel (kh, kw, C_in, C_out), strides=, "
                        "dilation_rate= (default); torch: (N, C, H, W), (C_out, C_in, kh, kw), "
                        "stride=, dilation=; 2d: (H, W) and (kh, kw)")
    p.add_argument("--features", default=None, metavar="WORDS",
                   help=f"comma-separated words from {', '.join(CONV_FEATURES)}, or 'none'; "
                        "only their options are passed (default: read from the function's "
                        "parameters)")
    p.add_argument("--cases", type=int, default=200, help="random configurations (default 200)")
    p.add_argument("--seed", type=int, default=0, help="makes the cases repeatable (default 0)")
    p.add_argument("--timeout", type=float, default=2.0, metavar="SECONDS",
                   help="time allowed per call (default 2)")
    p.add_argument("--adapter", default=None, metavar="NAME|FILE.py:FUNCTION",
                   help="cs231n (conv_forward_naive(x, w, b, conv_param)) or your own "
                        "adapter(fn, x, kernel, **options)")
    p.add_argument("--html", default=None, metavar="report.html",
                   help="also write the report as one self-contained page")
    p.set_defaults(func=check)


def load_function(target: str, what: str = "FILE.py:FUNCTION"):
    """``(function, "file.py:name")`` from ``target``; ValueError/FileNotFoundError in one line."""
    from ..testing.runner import (CaseTimeout, call_with_time_limit, exception_text,
                                  user_frame)

    path_text, sep, name = target.rpartition(":")
    if not sep or not path_text or not name:
        raise ValueError(f"{what} must look like FILE.py:FUNCTION, got {target!r}")
    path = pathlib.Path(path_text)
    if not path.is_file():
        raise FileNotFoundError(f"{what}: no file {path_text!r}")
    module_name = f"convviz_check_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ValueError(f"{what}: {path_text!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(path.resolve().parent))
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            call_with_time_limit(lambda: spec.loader.exec_module(module), _IMPORT_SECONDS)
    except CaseTimeout:
        raise ValueError(f"importing {path_text} did not finish within "
                         f"{_IMPORT_SECONDS:g} s") from None
    except (Exception, SystemExit) as exc:
        where = user_frame(exc) if not isinstance(exc, SyntaxError) else ""
        raise ValueError(f"could not import {path_text}: {exception_text(exc)}"
                         + (f" ({where})" if where else "")) from None
    finally:
        sys.path.remove(str(path.resolve().parent))
    function = getattr(module, name, None)
    if not callable(function):
        defined = sorted(k for k, v in vars(module).items()
                         if callable(v) and getattr(v, "__module__", None) == module_name)
        found = f"; it defines {', '.join(defined)}" if defined else ""
        raise ValueError(f"{path_text} has no function {name!r}{found}")
    return function, f"{path.name}:{name}"


def check(args) -> int:
    from ..testing import check_conv2d, check_output_size, check_pool2d
    from ..testing.html import check_report_path, write_report

    if args.html:
        replacing = check_report_path(args.html)
    fn, name = load_function(args.target)
    adapter = args.adapter
    if adapter and ":" in adapter:
        adapter, _ = load_function(adapter, "--adapter")
    features = args.features
    if features is not None and features.strip().lower() == "none":
        features = ()
    common = dict(features=features, cases=args.cases, seed=args.seed, timeout=args.timeout,
                  name=name)
    if args.op == "output_size" and (args.layout or args.adapter):
        raise ValueError("--layout and --adapter do not apply to --op output_size")
    if args.op != "output_size":
        layout = args.layout or ("torch" if args.adapter == "cs231n" else "keras")
        common.update(layout=layout, adapter=adapter)
    try:
        if args.op == "output_size":
            report = check_output_size(fn, **common)
        elif args.op == "conv2d":
            report = check_conv2d(fn, **common)
        else:
            report = check_pool2d(fn, kind=args.op.split("_")[0], **common)
    except KeyboardInterrupt:
        print("convviz check: interrupted", file=sys.stderr)
        return 130
    print(report.text())
    if args.html:
        write_report(report, args.html)
        print(f"wrote {args.html}" + (" (replacing the earlier report)" if replacing else ""))
    return 0 if report.passed else 1
