"""convviz.testing: a correct hand-written convolution passes, and each classic mistake is
named. The buggy variants are examples/student_conv.py with ONE line changed the way a
student gets it wrong, so each test pins one mistake and its diagnosis."""
import pathlib
import re

import numpy as np
import pytest

import convviz
from convviz.testing import (assert_conv2d_correct, check_conv2d, check_output_size,
                             check_pool2d)
from convviz.testing.cases import RngChooser, draw_conv_case
from convviz.worked import describe_step

EXAMPLE = pathlib.Path(__file__).resolve().parent.parent / "examples" / "student_conv.py"
SOURCE = EXAMPLE.read_text()


def student(*edits):
    """examples/student_conv.py's conv2d with each ``(old, new)`` text replaced once."""
    source = SOURCE
    for old, new in edits:
        assert source.count(old) == 1, f"the example no longer contains {old!r}"
        source = source.replace(old, new)
    namespace = {"__name__": "student"}
    exec(compile(source, str(EXAMPLE), "exec"), namespace)
    return namespace["conv2d"]


correct = student()

# One classic mistake each: (the convention check_conv2d must name, words its sentence must
# use, the edits that make the mistake).
WINDOW = "x[b, i * sh + u * dh, j * sw + v * dw, c] * kernel[u, v, c, f]"
MISTAKES = {
    "flipped_kernel": (["flipped", "convolution", "cross-correlation"],
                       [("kernel[u, v, c, f]", "kernel[kh - 1 - u, kw - 1 - v, c, f]")]),
    "same_extra_top_left": (["'same'", "top/left", "bottom/right"],
                            [("top, left = pad_h // 2, pad_w // 2",
                              "top, left = pad_h - pad_h // 2, pad_w - pad_w // 2")]),
    "output_one_short": (["output size", "off by one"],
                         [("out_h = (x.shape[1] - span_h) // sh + 1",
                           "out_h = (x.shape[1] - span_h) // sh"),
                          ("out_w = (x.shape[2] - span_w) // sw + 1",
                           "out_w = (x.shape[2] - span_w) // sw")]),
    "channel_sum_missing": (["channel", "summed"],
                            [("for c in range(c_in):", "for c in range(1):")]),
    "channel_sum_overwritten": (["channel", "overwritten"],
                                [("for c in range(c_in):",
                                  "for c in range(c_in):\n                        total = 0.0")]),
    "bias_missing": (["bias"], [("total += bias[f]", "pass")]),
    "bias_per_channel": (["bias", "once per input channel"],
                         [("                    if bias is not None:\n                        total += bias[f]\n", ""),
                          ("                                total += x[",
                           "                                total += (bias[f] if bias is not None and u == v == 0 else 0) + x[")]),
    "stride_in_size_not_position": (["stride", "output size", "window position"],
                                    [(WINDOW, "x[b, i + u * dh, j + v * dw, c] * kernel[u, v, c, f]")]),
    "stride_ignored": (["ignores the stride"], [("sh, sw = (strides, strides)", "sh, sw = (1, 1) if 1 else (strides, strides)")]),
    "dilation_ignored": (["ignores dilation"],
                         [("dh, dw = (dilation_rate, dilation_rate)", "dh, dw = (1, 1) if 1 else (dilation_rate, dilation_rate)")]),
    "dilation_off_by_one": (["dilation", "d-1"],
                            [("    span_h, span_w =", "    dh, dw = dh + 1, dw + 1\n    span_h, span_w =")]),
    "kernel_in_out_swapped": (["kernel axes", "another library's order", "(kh, kw, C_in, C_out)"],
                              [("kernel[u, v, c, f]", "kernel[u, v, f, c]")]),
    "kernel_transposed": (["transposed"], [("kernel[u, v, c, f]", "kernel[v, u, c, f]")]),
    "relu_applied": (["ReLU"], [("out[b, i, j, f] = total", "out[b, i, j, f] = max(total, 0)")]),
}


def dilation_on_input(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1):
    """The example's convolution, with dilation applied to the input instead of the kernel:
    zeros go between the input's cells and the kernel stays compact."""
    d = dilation_rate
    if d > 1:
        n, h, w, c = x.shape
        spread = np.zeros((n, (h - 1) * d + 1, (w - 1) * d + 1, c))
        spread[:, ::d, ::d] = x
        x = spread
    return correct(x, kernel, bias, strides, padding, 1)


def stride_in_position_not_size(x, kernel, bias=None, strides=1, padding="valid"):
    """The window starts at every stride-th cell, but the output keeps the stride-1 size:
    ``for i in range(0, out_h, s): out[i] = ...`` with the other rows left at 0."""
    full = correct(x, kernel, bias, 1, padding)
    if padding == "same":   # the 'same' padding of the strided call
        pads = convviz.resolve_padding("same", x.shape[1:3], kernel.shape[:2], strides)
        full = correct(np.pad(x, ((0, 0), *pads, (0, 0))), kernel, bias, 1, "valid")
    out = np.zeros_like(full)
    out[:, ::strides, ::strides] = full[:, ::strides, ::strides]
    return out


def test_the_example_passes_every_feature_it_declares():
    report = check_conv2d(correct)
    assert report.passed and report.cases == 200 and report.failure is None
    assert report.features == {"padding", "stride", "dilation", "bias", "channels", "filters"}
    assert "PASS: all 200 cases equal convviz.conv2d" in report.text()
    assert check_conv2d(correct, features={"padding", "stride", "dilation", "pairs", "bias",
                                           "channels", "filters"}, seed=1).passed


@pytest.mark.parametrize("convention", sorted(MISTAKES))
def test_each_classic_mistake_is_named(convention):
    words, edits = MISTAKES[convention]
    report = check_conv2d(student(*edits))
    assert not report.passed
    assert report.convention == convention, report.text()
    for word in words:
        assert word in report.diagnosis, report.diagnosis
    case = report.failure.case
    # the smallest failure is a real failure of this function
    received = student(*edits)(*case.args, **case.options)
    assert received.shape != case.expected.shape or not np.allclose(received, case.expected)


@pytest.mark.parametrize("fn, convention, words", [
    (dilation_on_input, "dilation_on_input", ["dilation", "input instead of the kernel"]),
    (stride_in_position_not_size, "stride_in_position_not_size",
     ["stride", "window position but not in the output size"]),
])
def test_mistakes_that_change_the_structure_are_named(fn, convention, words):
    report = check_conv2d(fn)
    assert report.convention == convention, report.text()
    assert all(word in report.diagnosis for word in words)


def test_the_diagnosis_sentences_of_the_issue():
    flipped = check_conv2d(student(*MISTAKES["flipped_kernel"][1]))
    assert flipped.diagnosis.startswith(
        "Your kernel is flipped: this is convolution, Keras computes cross-correlation")
    top_left = check_conv2d(student(*MISTAKES["same_extra_top_left"][1]))
    assert top_left.diagnosis.startswith("Your 'same' padding puts the extra zero at the "
                                         "top/left; TensorFlow puts it at the bottom/right")


def test_the_smallest_failure_cannot_be_made_smaller():
    fn = student(*MISTAKES["flipped_kernel"][1])
    failure = check_conv2d(fn).failure
    assert failure.kind == "wrong values"
    for simpler in failure.case.simpler():
        if simpler.valid():   # every smaller configuration passes (a flip needs 2 cells)
            np.testing.assert_allclose(fn(*simpler.args, **simpler.options), simpler.expected)
    x, kernel = failure.case.args
    assert x.size <= 4 and kernel.size == 2 and kernel.shape[:2] in ((1, 2), (2, 1))


def test_the_report_shows_the_failing_step_from_the_trace():
    report = check_conv2d(student(*MISTAKES["flipped_kernel"][1]))
    failure = report.failure
    case = failure.case
    trace = convviz.trace_conv2d(case.x, case.kernel, case.bias, strides=case.strides,
                                 padding=case.padding, dilation_rate=case.dilation)
    b, i, j, f = failure.cell
    step = trace.step_at(i, j, f, b)
    assert failure.step.output_index == step.output_index == (b, f, i, j)
    np.testing.assert_array_equal(failure.step.products, step.products)
    assert failure.expected[failure.cell] == step.total != failure.received[failure.cell]
    text = report.text()
    for part in ("Diagnosis: Your kernel is flipped", "Smallest failing case: conv2d(x, kernel,",
                 "First differing cell: out[", "window rows", "received"):
        assert part in text


def test_a_rare_mistake_is_judged_on_the_cases_that_pass_too():
    # Wrong only where 'same' needs an odd total padding: most cases pass, and the
    # diagnosis must agree with them as well as with the failures.
    report = check_conv2d(student(*MISTAKES["same_extra_top_left"][1]), features={"padding"})
    assert 0 < report.failed < report.cases and report.convention == "same_extra_top_left"
    assert report.failure.case.padding == "same"


def test_assert_conv2d_correct_raises_with_the_report():
    assert assert_conv2d_correct(correct, cases=30).passed
    with pytest.raises(AssertionError, match="Diagnosis: Your output has no bias"):
        assert_conv2d_correct(student(*MISTAKES["bias_missing"][1]), cases=30)


# --------------------------------------------------------------------------- torch, 2d, adapter
def torch_conv(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """PyTorch's F.conv2d as a student writes it: x (N, C, H, W), weight (C_out, C_in, kh, kw)."""
    n, c_in, h, w = x.shape
    c_out, _, kh, kw = weight.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    out_h = (x.shape[2] - dilation * (kh - 1) - 1) // stride + 1
    out_w = (x.shape[3] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, c_out, out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, :, i * stride: i * stride + dilation * (kh - 1) + 1: dilation,
                       j * stride: j * stride + dilation * (kw - 1) + 1: dilation]
            out[:, :, i, j] = np.einsum("nchw,fchw->nf", window, weight)
    return out if bias is None else out + bias.reshape(-1, 1, 1)


def torch_bias_on_width(x, weight, bias=None, stride=1, padding=0, dilation=1):
    out = torch_conv(x, weight, None, stride, padding, dilation)
    return out if bias is None else out + bias      # broadcasts over W, not C


def test_torch_layout_uses_torch_names_and_shapes():
    seen = []

    def spy(x, weight, bias=None, stride=1, padding=0, dilation=1):
        seen.append((x.shape, weight.shape, stride, padding, dilation))
        return torch_conv(x, weight, bias, stride, padding, dilation)

    report = check_conv2d(spy, layout="torch", cases=60)
    assert report.passed, report.text()
    assert report.features == {"padding_amounts", "stride", "dilation", "bias", "channels",
                               "filters"}
    assert any(s[0][1] > 1 and s[1][0] > 1 and s[0][1] == s[1][1] for s in seen)
    assert all(isinstance(p, int) for *_, p, _ in seen)


def test_torch_bias_added_on_the_width_axis():
    report = check_conv2d(torch_bias_on_width, layout="torch")
    assert report.convention == "bias_on_width", report.text()
    assert "(C, 1, 1)" in report.diagnosis
    assert "could not be broadcast" in " ".join(report.notes)   # where W != C it raises


def conv_forward_naive(x, w, b, conv_param):
    """cs231n's signature: returns (out, cache)."""
    out = torch_conv(x, w, b, conv_param["stride"], conv_param["pad"])
    return out, (x, w, b, conv_param)


def conv_forward_flipped(x, w, b, conv_param):
    out, cache = conv_forward_naive(x, w[:, :, ::-1, ::-1], b, conv_param)
    return out, cache


def test_cs231n_adapter():
    report = check_conv2d(conv_forward_naive, layout="torch", adapter="cs231n")
    assert report.passed, report.text()
    assert report.features == {"bias", "stride", "padding_amounts", "channels", "filters"}
    flipped = check_conv2d(conv_forward_flipped, layout="torch", adapter="cs231n")
    assert flipped.convention == "flipped_kernel"
    assert "PyTorch computes cross-correlation" in flipped.diagnosis
    with pytest.raises(ValueError, match=r"adapter 'cs231n' passes layout 'torch' arrays, "
                                         r"got layout='keras'"):
        check_conv2d(conv_forward_naive, adapter="cs231n")


def test_a_custom_adapter_for_any_signature():
    def channels_first_keras(fn, x, kernel, strides=1):
        nchw = fn(x.transpose(0, 3, 1, 2), kernel.transpose(3, 2, 0, 1), None, strides)
        return nchw.transpose(0, 2, 3, 1)

    report = check_conv2d(torch_conv, adapter=channels_first_keras, cases=50)
    assert report.passed and report.features == {"stride", "channels", "filters"}


def corr2d(X, K):
    """d2l's corr2d: 'valid', stride 1, one channel."""
    h, w = K.shape
    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()
    return Y


def test_layout_2d_with_d2l_corr2d():
    report = check_conv2d(corr2d, layout="2d")
    assert report.passed and report.features == frozenset()
    refused = check_conv2d(corr2d, layout="2d", features={"stride"})
    assert refused.failure.kind == "raised"
    assert "unexpected keyword argument 'strides'" in refused.diagnosis
    assert "leave out of features=" in refused.diagnosis


# --------------------------------------------------------------------------- misbehaving functions
def test_a_function_that_raises_is_reported_with_its_line():
    def off_the_edge(X, K):
        h, w = K.shape
        Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
        for i in range(Y.shape[0]):
            for j in range(Y.shape[1]):
                Y[i, j] = (X[i:i + h + 1, j:j + w] * K).sum()
        return Y

    report = check_conv2d(off_the_edge, layout="2d")
    assert report.failure.kind == "raised" and report.convention is None
    assert report.diagnosis.startswith("Your function raised ValueError: operands could not be "
                                       "broadcast together")
    assert re.search(r"test_check\.py, line \d+, in off_the_edge", report.diagnosis)
    x, kernel = report.failure.case.args
    # smallest: one row more than the kernel (with exactly kh rows the slice stops at the
    # end of X and fits; a 1-row kernel broadcasts over the 2 rows instead of failing)
    assert x.shape[0] == kernel.shape[0] + 1 == 3


@pytest.mark.parametrize("result, phrase", [
    (lambda Y: None, "it returned None (is a `return` missing?)"),
    (lambda Y: Y.astype(int), "it returned integers (dtype int64) for float64 input"),
    (lambda Y: (Y, "cache"), "it returned a tuple of 2 items"),
    (lambda Y: Y.astype(complex), "not floating-point numbers"),
])
def test_a_result_that_is_not_an_array_of_floats_is_reported(result, phrase):
    report = check_conv2d(lambda X, K: result(corr2d(X, K)), layout="2d", cases=20)
    assert report.failure.kind == "bad output" and phrase in report.diagnosis


def test_a_function_that_hangs_is_stopped_and_reported():
    def forever(X, K):
        i = 0
        while i < 10:          # the counter never moves on
            try:
                X.sum()
            except Exception:  # even a handler of everything does not keep it alive
                pass

    report = check_conv2d(forever, layout="2d", timeout=0.3)
    assert report.failure.kind == "timeout" and report.cases == 1
    assert "did not return within 0.3 s" in report.diagnosis
    assert any("stopped after case 1" in n for n in report.notes)


def test_someone_elses_alarm_keeps_its_deadline():
    import signal
    import time

    from convviz.testing.runner import CaseTimeout, call_with_time_limit

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(time.monotonic()))
    try:
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, 0.8)       # e.g. pytest-timeout's
        assert call_with_time_limit(lambda: 7, 0.5) == 7
        with pytest.raises(CaseTimeout):
            call_with_time_limit(lambda: time.sleep(5), 0.2)
        time.sleep(1.5)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    # due at 0.8 s, whatever our own 0.5 s and 0.2 s limits did in between
    assert len(fired) == 1 and 0.7 < fired[0] - start < 1.3


def test_prints_are_kept_out_of_the_output(capsys):
    def chatty(X, K):
        print("debug", X.shape)
        return corr2d(X, K)[::-1]

    report = check_conv2d(chatty, layout="2d", cases=20)
    assert capsys.readouterr().out == ""
    assert "it printed 1 line(s); the first: debug" in report.text()


def test_when_no_mistake_fits_the_first_differing_cell_is_shown_with_its_step():
    upside_down = lambda X, K: corr2d(X, K)[::-1]          # no known convention does this
    report = check_conv2d(upside_down, layout="2d")
    assert report.convention is None and report.failure.kind == "wrong values"
    assert report.diagnosis.startswith("Your output matches none of the known mistakes; the "
                                       "first cell that differs is out[")
    failure = report.failure
    i, j = failure.cell
    step = convviz.trace_conv2d(*failure.case.args).step_at(i, j)
    assert step.total == failure.expected[i, j] != failure.received[i, j]
    for line in describe_step(step).splitlines():     # window, products and their sum
        assert line in report.text()


# --------------------------------------------------------------------------- pooling, sizes
def max_pool(x, pool_size=2, strides=None, padding="valid", fill=-np.inf, default_stride=None):
    """Keras' MaxPooling2D on (H, W) with loops; ``fill`` pads 'same'."""
    s = (default_stride or pool_size) if strides is None else strides
    h, w = x.shape
    if padding == "same":
        oh, ow = -(-h // s), -(-w // s)
        ph, pw = max((oh - 1) * s + pool_size - h, 0), max((ow - 1) * s + pool_size - w, 0)
        x = np.pad(x, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)), constant_values=fill)
    oh, ow = (x.shape[0] - pool_size) // s + 1, (x.shape[1] - pool_size) // s + 1
    return np.array([[x[i * s:i * s + pool_size, j * s:j * s + pool_size].max()
                      for j in range(ow)] for i in range(oh)], dtype=float).reshape(oh, ow)


def avg_pool(x, pool_size=2, strides=None, padding="valid"):
    """Keras' AveragePooling2D on (H, W) ... dividing by the whole window, as PyTorch does."""
    s = pool_size if strides is None else strides
    h, w = x.shape
    if padding == "same":
        oh, ow = -(-h // s), -(-w // s)
        ph, pw = max((oh - 1) * s + pool_size - h, 0), max((ow - 1) * s + pool_size - w, 0)
        x = np.pad(x, ((ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2)))
    oh, ow = (x.shape[0] - pool_size) // s + 1, (x.shape[1] - pool_size) // s + 1
    return np.array([[x[i * s:i * s + pool_size, j * s:j * s + pool_size].mean()
                      for j in range(ow)] for i in range(oh)]).reshape(oh, ow)


def test_pooling_checks():
    assert check_pool2d(max_pool, layout="2d").passed
    zero = check_pool2d(lambda x, pool_size, strides=None, padding="valid":
                        max_pool(x, pool_size, strides, padding, fill=0.0), layout="2d")
    assert zero.convention == "pool_pads_with_zeros" and "never win" in zero.diagnosis
    one = check_pool2d(lambda x, pool_size, strides=None, padding="valid":
                       max_pool(x, pool_size, strides, padding, default_stride=1), layout="2d")
    assert one.convention == "pool_default_stride_one" and "moves by 1" in one.diagnosis
    counts = check_pool2d(avg_pool, kind="avg", layout="2d")
    assert counts.convention == "pool_average_counts_padding"
    assert "real (unpadded) cells" in counts.diagnosis
    swapped = check_pool2d(max_pool, kind="avg", layout="2d")
    assert swapped.convention == "pool_kind_swapped"


def test_pooling_in_the_keras_layout_with_channels():
    def keras_max_pool(x, pool_size=2, strides=None, padding="valid"):
        return np.stack([np.stack([max_pool(x[n, :, :, c], pool_size, strides, padding)
                                   for c in range(x.shape[3])], axis=-1)
                         for n in range(x.shape[0])])

    report = check_pool2d(keras_max_pool, cases=80)
    assert report.passed and "channels" in report.features


def test_pooling_in_the_torch_layout():
    def torch_max_pool(x, kernel_size, stride=None):
        n, c, h, w = x.shape
        return np.stack([np.stack([max_pool(x[b, ch], kernel_size, stride)
                                   for ch in range(c)]) for b in range(n)])

    report = check_pool2d(torch_max_pool, layout="torch", cases=80)
    assert report.passed and report.features == {"stride", "channels"}
    with pytest.raises(ValueError, match="features 'padding' is not checked for layout 'torch'"):
        check_pool2d(torch_max_pool, layout="torch", features={"padding"})


def output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1


@pytest.mark.parametrize("formula, convention", [
    (lambda n, k, stride=1, padding=0, dilation=1: (n + 2 * padding - dilation * (k - 1) - 1) // stride,
     "size_forgot_plus_one"),
    (lambda n, k, stride=1, padding=0, dilation=1: (n + 2 * padding - dilation * (k - 1) - 1) / stride + 1,
     "size_true_division"),
    (lambda n, k, stride=1, padding=0, dilation=1: (n + padding - dilation * (k - 1) - 1) // stride + 1,
     "size_padding_once"),
    (lambda n, k, stride=1, padding=0, dilation=1: (n + 2 * padding - k) // stride + 1,
     "size_ignores_dilation"),
])
def test_a_students_output_size_formula(formula, convention):
    assert check_output_size(output_size).passed
    report = check_output_size(formula)
    assert report.convention == convention, report.text()
    assert "floor((n + p - d*(k-1) - 1)/s) + 1" in report.diagnosis
    assert "How the size comes about:" in report.text()


def test_same_padding_sizes():
    def same_ignoring_stride(n, k, stride=1, padding="valid"):
        return n if padding == "same" else (n - k) // stride + 1

    report = check_output_size(same_ignoring_stride, features={"padding", "stride"},
                               seed=2)
    assert not report.passed and report.failure.case.padding in ("same", "full")


# --------------------------------------------------------------------------- arguments
@pytest.mark.parametrize("kwargs, exc, pattern", [
    (dict(layout="nchw"), ValueError, r"layout must be one of \('keras', 'torch', '2d'\), got 'nchw'"),
    (dict(features={"strides"}), ValueError, r"features must be words from .*, got 'strides'"),
    (dict(features=3), TypeError, r"features must be a set of words"),
    (dict(layout="2d", features={"channels"}), ValueError,
     r"features \['channels'\] need layout 'keras' or 'torch'"),
    (dict(cases=0), ValueError, r"cases must be >= 1, got 0"),
    (dict(seed=-1), ValueError, r"seed must be an int >= 0, got -1"),
    (dict(timeout=0), ValueError, r"timeout must be a number of seconds > 0 or None, got 0"),
    (dict(adapter="keras2"), ValueError, r"adapter must be a callable or one of \['cs231n'\]"),
])
def test_bad_arguments_get_one_clear_line(kwargs, exc, pattern):
    with pytest.raises(exc, match=pattern):
        check_conv2d(correct, **kwargs)


def test_features_come_from_the_signature_and_only_their_options_are_passed():
    calls = []

    def plain(x, kernel, strides=1):
        calls.append(strides)
        return correct(x, kernel, strides=strides)

    report = check_conv2d(plain, cases=40)
    assert report.passed and report.features == {"stride", "channels", "filters"}
    assert set(calls) >= {1, 2, 3}
    assert "features read from the signature of plain" in report.notes[0]


def test_cases_grow_from_small_to_larger():
    choose = RngChooser(np.random.default_rng(0))
    features = frozenset({"padding", "stride", "channels", "filters"})
    small = [draw_conv_case(choose, "keras", features, size=0.0).x.size for _ in range(50)]
    large = [draw_conv_case(choose, "keras", features, size=1.0).x.size for _ in range(50)]
    assert max(small) < max(large) and np.mean(small) < np.mean(large)


# --------------------------------------------------------------------------- strategies
def test_the_strategies_draw_what_the_checks_draw():
    from hypothesis import given, settings

    from convviz.testing.strategies import conv_cases, pool_cases, size_cases

    seen = set()

    @settings(max_examples=60, database=None)
    @given(conv_cases(layout="torch", features={"stride", "padding_amounts", "bias",
                                                 "channels", "filters"}))
    def property_test(case):
        x, weight = case.args
        assert x.shape[1] == weight.shape[1] and set(case.options) == {"stride", "padding",
                                                                       "bias"}
        np.testing.assert_allclose(torch_conv(x, weight, **case.options), case.expected)
        seen.add((case.strides, case.padding))

    property_test()
    assert len(seen) > 3

    @settings(max_examples=20, database=None)
    @given(pool_cases(kind="max", layout="2d"), size_cases())
    def others(pool, size):
        np.testing.assert_allclose(max_pool(*pool.args, **pool.options), pool.expected)
        assert size.expected == convviz.conv_output_size(size.n, size.k, size.stride,
                                                         size.padding, size.dilation)
    others()


def test_without_hypothesis_the_strategies_say_which_extra_to_install():
    import subprocess
    import sys

    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "import convviz.testing as t\n"
            "assert t.check_conv2d\n"
            "t.conv_cases\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "convviz.MissingExtra: convviz.testing.strategies needs Hypothesis: "
        "pip install 'convviz[testing]'")
