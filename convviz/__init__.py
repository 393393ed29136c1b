"""convviz: teach and verify 2-D convolution.

The numpy core (``conv2d``, pooling, the step-by-step ``trace_conv2d``, the conv
family, ``receptive_field``) is imported here and needs numpy alone; modules that need
TensorFlow, matplotlib or Manim are imported on demand (``convviz.keras_check``,
``convviz.models``, ``convviz.plot``...) and say which extra to install when it is
missing (:class:`MissingExtra`). In Jupyter, traces and figures show themselves and
:func:`show` plays a rendered video (:mod:`convviz.notebook`).
"""
from ._extras import MissingExtra
from .conv import (
    avg_pool2d,
    conv2d,
    conv_output_size,
    max_pool2d,
    pad2d,
    resolve_padding,
    same_padding,
)
from .trace import ConvStep, ConvTrace, trace_conv2d
from .transposed import (
    conv2d_transpose,
    conv_transpose_crop,
    conv_transpose_output_size,
    trace_conv2d_transpose,
)
from .depthwise import depthwise_conv2d, separable_conv2d, trace_depthwise_conv2d
from .receptive import LayerSpec, ReceptiveField, receptive_field, receptive_field_steps
from .shapes import derive_shape, explain_shape
from .notebook import show

__version__ = "0.1.0"

__all__ = [
    "conv2d",
    "conv_output_size",
    "same_padding",
    "resolve_padding",
    "pad2d",
    "max_pool2d",
    "avg_pool2d",
    "trace_conv2d",
    "ConvTrace",
    "ConvStep",
    "conv2d_transpose",
    "conv_transpose_output_size",
    "conv_transpose_crop",
    "trace_conv2d_transpose",
    "depthwise_conv2d",
    "separable_conv2d",
    "trace_depthwise_conv2d",
    "explain_shape",
    "derive_shape",
    "receptive_field",
    "receptive_field_steps",
    "ReceptiveField",
    "LayerSpec",
    "show",
    "MissingExtra",
]
