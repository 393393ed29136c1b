"""What the improved CNN learned: its filters.

conv1 sees one input channel, so each of its 30 filters is ONE 5x5 kernel.
conv2 sees the 30 channels of conv1, so each of its 15 filters is a STACK of 30
3x3 kernels, one per input channel: one row per filter, one column per channel.

    python examples/04_learned_filters.py [OUT_DIR]
"""
import sys

from convviz.inspect import conv_layers, filters
from convviz.plot import plot_filters, save_figure
from convviz.train import load_trained

out_dir = sys.argv[1] if len(sys.argv) > 1 else "convviz-out"

model = load_trained("improved_cnn")
for layer in conv_layers(model):
    kernel, bias = filters(model, layer.name)    # (kh, kw, C_in, C_out), (C_out,)
    print(f"{layer.name}: kernel {kernel.shape}, bias {bias.shape}")
    fig = plot_filters(kernel, name=f"improved_cnn {layer.name}")
    print("wrote", save_figure(fig, f"{out_dir}/04_filters_{layer.name}.png"))
