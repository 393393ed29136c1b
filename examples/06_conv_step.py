"""The article's multi-channel convolution, one step: a (3, 5, 5) "RGB" input and ONE
filter made of three 3x3 kernels. Each channel is multiplied with its own kernel,
each channel's products are summed, and the three sums plus the bias are added
into ONE output cell. Every number in the figure comes from convviz.trace_conv2d.

    python examples/06_conv_step.py [OUT_DIR] [STEP]
"""
import sys

from convviz import trace_conv2d
from convviz.plot import plot_conv_step, save_figure
from convviz.worked import describe_step, multi_channel_example

out_dir = sys.argv[1] if len(sys.argv) > 1 else "convviz-out"
step = int(sys.argv[2]) if len(sys.argv) > 2 else 0

x, kernel, bias = multi_channel_example()        # (1, 3, 5, 5), (3, 3, 3, 1), (1,)
trace = trace_conv2d(x, kernel, bias, data_format="channels_first")
print(describe_step(trace[step], len(trace)))
print("output feature map:\n", trace.feature_maps[0, 0])

fig = plot_conv_step(trace, step)
print("wrote", save_figure(fig, f"{out_dir}/06_conv_step.png"))
