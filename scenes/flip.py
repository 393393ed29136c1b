"""``manim -ql scenes/flip.py ConvolutionVsCorrelation`` in a source checkout.

The scene lives in :mod:`convviz.scenes.flip` (installed with the package). Manim only
renders classes defined in the file it is given, hence this empty subclass.
"""
from convviz.scenes import flip


class ConvolutionVsCorrelation(flip.ConvolutionVsCorrelation):
    """:class:`convviz.scenes.flip.ConvolutionVsCorrelation`."""
