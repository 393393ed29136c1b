"""conv2d_transpose, its size helpers and its trace: by hand, against Keras, as a true transpose."""
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import int_or_pair
from strategies import paddings as padding_forms

import convviz
from convviz.keras_check import assert_transpose_matches_keras, keras_conv2d_transpose

PROPERTY = settings(max_examples=150)
FEW = settings(max_examples=60)

paddings = padding_forms(("valid", "same", "SAME"), max_pad=2)


def _as_pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


@st.composite
def transpose_problems(draw, max_hw=6):
    data_format = draw(st.sampled_from(["channels_last", "channels_first"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    n, h, w = draw(st.integers(1, 2)), draw(st.integers(1, max_hw)), draw(st.integers(1, max_hw))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    strides = draw(int_or_pair(1, 3))
    sh, sw = _as_pair(strides)
    output_padding = draw(st.one_of(
        st.none(),
        st.integers(0, min(sh, sw) - 1),
        st.tuples(st.integers(0, sh - 1), st.integers(0, sw - 1)),
    ))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = (n, h, w, c_in) if data_format == "channels_last" else (n, c_in, h, w)
    x = rng.standard_normal(shape).astype(dtype)
    kernel = rng.standard_normal((kh, kw, c_out, c_in)).astype(dtype)
    bias = draw(st.one_of(st.none(), st.just(rng.standard_normal(c_out).astype(dtype))))
    kwargs = dict(strides=strides, padding=draw(paddings), output_padding=output_padding,
                  dilation_rate=draw(int_or_pair(1, 2)), data_format=data_format)
    return x, kernel, bias, kwargs


def _possible(x, kernel, kwargs):
    """False (and the reason checked) for the settings no transposed convolution has."""
    try:
        convviz.conv2d_transpose(x, kernel, **kwargs)
    except ValueError as exc:
        text = str(exc)
        assert ("even (dilated) kernel size" in text and "output_padding=0" in text) \
            or "nothing would be left" in text, text
        event("refused: " + ("same + output_padding 0 + even kernel" if "even" in text
                             else "cropped to nothing"))
        return False
    event("compared")
    return True


# --------------------------------------------------------------------------- by hand
def test_stride_two_transpose_of_2x2_is_four_scaled_kernel_copies():
    x = np.array([[1, 2], [3, 4]])
    k = np.array([[1, 10], [100, 1000]])
    out = convviz.conv2d_transpose(x, k, strides=2)
    expected = np.block([[1 * k, 2 * k], [3 * k, 4 * k]])
    np.testing.assert_array_equal(out, expected)
    assert out.dtype.kind == "i"


def test_overlapping_copies_add_up():
    x = np.array([[1, 2]])
    k = np.ones((1, 3), int)
    # stride 1: copies at columns 0 and 1 overlap on columns 1-2
    np.testing.assert_array_equal(convviz.conv2d_transpose(x, k), [[1, 3, 3, 2]])
    # stride 2: copies at columns 0 and 2 overlap on column 2 only
    np.testing.assert_array_equal(convviz.conv2d_transpose(x, k, strides=(1, 2)), [[1, 1, 3, 2, 2]])
    # dilation 2: the kernel's taps land on columns 0, 2, 4 (+1 for the second value)
    np.testing.assert_array_equal(convviz.conv2d_transpose(x, k, dilation_rate=2),
                                  [[1, 2, 1, 2, 1, 2]])


def test_kernel_shorter_than_stride_leaves_zero_gaps_and_valid_pads_to_n_times_s():
    x = np.array([[1, 2, 3]])
    k = np.array([[5]])
    # canvas (3-1)*3 + 1 = 7 cells; Keras' 'valid' keeps n*s = 9: two zeros added at the end
    np.testing.assert_array_equal(convviz.conv2d_transpose(x, k, strides=(1, 3)),
                                  [[5, 0, 0, 10, 0, 0, 15, 0, 0]])
    assert convviz.conv_transpose_crop(3, 1, stride=3) == (0, -2)
    # output_padding=0 asks for exactly the canvas
    np.testing.assert_array_equal(
        convviz.conv2d_transpose(x, k, strides=(1, 3), output_padding=(0, 0)),
        [[5, 0, 0, 10, 0, 0, 15]])


def test_same_crops_the_smaller_half_first_and_the_odd_cell_last():
    x = np.zeros((7, 7))
    x[0, 0] = 1                                   # one stamp, at the canvas' top-left
    k = np.arange(25).reshape(5, 5)
    full = convviz.conv2d_transpose(x, k, strides=2)              # the whole 17x17 canvas
    same = convviz.conv2d_transpose(x, k, strides=2, padding="same")
    assert full.shape == (17, 17) and same.shape == (14, 14)
    assert convviz.conv_transpose_crop(7, 5, stride=2, padding="same") == (1, 2)
    np.testing.assert_array_equal(same, full[1:15, 1:15])
    np.testing.assert_array_equal(same[:4, :4], k[1:, 1:])        # row/col 0 of the stamp cropped


def test_explicit_padding_and_output_padding_crop_and_extend():
    rng = np.random.default_rng(0)
    x, k = rng.standard_normal((4, 5)), rng.standard_normal((3, 3))
    full = convviz.conv2d_transpose(x, k, strides=2)              # (9, 11)
    np.testing.assert_allclose(convviz.conv2d_transpose(x, k, strides=2, padding=((1, 2), (0, 3))),
                               full[1:-2, 0:-3])
    # output_padding gives back cells at the end: first the cropped ones of the canvas...
    out = convviz.conv2d_transpose(x, k, strides=2, padding=1, output_padding=1)
    assert out.shape == (9 - 2 + 1, 11 - 2 + 1)
    np.testing.assert_allclose(out, full[1:, 1:])
    # ... then, past the canvas, zeros
    out = convviz.conv2d_transpose(x, k, strides=2, padding=((1, 0), (0, 0)), output_padding=1)
    assert out.shape == (9 - 1 + 1, 11 + 1)
    np.testing.assert_allclose(out[:-1, :-1], full[1:, :])
    np.testing.assert_array_equal(out[-1, :], 0)
    np.testing.assert_array_equal(out[:, -1], 0)


def test_bias_and_channels_follow_the_keras_layout():
    # kernel (kh, kw, C_out, C_in): output channel o = sum over input channels c of x[c] * k[:, :, o, c]
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 3, 4, 2))
    k = rng.standard_normal((2, 3, 5, 2))
    b = rng.standard_normal(5)
    out = convviz.conv2d_transpose(x, k, b, strides=(2, 1))
    for o in range(5):
        expected = sum(convviz.conv2d_transpose(x[0, :, :, c], k[:, :, o, c], strides=(2, 1))
                       for c in range(2)) + b[o]
        np.testing.assert_allclose(out[0, :, :, o], expected)
    first = convviz.conv2d_transpose(x.transpose(0, 3, 1, 2), k, b, strides=(2, 1),
                                     data_format="channels_first")
    np.testing.assert_allclose(first, out.transpose(0, 3, 1, 2))


# --------------------------------------------------------------------------- sizes
@pytest.mark.parametrize("args, kwargs, size, crop", [
    ((7, 5), dict(stride=2, padding="same"), 14, (1, 2)),
    ((28, 5), dict(stride=2, padding="same"), 56, (1, 2)),
    ((3, 3), dict(stride=2), 7, (0, 0)),
    ((3, 3), dict(stride=2, padding=1, output_padding=1), 6, (1, 0)),
    ((3, 2), dict(stride=2, output_padding=1), 7, (0, -1)),
    ((4, 3), dict(stride=1, padding="same"), 4, (1, 1)),
    ((4, 3), dict(stride=2, padding="same", output_padding=0), 7, (1, 1)),
    ((4, 2), dict(stride=2, padding="same", output_padding=1), 7, (0, 1)),
    ((5, 3), dict(dilation=2), 9, (0, 0)),
    ((2, 1), dict(stride=3), 6, (0, -2)),
])
def test_output_size_and_crop_by_hand(args, kwargs, size, crop):
    assert convviz.conv_transpose_output_size(*args, **kwargs) == size
    assert convviz.conv_transpose_crop(*args, **kwargs) == crop
    n, k = args
    s, d = kwargs.get("stride", 1), kwargs.get("dilation", 1)
    assert (n - 1) * s + d * (k - 1) + 1 - sum(crop) == size     # canvas minus what is cropped


@settings(max_examples=150)
@given(n=st.integers(1, 30), k=st.integers(1, 7), s=st.integers(1, 4), d=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]), op=st.one_of(st.none(), st.integers(0, 3)))
def test_output_size_equals_keras_compute_output_shape(n, k, s, d, padding, op):
    import keras

    if op is not None and op >= s:
        with pytest.raises(ValueError, match=rf"output_padding must be smaller than strides, "
                                             rf"got output_padding={op} with strides={s}"):
            convviz.conv_transpose_output_size(n, k, s, padding, op, d)
        return
    if s > 1 and d > 1:   # Keras refuses to build that layer; its size rule is the same
        d_keras, k_keras = 1, d * (k - 1) + 1
    else:
        d_keras, k_keras = d, k
    layer = keras.layers.Conv2DTranspose(1, (k_keras, 1), strides=(s, 1), padding=padding,
                                         output_padding=None if op is None else (op, 0),
                                         dilation_rate=(d_keras, 1))
    expected = layer.compute_output_shape((1, n, 1, 1))[1]
    if padding == "same" and op == 0 and (d * (k - 1) + 1) % 2 == 0:
        with pytest.raises(ValueError, match="even \\(dilated\\) kernel size"):
            convviz.conv_transpose_output_size(n, k, s, padding, op, d)
        event("same + output_padding 0 + even kernel: refused")
        return
    assert convviz.conv_transpose_output_size(n, k, s, padding, op, d) == expected


@settings(max_examples=200)
@given(n=st.integers(1, 30), k=st.integers(1, 7), s=st.integers(1, 4), d=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]), op=st.one_of(st.none(), st.integers(0, 3)))
def test_a_transposed_output_is_mapped_back_to_n_by_the_forward_conv(n, k, s, d, padding, op):
    """The defining property: the forward conv with the same settings takes H' back to n."""
    if op is not None and op >= s:
        return
    try:
        out = convviz.conv_transpose_output_size(n, k, s, padding, op, d)
    except ValueError:
        return
    assert convviz.conv_output_size(out, k, s, padding, d) == n
    before, after = convviz.conv_transpose_crop(n, k, s, padding, op, d)
    if padding == "same":
        forward = convviz.same_padding(out, k, s, d)
        assert before == forward[0]        # the crop at the start is the forward pad at the start


# --------------------------------------------------------------------------- against Keras
@PROPERTY
@given(transpose_problems())
def test_conv2d_transpose_equals_keras_conv2d_transpose(problem):
    x, kernel, bias, kwargs = problem
    if _possible(x, kernel, kwargs):
        ours, theirs = assert_transpose_matches_keras(x, kernel, bias, **kwargs)
        assert ours.dtype == x.dtype


@st.composite
def native_problems(draw):
    """Settings the raw Keras layer takes as they are: named padding, no dilation."""
    x, kernel, bias, kwargs = draw(transpose_problems())
    kwargs = kwargs | dict(padding=draw(st.sampled_from(["valid", "same"])), dilation_rate=1)
    return x, kernel, bias, kwargs


@FEW
@given(native_problems())
def test_conv2d_transpose_equals_the_raw_keras_layer(problem):
    """No bridge: one Conv2DTranspose, built with the settings as given.

    Keras' channels_first bias bug (README) shows up here whenever the output width
    equals the number of filters; there the raw layer must be off by exactly that pattern.
    """
    import keras

    x, kernel, bias, kwargs = problem
    if not _possible(x, kernel, kwargs):
        return
    fmt = kwargs["data_format"]
    x = x.astype(np.float32)
    kernel = kernel.astype(np.float32)
    bias = None if bias is None else bias.astype(np.float32)
    layer = keras.layers.Conv2DTranspose(
        kernel.shape[2], kernel.shape[:2], strides=kwargs["strides"], padding=kwargs["padding"],
        output_padding=kwargs["output_padding"], data_format=fmt, use_bias=bias is not None)
    layer.build(x.shape)
    layer.set_weights([kernel] + ([bias] if bias is not None else []))
    raw = np.asarray(layer(x))
    ours = convviz.conv2d_transpose(x, kernel, bias, **kwargs)
    if fmt == "channels_first" and bias is not None and ours.shape[-1] == len(bias):
        event("channels_first bias bug pattern")
        ours = ours - bias[None, :, None, None] + bias[None, None, None, :]
    np.testing.assert_allclose(raw, ours, rtol=1e-4, atol=1e-4 * max(1.0, np.abs(ours).max()))


def test_integer_inputs_give_exact_integer_results_equal_to_keras():
    rng = np.random.default_rng(3)
    x, k = rng.integers(-9, 10, (2, 4, 5, 2)), rng.integers(-3, 4, (3, 2, 3, 2))
    b = np.array([1, -2, 0])
    ours, theirs = assert_transpose_matches_keras(x, k, b, strides=2, padding="same",
                                                  output_padding=1)
    assert ours.dtype.kind == "i"
    np.testing.assert_array_equal(ours, theirs)


def test_keras_channels_first_bias_bug_hits_conv2d_transpose_and_is_routed_around():
    import keras

    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 2, 3, 2)).astype(np.float32)       # W' = 2*2 = 4 = filters
    k = rng.standard_normal((2, 2, 4, 2)).astype(np.float32)
    b = np.array([0.0, 10.0, 20.0, 30.0], np.float32)
    ours = convviz.conv2d_transpose(x, k, b, strides=2, data_format="channels_first")
    assert ours.shape == (1, 4, 6, 4)
    assert_transpose_matches_keras(x, k, b, strides=2, data_format="channels_first")

    layer = keras.layers.Conv2DTranspose(4, 2, strides=2, data_format="channels_first")
    layer.build(x.shape)
    layer.set_weights([k, b])
    raw = np.asarray(layer(x))
    if np.allclose(raw, ours, atol=1e-5):
        pytest.skip("this Keras adds channels_first biases correctly")
    np.testing.assert_allclose(raw, ours - b[None, :, None, None] + b[None, None, None, :],
                               atol=1e-5)


def test_bias_bug_is_detected_on_the_uncropped_transposed_output():
    """Found by the property test: explicit padding crops AFTER the layer added its bias.

    Here the layer's own output is 3x3 with 3 filters (the bug applies) while the
    cropped result is 1x1 (it looks as if it did not); the bridge must judge the former.
    """
    import keras

    rng = np.random.default_rng(4)
    x = rng.standard_normal((1, 1, 1, 1)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 1)).astype(np.float32)
    b = np.array([0.0, 10.0, 20.0], np.float32)
    ours, _ = assert_transpose_matches_keras(x, k, b, padding=1, data_format="channels_first")
    np.testing.assert_allclose(ours[0, :, 0, 0], x[0, 0, 0, 0] * k[1, 1, :, 0] + b, rtol=1e-6)
    layer = keras.layers.Conv2DTranspose(3, 3, data_format="channels_first")
    layer.build(x.shape)
    layer.set_weights([k, b])
    raw = np.asarray(layer(x))[:, :, 1:2, 1:2]
    if not np.allclose(raw, ours, atol=1e-5):   # the buggy Keras adds bias[w = 1] everywhere
        np.testing.assert_allclose(raw, ours - b[None, :, None, None] + b[1], atol=1e-5)


def test_keras_runs_transposed_dilation_only_where_tensorflow_has_a_kernel_for_it():
    """float32 stride 1: Keras' own dilation_rate, equal to ours. float64: TensorFlow's
    CPU kernel refuses it, which is why the bridge falls back to the dilated kernel."""
    import keras

    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 4, 5, 2))
    k = rng.standard_normal((3, 2, 3, 2))
    for dtype in ("float32", "float64"):
        layer = keras.layers.Conv2DTranspose(3, (3, 2), dilation_rate=(2, 3), padding="same",
                                             use_bias=False, dtype=dtype)
        layer.build(x.shape)
        layer.set_weights([k.astype(dtype)])
        ours = convviz.conv2d_transpose(x.astype(dtype), k.astype(dtype), padding="same",
                                        dilation_rate=(2, 3))
        try:
            raw = np.asarray(layer(x.astype(dtype)))
        except Exception as exc:
            assert dtype == "float64" and "dilation" in str(exc), exc
            continue
        np.testing.assert_allclose(raw, ours, rtol=1e-5, atol=1e-5)
    assert_transpose_matches_keras(x, k, padding="same", dilation_rate=(2, 3))


def test_same_with_output_padding_zero_and_even_kernel_is_refused_like_keras():
    import keras

    x = np.ones((1, 3, 3, 1), np.float32)
    k = np.ones((2, 2, 1, 1), np.float32)
    with pytest.raises(ValueError, match=r"output_padding=0 with padding='same' and an even "
                                         r"\(dilated\) kernel size 2 gives 4 output cells"):
        convviz.conv2d_transpose(x, k, strides=2, padding="same", output_padding=0)
    layer = keras.layers.Conv2DTranspose(1, 2, strides=2, padding="same", output_padding=0)
    layer.build(x.shape)
    with pytest.raises(Exception):
        layer(x)
    # One input row: Keras does not refuse but returns an empty output ((1-1)*2 + 0 rows);
    # we refuse that too, since no 'same' convolution maps 0 rows to 1.
    one = np.ones((1, 1, 3, 1), np.float32)
    with pytest.raises(ValueError, match="gives 0 output cells"):
        convviz.conv2d_transpose(one, k, strides=2, padding="same", output_padding=0)
    layer = keras.layers.Conv2DTranspose(1, 2, strides=2, padding="same", output_padding=0)
    layer.build(one.shape)
    try:
        assert np.asarray(layer(one)).size == 0
    except Exception:
        pass  # a Keras that refuses it agrees with us


# --------------------------------------------------------------------------- adjoint
@settings(max_examples=200)
@given(transpose_problems())
def test_conv2d_transpose_is_the_adjoint_of_conv2d(problem):
    """<conv2d(y, K), x> == <y, conv2d_transpose(x, K)> for every y: it IS the transpose.

    The same array K is the forward kernel (kh, kw, C_in', C_out') with C_in' = C_out
    of the transpose; the forward conv uses the same strides, padding and dilation.
    """
    x, kernel, _, kwargs = problem
    x, kernel = x.astype(np.float64), kernel.astype(np.float64)
    if not _possible(x, kernel, kwargs):
        return
    up = convviz.conv2d_transpose(x, kernel, **kwargs)
    y = np.random.default_rng(int(abs(x.flat[0]) * 1e6)).standard_normal(up.shape)
    fwd_kwargs = {k: v for k, v in kwargs.items() if k != "output_padding"}
    down = convviz.conv2d(y, kernel, **fwd_kwargs)
    assert down.shape == x.shape
    np.testing.assert_allclose(np.vdot(down, x), np.vdot(y, up), rtol=1e-9, atol=1e-9)


# --------------------------------------------------------------------------- trace
def test_trace_of_the_2x2_example_records_each_scaled_copy():
    x = np.array([[1, 2], [3, 4]])
    k = np.array([[1, 10], [100, 1000]])
    trace = convviz.trace_conv2d_transpose(x, k, strides=2)
    assert len(trace) == 4
    assert [(s.in_row, s.in_col) for s in trace] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    step = trace.step_at(1, 0)
    assert step.value == 3 and step.rows == (2, 3) and step.cols == (0, 1)
    np.testing.assert_array_equal(step.contribution[0], 3 * k)
    assert not step.is_cropped.any()
    np.testing.assert_array_equal(trace.canvas_after(2)[0], np.block([[k, 2 * k], [0 * k, 0 * k]]))
    np.testing.assert_array_equal(trace.output, convviz.conv2d_transpose(x, k, strides=2))
    with pytest.raises(KeyError, match="row=2"):
        trace.step_at(2, 0)


def test_trace_marks_the_cells_cropped_by_same_padding():
    x = np.arange(1, 10).reshape(3, 3)
    k = np.ones((3, 3), int)
    trace = convviz.trace_conv2d_transpose(x, k, strides=2, padding="same")
    # canvas (3-1)*2 + 3 = 7, output 6: one cell cropped, at the end (bottom/right)
    assert trace.crops == ((0, 1), (0, 1)) and trace.output.shape == (6, 6)
    corner = trace.step_at(2, 2)
    assert corner.rows == (4, 5, 6) and corner.cols == (4, 5, 6)
    expected = np.zeros((3, 3), bool)
    expected[2, :] = expected[:, 2] = True
    np.testing.assert_array_equal(corner.is_cropped, expected)
    assert not trace.step_at(0, 0).is_cropped.any()
    assert trace.canvas.shape == (1, 1, 7, 7)
    np.testing.assert_array_equal(trace.canvas[0, 0, :6, :6], trace.output)


@FEW
@given(transpose_problems(max_hw=4))
def test_trace_totals_equal_the_vectorised_op_and_keras(problem):
    x, kernel, bias, kwargs = problem
    if not _possible(x, kernel, kwargs):
        return
    trace = convviz.trace_conv2d_transpose(x, kernel, bias, **kwargs)
    ours = convviz.conv2d_transpose(x, kernel, bias, **kwargs)
    theirs = keras_conv2d_transpose(x, kernel, bias, **kwargs)
    assert trace.output.shape == ours.shape == theirs.shape
    tol = 1e-4 if x.dtype == np.float32 else 1e-10
    scale = max(1.0, np.abs(theirs).max())
    np.testing.assert_allclose(trace.output, theirs, rtol=tol, atol=tol * scale)
    np.testing.assert_allclose(trace.output, ours, rtol=tol, atol=tol * scale)

    # the steps alone rebuild the output: stamp every contribution, crop, add the bias
    (top, _), (left, _) = trace.crops
    out_h, out_w = trace.feature_maps.shape[2:]
    sh, sw = trace.strides
    dh, dw = trace.dilation
    for b in range(trace.input.shape[0]):
        board = trace.canvas_after(len(trace), batch=b)
        np.testing.assert_allclose(board, trace.canvas[b], rtol=tol, atol=tol * scale)
        rebuilt = board[:, top: top + out_h, left: left + out_w] + trace.bias[:, None, None]
        np.testing.assert_allclose(rebuilt, trace.feature_maps[b], rtol=tol, atol=tol * scale)
    for step in trace:
        np.testing.assert_array_equal(step.contribution, step.value * step.kernel)
        assert step.rows == tuple(step.in_row * sh + u * dh - top for u in range(len(step.rows)))
        assert step.cols == tuple(step.in_col * sw + v * dw - left for v in range(len(step.cols)))
        inside = np.array([[0 <= r < out_h and 0 <= c < out_w for c in step.cols]
                           for r in step.rows])
        np.testing.assert_array_equal(step.is_cropped, ~inside)


# --------------------------------------------------------------------------- errors
X = np.zeros((1, 4, 4, 2))
K = np.zeros((3, 3, 5, 2))


@pytest.mark.parametrize("fn", [convviz.conv2d_transpose, convviz.trace_conv2d_transpose])
@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(output_padding=2, strides=2), ValueError,
     r"output_padding must be smaller than strides, got output_padding=2 with strides=2\b.*\(along the height\)"),
    (dict(output_padding=(0, 1)), ValueError,
     r"output_padding must be smaller than strides, got output_padding=1 with strides=1\b.*\(along the width\)"),
    (dict(output_padding=-1, strides=2), ValueError, r"output_padding must be >= 0, got -1"),
    (dict(output_padding=0.5), TypeError, r"output_padding must be an int or a pair of ints, got 0.5"),
    (dict(padding="full"), ValueError, r"padding='full' has no transposed counterpart"),
    (dict(padding="reflect"), ValueError, r"padding must be 'valid', 'same', an int or pairs of ints, got 'reflect'"),
    (dict(padding=-1), ValueError, r"padding must be >= 0, got -1"),
    (dict(padding=(1, 2, 3)), TypeError, r"padding must be .* got \(1, 2, 3\)"),
    (dict(padding=4), ValueError, r"padding crops 4\+4 cells off a transposed output of only 6 cells .* nothing would be left"),
    (dict(kernel=np.zeros((3, 3, 2, 5))), ValueError,
     r"kernel \(kh, kw, C_out, C_in\) = \(3, 3, 2, 5\) expects C_in=5 input channels but x has 2 .* C_in last"),
    (dict(kernel=np.zeros((3, 3))), ValueError,
     r"kernel must be 4-D \(kh, kw, C_out, C_in\) \(Keras' Conv2DTranspose layout\) when x is 4-D, got kernel of shape \(3, 3\)"),
    (dict(x=np.zeros((4, 4, 2))), ValueError, r"x must be 4-D \(N, H, W, C\) or 2-D \(H, W\), got 3-D of shape \(4, 4, 2\)"),
    (dict(bias=np.zeros(2)), ValueError, r"bias must have shape \(C_out,\) = \(5,\), got shape \(2,\)"),
    (dict(strides=0), ValueError, r"strides must be >= 1, got 0"),
    (dict(dilation_rate=(1, 0)), ValueError, r"dilation_rate must be >= 1, got \(1, 0\)"),
    (dict(data_format="NHWC"), ValueError, r"data_format must be one of"),
    (dict(x=np.zeros((1, 4, 4, 2), bool)), TypeError, r"x must have an integer or floating dtype, got dtype bool"),
])
def test_conv2d_transpose_refuses_bad_input(fn, kwargs, exc, pattern):
    args = dict(x=X, kernel=K) | kwargs
    with pytest.raises(exc, match=pattern):
        fn(args.pop("x"), args.pop("kernel"), **args)


def test_channels_first_mismatch_names_the_data_format():
    with pytest.raises(ValueError, match="data_format='channels_first'"):
        convviz.conv2d_transpose(X, K, data_format="channels_first")


@pytest.mark.parametrize("call, exc, pattern", [
    (lambda: convviz.conv_transpose_output_size(0, 3), ValueError, r"n must be >= 1, got 0"),
    (lambda: convviz.conv_transpose_output_size(4, 3, stride=2.0), TypeError, r"stride must be an int, got 2.0"),
    (lambda: convviz.conv_transpose_output_size(4, 3, 2, output_padding=2), ValueError, r"output_padding must be smaller than strides"),
    (lambda: convviz.conv_transpose_output_size(4, 3, padding="full"), ValueError, r"padding='full' has no transposed counterpart"),
    (lambda: convviz.conv_transpose_crop(2, 2, padding=(2, 2)), ValueError, r"padding crops 2\+2 cells off a transposed output of only 3 cells"),
    (lambda: convviz.conv_transpose_crop(2, 2, padding=(1, -1)), ValueError, r"padding must be >= 0, got \(1, -1\)"),
])
def test_size_helpers_refuse_bad_input(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()
