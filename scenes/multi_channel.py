"""``manim -ql scenes/multi_channel.py MultiChannelSum`` in a source checkout.

The scenes live in :mod:`convviz.scenes.multi_channel` (installed with the package). Manim only
renders classes defined in the file it is given, hence these empty subclasses.
"""
from convviz.scenes import multi_channel


class MultiChannelSum(multi_channel.MultiChannelSum):
    """:class:`convviz.scenes.multi_channel.MultiChannelSum`."""
