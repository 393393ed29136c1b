"""A test digit through every convolution and pooling layer of the improved CNN.

Also checks that Keras' conv1 output is exactly relu(convviz.conv2d(...)) with the
learned kernel and bias: the trained model computes the textbook convolution.

    python examples/05_feature_maps.py [OUT_DIR]
"""
import sys

import numpy as np

from convviz import conv2d
from convviz.data import load_mnist, to_model_input
from convviz.inspect import conv_layers, feature_maps, filters
from convviz.plot import plot_feature_maps, save_figure
from convviz.train import load_trained

out_dir = sys.argv[1] if len(sys.argv) > 1 else "convviz-out"
index = 0                                        # test image 0 is a 7

model = load_trained("improved_cnn")
_, (x_test, y_test) = load_mnist()
x = to_model_input(x_test[index:index + 1], model)   # (1, 28, 28, 1), scaled to [0, 1]
maps = feature_maps(model, x)                    # {"conv1": (1, 24, 24, 30), "pool1": ...}
for name, value in maps.items():
    print(f"{name:>6}: {value.shape[1:]}")

conv1 = conv_layers(model)[0]
kernel, bias = filters(model, "conv1")
batch = to_model_input(x_test[:100], model)
keras_conv1 = feature_maps(model, batch, layers="conv1")["conv1"]
ours = np.maximum(conv2d(batch, kernel, bias, **conv1.conv_kwargs), 0)   # relu
print(f"conv1 on 100 test images, numpy vs Keras: max difference "
      f"{np.abs(ours - keras_conv1).max():.1e} (largest value {keras_conv1.max():.2f})")

predicted = int(model.predict(x, verbose=0).argmax())
fig = plot_feature_maps(maps, input_image=x_test[index],
                        title=f"improved_cnn: test image {index} (label {y_test[index]}, "
                              f"predicted {predicted}) through every layer")
print("wrote", save_figure(fig, f"{out_dir}/05_feature_maps.png"))
