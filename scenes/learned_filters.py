"""``manim -ql scenes/learned_filters.py LearnedFilters`` in a source checkout.

The scenes live in :mod:`convviz.scenes.learned_filters` (installed with the package). Manim only
renders classes defined in the file it is given, hence these empty subclasses.
"""
from convviz.scenes import learned_filters


class LearnedFilters(learned_filters.LearnedFilters):
    """:class:`convviz.scenes.learned_filters.LearnedFilters`."""
