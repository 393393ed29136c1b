"""convviz.plot: what each figure shows is checked against the data it was given."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.figure import Figure

from convviz import trace_conv2d
from convviz.plot import (
    confusion_matrix,
    format_number,
    plot_confusion,
    plot_conv_step,
    plot_digits,
    plot_feature_maps,
    plot_filters,
    plot_history,
    save_figure,
    window_sentence,
    SMALL,
)
from convviz.worked import multi_channel_example, single_channel_example

RNG = np.random.default_rng(3)


def image_axes(fig):
    return [ax for ax in fig.axes if ax.images]


def axes_labelled(fig, label):
    found = [ax for ax in fig.axes if ax.get_label() == label]
    assert len(found) == 1, f"expected one axes labelled {label!r}, found {len(found)}"
    return found[0]


def cell_texts(ax, shape):
    """The strings written in the cells of a grid axes, as an array of ``shape``."""
    grid = np.full(shape, "", dtype=object)
    for text in ax.texts:
        j, i = text.get_position()
        grid[int(round(i)), int(round(j))] = text.get_text()
    return grid


def as_numbers(texts):
    return np.vectorize(float)(texts).astype(float)


def figure_texts(fig):
    """Every free text of a figure and of its subfigures, in order."""
    return [t.get_text() for f in [fig, *fig.subfigs] for t in f.texts]


def smallest_text_pt(fig):
    """The smallest font size (points) of any visible, non-empty text once drawn."""
    from matplotlib.text import Text

    fig.draw_without_rendering()                   # lays out ticks and colour bars
    sizes = [t.get_fontsize() for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip()]
    return min(sizes)


# ----------------------------------------------------------------- digits
def test_plot_digits_draws_each_image_in_gray_with_its_label():
    images = RNG.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    fig = plot_digits(images, [5, 0, 4, 1])
    axes = image_axes(fig)
    assert len(axes) == 4
    for ax, img, label in zip(axes, images, [5, 0, 4, 1]):
        np.testing.assert_array_equal(ax.images[0].get_array(), img)
        assert ax.images[0].get_cmap().name == "gray"
        assert ax.get_title() == f"label {label}"
    # the article's 2x2 layout: two distinct columns and two distinct rows
    xs = {round(ax.get_position().x0, 3) for ax in axes}
    ys = {round(ax.get_position().y0, 3) for ax in axes}
    assert len(xs) == 2 and len(ys) == 2


@pytest.mark.parametrize("n, rows, cols", [(1, 1, 1), (5, 2, 3), (9, 3, 3), (10, 3, 4)])
def test_plot_digits_lays_any_count_out_near_square(n, rows, cols):
    fig = plot_digits(RNG.random((n, 28, 28)))
    axes = image_axes(fig)
    assert len(axes) == n
    assert len({round(ax.get_position().x0, 3) for ax in axes}) == cols
    assert len({round(ax.get_position().y0, 3) for ax in axes}) == rows


def test_plot_digits_accepts_channel_axes_flat_images_and_one_hot_labels():
    images = RNG.random((2, 28, 28))
    for variant in (images[..., None], images[:, None], images.reshape(2, 784)):
        axes = image_axes(plot_digits(variant, np.eye(10)[[3, 8]]))
        np.testing.assert_array_equal(axes[1].images[0].get_array(), images[1])
        assert axes[1].get_title() == "label 8"
    with pytest.raises(ValueError, match=r"labels must have one entry per image \(2\)"):
        plot_digits(images, [1, 2, 3])
    with pytest.raises(ValueError, match=r"images must be .*got shape \(2, 3, 28, 28\)"):
        plot_digits(RNG.random((2, 3, 28, 28)))


# ----------------------------------------------------------------- filters
def test_plot_filters_single_channel_one_tile_per_filter_with_symmetric_shared_scale():
    kernel = RNG.normal(size=(5, 5, 1, 32))
    kernel[0, 0, 0, 7] = 3.5  # the largest magnitude, positive
    fig = plot_filters(kernel)
    axes = image_axes(fig)
    assert len(axes) == 32
    for f, ax in enumerate(axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), kernel[:, :, 0, f])
        assert ax.images[0].get_clim() == (-3.5, 3.5)
        assert ax.get_title() == f"filter {f}"
    colorbars = [ax for ax in fig.axes if ax.get_ylabel().startswith("weight")]
    assert len(colorbars) == 1
    assert axes[0].images[0].get_cmap().name == "RdBu_r"


def test_plot_filters_multi_channel_one_row_per_filter_one_column_per_channel():
    kernel = RNG.normal(size=(3, 3, 4, 6))
    kernel[1, 1, 2, 3] = -9.0  # the largest magnitude is negative: vmin -9, vmax +9
    axes = image_axes(plot_filters(kernel))
    assert len(axes) == 6 * 4
    grid = np.empty((6, 4), dtype=object)
    for k, ax in enumerate(axes):  # created row by row; the positions below prove it
        grid[divmod(k, 4)] = ax
    for f in range(6):
        for c in range(4):
            ax = grid[f, c]
            np.testing.assert_array_equal(ax.images[0].get_array(), kernel[:, :, c, f])
            assert ax.images[0].get_clim() == (-9.0, 9.0)
            # same filter -> same row (height), same channel -> same column
            assert ax.get_position().y0 == pytest.approx(grid[f, 0].get_position().y0)
            assert ax.get_position().x0 == pytest.approx(grid[0, c].get_position().x0)
    assert grid[0, 0].get_position().y0 > grid[1, 0].get_position().y0  # filter 0 on top
    assert grid[0, 2].get_title() == "ch 2" and grid[4, 0].get_ylabel() == "filter 4"


def test_plot_filters_limits_and_annotations():
    kernel = RNG.normal(size=(5, 5, 32, 64))
    fig = plot_filters(kernel, max_filters=4, max_channels=3)
    axes = image_axes(fig)
    assert len(axes) == 12
    vmax = np.abs(kernel[:, :, :3, :4]).max()
    assert axes[0].images[0].get_clim() == (-vmax, vmax)
    heading = " ".join(fig.get_suptitle().split())
    assert "first 4 of 64 filters" in heading and "first 3 of 32 input channels" in heading

    small = np.array([[1.0, -2.0], [0.5, 0.0]])
    ax = image_axes(plot_filters(small))[0]
    np.testing.assert_array_equal(as_numbers(cell_texts(ax, (2, 2))), small)


def test_plot_filters_refuses_bad_kernels():
    with pytest.raises(ValueError, match=r"kernel must be \(kh, kw, C_in, C_out\).*\(3, 3, 4\)"):
        plot_filters(np.zeros((3, 3, 4)))
    with pytest.raises(ValueError, match="max_filters must be a positive int"):
        plot_filters(np.zeros((3, 3, 1, 2)), max_filters=0)


# ----------------------------------------------------------------- feature maps
def test_plot_feature_maps_one_tile_per_channel_titled_with_index_and_shape():
    maps = RNG.random((2, 28, 28, 32)).astype("float32")
    fig = plot_feature_maps(maps, image=1)
    axes = image_axes(fig)
    assert len(axes) == 32
    for c, ax in enumerate(axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), maps[1, :, :, c])
        assert ax.get_title() == str(c)
        assert ax.images[0].get_clim() == (maps[1].min(), maps[1].max())
    assert "output (28, 28, 32) = 32 feature maps of 28×28" in figure_texts(fig)


def test_plot_feature_maps_reads_channels_first():
    maps = RNG.random((1, 5, 6, 7))  # (N, C, H, W)
    fig = plot_feature_maps(maps, data_format="channels_first")
    axes = image_axes(fig)
    assert len(axes) == 5
    np.testing.assert_array_equal(axes[4].images[0].get_array(), maps[0, 4])
    texts = figure_texts(fig)
    assert "output (5, 6, 7) = 5 feature maps of 6×7" in texts
    assert texts[0] == ("Shapes are written (channels, height, width): the data format is "
                        "channels_first; a tile's title is its channel index.")


def test_plot_feature_maps_of_several_layers_and_the_input():
    maps = {"conv1": RNG.random((1, 24, 24, 30)), "pool1": RNG.random((1, 12, 12, 30)),
            "conv2": RNG.random((1, 10, 10, 15))}
    digit = RNG.random((28, 28))
    fig = plot_feature_maps(maps, title="digit 7", input_image=digit, max_channels=20)
    axes = image_axes(fig)
    assert len(axes) == 1 + 20 + 20 + 15
    np.testing.assert_array_equal(axes[0].images[0].get_array(), digit)
    texts = figure_texts(fig)
    assert "conv1: output (24, 24, 30) = 30 feature maps of 24×24, the first 20 shown" in texts
    assert "conv2: output (10, 10, 15) = 15 feature maps of 10×10" in texts
    assert "input: one 28×28 image" in texts
    assert "digit 7" in texts
    notation = [t for t in texts if t.startswith("Shapes are")]
    assert notation == ["Shapes are written (height, width, channels): the data format is "
                        "channels_last; a tile's title is its channel index."]  # said once


def test_plot_feature_maps_names_each_layers_format_when_they_differ():
    maps = {"a": RNG.random((1, 3, 4, 5)), "b": RNG.random((1, 6, 7, 2))}
    fig = plot_feature_maps(maps, data_format={"a": "channels_last", "b": "channels_first"})
    texts = figure_texts(fig)
    assert "a: output (3, 4, 5) = 5 feature maps of 3×4   [channels_last: (height, width, " \
           "channels)]" in texts
    assert "b: output (6, 7, 2) = 6 feature maps of 7×2   [channels_first: (channels, height, " \
           "width)]" in texts
    assert texts[0].startswith("Shapes are in each layer's own data format")


def test_plot_feature_maps_colour_bar_is_labelled_and_spans_the_layer():
    maps = {"conv1": RNG.random((1, 6, 6, 4)) * 3, "pool1": RNG.random((1, 3, 3, 4))}
    fig = plot_feature_maps(maps)
    bars = [ax for ax in fig.axes if ax.get_ylabel() == "activation"]
    assert len(bars) == 2                                   # one per layer
    for bar, values in zip(bars, maps.values()):
        assert bar.get_ylim() == pytest.approx((values.min(), values.max()))
    assert not [ax for ax in plot_feature_maps(maps, shared_scale=False).axes
                if ax.get_ylabel() == "activation"]


def test_plot_feature_maps_refuses_dense_outputs():
    with pytest.raises(ValueError, match="dense outputs have no maps"):
        plot_feature_maps(RNG.random(10))
    with pytest.raises(ValueError, match="data_format"):
        plot_feature_maps(RNG.random((4, 4, 2)), data_format="NHWC")


# ----------------------------------------------------------------- conv step
def assert_step_figure_matches_trace(fig, trace, k):
    s = trace[k]
    n_ch, hp, wp = trace.padded_input.shape[1:]
    kh, kw = trace.kernel_size
    for c in range(n_ch):
        shown_input = cell_texts(axes_labelled(fig, f"input[{c}]"), (hp, wp))
        np.testing.assert_allclose(as_numbers(shown_input), trace.padded_input[s.batch, c],
                                   rtol=5e-3, atol=1e-12)  # 3 significant digits
        for name, values in (("kernel", s.kernel[c]), ("products", s.products[c])):
            shown = as_numbers(cell_texts(axes_labelled(fig, f"{name}[{c}]"), (kh, kw)))
            np.testing.assert_allclose(shown, values, rtol=5e-3, atol=1e-12)
        shown_sum = as_numbers(cell_texts(axes_labelled(fig, f"sum[{c}]"), (1, 1)))[0, 0]
        assert shown_sum == pytest.approx(s.channel_sums[c], rel=5e-3)
    assert float(axes_labelled(fig, "bias").texts[0].get_text()) == pytest.approx(s.bias, rel=5e-3)
    assert float(axes_labelled(fig, "total").texts[0].get_text()) == pytest.approx(s.total, rel=5e-3)
    oh, ow = trace.output_size
    out = cell_texts(axes_labelled(fig, "output"), (oh, ow))
    written = [(i, j) for i in range(oh) for j in range(ow) if out[i, j]]
    # cells of this and earlier steps are filled in, in sliding order; later ones blank
    assert written == [(i, j) for i in range(oh) for j in range(ow)][: s.out_row * ow + s.out_col + 1]
    for i, j in written:
        assert float(out[i, j]) == pytest.approx(trace.feature_maps[s.batch, s.filter, i, j], rel=5e-3)


@pytest.mark.parametrize("k", [0, 4, 8])
def test_plot_conv_step_single_channel_numbers_come_from_the_trace(k):
    x, kernel = single_channel_example()
    trace = trace_conv2d(x, kernel)
    fig = plot_conv_step(trace, k)
    assert_step_figure_matches_trace(fig, trace, k)
    # hand-checked: step 5 writes output[1, 1] = 17 of the classic example
    if k == 4:
        assert axes_labelled(fig, "total").texts[0].get_text() == "17"


def test_plot_conv_step_multi_channel_one_row_per_channel_plus_the_sum():
    x, kernel, bias = multi_channel_example()
    trace = trace_conv2d(x, kernel, bias, data_format="channels_first")
    fig = plot_conv_step(trace, 0)
    assert_step_figure_matches_trace(fig, trace, 0)
    rows = [axes_labelled(fig, f"products[{c}]").get_position().y0 for c in range(3)]
    assert rows[0] > rows[1] > rows[2]  # channel 0 on top, one row each
    assert axes_labelled(fig, "total").get_position().y0 < rows[2]  # the sum below them
    # hand-checked: red 0, green 3, blue 3, bias 1 -> 7
    assert [t.get_text() for c in range(3) for t in axes_labelled(fig, f"sum[{c}]").texts] == \
        ["0", "3", "3"]
    assert axes_labelled(fig, "total").texts[0].get_text() == "7"


def test_plot_conv_step_with_padding_stride_floats_and_several_filters():
    x = RNG.normal(size=(2, 6, 5, 2))
    kernel = RNG.normal(size=(3, 3, 2, 2))
    trace = trace_conv2d(x, kernel, RNG.normal(size=2), strides=2, padding="same")
    for k in (0, 7, -1):
        fig = plot_conv_step(trace, k)
        assert_step_figure_matches_trace(fig, trace, k % len(trace))
    fig = plot_conv_step(trace, trace[5])
    assert_step_figure_matches_trace(fig, trace, 5)


def test_the_step_sentence_says_where_the_kernel_is_in_plain_words():
    x, kernel = single_channel_example()
    trace = trace_conv2d(x, kernel)
    assert window_sentence(trace, trace[4]) == (
        "The 3×3 kernel covers rows 1–3 and columns 1–3 of the input; it moves 1 cell at a "
        "time; no zeros are added around the input.")
    fig = plot_conv_step(trace, 4)
    assert window_sentence(trace, trace[4]) in figure_texts(fig)
    # 4x4 input, stride 2, "same": one row/column of zeros, at the bottom and right only
    trace = trace_conv2d(x[:4, :4], kernel, strides=2, padding="same")
    assert trace.pads == ((0, 1), (0, 1))
    assert window_sentence(trace, trace[3]) == (
        "The 3×3 kernel covers rows 2–4 and columns 2–4 of the zero-bordered input; it moves "
        "2 cells at a time; zeros added: 1 row at the bottom, 1 column on the right.")
    # different strides per axis, padding on every side, a dilated (gapped) window
    trace = trace_conv2d(RNG.random((1, 7, 7, 1)), RNG.random((2, 2, 1, 1)), strides=(1, 3),
                         padding=((2, 1), (1, 3)), dilation_rate=2)
    assert window_sentence(trace, trace[0]) == (
        "The 2×2 kernel covers rows 0, 2 and columns 0, 2 of the zero-bordered input; it "
        "moves 1 row down and 3 columns across at a time; zeros added: 2 rows on top, 1 row "
        "at the bottom, 1 column on the left, 3 columns on the right.")


def test_plot_conv_step_refuses_bad_steps():
    x, kernel = single_channel_example()
    trace = trace_conv2d(x, kernel)
    with pytest.raises(ValueError, match=r"step must be in \[-9, 8\].*got 9"):
        plot_conv_step(trace, 9)
    with pytest.raises(TypeError, match="trace must be a ConvTrace"):
        plot_conv_step(x, 0)


def test_format_number():
    assert [format_number(v) for v in (12, -3.0, 0.15349, -1.25e-5, -0.0)] == \
        ["12", "-3", "0.153", "-1.25e-05", "0"]


# ----------------------------------------------------------------- training
HISTORY = {"loss": [0.5, 0.3, 0.2], "accuracy": [0.8, 0.9, 0.95],
           "val_loss": [0.4, 0.35, 0.3], "val_accuracy": [0.85, 0.88, 0.9]}


def test_plot_history_draws_train_and_validation_curves():
    fig = plot_history(HISTORY)
    ax_loss, ax_acc = fig.axes[:2]
    assert (ax_loss.get_title(), ax_acc.get_title()) == ("loss", "accuracy")
    for ax, metric in ((ax_loss, "loss"), (ax_acc, "accuracy")):
        lines = {line.get_label(): line for line in ax.lines}
        assert set(lines) == {"train", "validation"}
        np.testing.assert_array_equal(lines["train"].get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(lines["train"].get_ydata(), HISTORY[metric])
        np.testing.assert_array_equal(lines["validation"].get_ydata(), HISTORY["val_" + metric])
        assert lines["validation"].get_linestyle() == "--"


def test_plot_history_names_the_validation_curves_as_asked():
    fig = plot_history(HISTORY, val_label="test")
    for ax in fig.axes[:2]:
        assert [line.get_label() for line in ax.lines] == ["train", "test"]
        assert ax.get_legend().get_texts()[1].get_text() == "test"
    with pytest.raises(ValueError, match=r"val_label must be a non-empty str, got ''"):
        plot_history(HISTORY, val_label="")


def test_plot_history_compares_models():
    other = {"loss": [0.9, 0.1], "accuracy": [0.7, 0.99]}
    fig = plot_history({"mlp": HISTORY, "cnn": other})
    labels = [line.get_label() for line in fig.axes[1].lines]
    assert labels == ["mlp train", "mlp validation", "cnn train"]
    np.testing.assert_array_equal(fig.axes[1].lines[2].get_ydata(), [0.7, 0.99])
    with pytest.raises(ValueError, match="'loss'"):
        plot_history({"accuracy": [1.0]})


def test_confusion_matrix_counts_by_hand():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 0, 2]
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred),
                                  [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    one_hot = np.eye(4)[y_true]
    assert confusion_matrix(one_hot, y_pred).shape == (4, 4)


class FixedPredictor:
    """A 'model' whose class scores are given: predict returns them."""

    def __init__(self, scores):
        self.scores = np.asarray(scores, float)

    def predict(self, x, batch_size=None, verbose=0):
        return self.scores[np.asarray(x, int)]


def test_plot_confusion_writes_the_counts_and_the_accuracy():
    scores = np.eye(3)[[0, 1, 1, 2, 0, 2]]  # predictions for images 0..5
    model = FixedPredictor(scores)
    fig = plot_confusion(model, np.arange(6), np.array([0, 0, 1, 2, 2, 2]))
    ax = image_axes(fig)[0]
    shown = cell_texts(ax, (3, 3))
    shown[shown == ""] = "0"
    np.testing.assert_array_equal(as_numbers(shown), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    assert ax.get_title() == "accuracy 66.67% on 6 images"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted", "true")


def test_plot_confusion_sets_the_right_answers_apart_and_colours_mistakes_on_a_log_scale():
    from matplotlib.colors import LogNorm, to_rgba

    from convviz.plot import RIGHT_COLOR

    y_true = np.repeat(np.arange(3), 400)
    y_pred = y_true.copy()
    y_pred[:1] = 1                    # one 0 read as 1
    y_pred[400:440] = 2               # forty 1s read as 2
    fig = plot_confusion(FixedPredictor(np.eye(3)[y_pred]), np.arange(1200), y_true)
    ax = image_axes(fig)[0]
    mistakes, right = ax.images
    shown = mistakes.get_array()
    assert shown.mask[np.eye(3, dtype=bool)].all()           # the diagonal is not a mistake
    assert shown[0, 1] == 1 and shown[1, 2] == 40
    assert shown.mask[np.asarray(confusion_matrix(y_true, y_pred)) == 0].all()  # zeros blank
    norm = mistakes.norm
    assert isinstance(norm, LogNorm) and (norm.vmin, norm.vmax) == (1, 40)
    one, forty = mistakes.cmap(norm(1)), mistakes.cmap(norm(40))
    luminance = lambda rgba: 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]  # noqa: E731
    assert luminance(one) < 0.8                      # a single mistake is clearly coloured
    assert luminance(forty) < luminance(one) - 0.3  # and forty are darker
    np.testing.assert_allclose(right.get_array()[1, 1], to_rgba(RIGHT_COLOR))
    assert right.get_array()[0, 1, 3] == 0                  # transparent off the diagonal
    shown_counts = cell_texts(ax, (3, 3))
    assert shown_counts[1, 1] == "360" and shown_counts[1, 2] == "40" and shown_counts[0, 1] == "1"


def test_every_figure_text_is_at_least_small_points():
    """SMALL points are >= 14 px at the tour's 120 dpi (the page shows figures 1:1)."""
    assert SMALL * 120 / 72 >= 14
    x, kernel, bias = multi_channel_example()
    figures = {
        "digits": plot_digits(RNG.random((4, 28, 28)), [5, 0, 4, 1]),
        "filters": plot_filters(RNG.normal(size=(5, 5, 1, 32))),
        "filters, small tiles": plot_filters(RNG.normal(size=(5, 5, 1, 16)), tile=0.5),
        "filter stacks": plot_filters(RNG.normal(size=(3, 3, 4, 6))),
        "annotated": plot_filters(RNG.normal(size=(3, 3, 1, 4))),
        "maps": plot_feature_maps({"conv1": RNG.random((1, 28, 28, 32)),
                                   "pool1": RNG.random((1, 14, 14, 32))},
                                  input_image=RNG.random((28, 28)), title="t"),
        "conv step": plot_conv_step(trace_conv2d(x, kernel, bias,
                                                 data_format="channels_first"), 0),
        "floats": plot_conv_step(trace_conv2d(RNG.normal(size=(1, 5, 5, 2)),
                                              RNG.normal(size=(3, 3, 2, 1))), 3),
        "history": plot_history(HISTORY),
        "confusion": plot_confusion(FixedPredictor(np.eye(10)[RNG.integers(0, 10, 500)]),
                                    np.arange(500), RNG.integers(0, 10, 500)),
    }
    sizes = {name: smallest_text_pt(fig) for name, fig in figures.items()}
    assert all(size >= SMALL for size in sizes.values()), sizes


def test_many_small_filter_tiles_are_titled_by_index_and_say_so():
    fig = plot_filters(RNG.normal(size=(5, 5, 1, 16)), tile=0.5)
    axes = image_axes(fig)
    assert [ax.get_title() for ax in axes[:3]] == ["0", "1", "2"]
    assert "tile title = filter index" in fig.get_suptitle()


# ----------------------------------------------------------------- fig=/ax= and saving
def test_functions_draw_into_a_given_figure_or_subfigure():
    fig = Figure(figsize=(8, 8))
    top, bottom = fig.subfigures(2, 1)
    assert plot_digits(RNG.random((2, 8, 8)), fig=top) is fig
    assert plot_filters(RNG.normal(size=(3, 3, 1, 4)), fig=bottom) is fig
    assert len(image_axes(fig)) == 6
    other = Figure()
    ax = other.add_subplot()
    assert plot_confusion(FixedPredictor(np.eye(2)), np.arange(2), [0, 1], ax=ax) is other


def test_save_figure_writes_a_png_atomically(tmp_path):
    import matplotlib.image as mpimg

    path = save_figure(plot_digits(RNG.random((4, 28, 28))), tmp_path / "sub" / "digits.png", dpi=50)
    assert path == tmp_path / "sub" / "digits.png"
    pixels = mpimg.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert [p.name for p in path.parent.iterdir()] == ["digits.png"]  # no temp file left
    with pytest.raises(ValueError, match="image suffix"):
        save_figure(plot_digits(RNG.random((1, 4, 4))), tmp_path / "noext")
