"""``manim -ql scenes/kernel_slide.py KernelSlide`` in a source checkout.

The scenes live in :mod:`convviz.scenes.kernel_slide` (installed with the package). Manim only
renders classes defined in the file it is given, hence these empty subclasses.
"""
from convviz.scenes import kernel_slide


class KernelSlide(kernel_slide.KernelSlide):
    """:class:`convviz.scenes.kernel_slide.KernelSlide`."""


class KernelSlideSame(kernel_slide.KernelSlideSame):
    """:class:`convviz.scenes.kernel_slide.KernelSlideSame`."""


class KernelSlideStride2(kernel_slide.KernelSlideStride2):
    """:class:`convviz.scenes.kernel_slide.KernelSlideStride2`."""


class KernelSlideSameStride2(kernel_slide.KernelSlideSameStride2):
    """:class:`convviz.scenes.kernel_slide.KernelSlideSameStride2`."""
