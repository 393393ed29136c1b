"""`convviz check FILE.py:FUNCTION` run as a user runs it: from a folder outside the
checkout, with numpy only, exit 0 / 1 / 2, one-line errors, and an HTML page that is
self-contained and fits a phone and a laptop."""
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

from browser import (console_errors, needs_chromium, network_requests, open_browser,
                     page_overflow, screenshot)

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "student_conv.py"
FLIP = ("kernel[u, v, c, f]", "kernel[kh - 1 - u, kw - 1 - v, c, f]")
HEAVY = ("tensorflow", "keras", "matplotlib", "manim", "hypothesis", "scipy")


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def convviz_check(cwd, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", "convviz", "check", *args], cwd=cwd,
                          capture_output=True, text=True, env=_env(), timeout=timeout)


@pytest.fixture
def students(tmp_path):
    """A folder outside the checkout with the example and a flipped-kernel copy of it."""
    shutil.copy(EXAMPLE, tmp_path / "student_conv.py")
    source = EXAMPLE.read_text()
    assert source.count(FLIP[0]) == 1
    (tmp_path / "flipped.py").write_text(source.replace(*FLIP))
    return tmp_path


def test_a_correct_file_passes_with_exit_0(students):
    result = convviz_check(students, "student_conv.py:conv2d")
    assert result.returncode == 0, result.stderr
    assert "PASS: all 200 cases equal convviz.conv2d" in result.stdout
    assert result.stderr == ""


def test_the_example_checks_itself_when_run(students):
    result = subprocess.run([sys.executable, "student_conv.py"], cwd=students,
                            capture_output=True, text=True, env=_env(), timeout=120)
    assert result.returncode == 0, result.stderr
    assert "PASS: all 200 cases equal convviz.conv2d" in result.stdout


def test_a_flipped_kernel_fails_with_exit_1_and_says_why(students):
    result = convviz_check(students, "flipped.py:conv2d", "--cases", "50", "--seed", "3")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "FAIL:" in out and "of 50 cases differ from convviz.conv2d" in out
    assert "Diagnosis: Your kernel is flipped: this is convolution, Keras computes " \
           "cross-correlation" in out
    assert "Smallest failing case: conv2d(x, kernel, bias=bias," in out
    assert "expected (convviz.conv2d)" in out and "received" in out
    assert "First differing cell: out[" in out


def test_layout_and_features_options(students):
    (students / "corr.py").write_text(
        "import numpy as np\n"
        "def corr2d(X, K):\n"
        "    h, w = K.shape\n"
        "    Y = np.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))\n"
        "    for i in range(Y.shape[0]):\n"
        "        for j in range(Y.shape[1]):\n"
        "            Y[i, j] = (X[i:i + h, j:j + w] * K).sum()\n"
        "    return Y\n")
    ok = convviz_check(students, "corr.py:corr2d", "--layout", "2d", "--features", "none")
    assert ok.returncode == 0 and "layout '2d', features: none" in ok.stdout
    strided = convviz_check(students, "corr.py:corr2d", "--layout", "2d",
                            "--features", "stride", "--cases", "5")
    assert strided.returncode == 1
    assert "unexpected keyword argument 'strides'" in strided.stdout


def test_adapters_by_name_and_from_a_file(students):
    (students / "layers.py").write_text(
        "import numpy as np\n"
        "def conv_forward_naive(x, w, b, conv_param):\n"
        "    s, p = conv_param['stride'], conv_param['pad']\n"
        "    x = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))\n"
        "    F, C, HH, WW = w.shape\n"
        "    Ho, Wo = (x.shape[2] - HH) // s + 1, (x.shape[3] - WW) // s + 1\n"
        "    out = np.zeros((x.shape[0], F, Ho, Wo))\n"
        "    for i in range(Ho):\n"
        "        for j in range(Wo):\n"
        "            win = x[:, :, i * s:i * s + HH, j * s:j * s + WW]\n"
        "            out[:, :, i, j] = np.tensordot(win, w, axes=([1, 2, 3], [1, 2, 3])) + b\n"
        "    return out, (x, w, b, conv_param)\n")
    (students / "adapt.py").write_text(
        "def nhwc(fn, x, kernel, strides=1):\n"
        "    out = fn(x, kernel, strides=strides)\n"
        "    return out\n")
    cs231n = convviz_check(students, "layers.py:conv_forward_naive", "--adapter", "cs231n")
    assert cs231n.returncode == 0, cs231n.stdout + cs231n.stderr
    assert "layout 'torch', features: bias, channels, filters, padding_amounts, stride" \
        in cs231n.stdout
    own = convviz_check(students, "student_conv.py:conv2d", "--adapter", "adapt.py:nhwc",
                        "--cases", "40")
    assert own.returncode == 0 and "features: channels, filters, stride" in own.stdout


@pytest.mark.parametrize("target, message", [
    ("nowhere.py:conv2d", "convviz check: error: FILE.py:FUNCTION: no file 'nowhere.py'"),
    ("student_conv.py", "convviz check: error: FILE.py:FUNCTION must look like "
                        "FILE.py:FUNCTION, got 'student_conv.py'"),
    ("student_conv.py:conv3d", "convviz check: error: student_conv.py has no function "
                               "'conv3d'; it defines conv2d"),
    ("broken.py:conv2d", "convviz check: error: could not import broken.py: SyntaxError: "),
    ("raises.py:conv2d", "convviz check: error: could not import raises.py: "
                         "ModuleNotFoundError: No module named 'torch'"),
])
def test_a_bad_target_gets_one_line_and_exit_2(students, target, message):
    (students / "broken.py").write_text("def conv2d(x, kernel:\n    return x\n")
    (students / "raises.py").write_text("import torch\n")
    result = convviz_check(students, target)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith(message), result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_it_needs_numpy_only(students):
    code = ("import sys\n"
            "from convviz.cli import main\n"
            "rc = main(['check', 'flipped.py:conv2d', '--cases', '40', '--html', 'r.html'])\n"
            f"print('HEAVY', sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n"
            "print('RC', rc)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=students, capture_output=True,
                            text=True, env=_env(), timeout=120)
    assert "RC 1" in result.stdout, result.stderr
    assert "HEAVY []" in result.stdout


def test_html_report_is_written_atomically_and_never_over_a_users_file(students):
    mine = students / "notes.html"
    mine.write_text("<p>my notes</p>")
    refused = convviz_check(students, "flipped.py:conv2d", "--html", "notes.html")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "--html 'notes.html' exists and is not a convviz check report" in refused.stderr
    assert mine.read_text() == "<p>my notes</p>"

    first = convviz_check(students, "flipped.py:conv2d", "--cases", "40", "--html", "out/r.html")
    assert first.returncode == 1 and "wrote out/r.html" in first.stdout
    page = (students / "out" / "r.html").read_text()
    assert "Your kernel is flipped" in page and "<script" not in page
    assert "http://" not in page and "https://" not in page
    again = convviz_check(students, "student_conv.py:conv2d", "--cases", "40",
                          "--html", "out/r.html")
    assert again.returncode == 0 and "(replacing the earlier report)" in again.stdout
    assert "PASS: all 40 cases" in (students / "out" / "r.html").read_text()
    assert sorted(p.name for p in (students / "out").iterdir()) == ["r.html"]


def test_a_hanging_function_is_reported_not_a_crash(students):
    (students / "slow.py").write_text(
        "def conv2d(x, kernel):\n"
        "    while True:\n"
        "        pass\n")
    result = convviz_check(students, "slow.py:conv2d", "--timeout", "0.5")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "did not return within 0.5 s" in result.stdout


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("width", [390, 1366])
def test_html_report_fits_a_phone_and_a_laptop(students, tmp_path, width):
    convviz_check(students, "flipped.py:conv2d", "--features",
                  "padding,stride,bias,channels,filters", "--seed", "5", "--html", "r.html")
    page = students / "r.html"
    with open_browser(tmp_path, width=width) as driver:
        driver.get(page.as_uri())
        assert page_overflow(driver) <= 0
        assert console_errors(driver) == [] and network_requests(driver) == []
        sizes = driver.execute_script(
            "return Array.from(document.querySelectorAll('main *'))"
            ".filter(e => Array.from(e.childNodes).some(n => n.nodeType === 3 &&"
            " n.textContent.trim()))"
            ".map(e => parseFloat(getComputedStyle(e).fontSize))")
        assert min(sizes) >= 14
        text = driver.find_element("tag name", "main").text
        assert "Your kernel is flipped" in text and "(expected)" in text and "(yours)" in text
        screenshot(driver, tmp_path / f"check-{width}.png")
