"""Accuracy and time of the article's four models with the classic settings.

Trains each model (10 epochs, batch 200, seed 7, validation on the test set)
through :func:`convviz.train.load_trained`, so the models land in the same cache
every other convviz module loads from — and a model already in the cache is not
trained again (its recorded epoch times are reported). Prints a markdown table
and writes it into README.md between ``<!-- bench-models:start -->`` and
``<!-- bench-models:end -->``.

    python benchmarks/bench_models.py                 # all four + deep_cnn channels_last
    python benchmarks/bench_models.py --models mlp --no-readme
"""
from __future__ import annotations

import argparse
import os
import pathlib
import platform
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from convviz.models import DEFAULT_DATA_FORMAT, MODEL_NAMES  # noqa: E402
from convviz.train import evaluate, is_cached, load_record, load_trained  # noqa: E402
from benchlib import write_table  # noqa: E402

# The classic Keras-tutorial results for these architectures (test accuracy, %).
TARGETS = {"mlp": 98.0, "simple_cnn": 98.9, "improved_cnn": 99.0, "deep_cnn": 99.1}


def run(name, data_format, epochs, batch_size, seed) -> dict:
    settings = dict(epochs=epochs, batch_size=batch_size, seed=seed, data_format=data_format)
    cached = is_cached(name, **settings)
    print(f"== {name} ({data_format or 'flat'}): "
          f"{'from the cache' if cached else 'training'}", flush=True)
    start = time.perf_counter()
    model = load_trained(name, verbose=2, **settings)
    wall = time.perf_counter() - start
    record = load_record(name, **settings)
    seconds = record["history"]["epoch_seconds"]
    test = evaluate(model, batch_size=batch_size)
    row = {
        "name": name, "data_format": data_format or "flat (784)",
        "params": model.count_params(), "accuracy": 100 * test["accuracy"],
        "loss": test["loss"], "sec_per_epoch": statistics.mean(seconds),
        "first_epoch": seconds[0], "cached": cached, "wall": wall,
        "target": TARGETS[name], "seed": seed,
    }
    print(f"   test accuracy {row['accuracy']:.2f} %  loss {row['loss']:.4f}  "
          f"{row['sec_per_epoch']:.1f} s/epoch  (target {row['target']} %)", flush=True)
    return row


def spread(rows) -> str:
    """Mean, standard deviation, min and max test accuracy over seeds, per model and format."""
    groups = {}
    for r in rows:
        groups.setdefault((r["name"], r["data_format"]), []).append(r["accuracy"])
    lines = ["| model | data format | seeds | mean | sd | min | max |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for (name, fmt), acc in groups.items():
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        lines.append(f"| `{name}` | {fmt} | {len(acc)} | {statistics.mean(acc):.2f} % "
                     f"| {sd:.2f} | {min(acc):.2f} % | {max(acc):.2f} % |")
    return "\n".join(lines)


def table(rows, epochs, batch_size, seeds) -> str:
    import keras
    import tensorflow as tf

    seed = ", ".join(map(str, seeds))
    lines = [
        f"MNIST, {epochs} epochs, batch {batch_size}, seed {seed}, validation on the 10,000 "
        f"test images (`python benchmarks/bench_models.py`). CPU: {os.cpu_count()} cores "
        f"({platform.machine()}), TensorFlow {tf.__version__}, Keras {keras.__version__}. "
        "Seconds per epoch: mean over the epochs, training plus validation, as recorded when "
        "the model was trained.",
        "",
        "| model | data format | parameters | test accuracy | error rate | target | s / epoch |"
        + (" seed |" if len(seeds) > 1 else ""),
        "|---|---|---:|---:|---:|---:|---:|" + ("---:|" if len(seeds) > 1 else ""),
    ]
    for r in rows:
        ok = "met" if r["accuracy"] >= r["target"] else "**missed**"
        lines.append(
            f"| `{r['name']}` | {r['data_format']} | {r['params']:,} | {r['accuracy']:.2f} % "
            f"| {100 - r['accuracy']:.2f} % | >= {r['target']} % ({ok}) "
            f"| {r['sec_per_epoch']:.1f} |" + (f" {r['seed']} |" if len(seeds) > 1 else ""))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--seed", type=int, nargs="+", default=[7],
                        help="one seed (the article's 7), or several to see the spread")
    parser.add_argument("--no-format-comparison", action="store_true",
                        help="skip the extra channels_last run of deep_cnn")
    parser.add_argument("--no-readme", action="store_true", help="only print the table")
    parser.add_argument("--readme", type=pathlib.Path, default=ROOT / "README.md")
    args = parser.parse_args(argv)

    runs = [(name, DEFAULT_DATA_FORMAT[name]) for name in args.models]
    if "deep_cnn" in args.models and not args.no_format_comparison:
        runs.append(("deep_cnn", "channels_last"))
    rows = [run(name, fmt, args.epochs, args.batch_size, seed)
            for name, fmt in runs for seed in args.seed]
    text = table(rows, args.epochs, args.batch_size, args.seed)
    if len(args.seed) > 1:
        text += "\n\nSpread over the seeds:\n\n" + spread(rows)
    print("\n" + text)
    if not args.no_readme:
        write_table(text, "bench-models", args.readme)
        print(f"\nwritten into {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
