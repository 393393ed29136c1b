"""The article's section 3 with convviz: MNIST offline, preprocessing, the MLP baseline.

    python examples/train_article_mlp.py            # 10 epochs, ~30 s on 2 CPU cores
    python examples/train_article_mlp.py --epochs 2

The same steps the article writes by hand (load, flatten to 784, scale to [0, 1],
one-hot, seed 7, adam + categorical cross-entropy, batch 200, the test set as
validation data) with the package's helpers. ``convviz.train.load_trained("mlp")``
does all of this in one call and caches the result; this script shows the parts.
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from convviz.data import flatten, load_mnist, one_hot, scale  # noqa: E402
from convviz.models import build  # noqa: E402
from convviz.train import seed_everything  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()

    (x_train, y_train), (x_test, y_test) = load_mnist()       # no download: embedded copy
    print(f"train {x_train.shape} {x_train.dtype}, test {x_test.shape}; "
          f"first labels {y_train[:4].tolist()}")
    x_train, x_test = scale(flatten(x_train)), scale(flatten(x_test))   # (N, 784) in [0, 1]
    y_train, y_test = one_hot(y_train), one_hot(y_test)                 # 0 -> [1, 0, ..., 0]
    print(f"label {0} one-hot: {y_test[3].astype(int).tolist()}")        # x_test[3] is a 0

    seed_everything(7)
    model = build("mlp")
    model.summary()
    model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs=args.epochs,
              batch_size=200, verbose=2)
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"Baseline error: {100 * (1 - accuracy):.2f} %  (test accuracy {100 * accuracy:.2f} %)")


if __name__ == "__main__":
    main()
