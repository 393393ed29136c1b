"""``manim -ql scenes/cnn_pipeline.py CNNPipeline`` in a source checkout.

The scenes live in :mod:`convviz.scenes.cnn_pipeline` (installed with the package). Manim only
renders classes defined in the file it is given, hence these empty subclasses.
"""
from convviz.scenes import cnn_pipeline


class CNNPipeline(cnn_pipeline.CNNPipeline):
    """:class:`convviz.scenes.cnn_pipeline.CNNPipeline`."""
