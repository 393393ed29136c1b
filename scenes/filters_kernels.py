"""``manim -ql scenes/filters_kernels.py FiltersAndKernels`` in a source checkout.

The scenes live in :mod:`convviz.scenes.filters_kernels` (installed with the package). Manim only
renders classes defined in the file it is given, hence these empty subclasses.
"""
from convviz.scenes import filters_kernels


class FiltersAndKernels(filters_kernels.FiltersAndKernels):
    """:class:`convviz.scenes.filters_kernels.FiltersAndKernels`."""
