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

A cache hit is checked before it is used: a truncated or garbled ``.keras`` file, or
a history whose per-epoch lists do not have one value per epoch, is reported by name
and trained again. A read-only cache still serves the models it holds.
"""
from __future__ import annotations

import contextlib
import json
import os
import pathlib
import sys
import time
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from ._extras import require  # noqa: E402

keras = require("keras", "keras", "convviz.train")     # before .models: this module's name

from .cache import (atomic_path, atomic_write, cache_not_writable,  # noqa: E402
                    cache_subdir, check_cache_writable, why_not_writable)
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
    tf = require("tensorflow", "keras", "convviz.train")

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
    folder = cache_subdir("models")
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
    cfg = _config(name, epochs, batch_size, seed, data_format, n_train, n_test)
    return all(p.is_file() for p in _paths(cfg)) and _damage(cfg) is None


_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


def _history_damage(history_file: pathlib.Path, cfg: dict) -> str | None:
    """Why the cached history record is unusable, or None if it is fine."""
    try:
        record = json.loads(history_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"the cached history {history_file} is damaged: not readable JSON ({exc})"
    history = record.get("history") if isinstance(record, dict) else None
    if not isinstance(history, dict):
        return f"the cached history {history_file} is damaged: it has no 'history' table"
    if record.get("config", cfg) != cfg:
        return (f"the cached history {history_file} is damaged: it records the configuration "
                f"{record['config']}, not {cfg}")
    for metric in _METRICS:
        values = history.get(metric)
        if not isinstance(values, list) or len(values) != cfg["epochs"]:
            count = len(values) if isinstance(values, list) else "no"
            return (f"the cached history {history_file} is damaged: '{metric}' has {count} "
                    f"values, expected {cfg['epochs']} (one per epoch)")
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            return (f"the cached history {history_file} is damaged: '{metric}' holds "
                    f"something other than numbers")
    return None


def _damage(cfg: dict) -> str | None:
    """Why the cached model or history of ``cfg`` (both present) is unusable, or None.

    Cheap checks only: the history's per-epoch lists, and the model file being a
    whole zip archive (a truncated one has no central directory) whose members
    pass their CRC. :func:`load_trained` also catches a model Keras cannot load.
    """
    model_file, history_file = _paths(cfg)
    damage = _history_damage(history_file, cfg)
    if damage:
        return damage
    try:
        with zipfile.ZipFile(model_file) as archive:
            bad = archive.testzip()
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        return (f"the cached model {model_file} is damaged: not a whole .keras (zip) file, "
                f"truncated or overwritten ({exc})")
    if bad is not None:
        return f"the cached model {model_file} is damaged: its member {bad!r} is corrupt"
    return None


def _load_cached(cfg: dict):
    """``(model, None)`` on a good cache hit, ``(None, why it is damaged)`` or ``(None, None)``."""
    model_file, history_file = _paths(cfg)
    if not (model_file.is_file() and history_file.is_file()):
        return None, None
    damage = _damage(cfg)
    if damage is None:
        try:
            return keras.saving.load_model(model_file), None
        except Exception as exc:  # noqa: BLE001  (whatever Keras raises, the file is bad)
            damage = (f"the cached model {model_file} is damaged: Keras cannot load it "
                      f"({type(exc).__name__}: {exc})")
    return None, damage


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
    tf = require("tensorflow", "keras", "convviz.train")

    model_file, history_file = _paths(cfg)
    with atomic_path(model_file) as tmp:
        model.save(tmp)
    record = {"config": cfg, "keras": keras.__version__, "tensorflow": tf.__version__,
              "history": history}
    atomic_write(history_file, json.dumps(record, indent=1))


@contextlib.contextmanager
def _lock(cfg: dict):
    """Hold an exclusive lock for this configuration; yield True, or False when the
    cache folder is read-only (nobody can train into it then, so nothing to guard).

    The holder writes its pid into the lock file, so the file's modification time
    says since when it is held (:func:`convviz.cache.live_lock_times`). Where fcntl
    is missing (Windows) concurrent trainers just both train.
    """
    try:
        import fcntl
    except ImportError:
        yield True
        return
    lock_file = _paths(cfg)[0].with_suffix(".lock")
    try:
        fh = open(lock_file, "a")
    except PermissionError:
        yield False
        return
    except OSError:
        if why_not_writable(lock_file.parent) is None:
            raise
        yield False
        return
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"convviz: another process is training {_key(cfg)}; waiting for it")
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.truncate(0)
            fh.write(f"{os.getpid()}\n")
            fh.flush()
            yield True
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
    if save:    # before minutes of training, not after
        check_cache_writable(_paths(cfg)[0].parent)
    model, history = _fit(cfg, verbose, callbacks)
    if save:
        _save(model, history, cfg)
    return model, history


def load_trained(name, *, epochs=10, batch_size=200, seed=7, data_format=None, verbose=1,
                 n_train=None, n_test=None, callbacks=()) -> keras.Model:
    """The trained model ``name``: from the cache, or trained (and cached) on first use.

    Arguments as in :func:`train`; the defaults are the article's settings
    (``callbacks`` only matter when it trains). A damaged cache entry is named on
    stderr and trained again. In a read-only cache a cached model still loads; one that
    would need training raises :class:`convviz.cache.CacheNotWritable`, naming the
    folder and ``CONVVIZ_HOME``.
    """
    cfg = _config(name, epochs, batch_size, seed, data_format, n_train, n_test)
    model_file, _ = _paths(cfg)
    with _lock(cfg) as locked:
        model, damage = _load_cached(cfg)
        if model is not None:
            return model
        if not locked:
            why = why_not_writable(model_file.parent) or "it cannot be locked"
            raise cache_not_writable(
                model_file.parent, f"{why}; {damage}" if damage else
                f"{why}; {_key(cfg)} is not cached there yet, so it must be trained and saved")
        if damage:
            print(f"convviz: {damage}; training it again", file=sys.stderr)
        elif verbose:
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
    damage = _history_damage(history_file, cfg)
    if damage:
        raise ValueError(f"{damage}; load_trained({name!r}, ...) or `convviz train {name}` "
                         "with the same settings trains it again")
    return json.loads(history_file.read_text(encoding="utf-8"))


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
