"""``convviz train``, ``convviz evaluate`` and ``convviz models``: the article's MNIST models."""
from __future__ import annotations

from .._extras import require_extras

MODEL_NAMES = ("mlp", "simple_cnn", "improved_cnn", "deep_cnn")  # = convviz.models.MODEL_NAMES


def _model_name(value: str) -> str:
    # A type= check (not choices=) so the message names every valid model.
    import argparse

    if value not in MODEL_NAMES:
        raise argparse.ArgumentTypeError(
            f"unknown model {value!r}; valid names: {', '.join(MODEL_NAMES)}")
    return value


def _add_settings(p) -> None:
    p.add_argument("name", type=_model_name, metavar="NAME",
                   help=f"one of: {', '.join(MODEL_NAMES)}")
    p.add_argument("--epochs", type=int, default=10, help="training epochs (default 10)")
    p.add_argument("--batch-size", type=int, default=200, help="batch size (default 200)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7, the article's)")
    p.add_argument("--data-format", choices=("channels_last", "channels_first"), default=None,
                   help="CNN input layout (default: channels_first for deep_cnn as in the "
                        "article, channels_last for the others)")
    p.add_argument("--train-images", type=int, default=None, metavar="N",
                   help="train on the first N training images only (quick runs)")
    p.add_argument("--test-images", type=int, default=None, metavar="N",
                   help="validate/evaluate on the first N test images only")


def register(sub) -> None:
    p = sub.add_parser("train", help="train one of the article's models on MNIST and cache it")
    _add_settings(p)
    p.add_argument("--quiet", action="store_true", help="no Keras progress bar")
    p.set_defaults(func=train_command)

    p = sub.add_parser("evaluate", help="test accuracy and loss of a trained model "
                                        "(trains it first if it is not cached)")
    _add_settings(p)
    p.set_defaults(func=evaluate_command)

    p = sub.add_parser("models", help="list the four models, their parameters and cache state")
    p.set_defaults(func=models_command)


def _settings(args) -> dict:
    return dict(epochs=args.epochs, batch_size=args.batch_size, seed=args.seed,
                data_format=args.data_format, n_train=args.train_images,
                n_test=args.test_images)


def train_command(args) -> int:
    from ..train import model_path, train

    settings = _settings(args)
    _, history = train(args.name, verbose=0 if args.quiet else 1, **settings)
    print(f"{args.name}: test accuracy {100 * history['val_accuracy'][-1]:.2f} %, "
          f"test loss {history['val_loss'][-1]:.4f} after {args.epochs} epoch(s)")
    print(f"saved {model_path(args.name, **settings)}")
    return 0


def evaluate_command(args) -> int:
    from ..train import evaluate, load_trained

    settings = _settings(args)
    model = load_trained(args.name, **settings)
    result = evaluate(model, n_test=args.test_images, batch_size=args.batch_size)
    n = args.test_images or 10000
    print(f"{args.name}: test accuracy {100 * result['accuracy']:.2f} % "
          f"(error {100 * (1 - result['accuracy']):.2f} %), test loss {result['loss']:.4f} "
          f"on {n} test images")
    return 0


def models_command(args) -> int:
    require_extras("convviz models", "keras")         # the models, and rich for the table
    from rich.console import Console
    from rich.table import Table

    from ..models import DEFAULT_DATA_FORMAT, build
    from ..train import is_cached, load_record, model_path

    table = Table(title="The article's MNIST models (cache: 10 epochs, batch 200, seed 7)")
    for column, justify in (("name", "left"), ("data format", "left"),
                            ("parameters", "right"), ("cached", "left"),
                            ("test accuracy", "right")):
        table.add_column(column, justify=justify)
    for name in MODEL_NAMES:
        fmt = DEFAULT_DATA_FORMAT[name]
        cached = is_cached(name, data_format=fmt)
        accuracy = ""
        if cached:
            accuracy = f"{100 * load_record(name)['history']['val_accuracy'][-1]:.2f} %"
        table.add_row(name, fmt or "flat (784)", f"{build(name).count_params():,}",
                      "yes" if cached else "no", accuracy)
    Console().print(table)
    print(f"cache folder: {model_path('mlp').parent}\n"
          "a model not cached is trained on first use (or now: convviz train NAME)")
    return 0
