"""``convviz shape``: why a convolution layer's output has the size it has."""
from __future__ import annotations

import argparse


def _padding(text: str):
    """'valid' / 'same' / 'full', an int (each side) or 'BEFORE,AFTER'."""
    word = text.strip().lower()
    if word in ("valid", "same", "full"):
        return word
    try:
        parts = [int(p) for p in word.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected 'valid', 'same', 'full', an int or 'BEFORE,AFTER', got {text!r}"
        ) from None
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        return tuple(parts)
    raise argparse.ArgumentTypeError(f"expected at most two numbers 'BEFORE,AFTER', got {text!r}")


def register(sub) -> None:
    p = sub.add_parser(
        "shape",
        help="derive a convolution's output size along one axis, numbers substituted",
        description="Explain the output size of a convolution (or transposed convolution) "
                    "along one axis: effective kernel, padding on each side and why, and the "
                    "formula with the numbers put in. Invalid settings are explained.",
    )
    p.add_argument("--input", type=int, required=True, metavar="N", help="input size (cells)")
    p.add_argument("--kernel", type=int, required=True, metavar="K", help="kernel size")
    p.add_argument("--stride", type=int, default=1, metavar="S")
    p.add_argument("--padding", type=_padding, default="valid",
                   help="valid (default), same, full, an int, or BEFORE,AFTER")
    p.add_argument("--dilation", type=int, default=1, metavar="D")
    p.add_argument("--transposed", action="store_true",
                   help="a transposed convolution (Conv2DTranspose) instead")
    p.add_argument("--output-padding", type=int, default=None, metavar="P",
                   help="output_padding of a transposed convolution (< stride)")
    p.set_defaults(func=shape)


def shape(args) -> int:
    from ..shapes import derive_shape

    result = derive_shape(args.input, args.kernel, args.stride, args.padding, args.dilation,
                          transposed=args.transposed, output_padding=args.output_padding)
    print(result.text)
    return 0 if result.ok else 1
