"""The package as a user gets it: a wheel built from this checkout, installed elsewhere.

The ``wheel`` fixture builds the wheel once per session (``uv build --wheel``) from
a copy of the checkout, so the build's ``build/`` and ``*.egg-info`` folders never
land in the sources. Tests that install it make a fresh venv outside the checkout
and run it from there with an environment built from scratch (no ``PYTHONPATH``
pointing back at the sources).

The dependencies are installed with ``uv pip install --offline``: from uv's cache
(the one that installed the development venv), as hardlinks, in a few seconds
instead of minutes of downloading TensorFlow and Manim; a package missing from the
cache fails the install with uv's own message instead of reaching the network.

Without extras the wheel brings numpy alone (the light core); ``[scenes]`` brings
what rendering a scene needs.
"""
from __future__ import annotations

import json
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

from convviz import render as R

REPO = pathlib.Path(__file__).resolve().parent.parent
UV = [sys.executable, "-m", "uv"]
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__",
                                     ".pytest_cache", ".hypothesis", "media", "convviz-out")


def run(command, **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> pathlib.Path:
    """The convviz wheel built from (a copy of) this checkout."""
    root = tmp_path_factory.mktemp("wheel")
    sources = root / "src"
    shutil.copytree(REPO, sources, ignore=NOT_SOURCES)
    run(UV + ["build", "--wheel", "--out-dir", str(root / "dist"), str(sources)])
    (built,) = (root / "dist").glob("convviz-*.whl")
    return built


def fresh_venv(root: pathlib.Path, requirement: str) -> pathlib.Path:
    """A new venv in ``root/venv`` with ``requirement`` (the wheel, perhaps with extras)
    installed offline from uv's cache; returns its ``bin`` folder."""
    venv = root / "venv"
    run(UV + ["venv", "--python", sys.executable, str(venv)])
    run(UV + ["pip", "install", "--offline", "--python", str(venv / "bin" / "python"),
              requirement])
    return venv / "bin"


def clean_env(home: pathlib.Path) -> dict:
    """An environment from scratch: nothing of this checkout, the cache in ``home``."""
    return {"PATH": "/usr/bin:/bin", "HOME": str(home), "CONVVIZ_HOME": str(home / "convviz"),
            "LANG": "C.UTF-8", "TMPDIR": str(home)}


@pytest.mark.slow
def test_the_wheel_holds_every_scene_module_and_the_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    scenes = sorted(p.name for p in (REPO / "convviz" / "scenes").glob("*.py"))
    assert scenes and all(f"convviz/scenes/{name}" in names for name in scenes), scenes
    for module in set(R.SCENES.values()):                  # every scene's module is there
        assert f"convviz/scenes/{module}.py" in names
    data = [p.name for p in (REPO / "convviz" / "data" / "mnist").iterdir()]
    assert all(f"convviz/data/mnist/{name}" in names for name in data)
    assert not any(n.startswith(("scenes/", "tests/")) for n in names)


@pytest.mark.slow
@pytest.mark.render
def test_an_installed_wheel_renders_a_scene_outside_the_checkout(wheel, tmp_path):
    bin_ = fresh_venv(tmp_path, f"{wheel}[scenes]")
    venv, python = bin_.parent, bin_ / "python"
    home = tmp_path / "home"
    work = tmp_path / "elsewhere"
    for folder in (home, work):
        folder.mkdir()
    env = clean_env(home)

    where = run([str(python), "-c", "import convviz.scenes.kernel_slide as k; print(k.__file__)"],
                cwd=work, env=env).stdout.strip()
    assert pathlib.Path(where).is_relative_to(venv), where     # the installed copy, not ours

    video = work / "k.mp4"
    run([str(venv / "bin" / "convviz"), "render", "KernelSlide", "--width", "256", "--height",
         "144", "--fps", "5", "--output", str(video)], cwd=work, env=env)
    n, size, frames = R.read_video(video, (0.5, 1.0))
    assert n > 10 and size == (256, 144) and [f.size for f in frames] == [size, size]
    rendered = list((home / "convviz" / "renders").glob("KernelSlide-256x144-5fps-*.mp4"))
    assert len(rendered) == 1 and R.poster_frame(rendered[0]) is not None   # poster kept
    assert sorted(p.name for p in work.iterdir()) == ["k.mp4"]  # nothing else left here


@pytest.mark.slow
def test_the_wheel_without_extras_is_the_numpy_core(wheel, tmp_path):
    bin_ = fresh_venv(tmp_path, str(wheel))
    installed = json.loads(run(UV + ["pip", "list", "--format", "json", "--python",
                                     str(bin_ / "python")]).stdout)
    assert sorted(p["name"] for p in installed) == ["convviz", "numpy"]
    home, work = tmp_path / "home", tmp_path / "elsewhere"
    for folder in (home, work):
        folder.mkdir()
    env = clean_env(home)

    def python(code):
        return subprocess.run([str(bin_ / "python"), "-c", code], capture_output=True,
                              text=True, timeout=120, cwd=work, env=env)

    core = python("""import json, importlib.util, numpy as np, convviz
from convviz.worked import multi_channel_example, single_channel_example
x, kernel, bias = multi_channel_example()
print(json.dumps({
    "file": convviz.__file__,
    "single": convviz.conv2d(*single_channel_example()).tolist(),
    "multi": convviz.conv2d(x, kernel, bias, data_format="channels_first")[0, 0].tolist(),
    "absent": [m for m in ("tensorflow", "keras", "manim", "matplotlib", "av", "PIL", "rich",
                           "hypothesis") if importlib.util.find_spec(m) is None]}))
""")
    assert core.returncode == 0, core.stderr
    said = json.loads(core.stdout)
    assert pathlib.Path(said["file"]).is_relative_to(bin_.parent)     # the installed copy
    assert said["single"] == [[12, 12, 17], [10, 17, 19], [9, 6, 14]]  # the article's numbers
    assert said["multi"] == [[7, 6, 5], [4, 4, 6], [8, 5, 2]]
    assert said["absent"] == ["tensorflow", "keras", "manim", "matplotlib", "av", "PIL", "rich",
                              "hypothesis"]

    shape = run([str(bin_ / "convviz"), "shape", "--input", "28", "--kernel", "2", "--stride",
                 "2"], cwd=work, env=env)
    assert shape.stdout.splitlines()[-1].endswith("= floor(26/2) + 1 = 14.")

    scene = subprocess.run([str(bin_ / "convviz"), "render", "KernelSlide"], capture_output=True,
                           text=True, timeout=120, cwd=work, env=env)
    assert (scene.returncode, scene.stdout) == (1, "")
    assert scene.stderr.splitlines() == [
        "convviz render needs Manim: pip install 'convviz[scenes]'"]
    models = python("import convviz.models")
    assert models.returncode == 1
    assert models.stderr.splitlines()[-1] == (
        "convviz.MissingExtra: convviz.models needs TensorFlow: pip install 'convviz[keras]'")
    assert list(work.iterdir()) == []


@pytest.mark.slow
@pytest.mark.render
def test_an_installed_wheel_renders_every_scene_and_runs_the_tour(wheel, tmp_path):
    """``convviz[all]`` installed elsewhere: every scene of ``SCENES`` renders from the
    installed copy (tiny size, one step each, the model scenes on a model trained for one
    epoch on 500 images), and ``convviz tour --quick`` writes its page."""
    bin_ = fresh_venv(tmp_path, f"{wheel}[all]")
    home, work = tmp_path / "home", tmp_path / "elsewhere"
    for folder in (home, work):
        folder.mkdir()
    env = clean_env(home)

    every_scene = run([str(bin_ / "python"), "-c", """import json, pathlib, convviz
from convviz import render as R
config = R.SceneConfig(detailed_steps=1, fast_steps=1, epochs=1, n_train=500)
videos = {scene: str(R.render(scene, config, pixel_width=256, pixel_height=144, frame_rate=5))
          for scene in R.SCENES}
print(json.dumps({"file": convviz.__file__, "videos": videos}))
"""], cwd=work, env=env)
    said = json.loads(every_scene.stdout.splitlines()[-1])
    assert pathlib.Path(said["file"]).is_relative_to(bin_.parent)      # the installed copy
    assert sorted(said["videos"]) == sorted(R.SCENES)
    for scene, video in said["videos"].items():
        n, size, _ = R.read_video(video, (1.0,))
        assert n > 5 and size == (256, 144), scene
        assert pathlib.Path(video).is_relative_to(home), scene         # in its cache

    tour = run([str(bin_ / "convviz"), "tour", "--quick", "--out", "out"], cwd=work, env=env)
    manifest = json.loads((work / "out" / "tour.json").read_text())
    videos = [item for item in manifest["items"] if item["kind"] == "video"]
    assert videos and all(item["status"] == "ok" for item in manifest["items"]), tour.stdout
    for item in videos:
        assert (work / "out" / item["path"]).is_file() and (work / "out" / item["poster"]).is_file()
    page = (work / "out" / "index.html").read_text()
    assert all(f'src="{item["path"]}"' in page for item in videos)
    assert sorted(p.name for p in work.iterdir()) == ["out"]           # nothing else left here
