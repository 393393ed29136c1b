"""Step 6 of the article: the training-API model, written channels_first.

Input batches are (N, 1, 28, 28); conv1 (32 filters 5x5, same) and a 2x2 pooling
give (32, 14, 14), conv2 (64 filters) and pooling give (64, 7, 7). We print the
shapes, check conv1 against convviz's own numpy convolution, and plot the
feature maps after each pooling layer.

    python examples/03_channels_first.py [OUT_DIR]
"""
import sys

import numpy as np

from convviz import conv2d
from convviz.data import load_mnist, to_model_input
from convviz.inspect import conv_layers, feature_maps, filters
from convviz.plot import plot_feature_maps, save_figure
from convviz.train import load_trained

out_dir = sys.argv[1] if len(sys.argv) > 1 else "convviz-out"

model = load_trained("deep_cnn")                 # channels_first, as in the article
_, (x_test, y_test) = load_mnist()
x = to_model_input(x_test[:1], model)            # (1, 1, 28, 28)
maps = feature_maps(model, x)                    # conv1, pool1, conv2, pool2

print(f"input {x.shape[1:]}")
for name, value in maps.items():
    print(f"{name:>6}: {value.shape[1:]}")       # (C, H, W): channels first

conv1 = conv_layers(model)[0]
kernel, bias = filters(model, "conv1")           # (5, 5, 1, 32) in both data formats
batch = to_model_input(x_test[:100], model)
keras_conv1 = feature_maps(model, batch, layers="conv1")["conv1"]   # no relu: relu1 follows
ours = conv2d(batch, kernel, bias, **conv1.conv_kwargs)            # channels_first too
print(f"conv1 on 100 test images, numpy vs Keras: max difference "
      f"{np.abs(ours - keras_conv1).max():.1e} (largest value {np.abs(keras_conv1).max():.2f})")

pooled = {name: maps[name] for name in ("pool1", "pool2")}
fig = plot_feature_maps(pooled, data_format="channels_first", input_image=x_test[0],
                        max_channels=32,
                        title=f"deep_cnn (channels_first): digit {y_test[0]} after each pooling")
print("wrote", save_figure(fig, f"{out_dir}/03_channels_first.png"))
