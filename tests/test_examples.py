"""The example scripts a reader copies from run as they are (those that need no trained
model: the others load the article's 10-epoch models, minutes of training on a CPU)."""
import pathlib
import subprocess
import sys

import numpy as np
from PIL import Image

import convviz
from convviz.worked import multi_channel_example

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def _run(script: str, out: pathlib.Path, *args) -> str:
    result = subprocess.run([sys.executable, str(EXAMPLES / script), str(out), *args],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_show_digits_writes_the_articles_2x2_figure(tmp_path):
    out = _run("01_show_digits.py", tmp_path)
    assert "train (60000, 28, 28), test (10000, 28, 28), pixels 0..255" in out
    with Image.open(tmp_path / "01_digits.png") as image:
        pixels = np.asarray(image.convert("L"))
    assert min(pixels.shape) >= 300 and pixels.min() < 40 and pixels.max() > 215


def test_conv_step_prints_the_cores_numbers(tmp_path):
    out = _run("06_conv_step.py", tmp_path, "4")
    x, kernel, bias = multi_channel_example()
    expected = convviz.conv2d(x, kernel, bias, data_format="channels_first")[0, 0]
    printed = out.split("output feature map:")[1].split("wrote")[0]
    numbers = np.array([int(t) for t in printed.replace("[", " ").replace("]", " ").split()])
    np.testing.assert_array_equal(numbers.reshape(expected.shape), expected)
    assert "step 5/9: output[1, 1]" in out and f"bias {bias[0]} = {expected[1, 1]}" in out
    with Image.open(tmp_path / "06_conv_step.png") as image:
        assert min(image.size) >= 300
