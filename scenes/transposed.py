"""``manim -ql scenes/transposed.py TransposedConv`` in a source checkout.

The scene lives in :mod:`convviz.scenes.transposed` (installed with the package). Manim only
renders classes defined in the file it is given, hence this empty subclass.
"""
from convviz.scenes import transposed


class TransposedConv(transposed.TransposedConv):
    """:class:`convviz.scenes.transposed.TransposedConv`."""
