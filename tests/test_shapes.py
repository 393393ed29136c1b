"""explain_shape / derive_shape and ``convviz shape``: derivations that agree with Keras."""
import doctest

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import convviz
import convviz.shapes
import convviz.transposed
from convviz.cli import main

SIZES = settings(max_examples=150)

paddings = st.one_of(st.sampled_from(["valid", "same", "full"]), st.integers(0, 3),
                     st.tuples(st.integers(0, 3), st.integers(0, 3)))


# --------------------------------------------------------------------------- the article's cases
def test_28_kernel_5_same_keeps_28_with_2_cells_on_each_side():
    d = convviz.derive_shape(28, 5, padding="same")
    assert (d.output_size, d.pad_before, d.pad_after, d.effective_kernel) == (28, 2, 2, 5)
    assert d.ok and d.problem is None
    text = convviz.explain_shape(28, 5, padding="same")
    assert "ceil(n/s) = ceil(28/1) = 28 outputs" in text
    assert "(28-1)*1 + 5 = 32 cells" in text
    assert "p = 32 - 28 = 4" in text
    assert "p = 4 is even: 2 before (top/left) and 2 after (bottom/right)" in text
    assert text.splitlines()[-1] == ("3. Output: floor((n + p - k_eff)/s) + 1 = "
                                     "floor((28 + 4 - 5)/1) + 1 = floor(27/1) + 1 = 28.")


def test_28_kernel_5_stride_2_same_gives_14_with_1_before_and_2_after():
    d = convviz.derive_shape(28, 5, stride=2, padding="same")
    assert (d.output_size, d.pad_before, d.pad_after) == (14, 1, 2)
    assert d.text == convviz.explain_shape(28, 5, stride=2, padding="same")
    assert d.text.splitlines() == [
        "Convolution along one axis: input n = 28, kernel k = 5, stride s = 2, dilation d = 1, "
        "padding 'same'.",
        "1. Effective kernel: k_eff = d*(k-1) + 1 = 1*(5-1) + 1 = 5 cells.",
        "2. Padding 'same': Keras wants ceil(n/s) = ceil(28/2) = 14 outputs; 14 windows need "
        "(14-1)*2 + 5 = 31 cells and the input has 28, so the total padding is p = 31 - 28 = 3.",
        "   p = 3 is odd: TensorFlow/Keras put the smaller half before and the extra cell after: "
        "1 before (top/left), 2 after (bottom/right).",
        "3. Output: floor((n + p - k_eff)/s) + 1 = floor((28 + 3 - 5)/2) + 1 = floor(26/2) + 1 = 14.",
    ]
    # the numbers are the ones conv2d really uses
    assert convviz.same_padding(28, 5, stride=2) == (1, 2)
    assert convviz.conv2d(np.zeros((28, 28)), np.zeros((5, 5)), strides=2, padding="same").shape == (14, 14)


def test_the_article_5x5_input_3x3_kernel_and_the_pooling_halving():
    assert convviz.derive_shape(5, 3).output_size == 3
    assert "floor((5 + 0 - 3)/1) + 1 = floor(2/1) + 1 = 3." in convviz.explain_shape(5, 3)
    assert convviz.derive_shape(28, 2, stride=2).output_size == 14


def test_dilation_and_uncovered_cells_are_explained():
    text = convviz.explain_shape(5, 3, dilation=3, padding="same")
    assert "3*(3-1) + 1 = 7 cells. (Dilation spreads the kernel's cells apart.)" in text
    assert "p = 6 is even: 3 before (top/left) and 3 after (bottom/right)" in text
    text = convviz.explain_shape(28, 5, stride=2, padding="full")
    assert "k_eff - 1 = 4 cells on each side" in text and "= 16." in text
    assert "31 is not a multiple of 2: the last 1 padded cell is never covered" in text


def test_transposed_7_to_14_crops_1_before_and_2_after():
    d = convviz.derive_shape(7, 5, stride=2, padding="same", transposed=True)
    assert (d.output_size, d.pad_before, d.pad_after) == (14, 1, 2)
    assert "(n-1)*s + k_eff = (7-1)*2 + 5 = 17 cells" in d.text
    assert "keeps n*s = 7*2 = 14 cells: it crops 17 - 14 = 3 cells off the scatter" in d.text
    assert "crop the smaller half before and the extra cell after: 1 before (top/left), " \
           "2 after (bottom/right)" in d.text
    assert "maps inputs of 13 to 14 cells all to 7 outputs" in d.text
    x = np.zeros((7, 7))
    assert convviz.conv2d_transpose(x, np.zeros((5, 5)), strides=2, padding="same").shape == (14, 14)


def test_transposed_kernel_shorter_than_stride_explains_the_added_zeros():
    d = convviz.derive_shape(3, 1, stride=3, transposed=True)
    assert (d.output_size, d.pad_before, d.pad_after) == (9, 0, -2)
    assert "Keras adds max(k_eff, s) - k_eff = 2 zero cells at the end so that the output " \
           "is n*s = 9" in d.text


def test_transposed_explicit_padding_and_output_padding():
    d = convviz.derive_shape(3, 3, stride=2, padding=1, transposed=True, output_padding=1)
    assert (d.output_size, d.pad_before, d.pad_after) == (6, 1, 0)
    assert "1 at the start, 1 at the end, and output_padding adds back 1 at the end" in d.text


# --------------------------------------------------------------------------- invalid settings
@pytest.mark.parametrize("args, kwargs, expected", [
    ((3, 5), {}, "Invalid: the kernel spans k_eff = 5 cells but the padded input has only "
                 "n + p = 3 + 0 = 3: there is no place to put it. Use padding 'same'"),
    ((5, 3), dict(dilation=3), "Invalid: the kernel spans k_eff = 7 cells but the padded input "
                               "has only n + p = 5 + 0 = 5"),
    ((28, 5), dict(stride=0), "Invalid: stride must be >= 1, got 0: the stride is how far the "
                              "window moves; with 0 it would never move."),
    ((28, 0), {}, "Invalid: kernel size must be >= 1, got 0"),
    ((0, 3), {}, "Invalid: input size must be >= 1 cell, got 0"),
    ((28, 3), dict(dilation=0), "Invalid: dilation must be >= 1, got 0"),
    ((28, 3), dict(padding=-1), "Invalid: padding must be >= 0 cells on each side, got (-1, -1)."),
    ((28, 3), dict(padding="circular"), "Invalid: padding must be 'valid', 'same', 'full' or a "
                                        "number of cells, got 'circular'."),
    ((28, 3), dict(output_padding=1), "Invalid: output_padding only exists for transposed "
                                      "convolutions"),
    ((7, 5), dict(stride=2, padding="same", transposed=True, output_padding=2),
     "Invalid: output_padding must be smaller than strides, got output_padding=2 with strides=2: "
     "a stride-2 convolution maps 2 neighbouring input sizes to the same output size"),
    ((4, 2), dict(stride=2, padding="same", transposed=True, output_padding=0),
     "Invalid: output_padding=0 with padding='same' and an even (dilated) kernel size 2 gives 6 "
     "output cells, but a 'same' convolution with strides=2 maps 6 cells to ceil(6/2) = 3 "
     "positions, not the 4 of the input"),
    ((4, 3), dict(padding="full", transposed=True), "Invalid: padding 'full' has no transposed "
                                                    "counterpart"),
    ((2, 2), dict(padding=2, transposed=True), "Invalid: padding crops 2+2 cells off a transposed "
                                               "output of only 3 cells"),
])
def test_invalid_settings_are_explained_not_just_refused(args, kwargs, expected):
    d = convviz.derive_shape(*args, **kwargs)
    assert not d.ok and d.output_size is None and d.pad_before is None
    assert d.text.splitlines()[-1].startswith(expected), d.text
    assert d.problem and d.problem in d.text
    assert d.text.splitlines()[0].startswith(("Convolution", "Transposed convolution"))


@pytest.mark.parametrize("kwargs, pattern", [
    (dict(input_size=28.0, kernel_size=5), r"input_size must be an int, got 28.0"),
    (dict(input_size=28, kernel_size="5"), r"kernel_size must be an int, got '5'"),
    (dict(input_size=28, kernel_size=5, stride=True), r"stride must be an int, got True"),
    (dict(input_size=28, kernel_size=5, padding=(1, 2, 3)), r"padding must be .* got \(1, 2, 3\)"),
    (dict(input_size=28, kernel_size=5, transposed=True, output_padding=0.5),
     r"output_padding must be an int, got 0.5"),
])
def test_wrong_types_raise_naming_the_argument(kwargs, pattern):
    with pytest.raises(TypeError, match=pattern):
        convviz.derive_shape(**kwargs)


# --------------------------------------------------------------------------- agreement
@SIZES
@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 4), st.integers(1, 3), paddings)
def test_derivation_agrees_with_conv_output_size_and_resolve_padding(n, k, s, d, padding):
    result = convviz.derive_shape(n, k, s, padding, d)
    try:
        expected = convviz.conv_output_size(n, k, s, padding, d)
    except ValueError:
        event("invalid")
        assert not result.ok and "no place to put it" in result.problem
        return
    event("valid")
    assert result.ok and result.output_size == expected
    per_axis = (padding, (0, 0)) if isinstance(padding, tuple) else padding  # a pair: (before, after)
    pads = convviz.resolve_padding(per_axis, (n, 1), (k, 1), (s, 1), (d, 1))[0]
    assert (result.pad_before, result.pad_after) == pads
    assert result.text.splitlines()[-1 if "not a multiple" not in result.text else -2] \
        .endswith(f" = {expected}.")


@SIZES
@given(st.integers(1, 40), st.integers(1, 7), st.integers(1, 4), st.integers(1, 3),
       st.sampled_from(["valid", "same"]))
def test_derivation_agrees_with_keras_conv2d_output_shape(n, k, s, d, padding):
    import keras

    result = convviz.derive_shape(n, k, s, padding, d)
    if s > 1 and d > 1:   # Keras refuses this layer; its size rule is the dilated kernel's
        k, d = d * (k - 1) + 1, 1
    layer = keras.layers.Conv2D(1, (k, 1), strides=(s, 1), padding=padding, dilation_rate=(d, 1))
    try:
        expected = layer.compute_output_shape((1, n, 1, 1))[1]
    except ValueError:
        expected = None
    if expected is None or expected < 1:
        assert not result.ok
        return
    assert result.output_size == expected


@SIZES
@given(st.integers(1, 30), st.integers(1, 6), st.integers(1, 4), st.integers(1, 3),
       st.one_of(st.sampled_from(["valid", "same"]), st.integers(0, 3),
                 st.tuples(st.integers(0, 3), st.integers(0, 3))),
       st.one_of(st.none(), st.integers(0, 3)))
def test_transposed_derivation_agrees_with_the_size_helpers(n, k, s, d, padding, op):
    result = convviz.derive_shape(n, k, s, padding, d, transposed=True, output_padding=op)
    try:
        size = convviz.conv_transpose_output_size(n, k, s, padding, op, d)
        crop = convviz.conv_transpose_crop(n, k, s, padding, op, d)
    except ValueError as exc:
        event("invalid")
        assert not result.ok and str(exc) in result.text
        return
    event("valid")
    assert result.ok
    assert (result.output_size, result.pad_before, result.pad_after) == (size, *crop)
    assert f"Output: {size} {'cell' if size == 1 else 'cells'}." in result.text


def test_docstring_examples_run():
    for module in (convviz.shapes, convviz.transposed):
        failures, tried = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert tried > 0 and failures == 0, module.__name__


# --------------------------------------------------------------------------- the CLI
def test_cli_shape_prints_the_derivation(capsys):
    code = main(["shape", "--input", "28", "--kernel", "5", "--stride", "2", "--padding", "same"])
    out = capsys.readouterr().out
    assert code == 0
    assert out == convviz.explain_shape(28, 5, stride=2, padding="same") + "\n"
    assert "1 before (top/left), 2 after (bottom/right)" in out and out.rstrip().endswith("= 14.")


@pytest.mark.parametrize("argv, size", [
    (["--input", "28", "--kernel", "5", "--padding", "same"], "= 28."),
    (["--input", "5", "--kernel", "3", "--padding", "1,2", "--stride", "2"], "= 3."),
    (["--input", "5", "--kernel", "3", "--padding", "2"], "= 7."),
    (["--input", "5", "--kernel", "3", "--dilation", "2", "--padding", "FULL"], "= 9."),
    (["--input", "7", "--kernel", "5", "--stride", "2", "--padding", "same", "--transposed"],
     "Output: 14 cells."),
    (["--input", "3", "--kernel", "3", "--stride", "2", "--padding", "1", "--transposed",
      "--output-padding", "1"], "Output: 6 cells."),
])
def test_cli_shape_variants(capsys, argv, size):
    assert main(["shape", *argv]) == 0
    assert size in capsys.readouterr().out


def test_cli_shape_explains_an_invalid_setting_and_exits_1(capsys):
    code = main(["shape", "--input", "3", "--kernel", "5"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Invalid: the kernel spans k_eff = 5 cells but the padded input has only" in out
    code = main(["shape", "--input", "7", "--kernel", "3", "--stride", "2", "--transposed",
                 "--output-padding", "2"])
    assert code == 1 and "output_padding must be smaller than strides" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["--input", "28", "--kernel", "5", "--padding", "reflect"],
     "argument --padding: expected 'valid', 'same', 'full', an int or 'BEFORE,AFTER', got 'reflect'"),
    (["--input", "28", "--kernel", "5", "--padding", "1,2,3"],
     "argument --padding: expected at most two numbers 'BEFORE,AFTER', got '1,2,3'"),
    (["--input", "twenty", "--kernel", "5"], "argument --input: invalid int value: 'twenty'"),
    (["--kernel", "5"], "the following arguments are required: --input"),
])
def test_cli_shape_bad_arguments_name_the_argument(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(["shape", *argv])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
