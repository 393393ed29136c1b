"""``manim -ql scenes/receptive_field.py ReceptiveField`` in a source checkout.

The scene lives in :mod:`convviz.scenes.receptive_field` (installed with the package). Manim
only renders classes defined in the file it is given, hence this empty subclass.
"""
from convviz.scenes import receptive_field


class ReceptiveField(receptive_field.ReceptiveField):
    """:class:`convviz.scenes.receptive_field.ReceptiveField`."""
