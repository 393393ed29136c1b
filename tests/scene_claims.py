"""What a scene's words claim about sizes and shapes, checked against the scene's data.

:func:`claim_problems` reads every text a probed scene showed
(:meth:`scene_probe.Probe.texts`) and the data object the scene drew
(``convviz.scene_data.build``), and returns one sentence per false or unfounded
claim. It knows nothing about any one scene:

* a size ``A×B`` must be the height and width of something in the data: an array
  (its last two or first two axes: ``(kh, kw)``, ``(H, W)``, a padded input), a
  size field (``pool_size``, a stage's ``window``) or a shape field;
* a shape ``(a, b, c)`` must be the shape of an array of the data or of one of its
  items (``filters[0]`` of ``(2, 3, 3, 3)`` is ``(3, 3, 3)``), or a tuple the data
  holds (``strides``); for a model scene (its data has a ``data_format``) it must be
  one of the shapes Keras gives in that format (the data's ``*shape`` fields), so
  that one model is written in one notation;
* ``stride N`` must be the data's stride;
* a label tied to what it labels (``labelled``) that states a size must state the
  size actually drawn: ``(5×5)`` over a 7×7 grid is false even though the data
  has a 5×5 input;
* if the data has a ``padding``, the title or subtitle names it (``padding
  "same"``, ``padding 1``);
* a model scene names its model (title or subtitle), and its data format exactly
  once, in one text, the right one.
"""
from __future__ import annotations

import dataclasses
import re

import numpy as np

SIZE = re.compile(r"(\d+)\s*[×x]\s*(\d+)")
# "(32, 28, 28)" but not a call like "max(1, 2)" or "relu(...)"
SHAPE = re.compile(r"(?<![\w)])\((\d+(?:,\s*\d+)+),?\)")
STRIDE = re.compile(r"\bstride (\d+)\b")
FORMATS = ("channels_first", "channels_last")


def data_facts(data) -> tuple[set, set, set]:
    """``(shapes, declared shapes, sizes)`` found anywhere in ``data``.

    Shapes are every ndarray's shape and the shapes of its items (``shape[k:]``)
    plus every tuple of ints the data holds; declared shapes the tuples of ints in
    a field whose name ends in ``shape``; sizes every pair of ints a claim ``A×B``
    may name (2-D windows and strides, the first/last two axes of every shape).
    """
    arrays, declared, pairs = set(), set(), set()

    def visit(value, name=""):
        if isinstance(value, np.ndarray):
            if value.dtype != object:
                arrays.update(tuple(value.shape[k:]) for k in range(value.ndim))
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                visit(getattr(value, f.name), f.name)
            for name_, prop in vars(type(value)).items():
                if isinstance(prop, property) and not name_.endswith("pixels"):
                    visit(getattr(value, name_), name_)
        elif isinstance(value, (tuple, list)):
            if value and all(isinstance(v, (int, np.integer)) for v in value):
                arrays.add(tuple(int(v) for v in value))
                if name.endswith("shape"):
                    declared.add(tuple(int(v) for v in value))
                if len(value) == 2:
                    pairs.add(tuple(int(v) for v in value))
            else:
                for v in value[:64]:          # the steps of a long trace are alike
                    visit(v, name)

    visit(data)
    for shape in arrays | declared:
        if len(shape) >= 2:
            pairs.update({shape[-2:], shape[:2]})
    return arrays, declared, pairs


def _sizes(text: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in SIZE.findall(text)]


def _shapes(text: str) -> list[tuple[int, ...]]:
    return [tuple(int(d) for d in m.split(",")) for m in SHAPE.findall(text)]


def format_padding_words(padding) -> str:
    """How the title must name ``padding`` (independent of the scenes' helper)."""
    return f'padding "{padding}"' if isinstance(padding, str) else f"padding {padding}"


def claim_problems(texts, data) -> list[str]:
    """Sentences for every false or unfounded claim among ``texts`` (``TextBox``es
    by content) about ``data``; empty when every word is true."""
    arrays, declared, pairs = data_facts(data)
    data_format = getattr(data, "data_format", None)
    allowed_shapes = declared if data_format else arrays | declared
    problems = []
    for content, box in texts.items():
        sizes, shapes = _sizes(content), _shapes(content)
        for size in sizes:
            if size not in pairs:
                problems.append(f"{content!r} claims {size[0]}×{size[1]}, which nothing in "
                                f"the data measures ({sorted(pairs)})")
        for shape in shapes:
            if shape not in allowed_shapes:
                problems.append(f"{content!r} claims the shape {shape}, not one of "
                                f"{sorted(allowed_shapes)}"
                                + (f" (Keras' {data_format} shapes)" if data_format else ""))
        for stride in STRIDE.findall(content):
            strides = getattr(data, "strides", None)
            if strides is None or int(stride) not in tuple(strides):
                problems.append(f"{content!r} claims stride {stride}; the data's strides "
                                f"are {strides}")
        if box.labels is not None and (sizes or shapes):
            drawn = tuple(box.labels)
            named = sizes + shapes
            ok = any(tuple(n) == drawn[-2:] or tuple(n) == drawn or
                     (data_format and sorted(n) == sorted(drawn)) for n in named)
            if not ok:
                problems.append(f"label {content!r} names {named} but labels a drawing of "
                                f"{drawn}")
    heads = [c for c, b in texts.items() if b.role in ("title", "subtitle")]
    padding = getattr(data, "padding", None)
    if padding is not None:
        words = format_padding_words(padding)
        if not any(words in h for h in heads):
            problems.append(f"the title/subtitle never names the padding ({words}): {heads}")
    model = getattr(data, "model_name", None)
    if model is not None and not any(model in h for h in heads):
        problems.append(f"the title/subtitle never names the model {model!r}: {heads}")
    if data_format is not None:
        saying = [c for c in texts if any(f in c for f in FORMATS)]
        if len(saying) != 1 or data_format not in saying[0]:
            problems.append(f"the data format ({data_format}) must be said exactly once, "
                            f"by one text; said by {saying}")
    return problems
