"""Blocks of output: whatever the block sizes and threads, the numbers are the same.

The core works through its output in blocks (whole images, bands of rows of one
image, runs of columns of one row) and runs depthwise blocks on several threads.
Tiny block sizes force every kind of block, every border and every padding case;
the reference is the step-by-step trace, which has no blocks at all.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import int_or_pair, paddings

import convviz
from convviz import blocks, taps
from convviz.blocks import plan_blocks


@given(n=st.integers(1, 4), ho=st.integers(1, 9), wo=st.integers(1, 9),
       position_bytes=st.integers(1, 64), target=st.integers(1, 2000))
def test_blocks_cover_every_output_position_once_in_order(n, ho, wo, position_bytes, target):
    plan = plan_blocks(n, (ho, wo), position_bytes, target)
    out = np.zeros((n, ho, wo, 1))
    order = np.arange(out.size).reshape(out.shape)
    seen = []
    for block in plan:
        piece = block.of(out)                      # a view, or Block.of refuses
        piece += 1
        seen.extend(order[block.images, block.rows, block.cols].ravel())
        if block.shape[0] > 1 or block.shape[1] > 1:   # larger than one row: within the target
            assert block.positions * position_bytes <= max(target, ho * wo * position_bytes)
    assert (out == 1).all()
    assert seen == list(range(out.size))           # consecutive: blocks follow the output order


def test_blocks_are_whole_images_then_bands_then_column_runs():
    assert {b.shape for b in plan_blocks(10, (4, 5), 8, 4 * 5 * 8 * 3)} == {(3, 4, 5), (2, 4, 5)}
    assert {b.shape for b in plan_blocks(2, (4, 5), 8, 5 * 8 * 2)} == {(1, 2, 5)}
    assert {b.shape for b in plan_blocks(1, (2, 5), 8, 8 * 2)} == {(1, 1, 2), (1, 1, 1)}


@st.composite
def problems(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, h, w = draw(st.integers(1, 3)), draw(st.integers(1, 9)), draw(st.integers(1, 9))
    c_in = draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    kwargs = dict(strides=draw(int_or_pair(1, 3)), dilation_rate=draw(int_or_pair(1, 2)),
                  padding=draw(paddings()))
    return rng, rng.standard_normal((n, h, w, c_in)), (kh, kw), kwargs


def _fits(x, kernel_hw, kwargs):
    try:
        convviz.conv2d(x[..., :1], np.ones((*kernel_hw, 1, 1)), **kwargs)
    except ValueError:
        return False
    return True


@settings(max_examples=150)
@given(problems(), st.sampled_from([1, 40, 400]), st.sampled_from(["1", "3"]))
def test_tiny_blocks_and_threads_give_the_trace_numbers(problem, block_bytes, threads):
    rng, x, (kh, kw), kwargs = problem
    if not _fits(x, (kh, kw), kwargs):
        return
    c_in = x.shape[3]
    kernel = rng.standard_normal((kh, kw, c_in, 2))
    depthwise = rng.standard_normal((kh, kw, c_in, 2))
    pointwise = rng.standard_normal((1, 1, 2 * c_in, 3))
    bias = rng.standard_normal(2)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(blocks, "BLOCK_BYTES", block_bytes)
        mp.setattr(taps, "TAP_BLOCK_BYTES", block_bytes)
        mp.setenv("OMP_NUM_THREADS", threads)
        results = {
            "conv2d": convviz.conv2d(x, kernel, bias, **kwargs),
            "depthwise": convviz.depthwise_conv2d(x, depthwise, **kwargs),
            "separable": convviz.separable_conv2d(x, depthwise, pointwise, **kwargs),
        }
    expected = {
        "conv2d": convviz.trace_conv2d(x, kernel, bias, **kwargs).output,
        "depthwise": convviz.trace_depthwise_conv2d(x, depthwise, **kwargs).output,
    }
    expected["separable"] = np.einsum("nhwc,cd->nhwd", expected["depthwise"], pointwise[0, 0])
    for name, result in results.items():
        np.testing.assert_allclose(result, expected[name], rtol=1e-12, atol=1e-12, err_msg=name)


@settings(max_examples=100)
@given(problems(), st.sampled_from([1, 40, 400]))
def test_tiny_blocks_keep_grouped_transposed_and_pooled_numbers(problem, block_bytes):
    rng, x, (kh, kw), kwargs = problem
    x = np.concatenate([x, x[..., ::-1]], axis=3)          # an even number of channels
    grouped = rng.standard_normal((kh, kw, x.shape[3] // 2, 4))
    transposed = rng.standard_normal((kh, kw, 3, x.shape[3]))
    transpose_kwargs = dict(strides=kwargs["strides"], dilation_rate=kwargs["dilation_rate"],
                            padding="same" if isinstance(kwargs["padding"], str) else "valid")
    pool_kwargs = dict(pool_size=(kh, kw), strides=kwargs["strides"], padding="same")
    fits = _fits(x, (kh, kw), kwargs)

    def compute():
        found = {"max": convviz.max_pool2d(x, **pool_kwargs),
                 "avg": convviz.avg_pool2d(x, **pool_kwargs)}
        if fits:
            found["grouped"] = convviz.conv2d(x, grouped, groups=2, **kwargs)
        try:
            found["transposed"] = convviz.conv2d_transpose(x, transposed, **transpose_kwargs)
        except ValueError:    # a setting Keras refuses too (see test_transposed)
            pass
        return found

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(blocks, "BLOCK_BYTES", block_bytes)
        small = compute()
    whole = compute()                                      # default blocks: one block here
    assert small.keys() == whole.keys()
    for name in small:
        np.testing.assert_allclose(small[name], whole[name], rtol=1e-12, atol=1e-12, err_msg=name)
    if "transposed" in small:
        trace = convviz.trace_conv2d_transpose(x, transposed, **transpose_kwargs)
        np.testing.assert_allclose(small["transposed"], trace.output, rtol=1e-12, atol=1e-12)
    if fits:
        trace = convviz.trace_conv2d(x, grouped, groups=2, **kwargs)
        np.testing.assert_allclose(small["grouped"], trace.output, rtol=1e-12, atol=1e-12)
