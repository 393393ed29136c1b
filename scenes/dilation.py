"""``manim -ql scenes/dilation.py Dilation`` in a source checkout.

The scene lives in :mod:`convviz.scenes.dilation` (installed with the package). Manim only
renders classes defined in the file it is given, hence this empty subclass.
"""
from convviz.scenes import dilation


class Dilation(dilation.Dilation):
    """:class:`convviz.scenes.dilation.Dilation`."""
