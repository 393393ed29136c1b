"""``manim -ql scenes/relu_softmax.py ReluSoftmax`` in a source checkout.

The scene lives in :mod:`convviz.scenes.relu_softmax` (installed with the package). Manim only
renders classes defined in the file it is given, hence this empty subclass.
"""
from convviz.scenes import relu_softmax


class ReluSoftmax(relu_softmax.ReluSoftmax):
    """:class:`convviz.scenes.relu_softmax.ReluSoftmax`."""
