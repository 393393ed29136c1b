"""`convviz explore`: the page shows convviz's numbers, checked in a real browser.

Part 1 (the arithmetic) needs numpy only: the page is written in-process and opened in
Debian's headless Chromium (tests/browser.py); what it shows after clicks, key presses,
taps and hovers is compared with ``trace_conv2d``, ``conv_output_size`` and
``explain_shape``. Part 2 (a real network, slow) uses small untrained models with
random weights, saved as .keras in both data formats: the embedded pre-activations
equal ``conv2d`` of the previous layer's output, and a clicked feature-map pixel
shows the core's window, kernels, channel sums, pre-activation and Keras' output.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from browser import (console_errors, needs_chromium, network_requests, open_browser,
                     page_overflow, screenshot)
from convviz import conv2d, conv_output_size, explain_shape, trace_conv2d
from convviz.cli import main
from convviz.explore import custom_example, write_explorer
from convviz.explore.arithmetic import CONTROLS, arithmetic_data
from convviz.worked import multi_channel_example, single_channel_example

WIDTHS = (390, 1366)


# --------------------------------------------------------------------------- helpers
def page_data(path) -> dict:
    """The JSON the page embeds (what its JavaScript reads)."""
    text = pathlib.Path(path).read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="convviz-data">(.*?)</script>',
                      text, re.S)
    return json.loads(match.group(1))


def decode(encoded) -> np.ndarray:
    import base64

    raw = np.frombuffer(base64.b64decode(encoded["f32"]), dtype="<f4")
    return raw.reshape(encoded["shape"])


def texts(driver, selector, attribute=None) -> list[str]:
    """textContent (or an attribute) of every element matching ``selector``."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])]"
        ".map(e => arguments[1] ? e.getAttribute(arguments[1]) : e.textContent)",
        selector, attribute)


def shown_numbers(driver, selector) -> list[float]:
    return [float(t) for t in texts(driver, selector)]


def click(driver, selector) -> None:
    element = driver.find_element("css selector", selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def choose(driver, control, value) -> None:
    """Click the label of a control's radio button, as a user does."""
    click(driver, f'label[for="ctl-{control}-{value}"]')


def smallest_font(driver) -> float:
    """The smallest computed font size (px) of any visible element holding text."""
    return driver.execute_script("""
        let smallest = Infinity;
        for (const e of document.body.querySelectorAll('*')) {
          const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
          if (!own || !e.getClientRects().length) continue;
          smallest = Math.min(smallest, parseFloat(getComputedStyle(e).fontSize));
        }
        return smallest;""")


def assert_quiet_and_fitting(driver, shot: pathlib.Path, width: int) -> None:
    assert console_errors(driver) == []
    assert network_requests(driver) == []
    assert page_overflow(driver) <= 0, f"the page is wider than {width} px"
    assert smallest_font(driver) >= 14
    screenshot(driver, shot)
    from PIL import Image

    with Image.open(shot) as image:
        assert image.width == width


@pytest.fixture(scope="module")
def article_page(tmp_path_factory) -> pathlib.Path:
    return write_explorer(tmp_path_factory.mktemp("explore") / "explore.html").path


# --------------------------------------------------------------------------- part 1, data
def test_every_setting_is_traced_and_an_impossible_one_carries_the_core_error():
    x, kernel = [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0, 1], [0, 1, 0], [1, 0, 2]]
    combos = arithmetic_data([custom_example(x, kernel, 5)])["examples"][0]["combos"]
    assert len(combos) == np.prod([len(v) for v in CONTROLS.values()]) == 120
    with pytest.raises(ValueError) as refused:      # dilated to 5 cells > 3 input cells
        conv2d(np.array(x), np.array(kernel), dilation_rate=2)
    assert combos["valid|1|2|cross_correlation|off"] == {
        "ok": False, "error": str(refused.value),
        "derivation": [{"axis": "height and width", "text": explain_shape(3, 3, 1, "valid", 2)}]}
    flipped = combos["same|2|1|convolution|on"]
    assert flipped["output"] == [conv2d(np.array(x), np.array(kernel), 5, strides=2,
                                        padding="same", mode="convolution").tolist()]
    assert flipped["kernel"] == [[np.array(kernel)[::-1, ::-1].tolist()]]


@pytest.mark.parametrize("args, message", [
    (([[1, 2], [3, 4]], [[1, 0], [0, 1]], [1, 2]), "bias must be one number or one per filter (1)"),
    ((np.ones((2, 4, 4)),), "kernel must be given for an input with 2 channels"),
    ((np.ones((4, 4)), np.ones((2, 2, 2))), "kernel has 2 channel(s) per filter but input has 1"),
    ((np.ones((13, 4)),), "input height and width must be <= 12"),
    ((np.ones((4, 4)), np.ones((1, 1, 8, 8))), "kernel height and width must be <= 7"),
    ((np.ones((2, 2, 2, 2)),), "input must be (H, W) or (C, H, W), got shape (2, 2, 2, 2)"),
])
def test_custom_example_refuses_bad_arrays_naming_them(args, message):
    with pytest.raises(ValueError) as error:
        custom_example(*args)
    assert message in str(error.value)


def test_cli_writes_the_page_and_explains_bad_input_in_one_line(tmp_path, capsys):
    out = tmp_path / "mine.html"
    assert main(["explore", "--no-model", "--input", "1 2 3; 4 5 6; 7 8 9",
                 "--kernel", "1 0; 0 1", "--bias", "2", "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    (example,) = page_data(out)["arith"]["examples"]
    assert example["input"] == [[[1, 2, 3], [4, 5, 6], [7, 8, 9]]] and example["bias"] == [2]
    for argv, expected in [
        (["--input", "1 2; 3 4", "--kernel", "1 0; 0 1 | 1 1; 1 1"],
         "kernel has 2 channel(s) per filter but input has 1"),
        (["--kernel", "1 0; 0 1"], "--kernel and --bias need --input too"),
        (["--digits", "1,2"], "digits, epochs and n_train need a model"),
    ]:
        assert main(["explore", "--no-model", "--out", str(tmp_path / "x.html"), *argv]) == 2
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "x.html").exists()


def test_cli_never_replaces_a_users_file_unannounced(tmp_path, capsys):
    out = tmp_path / "notes.html"
    out.write_text("<p>my notes</p>")
    assert main(["explore", "--no-model", "--out", str(out)]) == 2
    assert "was not written by convviz explore" in capsys.readouterr().err
    assert out.read_text() == "<p>my notes</p>"
    assert main(["explore", "--no-model", "--out", str(out), "--force"]) == 0
    assert main(["explore", "--no-model", "--out", str(out)]) == 0     # its own page: replaced
    assert "replaced" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["notes.html"]     # no temporary left


def test_part1_needs_no_tensorflow(tmp_path):
    code = ("import sys; from convviz.cli import main; "
            f"assert main(['explore', '--no-model', '--out', {str(tmp_path / 'p.html')!r}]) == 0; "
            "heavy = [m for m in ('tensorflow', 'keras', 'matplotlib', 'manim') if m in sys.modules]; "
            "assert not heavy, heavy")
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy())


def test_page_is_one_self_contained_file(article_page):
    html = article_page.read_text(encoding="utf-8")
    assert '<meta name="generator" content="convviz explore">' in html
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#|data:)""", html)   # no file, no URL
    assert "http://" not in html and "https://" not in html
    assert html.count("</script>") == 2      # the data cannot close its element early


def test_the_tours_page_links_the_explorer(tmp_path):
    from convviz.tour import TourItem, write_index

    item = TourItem("explore", "page", "the explorer", "One offline page.", "explore.html",
                    section="How a convolution works")
    html = write_index(tmp_path, [item]).read_text()
    assert '<a href="explore.html"><b>Open the explorer</b></a>' in html
    assert "One offline page." in html


# --------------------------------------------------------------------------- part 1, browser
@needs_chromium
def test_clicked_cell_shows_the_trace_and_keys_touch_and_hover_move_it(article_page, tmp_path):
    x, kernel, bias = multi_channel_example()
    trace = trace_conv2d(x, kernel, bias, padding="full", dilation_rate=2,
                         mode="convolution", data_format="channels_first")
    (top, _), (left, _) = trace.pads

    def assert_shows(driver, i, j):
        step = trace.step_at(i, j)
        assert texts(driver, "#step-head")[0].startswith(
            f"Step {step.index + 1} of {len(trace)}: output row {i}, column {j}")
        chans = len(step.window_values)
        assert shown_numbers(driver, "#step-view .window-grid .cell") == \
            step.window_values.ravel().tolist()
        assert shown_numbers(driver, "#step-view .kernel-grid .cell") == step.kernel.ravel().tolist()
        assert shown_numbers(driver, "#step-view .products-grid .cell") == \
            step.products.ravel().tolist()
        assert [float(v) for v in texts(driver, "#step-view .channel-sum", "data-v")] == \
            step.channel_sums.tolist()
        assert shown_numbers(driver, ".step-total") == [step.total]
        assert texts(driver, "#step-view .total")[0].endswith(f"bias {step.bias} = {step.total}")
        # the window on the padded input: every highlighted cell, in every channel
        lit = driver.execute_script("""
            return [...document.querySelectorAll('#input-view .input-grid')].map(g =>
              [...g.querySelectorAll('.cell')].map((c, k) => c.classList.contains('win') ? k : -1)
                .filter(k => k >= 0));""")
        width = trace.padded_input.shape[3]
        expected = sorted((r + top) * width + (c + left) for r in step.rows for c in step.cols)
        assert lit == [expected] * chans
        assert texts(driver, "#output-view [aria-selected=true]", "data-step") == [str(step.index)]

    with open_browser(tmp_path, width=1366) as driver:
        driver.get(article_page.as_uri())
        click(driver, '[data-example="rgb"]')
        choose(driver, "padding", "full")
        choose(driver, "dilation", "2")
        choose(driver, "mode", "convolution")
        assert texts(driver, "label[for=ctl-bias-on]") == ["add 1"]
        click(driver, '#output-view [data-i="2"][data-j="5"]')
        assert_shows(driver, 2, 5)
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        active = driver.switch_to.active_element
        active.send_keys(Keys.ARROW_DOWN)
        assert_shows(driver, 3, 5)
        driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)
        assert_shows(driver, 3, 7)
        # hovering previews a cell; leaving the output brings the clicked one back
        ActionChains(driver).move_to_element(driver.find_element(
            "css selector", '#output-view [data-i="0"][data-j="0"]')).perform()
        assert_shows(driver, 0, 0)
        ActionChains(driver).move_to_element(driver.find_element("css selector", "h1")).perform()
        assert_shows(driver, 3, 7)
        # a tap (touch emulation) selects like a click
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
        cell = driver.find_element("css selector", '#output-view [data-i="8"][data-j="1"]')
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
        x0, y0 = driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                       "return [r.x + r.width / 2, r.y + r.height / 2]", cell)
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchStart",
                                                             "touchPoints": [{"x": x0, "y": y0}]})
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 5).until(lambda d: texts(
            d, "#output-view [aria-selected=true]", "data-step") == [str(trace.step_at(8, 1).index)])
        assert_shows(driver, 8, 1)
        assert console_errors(driver) == [] and network_requests(driver) == []


@needs_chromium
def test_stride_padding_and_dilation_give_the_cores_size_and_derivation(article_page, tmp_path):
    with open_browser(tmp_path, width=1366) as driver:
        driver.get(article_page.as_uri())
        for padding in CONTROLS["padding"]:
            choose(driver, "padding", padding)
            for stride in CONTROLS["stride"]:
                choose(driver, "stride", stride)
                for dilation in CONTROLS["dilation"]:
                    choose(driver, "dilation", dilation)
                    n = conv_output_size(5, 3, stride, padding, dilation)
                    assert texts(driver, "#output-size") == [f"{n} × {n}"]
                    assert texts(driver, "pre.derivation") == [
                        explain_shape(5, 3, stride, padding, dilation)]
                    assert len(texts(driver, "#output-view .cell.out")) == n * n
                    # the first cell's number is the core's
                    x, kernel = single_channel_example()
                    assert shown_numbers(driver, "#output-view .cell.out")[0] == conv2d(
                        x, kernel, strides=stride, padding=padding, dilation_rate=dilation)[0, 0]
        assert console_errors(driver) == []


@needs_chromium
def test_an_impossible_setting_shows_the_cores_error(tmp_path):
    page = write_explorer(tmp_path / "small.html", examples=[custom_example(
        [[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0, 1], [0, 1, 0], [1, 0, 1]])]).path
    with pytest.raises(ValueError) as refused:
        conv2d(np.ones((3, 3)), np.ones((3, 3)), dilation_rate=2)
    with open_browser(tmp_path, width=390) as driver:
        driver.get(page.as_uri())
        choose(driver, "dilation", "2")
        assert texts(driver, "#arith-error-text") == [str(refused.value)]
        assert driver.execute_script("return document.getElementById('stage').hidden")
        assert texts(driver, "pre.derivation") == [explain_shape(3, 3, 1, "valid", 2)]
        choose(driver, "padding", "1")                         # 5 padded cells: one output
        assert texts(driver, "#output-size") == ["1 × 1"]
        assert driver.execute_script("return document.getElementById('arith-error').hidden")
        assert console_errors(driver) == []


@needs_chromium
def test_play_steps_through_every_position(article_page, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    with open_browser(tmp_path, width=390) as driver:
        driver.get(article_page.as_uri())
        click(driver, "#play")
        seen = set()
        WebDriverWait(driver, 20).until(lambda d: seen.add(texts(
            d, "#output-view [aria-selected=true]", "data-step")[0]) or len(seen) >= 3)
        click(driver, "#play")                                 # pause
        paused = texts(driver, "#output-view [aria-selected=true]", "data-step")
        assert texts(driver, "#play") == ["▶ play every position"]
        assert texts(driver, "#output-view [aria-selected=true]", "data-step") == paused


@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_arithmetic_fits_the_screen_quietly(article_page, tmp_path, width):
    with open_browser(tmp_path, width=width) as driver:
        driver.get(article_page.as_uri())
        click(driver, '[data-example="rgb"]')                  # the largest grids
        choose(driver, "padding", "full")
        choose(driver, "dilation", "2")
        click(driver, '#output-view [data-i="4"][data-j="4"]')
        assert_quiet_and_fitting(driver, tmp_path / f"explore-arith-{width}.png", width)


# --------------------------------------------------------------------------- part 2 (slow)
def small_model(data_format):
    """Conv (dilated, same, relu) -> max pool -> conv (stride 2, linear) -> ReLU layer ->
    BatchNormalization (not explained) -> max pool (same) -> dropout -> flatten -> softmax.

    Output widths 28 and 6 never equal the filter counts 4 and 3, so Keras' channels_first
    bias bug does not apply; kernels and biases are random (seeded), nothing is trained.
    """
    import keras

    layers = keras.layers
    first = data_format == "channels_first"
    inputs = keras.Input((1, 28, 28) if first else (28, 28, 1), name="image")
    h = layers.Conv2D(4, 3, padding="same", dilation_rate=2, activation="relu",
                      data_format=data_format, name="conv1")(inputs)
    h = layers.MaxPooling2D(2, data_format=data_format, name="pool1")(h)
    h = layers.Conv2D(3, 3, strides=2, data_format=data_format, name="conv2")(h)
    h = layers.ReLU(name="relu2")(h)
    h = layers.BatchNormalization(axis=1 if first else -1, name="norm")(h)
    h = layers.MaxPooling2D(2, padding="same", data_format=data_format, name="pool2")(h)
    h = layers.Dropout(0.2, name="dropout")(h)
    h = layers.Flatten(name="flatten")(h)
    outputs = layers.Dense(10, activation="softmax", name="output")(h)
    model = keras.Model(inputs, outputs, name=f"small_{data_format}")
    rng = np.random.default_rng(3)
    for layer in model.layers:
        if layer.get_weights() and not isinstance(layer, layers.BatchNormalization):
            layer.set_weights([rng.normal(0, 0.4, w.shape).astype("float32")
                               for w in layer.get_weights()])
    return model


DIGITS = [0, 1, 2]


@pytest.fixture(scope="module")
def model_pages(tmp_path_factory):
    """{data format: (model file, page)}: channels_first written by the CLI in a
    subprocess, as a user runs it; channels_last by write_explorer."""
    folder = tmp_path_factory.mktemp("explore-models")
    pages = {}
    for fmt in ("channels_last", "channels_first"):
        path = folder / f"small-{fmt}.keras"
        small_model(fmt).save(path)
        page = folder / f"explore-{fmt}.html"
        if fmt == "channels_first":
            result = subprocess.run(
                [sys.executable, "-m", "convviz", "explore", "--model", str(path),
                 "--digits", ",".join(map(str, DIGITS)), "--out", str(page)],
                capture_output=True, text=True, env=os.environ.copy())
            assert result.returncode == 0, result.stderr
            assert f"wrote {page}" in result.stdout
        else:
            write_explorer(page, model=str(path), digits=DIGITS)
        pages[fmt] = (path, page)
    return pages


def keras_values(path):
    """The model from its file and every layer's output for DIGITS (Keras' own numbers)."""
    import keras

    from convviz.data import load_mnist, to_model_input
    from convviz.inspect import feature_maps

    model = keras.saving.load_model(path)
    _, (x_test, y_test) = load_mnist()
    x = to_model_input(x_test[DIGITS], model)
    maps = feature_maps(model, x, layers=[layer.name for layer in model.layers])
    maps["input"] = x
    return model, maps, y_test[DIGITS]


def channels_first(values, fmt):
    return values if fmt == "channels_first" else np.moveaxis(values, -1, 1)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_embedded_preactivations_equal_core_conv2d_of_the_previous_layer(model_pages, fmt):
    path, page = model_pages[fmt]
    model, maps, labels = keras_values(path)
    net = page_data(page)["net"]
    layers = {layer["name"]: layer for layer in net["layers"]}
    assert [layer["kind"] for layer in net["layers"]] == [
        "input", "conv", "pool", "conv", "activation", "other", "pool", "dropout", "flatten",
        "dense"]
    assert layers["norm"]["note"].startswith("convviz explore does not explain "
                                            "BatchNormalization layers")
    assert [d["label"] for d in net["digits"]] == labels.tolist()
    for name, source in (("conv1", "input"), ("conv2", "pool1")):
        layer = model.get_layer(name)
        kernel, bias = layer.kernel.numpy(), layer.bias.numpy()
        assert np.array_equal(decode(layers[name]["kernel"]), kernel.transpose(3, 2, 0, 1))
        for n, record in enumerate(net["digits"]):
            previous = decode(record["layers"][source]["out"])          # (C, H, W), from Keras
            assert np.array_equal(previous, channels_first(maps[source], fmt)[n])
            core = conv2d(previous[None].astype(np.float64), kernel.astype(np.float64), bias,
                          strides=layer.strides, padding=layer.padding,
                          dilation_rate=layer.dilation_rate, data_format="channels_first")[0]
            entry = record["layers"][name]      # a linear layer's output is its pre-activation
            pre = decode(entry["pre"] if layer.activation.__name__ != "linear" else entry["out"])
            assert ("pre" in entry) == (layer.activation.__name__ != "linear")
            np.testing.assert_allclose(pre, core, rtol=1e-5, atol=1e-5)
            sums = decode(record["layers"][name]["sums"])               # (F, H', W', C)
            np.testing.assert_allclose(sums.sum(axis=-1) + bias[:, None, None], core,
                                       rtol=1e-5, atol=1e-5)
            out = decode(record["layers"][name]["out"])
            np.testing.assert_array_equal(out, channels_first(maps[name], fmt)[n])
    for layer in net["layers"]:          # every layer's values: Keras', channels first
        for n, record in enumerate(net["digits"]):
            entry = record["layers"][layer["name"]]
            assert ("out" in entry) == (layer["kind"] not in ("dropout", "flatten"))
            if "out" in entry:
                keras_out = maps[layer["name"]]
                expected = channels_first(keras_out, fmt) if keras_out.ndim == 4 else keras_out
                np.testing.assert_array_equal(decode(entry["out"]), expected[n])
    for n, record in enumerate(net["digits"]):
        softmax = record["softmax"]
        probs = maps["output"][n].astype(np.float64)
        np.testing.assert_allclose(softmax["probs"], probs)
        np.testing.assert_allclose(np.exp(softmax["logits"]) / softmax["sum"], probs,
                                   rtol=1e-5, atol=1e-7)
        assert record["predicted"] == int(probs.argmax())


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_clicked_feature_map_pixel_shows_the_cores_numbers(model_pages, fmt, tmp_path):
    path, page = model_pages[fmt]
    model, maps, _ = keras_values(path)
    n = 1                                                    # the second digit
    with open_browser(tmp_path, width=1366) as driver:
        driver.get(page.as_uri())
        click(driver, f'.digit[data-digit="{n}"]')
        for name, source, f, (i, j), channel in (("conv1", "input", 2, (0, 1), 0),
                                                 ("conv2", "pool1", 1, (5, 3), 2)):
            layer = model.get_layer(name)
            previous = maps[source][n:n + 1]
            step = trace_conv2d(previous.astype(np.float64), layer.kernel.numpy(),
                                layer.bias.numpy(), strides=layer.strides,
                                padding=layer.padding, dilation_rate=layer.dilation_rate,
                                data_format=fmt).step_at(i, j, filter=f)
            click(driver, f'[data-layer="{name}"] .tile[data-channel="{f}"]')
            click(driver, f'#detail .big.pick [data-i="{i}"][data-j="{j}"]')
            if step.window_values.shape[0] > 1:
                assert [float(v) for v in texts(driver, ".channel-table td[data-v]", "data-v")] \
                    == pytest.approx(step.channel_sums.tolist(), rel=1e-5, abs=1e-6)
                click(driver, f'.channel-table tr[data-channel="{channel}"] button')
            window = texts(driver, "#detail .window-grid .cell", "data-v")
            expected = np.where(step.is_padding, np.nan, step.window_values[channel]).ravel()
            assert [np.nan if v == "pad" else float(v) for v in window] == pytest.approx(
                expected.tolist(), nan_ok=True)
            assert [float(v) for v in texts(driver, "#detail .kernel-grid .cell", "data-v")] \
                == pytest.approx(step.kernel[channel].ravel().tolist(), rel=1e-6)
            assert [float(v) for v in texts(driver, "#detail .channel-sum", "data-v")] == \
                pytest.approx([step.channel_sums[channel]], rel=1e-5, abs=1e-6)
            (pre,) = texts(driver, "#detail b.pre", "data-v")
            assert float(pre) == pytest.approx(step.total, rel=1e-5, abs=1e-6)
            assert float(texts(driver, "#detail b.pre")[0]) == pytest.approx(step.total, rel=6e-4)
            keras_out = channels_first(maps[name], fmt)[n, f, i, j]
            (out,) = texts(driver, "#detail b.out", "data-v")
            assert float(out) == keras_out
            if name == "conv1":                              # relu inside the layer
                assert keras_out == pytest.approx(max(step.total, 0), abs=1e-6)
        # a pooled pixel: its window in the previous layer and the max
        click(driver, '[data-layer="pool1"] .tile[data-channel="3"]')
        click(driver, '#detail .big.pick [data-i="6"][data-j="8"]')
        conv1 = channels_first(maps["conv1"], fmt)[n, 3]
        window = conv1[12:14, 16:18]
        assert [float(v) for v in texts(driver, "#detail .window-grid .cell", "data-v")] == \
            window.ravel().tolist()
        assert [float(v) for v in texts(driver, "#detail b.out", "data-v")] == [window.max()]
        # a ReLU layer's pixel, and a pooled pixel of the layer the page cannot explain
        click(driver, '[data-layer="relu2"] .tile[data-channel="1"]')
        click(driver, '#detail .big.pick [data-i="2"][data-j="4"]')
        conv2, relu2 = (channels_first(maps[k], fmt)[n, 1] for k in ("conv2", "relu2"))
        assert [float(v) for v in texts(driver, "#detail .in", "data-v")] == [conv2[2, 4]]
        assert [float(v) for v in texts(driver, "#detail b.out", "data-v")] == [relu2[2, 4]]
        click(driver, '[data-layer="pool2"] .tile[data-channel="2"]')
        click(driver, '#detail .big.pick [data-i="1"][data-j="2"]')
        norm = channels_first(maps["norm"], fmt)[n, 2]
        assert [float(v) for v in texts(driver, "#detail .window-grid .cell", "data-v")] == \
            norm[2:4, 4:6].ravel().tolist()
        assert [float(v) for v in texts(driver, "#detail b.out", "data-v")] == \
            [channels_first(maps["pool2"], fmt)[n, 2, 1, 2]]
        # the softmax panel: logits, exps, their sum, Keras' probabilities
        probs = maps["output"][n]
        assert [float(v) for v in texts(driver, ".softmax td:nth-child(4)", "data-v")] == \
            pytest.approx(probs.tolist(), rel=1e-6)
        exps = [float(v) for v in texts(driver, ".softmax td:nth-child(3)", "data-v")]
        logits = [float(v) for v in texts(driver, ".softmax td:nth-child(2)", "data-v")]
        assert exps == pytest.approx(np.exp(logits).tolist(), rel=1e-12)
        assert float(texts(driver, ".exp-sum", "data-v")[0]) == pytest.approx(sum(exps))
        # the layer the page cannot explain is there, with its name and a note
        assert "norm: BatchNormalization" in texts(driver, '[data-layer="norm"] h3')[0]
        assert console_errors(driver) == [] and network_requests(driver) == []


@pytest.mark.slow
@needs_chromium
@pytest.mark.parametrize("width", WIDTHS)
def test_network_fits_the_screen_quietly(model_pages, tmp_path, width):
    _, page = model_pages["channels_last"]
    with open_browser(tmp_path, width=width) as driver:
        driver.get(page.as_uri())
        click(driver, '[data-layer="conv2"] .tile[data-channel="0"]')
        click(driver, '.channel-table tr[data-channel="3"] button')
        assert_quiet_and_fitting(driver, tmp_path / f"explore-net-{width}.png", width)


@pytest.mark.slow
def test_default_page_of_the_simple_cnn_is_small(tmp_path):
    """The default page: the article's simple_cnn (untrained here: same shapes, same
    size), one test digit per class; under the issue's 10 MB."""
    from convviz.models import build

    page = write_explorer(tmp_path / "explore.html", model=build("simple_cnn"))
    assert page.bytes < 10_000_000
    net = page_data(page.path)["net"]
    assert [d["label"] for d in net["digits"]] == list(range(10))
    assert [(layer["name"], layer["kind"], layer["source"]) for layer in net["layers"]] == [
        ("input", "input", None), ("conv1", "conv", "input"), ("pool1", "pool", "conv1"),
        ("dropout", "dropout", "pool1"), ("flatten", "flatten", "dropout"),
        ("dense1", "dense", "flatten"), ("output", "dense", "dense1")]
