"""Optional dependencies: one line that names the extra to install when one is missing.

``pip install convviz`` brings numpy alone; the rest comes with extras
(pyproject.toml)::

    keras    TensorFlow, Keras, rich  keras_check, inspect, models, train, the explorer's
                                      network part, convviz models/train/filters/...
    plot     matplotlib (and Pillow)  convviz.plot, convviz digits/conv-step/...
    scenes   Manim, PyAV, Pillow<13,  convviz.scenes, render(), convviz render, tour videos
             matplotlib (colormaps)
    testing  Hypothesis               convviz.testing.strategies

A module that needs one imports it through :func:`require` (or checks it with
:func:`require_extras` without importing it, where the import is deferred because
TensorFlow takes seconds). A missing one raises :class:`MissingExtra`, an
``ImportError`` whose message is one line::

    convviz.models needs TensorFlow: pip install 'convviz[keras]'

The command line catches it and prints the same line with the command's name
(``convviz render needs Manim: pip install 'convviz[scenes]'``), exit status 1.
"""
from __future__ import annotations

import importlib
import importlib.util

__all__ = ["MissingExtra", "EXTRAS", "require", "require_extras"]

# extra -> (what a person calls it, the top-level modules convviz imports from it)
EXTRAS = {
    "keras": ("TensorFlow", ("tensorflow", "keras", "rich")),
    "plot": ("matplotlib", ("matplotlib", "PIL")),
    "scenes": ("Manim", ("manim", "av", "PIL", "matplotlib")),
    "testing": ("Hypothesis", ("hypothesis",)),
}


class MissingExtra(ImportError):
    """An optional dependency is not installed. ``what`` needs the ``extras``."""

    __module__ = "convviz"          # the traceback's last line: convviz.MissingExtra: ...

    def __init__(self, what: str, extras, hint: str = ""):
        self.what, self.extras, self.hint = what, tuple(extras), hint
        super().__init__(self.message_for(what))

    def __reduce__(self):           # pickled whole, e.g. from a worker process
        return type(self), (self.what, self.extras, self.hint)

    def message_for(self, what: str) -> str:
        """The one line, said of ``what`` (a module, a function or a command)."""
        names = [EXTRAS[extra][0] for extra in self.extras]
        needs = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        hint = f" ({self.hint})" if self.hint else ""
        return f"{what} needs {needs}: pip install 'convviz[{','.join(self.extras)}]'{hint}"


def _check_extra(extra: str) -> None:
    if extra not in EXTRAS:
        raise ValueError(f"extra must be one of {sorted(EXTRAS)}, got {extra!r}")


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):      # a parent missing, or a module set to None
        return False


def require(module: str, extra: str, what: str):
    """Import and return ``module`` (``"keras"``, ``"matplotlib.figure"``...), which comes
    with ``extra``; if it (or another module of that extra it imports) is not
    installed, raise :class:`MissingExtra` saying that ``what`` needs that extra. A
    module that fails to import for another reason raises its own error."""
    _check_extra(extra)
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        ours = {module.split(".")[0], *EXTRAS[extra][1]}     # e.g. keras without tensorflow
        if exc.name is None or exc.name.split(".")[0] not in ours:
            raise
        raise MissingExtra(what, (extra,)) from None


def require_extras(what: str, *extras: str, hint: str = "") -> None:
    """Raise :class:`MissingExtra` naming every extra in ``extras`` that is not
    installed; import nothing (a check before work that imports them later)."""
    for extra in extras:
        _check_extra(extra)
    missing = [extra for extra in extras
               if not all(_installed(module) for module in EXTRAS[extra][1])]
    if missing:
        raise MissingExtra(what, missing, hint)
