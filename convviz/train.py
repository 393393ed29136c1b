"""Train the article's models reproducibly, and cache them so they train only once.

Other modules get a trained model through one call::

    from convviz.train import load_trained
    model = load_trained("simple_cnn")      # trains on first use (minutes), loads afterwards

Training follows the article: scale pixels to [0, 1], one-hot labels, adam,
categorical cross-entropy, 10 epochs of batch 200 with the test set as validation
data, seed 7. Seeding is complete (``keras.utils.set_random_seed`` for Python,
numpy and TensorFlow, plus ``tf.config.experimental.enable_op_determinism``), so
two runs with the same arguments give identical weights.

The cache lives in ``cache_dir()/models/`` (see :mod:`convviz.cache`): one
``<key>.keras`` and one ``<key>.history.json`` per configuration, the key naming
model, data format, epochs, batch size, seed (and subset sizes when given). Both
files are written atomically, and a lock file makes a second process that asks
for the same model wait for the first one's result instead of training it again.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

from .cache import atomic_path, atomic_write, cache_dir  # noqa: E402
from .data import load_mnist, one_hot, to_model_input  # noqa: E402
from .models import build, check_data_format, check_name  # noqa: E402

__all__ = [
    "train",
    "load_trained",
    "load_history",
    "load_record",
    "evaluate",
    "is_cached",
    "model_path",
    "history_path",
    "seed_everything",
    "prepare",
]

DEFAULTS = {"epochs": 10, "batch_size": 200, "seed": 7}


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and TensorFlow and make TensorFlow's ops deterministic."""
    import tensorflow as tf

    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative int, got {seed!r}")
    keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()


def _config(name, epochs, batch_size, seed, data_format, n_train, n_test) -> dict:
    check_name(name)
    data_format = check_data_format(name, data_format)
    for arg, value in (("epochs", epochs), ("batch_size", batch_size)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{arg}` must be a positive int, got {value!r}")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative int, got {seed!r}")
    for arg, value, limit in (("n_train", n_train, 60000), ("n_test", n_test, 10000)):
        if value is not None and (not isinstance(value, (int, np.integer))
                                  or isinstance(value, bool) or not 1 <= value <= limit):
            raise ValueError(f"`{arg}` must be None or an int in [1, {limit}], got {value!r}")
    return {"name": name, "data_format": data_format, "epochs": int(epochs),
            "batch_size": int(batch_size), "seed": int(seed),
            "n_train": None if n_train is None else int(n_train),
            "n_test": None if n_test is None else int(n_test)}


def _key(cfg: dict) -> str:
    fmt = {"channels_last": "last", "channels_first": "first", None: "flat"}[cfg["data_format"]]
    key = f"{cfg['name']}-{fmt}-e{cfg['epochs']}-b{cfg['batch_size']}-s{cfg['seed']}"
    if cfg["n_train"] is not None:
        key += f"-train{cfg['n_train']}"
    if cfg["n_test"] is not None:
        key += f"-test{cfg['n_test']}"
    return key


def _paths(cfg: dict) -> tuple[pathlib.Path, pathlib.Path]:
    folder = cache_dir() / "models"
    folder.mkdir(parents=True, exist_ok=True)
    key = _key(cfg)
    return folder / f"{key}.keras", folder / f"{key}.history.json"


def model_path(name, *, epochs=10, batch_size=200, seed=7, data_format=None,
               n_train=None, n_test=None) -> pathlib.Path:
    """Where the trained model of this configuration is (or will be) cached."""
    return _paths(_config(name, epochs, batch_size, seed, data_format, n_train, n_test))[0]


def history_path(name, *, epochs=10, batch_size=200, seed=7, data_format=None,
                 n_train=None, n_test=None) -> pathlib.Path:
    """Where the training history (JSON) of this configuration is (or will be) cached."""
    return _paths(_config(name, epochs, batch_size, seed, data_format, n_train, n_test))[1]


def is_cached(name, *, epochs=10, batch_size=200, seed=7, data_format=None,
              n_train=None, n_test=None) -> bool:
    """True if both the model and its history of this configuration are in the cache."""
    paths = _paths(_config(name, epochs, batch_size, seed, data_format, n_train, n_test))
    return all(p.is_file() for p in paths)


def prepare(model, images_uint8, labels=None):
    """``(x, y)`` for ``model``: x scaled and shaped by :func:`to_model_input`, y one-hot (or None)."""
    x = to_model_input(images_uint8, model)
    return x, None if labels is None else one_hot(labels, model.output_shape[-1])


class _EpochTimer(keras.callbacks.Callback):
    """Wall-clock seconds of each epoch (training plus validation, like Keras' own line)."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def _fit(cfg: dict, verbose, callbacks=()) -> tuple[keras.Model, dict]:
    (x_train, y_train), (x_test, y_test) = load_mnist()
    if cfg["n_train"] is not None:
        x_train, y_train = x_train[:cfg["n_train"]], y_train[:cfg["n_train"]]
    if cfg["n_test"] is not None:
        x_test, y_test = x_test[:cfg["n_test"]], y_test[:cfg["n_test"]]
    seed_everything(cfg["seed"])
    model = build(cfg["name"], cfg["data_format"])
    x_train, y_train = prepare(model, x_train, y_train)
    x_test, y_test = prepare(model, x_test, y_test)
    timer = _EpochTimer()
    fit = model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs=cfg["epochs"],
                    batch_size=cfg["batch_size"], verbose=verbose,
                    callbacks=[timer, *callbacks])
    history = {k: [float(v) for v in values] for k, values in fit.history.items()}
    history["epoch_seconds"] = [float(s) for s in timer.seconds]
    return model, history


def _save(model, history: dict, cfg: dict) -> None:
    import tensorflow as tf

    model_file, history_file = _paths(cfg)
    with atomic_path(model_file) as tmp:
        model.save(tmp)
    record = {"config": cfg, "keras": keras.__version__, "tensorflow": tf.__version__,
              "history": history}
    atomic_write(history_file, json.dumps(record, indent=1))


@contextlib.contextmanager
def _lock(cfg: dict):
    """Hold an exclusive lock for this configuration (no-op where fcntl is missing)."""
    try:
        import fcntl
    except ImportError:  # Windows: concurrent trainers just both train
        yield
        return
    lock_file = _paths(cfg)[0].with_suffix(".lock")
    with open(lock_file, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"convviz: another process is training {_key(cfg)}; waiting for it")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def train(name, *, epochs=10, batch_size=200, seed=7, data_format=None, verbose=1,
          n_train=None, n_test=None, save=True, callbacks=()) -> tuple[keras.Model, dict]:
    """Train ``name`` from scratch on MNIST; return ``(model, history)``.

    ``history`` is Keras' per-epoch dict (``loss``, ``accuracy``, ``val_loss``,
    ``val_accuracy``; validation is on the test set) plus ``epoch_seconds``.
    ``n_train``/``n_test`` use only the first N training/test images (quick runs).
    With ``save`` the model and history replace any cached ones of this configuration.
    ``callbacks`` are Keras callbacks added to ``fit`` (e.g. a progress display).
    """
    cfg = _config(name, epochs, batch_size, seed, data_format, n_train, n_test)
    model, history = _fit(cfg, verbose, callbacks)
    if save:
        _save(model, history, cfg)
    return model, history


def load_trained(name, *, epochs=10, batch_size=200, seed=7, data_format=None, verbose=1,
                 n_train=None, n_test=None, callbacks=()) -> keras.Model:
    """The trained model ``name``: from the cache, or trained (and cached) on first use.

    Arguments as in :func:`train`; the defaults are the article's settings
    (``callbacks`` only matter when it trains).
    """
    cfg = _config(name, epochs, batch_size, seed, data_format, n_train, n_test)
    model_file, history_file = _paths(cfg)
    with _lock(cfg):
        if model_file.is_file() and history_file.is_file():
            return keras.saving.load_model(model_file)
        if verbose:
            print(f"convviz: training {_key(cfg)} (first use; cached in {model_file.parent})")
        model, history = _fit(cfg, verbose, callbacks)
        _save(model, history, cfg)
        return model


def load_record(name, *, epochs=10, batch_size=200, seed=7, data_format=None,
                n_train=None, n_test=None) -> dict:
    """The whole cached JSON record: ``config``, library versions and ``history``."""
    cfg = _config(name, epochs, batch_size, seed, data_format, n_train, n_test)
    history_file = _paths(cfg)[1]
    if not history_file.is_file():
        raise FileNotFoundError(f"no training history for {_key(cfg)} at {history_file}; "
                                f"train it first (convviz train {name}, or load_trained)")
    return json.loads(history_file.read_text())


def load_history(name, *, epochs=10, batch_size=200, seed=7, data_format=None,
                 n_train=None, n_test=None) -> dict:
    """The cached per-epoch history of :func:`train` (metric name -> list per epoch)."""
    return load_record(name, epochs=epochs, batch_size=batch_size, seed=seed,
                       data_format=data_format, n_train=n_train, n_test=n_test)["history"]


def evaluate(model, *, n_test=None, batch_size=200, verbose=0) -> dict:
    """Test-set ``{"loss", "accuracy"}`` of a trained model (first ``n_test`` images if given)."""
    _, (x_test, y_test) = load_mnist()
    if n_test is not None:
        x_test, y_test = x_test[:n_test], y_test[:n_test]
    x, y = prepare(model, x_test, y_test)
    loss, accuracy = model.evaluate(x, y, batch_size=batch_size, verbose=verbose)
    return {"loss": float(loss), "accuracy": float(accuracy)}
