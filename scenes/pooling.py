"""``manim -ql scenes/pooling.py Pooling`` in a source checkout.

The scenes live in :mod:`convviz.scenes.pooling` (installed with the package). Manim only
renders classes defined in the file it is given, hence these empty subclasses.
"""
from convviz.scenes import pooling


class Pooling(pooling.Pooling):
    """:class:`convviz.scenes.pooling.Pooling`."""


class PoolingSame(pooling.PoolingSame):
    """:class:`convviz.scenes.pooling.PoolingSame`."""
