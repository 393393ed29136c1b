"""Steps 3-5 of the article: the MLP baseline, the simple CNN and the improved CNN.

Each model trains once (10 epochs, batch 200, seed 7; minutes on a CPU) and is
cached; later runs load it in seconds. Prints the test error of each, as the
article does, and plots their training curves side by side.

    python examples/02_compare_models.py [OUT_DIR]
"""
import sys

from convviz.plot import plot_history, save_figure
from convviz.train import evaluate, load_history, load_trained

out_dir = sys.argv[1] if len(sys.argv) > 1 else "convviz-out"

histories = {}
for name in ("mlp", "simple_cnn", "improved_cnn"):
    model = load_trained(name)
    scores = evaluate(model)
    print(f"{name:>13}: {model.count_params():>7,} parameters, "
          f"test error {100 * (1 - scores['accuracy']):.2f} %")
    histories[name] = load_history(name)

fig = plot_history(histories, title="MLP vs CNNs on MNIST (validation = the test set)")
print("wrote", save_figure(fig, f"{out_dir}/02_compare_models.png"))
