"""Step 1 of the article: load MNIST and look at the first 4 training images (2x2, gray).

    python examples/01_show_digits.py [OUT_DIR]
"""
import sys

from convviz.data import load_mnist
from convviz.plot import plot_digits, save_figure

out_dir = sys.argv[1] if len(sys.argv) > 1 else "convviz-out"

(x_train, y_train), (x_test, y_test) = load_mnist()  # uint8, embedded copy: no download
print(f"train {x_train.shape}, test {x_test.shape}, pixels {x_train.min()}..{x_train.max()}")

fig = plot_digits(x_train[:4], y_train[:4], title="The first 4 MNIST training images")
print("wrote", save_figure(fig, f"{out_dir}/01_digits.png"))
