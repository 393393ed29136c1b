"""``convviz demo``: the article's worked convolutions, step by step."""
from __future__ import annotations


def register(sub) -> None:
    p = sub.add_parser("demo", help="print the article's single- and multi-channel "
                                    "convolutions step by step")
    p.add_argument("--max-steps", type=int, default=None,
                   help="print at most this many steps of each example")
    p.set_defaults(func=demo)


def demo(args) -> int:
    from ..conv import conv2d
    from ..trace import trace_conv2d
    from ..worked import describe_trace, multi_channel_example, single_channel_example

    x, kernel = single_channel_example()
    print("== Single-channel convolution: input (1, 5, 5), kernel 3x3, padding 0, stride 1")
    print(describe_trace(trace_conv2d(x, kernel), args.max_steps))

    x, kernel, bias = multi_channel_example()
    print("\n== Multi-channel convolution: input (3, 5, 5), ONE filter of 3 kernels 3x3")
    print("   each channel is convolved with its own kernel; the three results are added")
    trace = trace_conv2d(x, kernel, bias, data_format="channels_first")
    print(describe_trace(trace, args.max_steps))
    per_channel = [conv2d(x[0, c], kernel[:, :, c, 0]) for c in range(3)]
    print("   per-channel results (red, green, blue), added position by position + bias:")
    for c, part in enumerate(per_channel):
        print(f"   channel {c}: {part.tolist()}")
    print(f"   sum + bias {bias[0]} = {(sum(per_channel) + bias[0]).tolist()}")
    return 0
