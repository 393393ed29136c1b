"""``convviz explore``: one offline page where a student clicks any output and sees
where every number came from.

Part 1 (:mod:`.arithmetic`, numpy only) traces a small convolution under every
setting of the page's controls; part 2 (:mod:`.network`, imports Keras when used)
takes a trained model layer by layer for a few MNIST test digits. :mod:`.page` puts
the data, as JSON, into one self-contained HTML file (inline CSS and JS, no
network). The page's JavaScript only shows the numbers computed here::

    from convviz.explore import write_explorer
    write_explorer("explore.html")                          # part 1 only: numpy
    write_explorer("explore.html", model="simple_cnn")      # + the trained simple CNN
    write_explorer("explore.html", model=keras_model, digits=[0, 1, 2])
"""
from __future__ import annotations

import pathlib
from dataclasses import dataclass

from .._extras import require, require_extras
from .arithmetic import Example, arithmetic_data, article_examples, custom_example
from .page import build_html, write_page

__all__ = ["ExplorerPage", "write_explorer", "explorer_html", "explorer_data", "load_model",
           "Example", "article_examples", "custom_example"]


@dataclass(frozen=True)
class ExplorerPage:
    """What :func:`write_explorer` wrote: the file, its size and what it holds."""

    path: pathlib.Path
    bytes: int
    examples: int
    model: str | None
    digits: tuple[int, ...]

    def _repr_html_(self) -> str:
        """Jupyter shows the page itself, in a frame (:class:`convviz.notebook.Page`)."""
        from ..notebook import show

        return show(self.path)._repr_html_()


def load_model(model, *, epochs: int | None = None, n_train: int | None = None):
    """``(keras model, one-line description)`` for a model name or a ``.keras`` file.

    A name of :data:`convviz.models.MODEL_NAMES` is trained once and cached by
    :func:`convviz.train.load_trained` (``epochs``, default the article's 10, and
    ``n_train``); a path is loaded with ``keras.saving.load_model``; a ``keras.Model``
    is used as it is. ``{params}`` in the description stands for the parameter count.
    """
    if not isinstance(model, str) or model.endswith(".keras") or pathlib.Path(model).exists():
        if epochs is not None or n_train is not None:
            raise ValueError(f"epochs and n_train only apply to a model name (they say how "
                             f"it is trained), got model={model!r} with epochs={epochs!r}, "
                             f"n_train={n_train!r}")
    if isinstance(model, (str, pathlib.Path)) and (
            str(model).endswith(".keras") or pathlib.Path(model).exists()):
        path = pathlib.Path(model)
        if not path.is_file():
            raise FileNotFoundError(f"model file {str(path)!r} does not exist")
        if path.suffix != ".keras":
            raise ValueError(f"model must be a model name or a .keras file, got {str(path)!r}")
        keras = require("keras", "keras", "convviz.explore")
        return keras.saving.load_model(path), f"The Keras model {path.name} ({{params}} parameters)."
    if isinstance(model, str):
        from ..models import check_name
        from ..train import load_trained

        check_name(model)
        epochs = 10 if epochs is None else epochs
        how = (f"{epochs} epoch(s)" + (f" on the first {n_train:,} training images"
                                       if n_train else " on the 60,000 training images"))
        return (load_trained(model, epochs=epochs, n_train=n_train, verbose=1),
                f"The article's {model}, trained {how} with seed 7 ({{params}} parameters).")
    if hasattr(model, "layers") and hasattr(model, "inputs"):
        return model, f"The Keras model {model.name} ({{params}} parameters)."
    raise TypeError(f"model must be a model name, a .keras file or a keras.Model, "
                    f"got {type(model).__name__}")


def explorer_data(examples=None, model=None, digits=None, *, epochs: int | None = None,
                  n_train: int | None = None) -> dict:
    """The page data: ``{"arith": ..., "net": ... or None}`` (see :func:`write_explorer`)."""
    if model is None and (digits is not None or epochs is not None or n_train is not None):
        raise ValueError("digits, epochs and n_train need a model (part 2); got model=None")
    if model is not None:        # part 2 draws with Keras, colours with matplotlib
        require_extras("convviz.explore's network part", "keras", "plot",
                       hint="model=None gives part 1 alone")
    data = {"arith": arithmetic_data(examples), "net": None}
    if model is not None:
        from .network import network_data

        keras_model, description = load_model(model, epochs=epochs, n_train=n_train)
        description = description.format(params=f"{keras_model.count_params():,}")
        data["net"] = network_data(keras_model, digits, description=description)
    return data


def explorer_html(examples=None, model=None, digits=None, *, epochs: int | None = None,
                  n_train: int | None = None) -> tuple[str, dict]:
    """``(page, data)``: the page's HTML text and its data, written nowhere (the
    arguments of :func:`write_explorer`; :func:`convviz.notebook.explorer` shows it)."""
    data = explorer_data(examples, model, digits, epochs=epochs, n_train=n_train)
    footer = ("Written by convviz explore. Part 1: convviz.trace_conv2d and "
              "convviz.explain_shape." + (" Part 2: Keras layer outputs of the model and "
                                          "convviz.conv2d's per-channel sums."
                                          if data["net"] else ""))
    return build_html(data, footer=footer), data


def write_explorer(path, *, examples=None, model=None, digits=None, epochs: int | None = None,
                   n_train: int | None = None, overwrite: bool = False) -> ExplorerPage:
    """Write the explorer page to ``path`` (atomically) and say what it holds.

    Args:
        path: the HTML file to write. An existing file is replaced only if convviz
            explore wrote it, or with ``overwrite=True``.
        examples: part 1's :class:`Example` s (default: the article's two).
        model: None (part 1 only; needs numpy alone), a model name (``"simple_cnn"``),
            a ``.keras`` file or a ``keras.Model`` with Conv2D layers taking MNIST digits.
        digits: MNIST test indices for part 2 (default: one per class).
        epochs, n_train: how a named model is trained (cached; default the article's 10
            epochs on all 60,000 images); only for a model name.
    """
    page, data = explorer_html(examples, model, digits, epochs=epochs, n_train=n_train)
    net = data["net"]
    written = write_page(path, page, overwrite=overwrite)
    return ExplorerPage(path=written, bytes=written.stat().st_size,
                        examples=len(data["arith"]["examples"]),
                        model=net["model"]["name"] if net else None,
                        digits=tuple(d["index"] for d in net["digits"]) if net else ())
