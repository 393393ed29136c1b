"""The configurations a check draws: one case = the arrays, the options and the core's answer.

A case keeps its numbers in the core's layout (``x`` ``(N, H, W, C_in)``, ``kernel``
``(kh, kw, C_in / groups, C_out)``) and shows them in the caller's layout:

* ``"keras"``: ``x`` ``(N, H, W, C)``, kernel ``(kh, kw, C_in, C_out)``; options
  ``bias=``, ``strides=``, ``padding=``, ``dilation_rate=``, ``groups=`` (convviz's names);
* ``"torch"``: ``x`` ``(N, C, H, W)``, weight ``(C_out, C_in, kh, kw)``; options
  ``bias=``, ``stride=``, ``padding=``, ``dilation=``, ``groups=``;
* ``"2d"``: ``x`` ``(H, W)``, kernel ``(kh, kw)``, a scalar ``bias=``; convviz's names.

Only the options of the declared *features* are passed:

* ``"padding"``: the words ``'valid'`` and ``'same'`` (TensorFlow's rule; with the torch
  layout ``'same'`` only at stride 1, as PyTorch refuses it otherwise);
* ``"padding_amounts"``: zeros added on each side, an int;
* ``"pairs"``: strides, dilation and amounts also as ``(h, w)`` pairs (and, in the keras
  and 2d layouts, ``((top, bottom), (left, right))``);
* ``"stride"``, ``"dilation"``, ``"bias"``, ``"groups"``; ``"channels"`` (more than one
  input channel) and ``"filters"`` (more than one output channel).

Values are small integers stored as float64, so every expected number is exact and
readable. The same drawing code serves the checks (a numpy ``Generator``) and the
hypothesis strategies (:mod:`convviz.testing.strategies`), through a *chooser*.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from ..conv import avg_pool2d, conv2d, conv_output_size, max_pool2d, resolve_padding

LAYOUTS = ("keras", "torch", "2d")
CONV_FEATURES = ("padding", "padding_amounts", "pairs", "stride", "dilation", "bias",
                 "channels", "filters", "groups")
POOL_FEATURES = ("padding", "stride", "pairs", "channels")
SIZE_FEATURES = ("padding", "padding_amounts", "pairs", "stride", "dilation")
POOL_KINDS = ("max", "avg")

# Each layout's keyword for a feature's option.
OPTION_NAMES = {
    "keras": {"bias": "bias", "stride": "strides", "padding": "padding",
              "dilation": "dilation_rate", "groups": "groups"},
    "torch": {"bias": "bias", "stride": "stride", "padding": "padding",
              "dilation": "dilation", "groups": "groups"},
}
OPTION_NAMES["2d"] = OPTION_NAMES["keras"]
POOL_OPTION_NAMES = {
    "keras": {"pool": "pool_size", "stride": "strides", "padding": "padding"},
    "torch": {"pool": "kernel_size", "stride": "stride"},
}
POOL_OPTION_NAMES["2d"] = POOL_OPTION_NAMES["keras"]
SIZE_OPTION_NAMES = {"stride": "stride", "padding": "padding", "dilation": "dilation"}
LIBRARY = {"keras": "Keras", "torch": "PyTorch", "2d": "Keras (like PyTorch)"}

VALUES = (-3, 3)  # input, kernel and bias entries are integers in this range


class NotApplicable(Exception):
    """A wrong convention that says nothing about this case."""


# --------------------------------------------------------------------------- arguments
def check_layout(layout) -> str:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")
    return layout


def parse_features(features, allowed: tuple[str, ...], layout: str | None = None) -> frozenset:
    """``features`` (an iterable of words, or one comma-separated string) as a frozenset."""
    if isinstance(features, str):
        words = [w.strip() for w in features.split(",") if w.strip()]
    else:
        try:
            words = list(features)
        except TypeError:
            raise TypeError(f"features must be a set of words from {allowed}, "
                            f"got {features!r}") from None
    unknown = [w for w in words if w not in allowed]
    if unknown:
        raise ValueError(f"features must be words from {allowed}, got {unknown[0]!r}")
    chosen = frozenset(words)
    flat = chosen & {"channels", "filters", "groups"}
    if layout == "2d" and flat:
        raise ValueError(f"features {sorted(flat)} need layout 'keras' or 'torch': "
                         "layout '2d' has one channel and one filter")
    return chosen


def infer_features(fn, layout: str, option_names: dict, allowed: tuple[str, ...],
                   skip_first: bool = False) -> frozenset:
    """The features ``fn`` takes keywords for (the layout's names), plus channels/filters.

    ``padding`` counts as ``"padding"`` (words) unless its default is a number, or
    there is no default and the layout is torch: then ``"padding_amounts"``.
    """
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    if skip_first:
        params = params[1:]
    named = {p.name: p for p in params
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    found = set()
    for feature, option in option_names.items():
        if option in named and feature in allowed:
            found.add(feature)
    if "padding" in found and "padding_amounts" in allowed:
        default = named[option_names["padding"]].default
        if isinstance(default, (int, tuple)) or (default is inspect.Parameter.empty
                                                 and layout == "torch"):
            found.discard("padding")
            found.add("padding_amounts")
    if layout != "2d":
        found |= {"channels", "filters"} & set(allowed)
    return frozenset(found)


# --------------------------------------------------------------------------- choosers
class RngChooser:
    """Draws from a numpy ``Generator`` (the checks)."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def integer(self, lo: int, hi: int) -> int:
        return int(self.rng.integers(lo, hi + 1))

    def choice(self, options):
        return options[int(self.rng.integers(len(options)))]

    def values(self, shape) -> np.ndarray:
        return self.rng.integers(VALUES[0], VALUES[1] + 1, size=shape).astype(np.float64)

    def distinct(self, shape) -> np.ndarray:
        size = int(np.prod(shape))
        return (self.rng.permutation(size) - size // 2).astype(np.float64).reshape(shape)


def _int_or_pair(choose, lo: int, hi: int, pairs: bool):
    if pairs and choose.choice((False, True)):
        return (choose.integer(lo, hi), choose.integer(lo, hi))
    return choose.integer(lo, hi)


def _as_pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else tuple(value)


def _grow(size: float, lo: int, extra: int) -> int:
    """``lo`` for the first, smallest cases, up to ``lo + extra`` at ``size`` 1."""
    return lo + round(extra * size)


def _smallest_side(k: int, d: int, before_after) -> int:
    """The smallest input size along one axis that the kernel fits in."""
    if before_after is None:  # 'same'
        return 1
    return max(1, d * (k - 1) + 1 - sum(before_after))


def _fixed_pads(padding, kernel_hw, strides, dilation):
    """``((top, bottom), (left, right))`` for any padding but 'same' (which depends on the input)."""
    if isinstance(padding, str) and padding == "same":
        return None, None
    return resolve_padding(padding, (1, 1), kernel_hw, strides, dilation)


# --------------------------------------------------------------------------- cases
class _ImageCase:
    """What convolution and pooling cases share: ``x`` ``(N, H, W, C)`` shown in the
    caller's layout, and the core's answer (``core()`` in NHWC) in that layout."""

    def image(self) -> np.ndarray:
        """``x`` in the caller's layout (a fresh contiguous copy)."""
        if self.layout == "2d":
            return self.x[0, :, :, 0].copy()
        if self.layout == "torch":
            return np.ascontiguousarray(self.x.transpose(0, 3, 1, 2))
        return self.x.copy()

    def to_layout(self, out_nhwc: np.ndarray) -> np.ndarray:
        """An ``(N, H', W', C)`` result in the caller's layout."""
        if self.layout == "2d":
            if out_nhwc.shape[0] != 1 or out_nhwc.shape[3] != 1:
                raise NotApplicable("not one image and one channel")
            return out_nhwc[0, :, :, 0]
        if self.layout == "torch":
            return out_nhwc.transpose(0, 3, 1, 2)
        return out_nhwc

    def from_layout(self, out: np.ndarray) -> np.ndarray:
        """The inverse of :meth:`to_layout` (any sizes)."""
        if self.layout == "2d":
            return out[None, :, :, None]
        if self.layout == "torch":
            return out.transpose(0, 2, 3, 1)
        return out

    @cached_property
    def expected(self) -> np.ndarray:
        """The core's result in the caller's layout."""
        return self.to_layout(self.core())

    def valid(self) -> bool:
        """False when the core refuses the configuration (the kernel does not fit)."""
        try:
            self.expected
        except ValueError:
            return False
        return True


@dataclass(frozen=True, eq=False)
class ConvCase(_ImageCase):
    """One convolution configuration; arrays in the core's layout, see the module doc.

    ``bias`` is ``(C_out,)`` or None when ``"bias"`` is not a feature; ``strides``,
    ``dilation`` and ``padding`` are exactly what is passed to the function.
    """

    layout: str
    features: frozenset
    x: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray | None
    strides: object = 1
    padding: object = "valid"
    dilation: object = 1
    groups: int = 1

    operation = "conv2d"
    core_name = "convviz.conv2d"

    # -- what the function sees
    @property
    def args(self) -> tuple[np.ndarray, np.ndarray]:
        """``(x, kernel)`` in the caller's layout (fresh contiguous copies)."""
        if self.layout == "2d":
            return self.image(), self.kernel[:, :, 0, 0].copy()
        if self.layout == "torch":
            return self.image(), np.ascontiguousarray(self.kernel.transpose(3, 2, 0, 1))
        return self.image(), self.kernel.copy()

    @property
    def options(self) -> dict:
        """The keyword arguments for the declared features, in the layout's names."""
        names, f = OPTION_NAMES[self.layout], self.features
        options = {}
        if "bias" in f:
            options[names["bias"]] = (float(self.bias[0]) if self.layout == "2d"
                                      else self.bias.copy())
        if "stride" in f:
            options[names["stride"]] = self.strides
        if f & {"padding", "padding_amounts"}:
            options[names["padding"]] = self.padding
        if "dilation" in f:
            options[names["dilation"]] = self.dilation
        if "groups" in f:
            options[names["groups"]] = self.groups
        return options

    # -- the core
    def core(self, **changes) -> np.ndarray:
        """``conv2d`` on this case in NHWC, with any argument replaced (``x=``, ``kernel=``...)."""
        args = dict(x=self.x, kernel=self.kernel, bias=self.bias, strides=self.strides,
                    padding=self.padding, dilation_rate=self.dilation, groups=self.groups)
        args.update(changes)
        return conv2d(args.pop("x"), args.pop("kernel"), **args)

    @property
    def stride_pair(self) -> tuple[int, int]:
        return _as_pair(self.strides)

    @property
    def dilation_pair(self) -> tuple[int, int]:
        return _as_pair(self.dilation)

    @property
    def pads(self):
        """``((top, bottom), (left, right))`` as the core resolves ``padding``."""
        return resolve_padding(self.padding, self.x.shape[1:3], self.kernel.shape[:2],
                               self.strides, self.dilation)

    @property
    def shapes(self) -> dict:
        x, kernel = self.args
        shapes = {"x": x.shape, "kernel": kernel.shape}
        if "bias" in self.features:
            shapes["bias"] = () if self.layout == "2d" else self.bias.shape
        return shapes

    @property
    def arrays(self) -> dict:
        """The arrays the function is called with, by name, in its layout."""
        x, kernel = self.args
        arrays = {"x": x, "kernel": kernel}
        if "bias" in self.features:
            arrays["bias"] = np.asarray(self.options["bias"])
        return arrays

    def call_text(self, name: str) -> str:
        """``conv2d(x, kernel, bias=bias, strides=2, padding='same')``."""
        parts = ["x", "kernel"]
        for key, value in self.options.items():
            parts.append(f"{key}={key}" if key == "bias" and self.layout != "2d"
                         else f"{key}={value!r}")
        return f"{name}({', '.join(parts)})"

    # -- shrinking
    def simpler(self):
        """Smaller variants of this case, biggest simplifications first (not all valid)."""
        yield from _crops(self, x=0)
        if self.groups > 1:  # the first group alone
            per_in, per_out = self.kernel.shape[2], self.kernel.shape[3] // self.groups
            yield replace(self, groups=1, x=self.x[..., :per_in],
                          kernel=self.kernel[..., :per_out],
                          bias=None if self.bias is None else self.bias[:per_out])
        else:
            yield from _crops(self, kernel=3, bias=0)     # fewer filters
            yield from _crops(self, x=3, kernel=2)        # fewer input channels
        yield from self._simpler_options()
        yield from _crops(self, kernel=0)
        yield from _crops(self, kernel=1)
        yield from _crops(self, x=1)
        yield from _crops(self, x=2)

    def _simpler_options(self):
        for name, value in (("strides", self.strides), ("dilation", self.dilation)):
            for simpler in _smaller_int_or_pair(value):
                yield replace(self, **{name: simpler})
        yield from (replace(self, padding=p) for p in _simpler_padding(self.padding))

    def simpler_values(self):
        """Variants with one entry of x, the kernel or the bias set to 0 (or to +-1)."""
        for name in ("x", "kernel", "bias"):
            array = getattr(self, name)
            if array is None:
                continue
            for index in zip(*np.nonzero(array)):
                for value in (0.0, np.sign(array[index])):
                    if value != array[index]:
                        changed = array.copy()
                        changed[index] = value
                        yield replace(self, **{name: changed})

def _crops(case, **axes):
    """Variants of ``case`` whose arrays (by name, with the axis to cut) keep only their
    first 1 or n-1 entries along that axis; arrays that are None stay None."""
    first = next(iter(axes))
    n = getattr(case, first).shape[axes[first]]
    for keep in sorted({1, n - 1}):
        if 0 < keep < n:
            yield replace(case, **{
                name: None if getattr(case, name) is None
                else np.take(getattr(case, name), range(keep), axis=axis)
                for name, axis in axes.items()})


def _smaller_int_or_pair(value):
    if isinstance(value, int):
        if value > 1:
            yield 1
            if value > 2:
                yield value - 1
        return
    a, b = value
    if a == b:
        yield a
    for smaller in _smaller_int_or_pair(a):
        yield (smaller, b)
    for smaller in _smaller_int_or_pair(b):
        yield (a, smaller)


def _simpler_padding(padding):
    if isinstance(padding, str):
        if padding != "valid":
            yield "valid"
        return
    if isinstance(padding, int):
        if padding > 0:
            yield 0
            if padding > 1:
                yield padding - 1
        return
    a, b = padding
    if isinstance(a, int):  # (ph, pw)
        if a == b:
            yield a
        for smaller in _simpler_padding(a):
            yield (smaller, b)
        for smaller in _simpler_padding(b):
            yield (a, smaller)
        return
    (top, bottom), (left, right) = padding  # ((top, bottom), (left, right))
    if top == bottom and left == right:
        yield (top, left)
    for i, amount in enumerate((top, bottom, left, right)):
        if amount > 0:
            sides = [top, bottom, left, right]
            sides[i] = 0
            yield ((sides[0], sides[1]), (sides[2], sides[3]))


def _draw_conv_padding(choose, layout, features):
    forms = []
    if "padding" in features:
        forms += ["valid", "same"]
    if "padding_amounts" in features:
        forms.append("amount")
    if not forms:
        return "valid"
    form = choose.choice(forms)
    if form != "amount":
        return form
    pairs = "pairs" in features
    kinds = ("int", "pair", "sides") if pairs and layout != "torch" else (
        ("int", "pair") if pairs else ("int",))
    kind = choose.choice(kinds)
    if kind == "int":
        return choose.integer(0, 2)
    if kind == "pair":
        return (choose.integer(0, 2), choose.integer(0, 2))
    return ((choose.integer(0, 2), choose.integer(0, 2)),
            (choose.integer(0, 2), choose.integer(0, 2)))


def draw_conv_case(choose, layout: str, features: frozenset, size: float = 1.0) -> ConvCase:
    """One random :class:`ConvCase`; ``size`` in [0, 1] bounds its dimensions."""
    groups = choose.choice((1, 2, 3)) if "groups" in features else 1
    if groups > 1:
        c_in, c_out = groups * choose.integer(1, 2), groups * choose.integer(1, 2)
    else:
        c_in = choose.integer(1, _grow(size, 1, 2)) if "channels" in features else 1
        c_out = choose.integer(1, _grow(size, 1, 2)) if "filters" in features else 1
    n = 1 if layout == "2d" else choose.integer(1, _grow(size, 1, 1))
    kh, kw = choose.integer(1, _grow(size, 2, 2)), choose.integer(1, _grow(size, 2, 2))
    pairs = "pairs" in features
    strides = _int_or_pair(choose, 1, 3, pairs) if "stride" in features else 1
    dilation = _int_or_pair(choose, 1, 2, pairs) if "dilation" in features else 1
    padding = _draw_conv_padding(choose, layout, features)
    if layout == "torch" and padding == "same":
        strides = 1  # PyTorch refuses 'same' with a stride
    pads = _fixed_pads(padding, (kh, kw), strides, dilation)
    dh, dw = _as_pair(dilation)
    lo_h, lo_w = _smallest_side(kh, dh, pads[0]), _smallest_side(kw, dw, pads[1])
    h = choose.integer(lo_h, lo_h + _grow(size, 2, 5))
    w = choose.integer(lo_w, lo_w + _grow(size, 2, 5))
    return ConvCase(
        layout=layout, features=features,
        x=choose.values((n, h, w, c_in)),
        kernel=choose.values((kh, kw, c_in // groups, c_out)),
        bias=choose.values((c_out,)) if "bias" in features else None,
        strides=strides, padding=padding, dilation=dilation, groups=groups,
    )


# --------------------------------------------------------------------------- pooling
_UNSET = "not given"


@dataclass(frozen=True, eq=False)
class PoolCase(_ImageCase):
    """One pooling configuration: ``x`` ``(N, H, W, C)``; ``strides`` may be None
    (Keras: the pool size) or :data:`_UNSET` when ``"stride"`` is not a feature."""

    layout: str
    features: frozenset
    kind: str
    x: np.ndarray
    pool: object
    strides: object = _UNSET
    padding: str = "valid"

    @property
    def operation(self) -> str:
        return f"{self.kind}_pool2d"

    @property
    def core_name(self) -> str:
        return f"convviz.{self.kind}_pool2d"

    @property
    def args(self) -> tuple[np.ndarray]:
        return (self.image(),)

    @property
    def options(self) -> dict:
        names = POOL_OPTION_NAMES[self.layout]
        options = {names["pool"]: self.pool}
        if "stride" in self.features:
            options[names["stride"]] = self.strides
        if "padding" in self.features:
            options[names["padding"]] = self.padding
        return options

    @property
    def core_strides(self):
        return None if self.strides is _UNSET else self.strides

    def core(self, kind: str | None = None, **changes) -> np.ndarray:
        pool = max_pool2d if (kind or self.kind) == "max" else avg_pool2d
        args = dict(x=self.x, pool_size=self.pool, strides=self.core_strides,
                    padding=self.padding)
        args.update(changes)
        return pool(args.pop("x"), **args)

    @property
    def pool_pair(self) -> tuple[int, int]:
        return _as_pair(self.pool)

    @property
    def stride_pair(self) -> tuple[int, int]:
        strides = self.core_strides
        return self.pool_pair if strides is None else _as_pair(strides)

    @property
    def pads(self):
        return resolve_padding(self.padding, self.x.shape[1:3], self.pool_pair,
                               self.stride_pair)

    @property
    def shapes(self) -> dict:
        return {"x": self.image().shape}

    @property
    def arrays(self) -> dict:
        return {"x": self.image()}

    def call_text(self, name: str) -> str:
        parts = ["x"] + [f"{k}={v!r}" for k, v in self.options.items()]
        return f"{name}({', '.join(parts)})"

    def simpler(self):
        yield from _crops(self, x=0)
        yield from _crops(self, x=3)
        if self.strides not in (None, _UNSET):
            yield replace(self, strides=None)
            yield from (replace(self, strides=s) for s in _smaller_int_or_pair(self.strides))
        yield from (replace(self, padding=p) for p in _simpler_padding(self.padding))
        yield from (replace(self, pool=p) for p in _smaller_int_or_pair(self.pool))
        yield from _crops(self, x=1)
        yield from _crops(self, x=2)

    def simpler_values(self):
        return iter(())  # distinct values are what makes max/avg mistakes visible


def draw_pool_case(choose, layout: str, features: frozenset, kind: str,
                   size: float = 1.0) -> PoolCase:
    """One random :class:`PoolCase` (distinct values, so every window has one maximum)."""
    pairs = "pairs" in features
    pool = _int_or_pair(choose, 1, 3, pairs)
    strides = _UNSET
    if "stride" in features:
        strides = choose.choice((None, "int"))
        if strides == "int":
            strides = _int_or_pair(choose, 1, 3, pairs)
    padding = choose.choice(("valid", "same")) if "padding" in features else "valid"
    c = choose.integer(1, _grow(size, 1, 2)) if "channels" in features else 1
    n = 1 if layout == "2d" else choose.integer(1, _grow(size, 1, 1))
    ph, pw = _as_pair(pool)
    lo_h, lo_w = (1, 1) if padding == "same" else (ph, pw)
    h = choose.integer(lo_h, lo_h + _grow(size, 2, 5))
    w = choose.integer(lo_w, lo_w + _grow(size, 2, 5))
    return PoolCase(layout=layout, features=features, kind=kind,
                    x=choose.distinct((n, h, w, c)), pool=pool, strides=strides,
                    padding=padding)


# --------------------------------------------------------------------------- sizes
@dataclass(frozen=True, eq=False)
class SizeCase:
    """One call of an output-size formula ``fn(n, k, stride=, padding=, dilation=)``."""

    features: frozenset
    n: int
    k: int
    stride: int = 1
    padding: object = "valid"
    dilation: int = 1
    layout: str = field(default="size", init=False)

    operation = "output_size"
    core_name = "convviz.conv_output_size"

    @property
    def args(self) -> tuple[int, int]:
        return (self.n, self.k)

    @property
    def options(self) -> dict:
        f = self.features
        options = {}
        if "stride" in f:
            options["stride"] = self.stride
        if f & {"padding", "padding_amounts"}:
            options["padding"] = self.padding
        if "dilation" in f:
            options["dilation"] = self.dilation
        return options

    @cached_property
    def expected(self) -> int:
        return conv_output_size(self.n, self.k, self.stride, self.padding, self.dilation)

    valid = _ImageCase.valid

    @property
    def k_eff(self) -> int:
        return self.dilation * (self.k - 1) + 1

    @property
    def pad_total(self) -> int:
        return sum(resolve_padding(self.padding, (self.n, 1), (self.k, 1), (self.stride, 1),
                                   (self.dilation, 1))[0])

    @property
    def shapes(self) -> dict:
        return {}

    @property
    def arrays(self) -> dict:
        return {}

    def call_text(self, name: str) -> str:
        parts = [str(self.n), str(self.k)] + [f"{k}={v!r}" for k, v in self.options.items()]
        return f"{name}({', '.join(parts)})"

    def simpler(self):
        for name in ("stride", "dilation"):
            yield from (replace(self, **{name: v})
                        for v in _smaller_int_or_pair(getattr(self, name)))
        yield from (replace(self, padding=p) for p in _simpler_padding(self.padding))
        yield from (replace(self, k=v) for v in _smaller_int_or_pair(self.k))
        yield from (replace(self, n=v) for v in sorted({1, self.n - 1}) if 0 < v < self.n)

    def simpler_values(self):
        return iter(())


def draw_size_case(choose, features: frozenset, size: float = 1.0) -> SizeCase:
    """One random :class:`SizeCase` whose kernel fits the padded input."""
    k = choose.integer(1, _grow(size, 3, 4))
    stride = choose.integer(1, _grow(size, 2, 2)) if "stride" in features else 1
    dilation = choose.integer(1, _grow(size, 1, 2)) if "dilation" in features else 1
    forms = (["valid", "same", "full"] if "padding" in features else []) + (
        ["amount"] if "padding_amounts" in features else [])
    padding = choose.choice(forms) if forms else "valid"
    if padding == "amount":
        if "pairs" in features and choose.choice((False, True)):
            padding = (choose.integer(0, 3), choose.integer(0, 3))
        else:
            padding = choose.integer(0, 3)
    before_after = None if padding in ("same", "full") else (
        _as_pair(padding) if not isinstance(padding, str) else (0, 0))
    lo = _smallest_side(k, dilation, before_after)
    n = choose.integer(lo, lo + _grow(size, 4, 20))
    return SizeCase(features=features, n=n, k=k, stride=stride, padding=padding,
                    dilation=dilation)
