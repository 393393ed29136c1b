"""Jupyter: what shows itself inline, and examples/convolution_by_hand.ipynb run top to bottom.

The displays are checked on their HTML/PNG: every number a trace's table shows is the
trace's own (read back from the table and compared array by array), a figure's PNG
decodes at the inline resolution, a video or page is embedded byte for byte. The
notebook is executed by nbclient in an ipykernel (the current interpreter's kernel,
with a quick model: 1 epoch on 2,000 images) and its outputs are read back: inline
images, the video (decoded frame by frame), the explorer's frame, the article's numbers.
"""
from __future__ import annotations

import base64
import html
import io
import json
import pathlib
import re
import shutil
import sys

import numpy as np
import pytest

from browser import needs_chromium, open_browser
from convviz import (receptive_field, show, trace_conv2d, trace_conv2d_transpose,
                     trace_depthwise_conv2d)
from convviz import notebook as N
from convviz.receptive import LayerSpec
from convviz.worked import multi_channel_example, single_channel_example

NOTEBOOK = pathlib.Path(__file__).resolve().parent.parent / "examples" / "convolution_by_hand.ipynb"


# --------------------------------------------------------------------------- reading HTML back
def numbers(grid_html: str) -> np.ndarray:
    """The numbers of one ``convviz-grid`` table, as a 2-D array."""
    rows = re.findall(r"<tr>(.*?)</tr>", grid_html)
    return np.array([[float(v) for v in re.findall(r"<td[^>]*>([^<]*)</td>", row)]
                     for row in rows])


def grids(page: str) -> list[str]:
    return re.findall(r'<table class="convviz-grid">.*?</table>', page)


def shaded(grid_html: str) -> np.ndarray:
    rows = re.findall(r"<tr>(.*?)</tr>", grid_html)
    return np.array([[cls == ' class="pad"' for cls in re.findall(r"<td([^>]*)>", row)]
                     for row in rows])


def step_cells(page: str) -> list[str]:
    """The text of every ``<td>`` of the steps table that is not inside a grid."""
    table = page[page.index('<table class="convviz-steps">'):]
    table = re.sub(r'<table class="convviz-grid">.*?</table>', "GRID", table)
    return [re.sub(r"<[^>]+>", " ", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", table)]


def conv_rows(page: str, channels: int) -> list[dict]:
    """A conv trace's table, one dict per step: a step's first row has 10 cells (step,
    output, window at, channel, 3 grids, sum, bias, total), each further channel 5."""
    cells, per = step_cells(page), 5 + 5 * channels
    rows = []
    for start in range(0, len(cells), per):
        first, rest = cells[start:start + 10], cells[start + 10:start + per]
        rows.append({"step": first[0], "output": first[1], "where": first[2],
                     "channels": [int(c) for c in [first[3]] + rest[0::5]],
                     "sums": [float(v) for v in [first[7]] + rest[4::5]],
                     "bias": float(first[8]), "total": float(first[9])})
    return rows


# --------------------------------------------------------------------------- traces
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_a_conv_trace_shows_every_number_of_every_step(padding):
    x, kernel, bias = multi_channel_example()
    trace = trace_conv2d(x, kernel, bias, padding=padding, strides=2,
                         data_format="channels_first")
    page = trace._repr_html_()
    tables = grids(page)
    c_in = trace.kernel.shape[1]
    for s, step in enumerate(trace.steps):
        for c in range(c_in):
            window, kern, products = tables[3 * (s * c_in + c): 3 * (s * c_in + c) + 3]
            np.testing.assert_array_equal(numbers(window), step.window_values[c])
            np.testing.assert_array_equal(shaded(window), step.is_padding)
            np.testing.assert_array_equal(numbers(kern), step.kernel[c])
            np.testing.assert_array_equal(numbers(products), step.products[c])
    maps = tables[3 * len(trace) * c_in:]
    assert len(maps) == 1
    np.testing.assert_array_equal(numbers(maps[0]), trace.feature_maps[0, 0])

    rows = conv_rows(page, c_in)
    assert len(rows) == len(trace)
    for row, step in zip(rows, trace.steps):
        assert row["step"] == str(step.index + 1)
        assert row["output"] == f"[{step.out_row}, {step.out_col}]"
        assert row["where"] == (f"rows {step.rows[0]}..{step.rows[-1]} "
                                f"cols {step.cols[0]}..{step.cols[-1]}")
        assert row["channels"] == [0, 1, 2]
        assert row["sums"] == step.channel_sums.tolist()
        assert (row["bias"], row["total"]) == (step.bias, step.total)
    (top, bottom), (left, right) = trace.pads
    assert (f"padding top {top}, bottom {bottom}, left {left}, right {right} → output "
            f"{trace.output_size[0]}x{trace.output_size[1]}; {len(trace)} steps") in page


def test_the_single_channel_table_shows_the_articles_numbers():
    trace = trace_conv2d(*single_channel_example())
    page = trace._repr_html_()
    totals = [float(t) for t in re.findall(r'class="total">([^<]*)<', page)]
    assert totals == [12, 12, 17, 10, 17, 19, 9, 6, 14]               # the article's output
    np.testing.assert_array_equal(numbers(grids(page)[-1]),
                                  [[12, 12, 17], [10, 17, 19], [9, 6, 14]])


def test_a_long_trace_shows_its_first_rows_and_says_so():
    x = np.arange(28 * 28).reshape(28, 28) % 7
    trace = trace_conv2d(x, np.ones((3, 3), int), padding="same")
    page = trace._repr_html_()
    totals = re.findall(r'class="total">([^<]*)<', page)
    assert len(totals) == N.MAX_ROWS == 40
    assert "Showing steps 1-40 of 784." in page
    assert "trace_html(trace, max_rows=None)" in page
    everything = N.trace_html(trace, max_rows=None)
    assert len(re.findall(r'class="total">', everything)) == 784
    assert "Showing steps" not in everything


def test_a_depthwise_trace_names_each_steps_own_channel():
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, size=(1, 4, 4, 3))
    trace = trace_depthwise_conv2d(x, rng.integers(-2, 3, size=(2, 2, 3, 1)))
    rows = conv_rows(trace._repr_html_(), 1)
    assert [r["channels"] for r in rows] == [list(s.channels) for s in trace.steps]
    assert sorted({r["channels"][0] for r in rows}) == [0, 1, 2]


def test_many_feature_maps_are_capped_with_a_note():
    rng = np.random.default_rng(2)
    trace = trace_conv2d(rng.integers(0, 3, size=(1, 4, 4, 1)),
                         rng.integers(-1, 2, size=(3, 3, 1, 10)))
    page = trace._repr_html_()
    assert page.count("<figcaption>output (image 0, channel") == N.MAX_MAPS == 8
    assert "… and 2 more" in page


def test_a_transposed_trace_shows_each_stamp():
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, size=(1, 2, 2, 1))
    kernel = rng.integers(-2, 3, size=(3, 3, 2, 1))       # (kh, kw, C_out, C_in)
    trace = trace_conv2d_transpose(x, kernel, np.array([1, -1]), strides=2, padding="same")
    page = trace._repr_html_()
    tables = grids(page)
    c_out = trace.kernel.shape[1]
    for s, step in enumerate(trace.steps):
        for k in range(c_out):
            kern, stamp = tables[2 * (s * c_out + k): 2 * (s * c_out + k) + 2]
            np.testing.assert_array_equal(numbers(kern), step.kernel[k])
            np.testing.assert_array_equal(numbers(stamp), step.value * step.kernel[k])
            np.testing.assert_array_equal(shaded(stamp), step.is_cropped)
    for k, grid in enumerate(tables[2 * len(trace) * c_out:]):
        np.testing.assert_array_equal(numbers(grid), trace.feature_maps[0, k])
    assert "bias 1 -1" in page


def test_a_receptive_field_shows_the_recurrence():
    field = receptive_field([LayerSpec(3, name="c1"), LayerSpec(2, stride=2, kind="pool",
                                                                 name="p1"),
                             LayerSpec(3, dilation=2, name="c2")], -1, 1, 1, input_size=16)
    cells = step_cells(field._repr_html_())
    rows = [cells[i:i + 10] for i in range(0, len(cells), 10)]
    assert [r[0] for r in rows] == ["c1", "p1", "c2"]
    for row, step in zip(rows, field.steps):
        assert row[7] == str(step.jump_out) and row[8] == str(step.size_out)
        assert row[9] == str(step.start_out)
    assert f"sees input rows {field.rows[0]}..{field.rows[-1]}" in field._repr_html_()


# --------------------------------------------------------------------------- figures
def test_a_figure_made_without_pyplot_shows_as_a_png_under_ipython():
    from IPython.core.interactiveshell import InteractiveShell
    from PIL import Image

    from matplotlib.figure import Figure

    from convviz.plot import INLINE_DPI, plot_conv_step

    fig = plot_conv_step(trace_conv2d(*single_channel_example()), 4)
    formatter = InteractiveShell.instance().display_formatter
    with pytest.raises(KeyError):      # no pyplot backend registered a printer for figures
        formatter.formatters["image/png"].lookup_by_type(Figure)
    formats, _ = formatter.format(fig)
    png = formats["image/png"]
    if isinstance(png, str):
        png = base64.b64decode(png)
    image = Image.open(io.BytesIO(png))
    width, height = fig.get_size_inches() * INLINE_DPI
    assert image.format == "PNG"
    assert abs(image.size[0] - width) < 0.15 * width and abs(image.size[1] - height) < 0.15 * height


# --------------------------------------------------------------------------- show()
def test_show_embeds_a_video_an_image_and_a_page_byte_for_byte(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)))
    shown = show(video)._repr_html_()
    source = re.search(r'src="data:video/mp4;base64,([^"]+)"', shown).group(1)
    assert base64.b64decode(source) == video.read_bytes() and "<video controls" in shown

    gif = tmp_path / "a.gif"
    gif.write_bytes(b"GIF89a" + bytes(20))
    assert base64.b64decode(re.search(r"base64,([^\"]+)", show(gif)._repr_html_())
                            .group(1)) == gif.read_bytes()

    page = tmp_path / "p.html"
    page.write_text("<!doctype html><html><head><title>t</title></head>"
                    "<body><a href='#b'>b</a></body></html>")
    frame = show(page)._repr_html_()
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert inner.startswith("<!doctype html><html><head><title>t</title><script>")
    assert inner.endswith("</head><body><a href='#b'>b</a></body></html>")
    assert 'sandbox="allow-scripts"' in frame


def test_show_refuses_what_it_cannot_show(tmp_path, monkeypatch):
    with pytest.raises(TypeError, match="got int"):
        show(3)
    with pytest.raises(ValueError, match=r"obj must end with \.mp4.*got 'notes.txt'"):
        show("notes.txt")
    with pytest.raises(FileNotFoundError, match="video 'missing.mp4' does not exist"):
        show("missing.mp4")
    big = tmp_path / "big.mp4"
    big.write_bytes(bytes(2000))
    monkeypatch.setattr(N, "MAX_EMBED_BYTES", 1000)
    with pytest.raises(ValueError, match="quality='low'"):
        show(big)
    trace = trace_conv2d(*single_channel_example())
    assert show(trace) is trace                                  # shows itself already


def test_the_inline_explorer_is_the_page_convviz_explore_writes(tmp_path):
    from convviz.explore import write_explorer

    written = write_explorer(tmp_path / "explore.html")
    frame = N.explorer()._repr_html_()
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert inner.replace(N._IN_PAGE_LINKS, "", 1) == written.path.read_text(encoding="utf-8")
    assert written._repr_html_() == show(written.path)._repr_html_()


@needs_chromium
def test_a_link_inside_an_embedded_page_scrolls_it_instead_of_leaving(tmp_path):
    page = ("<!doctype html><html><head><title>t</title></head><body>"
            "<a id='go' href='#far'>far</a><div style='height:3000px'></div>"
            "<h2 id='far'>far</h2></body></html>")
    host = tmp_path / "host.html"
    host.write_text(f"<!doctype html><html><body>{N.Page(page, 400)._repr_html_()}</body></html>")
    with open_browser(tmp_path) as driver:
        driver.get(host.as_uri())
        driver.switch_to.frame(driver.find_element("css selector", "iframe"))
        driver.find_element("id", "go").click()
        assert driver.execute_script("return location.href") == "about:srcdoc"
        assert driver.execute_script("return window.scrollY") > 2000


# --------------------------------------------------------------------------- the notebook
def test_the_committed_notebook_has_no_outputs():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)
    assert nb.metadata.kernelspec.name == "python3"
    parameters = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1 and "CONVVIZ_NOTEBOOK_EPOCHS" in parameters[0].source


def _outputs(nb, kind):
    return [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.outputs if kind in o.get("data", {})]


@pytest.mark.slow
@pytest.mark.render
def test_the_notebook_runs_top_to_bottom(tmp_path, monkeypatch):
    import nbclient
    import nbformat
    from PIL import Image

    from convviz.render import read_video

    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import sys, json, convviz; print(json.dumps([sys.executable, convviz.__file__]))"))
    monkeypatch.setenv("CONVVIZ_NOTEBOOK_EPOCHS", "1")
    monkeypatch.setenv("CONVVIZ_NOTEBOOK_N_TRAIN", "2000")
    work = tmp_path / "work"
    work.mkdir()
    client = nbclient.NotebookClient(nb, timeout=900, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()                               # raises CellExecutionError on any error

    streams = [(o.name, o.text) for c in nb.cells if c.cell_type == "code"
               for o in c.outputs if o.output_type == "stream"]
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]
    # no TensorFlow start-up lines, no warnings from convviz (a first matplotlib import on
    # a fresh machine may say once that it builds its font cache)
    stderr = [line for name, text in streams if name == "stderr" for line in text.splitlines()
              if line.strip() and "font cache" not in line]
    assert stderr == []
    executable, package = json.loads(streams[-1][1])
    assert executable == sys.executable                        # this venv's interpreter
    assert pathlib.Path(package).parent == pathlib.Path(__file__).resolve().parent.parent / "convviz"
    printed = "".join(text for _, text in streams)
    assert "sum + bias: [[7, 6, 5], [4, 4, 6], [8, 5, 2]]" in printed
    assert "floor(27/1) + 1 = 28" in printed                 # explain_shape of conv1
    assert "(1 epoch(s), 2,000 training images)" in printed  # the parameter cell was read
    difference = float(re.search(r"largest difference from Keras: (\S+)", printed).group(1))
    assert difference < 1e-5

    pngs = _outputs(nb, "image/png")
    assert len(pngs) >= 5                          # digits, 2 steps, filters, feature maps
    for _, output in pngs:
        assert Image.open(io.BytesIO(base64.b64decode(output.data["image/png"]))).size[0] > 300

    pages = [o.data["text/html"] for _, o in _outputs(nb, "text/html")]
    tables = [p for p in pages if 'class="convviz-steps"' in p]
    assert [float(t) for t in re.findall(r'class="total">([^<]*)<', tables[0])] == [
        12, 12, 17, 10, 17, 19, 9, 6, 14]
    videos = [p for p in pages if "<video" in p]
    assert len(videos) == 1
    mp4 = tmp_path / "shown.mp4"
    mp4.write_bytes(base64.b64decode(re.search(r"base64,([^\"]+)", videos[0]).group(1)))
    n_frames, size, _ = read_video(mp4)
    assert n_frames > 100 and size == (854, 480)
    frames = [p for p in pages if "<iframe" in p]
    assert len(frames) == 1
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', frames[0]).group(1))
    data = json.loads(re.search(r'<script type="application/json" id="convviz-data">(.*?)</script>',
                                inner, re.S).group(1))
    assert data["net"]["model"]["name"] == "simple_cnn"
    assert [d["index"] for d in data["net"]["digits"]] == [0, 1, 2]
    assert list(work.iterdir()) == []               # the notebook wrote nothing beside itself
    shutil.rmtree(work)
