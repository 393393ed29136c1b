"""Extra memory of a call: at most its output plus 256 MiB, however large one image is.

tracemalloc sees numpy's allocations (numpy reports them to it), so the traced peak
during a call minus the output it returns is the scratch the call needed. The
inputs are made before tracing starts: they are the caller's, not the call's.
"""
import tracemalloc

import numpy as np
import pytest

import convviz
from convviz.blocks import WORK_BUDGET_BYTES

MiB = 2**20


def _extra_bytes(call):
    """``(result, peak traced bytes during call() minus the result's bytes)``."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak - result.nbytes


@pytest.fixture(scope="module")
def big_image():
    """One 1024x1024 image with 32 channels, float32: 128 MiB, as is every output below."""
    return np.random.default_rng(0).standard_normal((1, 1024, 1024, 32), dtype=np.float32)


def _case(name, image):
    rng = np.random.default_rng(1)
    k = rng.standard_normal((3, 3, 32, 32), dtype=np.float32)
    small = image[:, :512, :512]
    return {
        "conv2d": lambda: convviz.conv2d(image, k, padding="same"),
        "conv2d channels_first": lambda: convviz.conv2d(
            image.transpose(0, 3, 1, 2), k, padding="same", data_format="channels_first"),
        "conv2d groups=4": lambda: convviz.conv2d(image, k[:, :, :8], padding="same", groups=4),
        "depthwise_conv2d": lambda: convviz.depthwise_conv2d(image, k[:, :, :, :1], padding="same"),
        "separable_conv2d": lambda: convviz.separable_conv2d(
            image, k[:, :, :, :1], k[:1, :1], padding="same"),
        "conv2d_transpose": lambda: convviz.conv2d_transpose(small, k, strides=2, padding="same"),
    }[name]


@pytest.mark.parametrize("name", ["conv2d", "conv2d channels_first", "conv2d groups=4",
                                  "depthwise_conv2d", "separable_conv2d", "conv2d_transpose"])
def test_one_large_image_needs_its_output_plus_at_most_the_work_budget(big_image, name):
    out, extra = _extra_bytes(_case(name, big_image))
    assert out.nbytes == 128 * MiB
    assert extra <= WORK_BUDGET_BYTES, f"{name}: {extra / MiB:.0f} MiB beyond the output"


@pytest.mark.parametrize("pool, dtype", [(convviz.max_pool2d, np.float32),
                                         (convviz.avg_pool2d, np.uint8)])
def test_pooling_a_large_input_needs_only_its_output_and_the_work_budget(pool, dtype):
    """A 512 MiB float32 input (the padded copy alone would exceed the budget), and a
    uint8 one whose float32 average is four times its size."""
    x = np.random.default_rng(3).integers(0, 256, (1, 2048, 2048, 32)).astype(dtype)
    out, extra = _extra_bytes(lambda: pool(x, 2, padding="same"))
    assert out.shape == (1, 1024, 1024, 32)
    assert extra <= WORK_BUDGET_BYTES, f"{extra / MiB:.0f} MiB beyond the output"


def test_a_large_batch_needs_about_its_output():
    x = np.random.default_rng(4).standard_normal((2000, 28, 28, 1), dtype=np.float32)
    k = np.random.default_rng(5).standard_normal((5, 5, 1, 32), dtype=np.float32)
    out, extra = _extra_bytes(lambda: convviz.conv2d(x, k, padding="same"))
    assert out.nbytes > 190 * MiB
    assert extra <= WORK_BUDGET_BYTES
