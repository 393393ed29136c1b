"""``manim -ql scenes/separable.py DepthwiseSeparable`` in a source checkout.

The scene lives in :mod:`convviz.scenes.separable` (installed with the package). Manim only
renders classes defined in the file it is given, hence this empty subclass.
"""
from convviz.scenes import separable


class DepthwiseSeparable(separable.DepthwiseSeparable):
    """:class:`convviz.scenes.separable.DepthwiseSeparable`."""
