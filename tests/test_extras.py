"""The light core: without an extra, every module and command that needs it says so in
one line naming the extra, and the core works with numpy alone.

An extra is made "missing" in a subprocess by ``sys.modules[name] = None`` for its
modules (Python then refuses to import them, as when they are not installed); the
real install without extras is tests/test_packaging.py's.
"""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys

import pytest

from convviz import render as R
from convviz._extras import EXTRAS, MissingExtra, require, require_extras

HEAVY = sorted({module for _, modules in EXTRAS.values() for module in modules} | {"IPython"})


def _blocking(modules) -> str:
    """Python lines that make ``modules`` unimportable."""
    return f"import sys\nfor _m in {sorted(modules)!r}:\n    sys.modules[_m] = None\n"


def _python(code: str, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=env)


def _convviz(argv, blocked, cwd) -> subprocess.CompletedProcess:
    code = _blocking(blocked) + f"from convviz.cli import main\nsys.exit(main({argv!r}))\n"
    return _python(code, cwd)


ALL = tuple(m for _, modules in EXTRAS.values() for m in modules)    # numpy alone

# (argv, extras blocked, the one line expected on stderr)
COMMANDS = [
    (["render", "KernelSlide"], ALL,
     "convviz render needs Manim: pip install 'convviz[scenes]'"),
    (["render", "LearnedFilters", "--epochs", "1"], ALL,
     "convviz render needs Manim and TensorFlow: pip install 'convviz[scenes,keras]'"),
    (["render", "CNNPipeline"], ("tensorflow",),
     "convviz render needs TensorFlow: pip install 'convviz[keras]'"),
    (["train", "mlp", "--epochs", "1"], ALL,
     "convviz train needs TensorFlow: pip install 'convviz[keras]'"),
    (["evaluate", "mlp"], ALL, "convviz evaluate needs TensorFlow: pip install 'convviz[keras]'"),
    (["models"], ALL, "convviz models needs TensorFlow: pip install 'convviz[keras]'"),
    (["filters", "simple_cnn"], ALL,
     "convviz filters needs TensorFlow and matplotlib: pip install 'convviz[keras,plot]'"),
    (["filters", "simple_cnn"], ("matplotlib",),
     "convviz filters needs matplotlib: pip install 'convviz[plot]'"),
    (["feature-maps", "simple_cnn"], ALL,
     "convviz feature-maps needs TensorFlow and matplotlib: pip install 'convviz[keras,plot]'"),
    (["digits"], ALL, "convviz digits needs matplotlib: pip install 'convviz[plot]'"),
    (["conv-step"], ALL, "convviz conv-step needs matplotlib: pip install 'convviz[plot]'"),
    (["explore", "--out", "page.html"], ALL,
     "convviz explore needs TensorFlow and matplotlib: pip install 'convviz[keras,plot]' "
     "(--no-model writes the arithmetic part alone)"),
    (["tour", "--out", "out"], ALL,
     "convviz tour needs TensorFlow, matplotlib and Manim: "
     "pip install 'convviz[keras,plot,scenes]'"),
    (["tour", "--out", "out"], ("manim",),
     "convviz tour needs Manim: pip install 'convviz[scenes]'"),
    (["tour", "--out", "out", "--no-render"], ("tensorflow",),
     "convviz tour needs TensorFlow: pip install 'convviz[keras]'"),
]


@pytest.mark.parametrize("argv, blocked, line", COMMANDS,
                         ids=[" ".join(c[0][:2]) + (" alone" if c[1] == ALL else
                                                    " without " + ",".join(c[1]))
                              for c in COMMANDS])
def test_a_command_without_its_extra_names_it_in_one_line(argv, blocked, line, tmp_path):
    result = _convviz(argv, blocked, tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []                  # nothing started, nothing written


# module -> the extra it needs
MODULES = {
    "convviz.models": "keras",
    "convviz.train": "keras",
    "convviz.inspect": "keras",
    "convviz.keras_check": "keras",
    "convviz.plot": "plot",
    "convviz.scenes": "scenes",
    **{f"convviz.scenes.{module}": "scenes" for module in sorted(set(R.SCENES.values()))},
    "convviz.testing.strategies": "testing",
}


def test_importing_a_module_without_its_extra_names_it_in_one_line():
    code = _blocking(ALL) + f"""import importlib, json
said = {{}}
for name in {sorted(MODULES)!r}:
    try:
        importlib.import_module(name)
        said[name] = None
    except ImportError as exc:
        said[name] = [type(exc).__module__ + "." + type(exc).__name__, str(exc)]
print(json.dumps(said))
"""
    result = _python(code)
    assert result.returncode == 0, result.stderr
    said = json.loads(result.stdout)
    for name, extra in MODULES.items():
        what = "convviz.scenes" if name.startswith("convviz.scenes") else name
        label = EXTRAS[extra][0]
        assert said[name] == ["convviz.MissingExtra",
                              f"{what} needs {label}: pip install 'convviz[{extra}]'"], name


def test_the_traceback_of_a_failed_import_ends_in_that_line():
    result = _python(_blocking(["tensorflow"]) + "import convviz.models\n")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "convviz.MissingExtra: convviz.models needs TensorFlow: pip install 'convviz[keras]'")
    assert "ModuleNotFoundError" not in result.stderr        # not chained to the bare error


def test_functions_that_need_an_extra_name_it():
    code = _blocking(ALL) + """import json, numpy as np
from convviz import render as R, explore, tour
said = []
for call in (lambda: R.render("KernelSlide"), lambda: R.read_video("v.mp4"),
             lambda: R.cached_video("Pooling"),
             lambda: explore.write_explorer("page.html", model="simple_cnn"),
             lambda: tour.run_tour("out")):
    try:
        call()
        said.append(None)
    except ImportError as exc:
        said.append(str(exc))
print(json.dumps(said))
"""
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "convviz.render needs Manim: pip install 'convviz[scenes]'",
        "convviz.render needs Manim: pip install 'convviz[scenes]'",
        None,                         # nothing cached: nothing to decode, nothing needed
        "convviz.explore's network part needs TensorFlow and matplotlib: "
        "pip install 'convviz[keras,plot]' (model=None gives part 1 alone)",
        "convviz.tour needs TensorFlow, matplotlib and Manim: "
        "pip install 'convviz[keras,plot,scenes]'",
    ]


def test_the_core_commands_work_with_numpy_alone(tmp_path):
    shape = _convviz(["shape", "--input", "28", "--kernel", "5", "--padding", "same"], ALL,
                     tmp_path)
    assert shape.returncode == 0, shape.stderr
    assert "= 28" in shape.stdout.splitlines()[-1]

    demo = _convviz(["demo"], ALL, tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert "sum + bias 1 = [[7, 6, 5], [4, 4, 6], [8, 5, 2]]" in demo.stdout   # the article's

    student = os.path.join(os.path.dirname(__file__), "..", "examples", "student_conv.py")
    check = _convviz(["check", f"{student}:conv2d", "--cases", "30"], ALL, tmp_path)
    assert check.returncode == 0, check.stderr
    assert check.stdout.splitlines()[1].startswith("PASS: all 30 cases")

    page = _convviz(["explore", "--no-model", "--out", "page.html"], ALL, tmp_path)
    assert page.returncode == 0, page.stderr
    assert (tmp_path / "page.html").read_text().count('"examples"') >= 1


@pytest.mark.parametrize("argv", [["--help"], ["render", "--help"], ["tour", "--help"]])
def test_help_imports_no_heavy_dependency(argv):
    code = f"""import sys, json
from convviz.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
"""
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_import_convviz_and_its_displays_need_numpy_alone():
    code = _blocking(ALL) + """import sys, json, numpy as np
import convviz
from convviz.worked import single_channel_example
trace = convviz.trace_conv2d(*single_channel_example())
print(json.dumps([trace.output.squeeze().tolist(), "<table" in trace._repr_html_()]))
"""
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [[[12, 12, 17], [10, 17, 19], [9, 6, 14]], True]


def test_require_converts_only_a_missing_module_of_its_extra(tmp_path, monkeypatch):
    with pytest.raises(MissingExtra) as caught:
        require("convviz_no_such_module", "plot", "my_function")
    assert str(caught.value) == "my_function needs matplotlib: pip install 'convviz[plot]'"
    assert caught.value.message_for("convviz x") == (
        "convviz x needs matplotlib: pip install 'convviz[plot]'")

    # a module that is there but imports something missing of ANOTHER extra: its own error
    (tmp_path / "convviz_fake_plot.py").write_text("import convviz_missing_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as other:
        require("convviz_fake_plot", "plot", "f")
    assert not isinstance(other.value, MissingExtra)
    assert other.value.name == "convviz_missing_dependency"

    again = pickle.loads(pickle.dumps(caught.value))        # as from a worker process
    assert (type(again), str(again), again.extras) == (MissingExtra, str(caught.value), ("plot",))

    with pytest.raises(ValueError, match="extra must be one of"):
        require_extras("f", "plots")
    require_extras("f", *EXTRAS)              # this venv has them all: no error
