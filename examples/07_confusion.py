"""Where the improved CNN still errs: its confusion matrix on the 10,000 test images.

Rows are the true digits, columns the predicted ones; the diagonal holds the
correct answers.

    python examples/07_confusion.py [OUT_DIR]
"""
import sys

import numpy as np

from convviz.data import load_mnist, to_model_input
from convviz.plot import confusion_matrix, plot_confusion, save_figure
from convviz.train import load_trained

out_dir = sys.argv[1] if len(sys.argv) > 1 else "convviz-out"

model = load_trained("improved_cnn")
_, (x_test, y_test) = load_mnist()
x = to_model_input(x_test, model)

fig = plot_confusion(model, x, y_test)
counts = confusion_matrix(y_test, model.predict(x, verbose=0))
errors = counts.copy()
np.fill_diagonal(errors, 0)
true, predicted = divmod(int(errors.argmax()), 10)
print(f"{int(errors.sum())} errors; the most common: {errors[true, predicted]} times a "
      f"{true} taken for a {predicted}")
print("wrote", save_figure(fig, f"{out_dir}/07_confusion.png"))
