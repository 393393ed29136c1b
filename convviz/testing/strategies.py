"""Hypothesis strategies for your own property tests: the configurations the checks draw.

::

    import numpy as np
    from hypothesis import given
    from convviz.testing.strategies import conv_cases

    @given(conv_cases(layout="torch", features={"stride", "padding_amounts", "bias"}))
    def test_my_conv(case):
        x, weight = case.args                       # (N, C, H, W), (C_out, C_in, kh, kw)
        np.testing.assert_allclose(my_conv(x, weight, **case.options), case.expected)

Each example is a :class:`~convviz.testing.ConvCase` (``PoolCase``, ``SizeCase``):
``case.args`` and ``case.options`` are what to call your function with, in the
layout's names, and ``case.expected`` is the core's answer. Hypothesis shrinks a
failure towards the smallest configuration by itself. Needs ``convviz[testing]``.
"""
from __future__ import annotations

import numpy as np

from .._extras import require

st = require("hypothesis.strategies", "testing", "convviz.testing.strategies")

from .cases import (CONV_FEATURES, POOL_FEATURES, POOL_KINDS, SIZE_FEATURES, VALUES,
                    check_layout, draw_conv_case, draw_pool_case, draw_size_case,
                    parse_features)

__all__ = ["conv_cases", "pool_cases", "size_cases"]


class HypothesisChooser:
    """The chooser of :mod:`convviz.testing.cases`, drawing from hypothesis."""

    def __init__(self, draw):
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def choice(self, options):
        return self.draw(st.sampled_from(options))

    def values(self, shape) -> np.ndarray:
        size = int(np.prod(shape))
        numbers = self.draw(st.lists(st.integers(*VALUES), min_size=size, max_size=size))
        return np.array(numbers, dtype=np.float64).reshape(shape)

    def distinct(self, shape) -> np.ndarray:
        size = int(np.prod(shape))
        order = self.draw(st.permutations(range(size)))
        return (np.array(order, dtype=np.float64) - size // 2).reshape(shape)


def _features(features, allowed, layout, default):
    return frozenset(default) if features is None else parse_features(features, allowed, layout)


def _conv_default(layout):
    words = {"padding", "stride", "dilation", "bias", "channels", "filters"}
    if layout == "torch":
        words = words - {"padding"} | {"padding_amounts"}
    return words - {"channels", "filters"} if layout == "2d" else words


def conv_cases(layout: str = "keras", features=None):
    """:class:`~convviz.testing.ConvCase` examples; ``features`` as in ``check_conv2d``
    (default: padding, stride, dilation, bias, channels, filters as the layout allows)."""
    layout = check_layout(layout)
    features = _features(features, CONV_FEATURES, layout, _conv_default(layout))
    return st.composite(lambda draw: draw_conv_case(HypothesisChooser(draw), layout,
                                                    features))()


def pool_cases(kind: str = "max", layout: str = "keras", features=None):
    """:class:`~convviz.testing.PoolCase` examples (default: padding, stride, channels)."""
    if kind not in POOL_KINDS:
        raise ValueError(f"kind must be one of {POOL_KINDS}, got {kind!r}")
    layout = check_layout(layout)
    default = {"padding", "stride", "channels"} - (
        {"padding"} if layout == "torch" else set()) - ({"channels"} if layout == "2d" else set())
    features = _features(features, POOL_FEATURES, layout, default)
    return st.composite(lambda draw: draw_pool_case(HypothesisChooser(draw), layout,
                                                    features, kind))()


def size_cases(features=None):
    """:class:`~convviz.testing.SizeCase` examples (default: padding, stride, dilation)."""
    features = _features(features, SIZE_FEATURES, None, {"padding", "stride", "dilation"})
    return st.composite(lambda draw: draw_size_case(HypothesisChooser(draw), features))()
