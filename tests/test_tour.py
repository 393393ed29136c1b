"""`convviz tour`: the page writer (fast) and the whole main job end to end (slow).

The end-to-end tests run ``python -m convviz tour --quick`` three times in a
subprocess, in the session's temporary CONVVIZ_HOME (tests/conftest.py):

A. killed (SIGKILL) while it writes the figures -- the folder must hold no page and
   no file that is not complete, and its scene workers must stop too (the renders
   they finished are then removed from the cache, so that B renders again);
B. a complete run into the same folder -- reuses the model A trained and checks that
   every promised file exists, decodes and has the expected size, and that
   ``index.html`` references all of them;
C. a re-run -- says it reused the model and every video, and is faster than B.

Then ``index.html`` is opened in headless Chromium (tests/browser.py) at 390 and
1366 px: it must fit both, and is screenshotted at both.
"""
from __future__ import annotations

import html.parser
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from browser import needs_chromium

from convviz.tour import FIGURES, SCENE_TEXT, TourItem, quick_scenes, write_index

LOW_SIZE = (854, 480)     # convviz.render.QUALITIES["low"]


# --------------------------------------------------------------------------- helpers
class _Links(html.parser.HTMLParser):
    """Every src/href/poster of a page, and its visible text."""

    def __init__(self):
        super().__init__()
        self.links = {"img": [], "source": [], "poster": [], "href": []}
        self.video_controls = 0
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.links["img"].append(attrs["src"])
        if tag == "source":
            self.links["source"].append(attrs["src"])
        if tag == "video":
            self.video_controls += "controls" in attrs
            if "poster" in attrs:
                self.links["poster"].append(attrs["poster"])
        if tag == "a" and "href" in attrs:
            self.links["href"].append(attrs["href"])

    def handle_data(self, data):
        self.text.append(data)


def parse_page(path) -> _Links:
    parser = _Links()
    parser.feed(pathlib.Path(path).read_text(encoding="utf-8"))
    return parser


def figure(key="digits", **kw):
    title, sentence = FIGURES.get(key, (key, f"About {key}."))
    kw.setdefault("path", f"figures/{key}.png")
    kw.setdefault("width", 400)
    kw.setdefault("height", 300)
    return TourItem(key, "figure", title, sentence, **kw)


def video(key="KernelSlide", **kw):
    title, sentence = SCENE_TEXT.get(key, (key, f"About {key}."))
    kw.setdefault("path", f"videos/{key}.mp4")
    kw.setdefault("poster", f"stills/{key}.png")
    kw.setdefault("width", 854)
    kw.setdefault("height", 480)
    return TourItem(key, "video", title, sentence, **kw)


# --------------------------------------------------------------------------- the page (fast)
def test_index_references_every_item_with_its_sentence(tmp_path):
    items = [figure("digits"), figure("filters"), video("KernelSlide"), video("MultiChannelSum")]
    index = write_index(tmp_path, items, summary=["Test accuracy: 98.90%"])
    assert index == tmp_path / "index.html"
    page = parse_page(index)
    assert page.links["img"] == ["figures/digits.png", "figures/filters.png"]
    assert page.links["source"] == ["videos/KernelSlide.mp4", "videos/MultiChannelSum.mp4"]
    assert page.links["poster"] == ["stills/KernelSlide.png", "stills/MultiChannelSum.png"]
    assert page.video_controls == 2
    text = " ".join(page.text)
    for item in items:
        assert item.sentence in text and item.title in text
    assert "Test accuracy: 98.90%" in text
    for term in ("kernel", "filter", "channel", "feature map"):       # the glossary
        assert term in text
    raw = index.read_text()
    assert raw.startswith("<!DOCTYPE html>") and 'type="video/mp4"' in raw
    assert not list(tmp_path.glob(".*tmp*"))                          # written atomically


def test_index_escapes_text_and_urls(tmp_path):
    evil = TourItem("x<y", "figure", "<script>alert(1)</script>", "Tom & Jerry say \"hi\" <b>",
                    path="figures/a b&c.png")
    index = write_index(tmp_path, [evil], summary=["<i>98%</i> & more"], title="A < B",
                        footer="made by <me>")
    raw = index.read_text()
    assert "<script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "Tom &amp; Jerry say &quot;hi&quot; &lt;b&gt;" in raw
    assert "&lt;i&gt;98%&lt;/i&gt; &amp; more" in raw and "<title>A &lt; B</title>" in raw
    assert "made by &lt;me&gt;" in raw
    assert parse_page(index).links["img"] == ["figures/a%20b%26c.png"]   # a valid URL


def test_index_shows_why_an_item_is_missing(tmp_path):
    items = [figure("digits"),
             video("Pooling", path=None, poster=None, status="skipped",
                   note="scenes/pooling.py does not exist (yet)"),
             video("KernelSlide", path=None, poster=None, status="failed",
                   note="RuntimeError: <boom>")]
    raw = write_index(tmp_path, items).read_text()
    assert "This video was skipped: scenes/pooling.py does not exist (yet)" in raw
    assert "This video could not be made: RuntimeError: &lt;boom&gt;" in raw
    page = parse_page(tmp_path / "index.html")
    assert page.links["source"] == [] and page.links["img"] == ["figures/digits.png"]


def test_index_groups_items_by_section_in_order(tmp_path):
    items = [figure("digits", section="The data"), video("KernelSlide", section="How"),
             figure("conv_step", section="How", wide=True)]
    raw = write_index(tmp_path, items).read_text()
    assert raw.index("1. The data") < raw.index("2. How") < raw.index("videos/KernelSlide.mp4") \
        < raw.index("figures/conv_step.png")
    assert '<figure id="conv_step" class="wide">' in raw


def test_index_refuses_paths_outside_the_folder_and_keeps_the_old_page(tmp_path):
    old = write_index(tmp_path, [figure("digits")]).read_text()
    for bad in ("/etc/passwd", "../secret.png", "http://example.com/a.png"):
        with pytest.raises(ValueError, match=r"relative to the output folder, got"):
            write_index(tmp_path, [figure("digits", path=bad)])
    assert (tmp_path / "index.html").read_text() == old
    with pytest.raises(TypeError, match=r"items must be TourItem objects, got dict"):
        write_index(tmp_path, [{"path": "a.png"}])


def test_tour_item_checks_its_fields():
    with pytest.raises(ValueError, match=r"kind must be 'figure', 'video' or 'page', got 'gif'"):
        TourItem("a", "gif", "t", "s", path="a.gif")
    with pytest.raises(ValueError, match=r"status must be 'ok', 'skipped' or 'failed', got 'meh'"):
        TourItem("a", "figure", "t", "s", path="a.png", status="meh")
    with pytest.raises(ValueError, match=r"'a' is ok but has no path"):
        TourItem("a", "figure", "t", "s")


def test_quick_scenes_need_no_trained_model():
    from convviz import render

    scenes = quick_scenes()
    assert scenes and set(scenes) <= set(render.SCENES)
    assert not set(scenes) & {"LearnedFilters", "CNNPipeline"}
    assert set(SCENE_TEXT) == set(render.SCENES)          # a sentence for every scene


def _pool(scenes, quality="low", jobs=2, job=None):
    """A _ScenePool reporting into a silent console; ``(pool, bar)``."""
    from rich.console import Console
    from rich.progress import Progress

    from convviz import tour

    quiet = Console(file=open(os.devnull, "w"))
    bar = Progress(console=quiet)
    return tour._ScenePool(scenes, quality, jobs, bar, quiet, job=job), bar


def test_scene_captions_state_the_sizes_the_scenes_show():
    """Hand-computed for the article's examples: 5x5 input, 3x3 kernel."""
    claims = {
        "KernelSlide": ["3×3 kernel", "5×5 input", "the 9 products", "3×3 feature map"],
        "KernelSlideSame": ["1 cell wide", "makes the 5×5 input 7×7", "input's size, 5×5"],
        "KernelSlideStride2": ["stride 2", "shrinks to 2×2 (3×3 with stride 1)"],
        "KernelSlideSameStride2": ["4×4 input with stride 2", "1 row of zeros at the bottom, "
                                   "1 column of zeros on the right", "output is 2×2"],
        "MultiChannelSum": ["3 channels", "one 3×3 kernel per channel", "ONE 3×3 feature map"],
        "FiltersAndKernels": ["2 filters on the same 3-channel input give 2 feature maps of "
                              "3×3", "a stack of 3 kernels"],
        "Pooling": ["2×2 max pooling with stride 2", "the 4×4 map becomes 2×2"],
        "PoolingSame": ["odd-sized 5×5 map", "output is 3×3 instead of 2×2"],
    }
    for scene, words in claims.items():
        for word in words:
            assert word in SCENE_TEXT[scene][1], (scene, word)


def test_scene_captions_follow_the_config():
    from convviz.render import SceneConfig
    from convviz.tour import scene_text

    ones = np.ones((6, 8), dtype=int)
    assert scene_text("KernelSlide", SceneConfig(input=ones, kernel=np.ones((2, 3))))[1] == (
        "A 2×3 kernel slides over a 6×8 input (stride 1, no padding); at each position the "
        "6 products are summed into one cell of the 5×6 feature map.")
    assert "the 6×8 map becomes 2×2" in scene_text(
        "Pooling", SceneConfig(input=ones, pool_size=3))[1]
    same = scene_text("KernelSlideSameStride2", SceneConfig(input=ones[:5], kernel=np.ones((4, 4))))
    assert same[0] == "'same' padding with stride 2"
    assert "1 row of zeros on top, 2 rows of zeros at the bottom, 1 column of zeros on the " \
           "left, 1 column of zeros on the right: when the zeros cannot be split evenly" \
           in same[1] and same[1].endswith("The output is 3×4.")
    even = scene_text("KernelSlideSameStride2", SceneConfig(input=ones, kernel=np.ones((4, 4))))
    assert "a border of zeros 1 cell wide. The output is 3×4." in even[1]      # no odd cell
    rgb = np.ones((2, 4, 4), dtype=int)
    assert "input has 2 channels" in scene_text(
        "MultiChannelSum", SceneConfig(input=rgb, kernel=np.ones((2, 3, 3))))[1]


def test_a_missing_or_failing_scene_is_reported_not_fatal(tmp_path, monkeypatch):
    from convviz import render, tour

    monkeypatch.setitem(render.SCENES, "Pooling", "no_such_module")
    pool, bar = _pool(["Pooling"])
    with pool:
        pool.start("Pooling")
        (item,) = pool.results()
    assert item.status == "skipped" and pool.executor is None       # nothing was started
    assert "convviz.scenes.no_such_module is not installed" in item.note
    assert bar.tasks[0].completed == 1
    monkeypatch.undo()

    def boom(*args, **kwargs):
        raise RuntimeError("Manim fell over")

    monkeypatch.setattr(render, "render", boom)
    item = tour._render_scene("KernelSlide", "low")
    assert item.status == "failed" and item.note == "RuntimeError: Manim fell over"
    assert item.path is None and item.poster is None
    page = write_index(tmp_path, [tour._publish_scene(item, tmp_path)]).read_text()
    assert "This video could not be made: RuntimeError: Manim fell over" in page
    assert not (tmp_path / "videos").exists()


def fake_render(scene, quality, *, model=None, model_spec=None):
    """A worker job for the pool tests: the process dies on Pooling, a model spec
    raises, the rest "render" at once."""
    if scene == "Pooling":
        os._exit(3)
    if model_spec is not None:
        raise ValueError(f"no model named {model_spec['name']!r}")
    return TourItem(scene, "video", scene, "s", path=f"/cache/{scene}.mp4",
                    poster=f"/cache/{scene}.png", width=4, height=2, frames=1, seconds=0.1)


def test_a_scene_whose_worker_dies_fails_alone():
    """A dying worker breaks Python's whole process pool; the scenes it took down with it
    are tried again alone, so only the one that dies (twice) is reported failed."""
    scenes = ["KernelSlide", "Pooling", "PoolingSame", "LearnedFilters"]
    pool, bar = _pool(scenes, job=fake_render)
    with pool:
        for scene in scenes[:3]:
            pool.start(scene)
        pool.start("LearnedFilters", model_spec={"name": "no_such_model"})
        items = {i.key: i for i in pool.results()}
    assert [i.key for i in pool.results()] == scenes                 # in the given order
    assert items["Pooling"].status == "failed"
    assert items["Pooling"].note.startswith("its worker process died, also alone "
                                            "(BrokenProcessPool")
    assert items["LearnedFilters"].status == "failed"
    assert items["LearnedFilters"].note.startswith("ValueError: ") \
        and "no_such_model" in items["LearnedFilters"].note
    assert items["KernelSlide"].status == items["PoolingSame"].status == "ok"
    assert items["KernelSlide"].path == "/cache/KernelSlide.mp4"
    assert bar.tasks[0].completed == bar.tasks[0].total == 4


def test_tour_figures_are_shown_at_their_own_size_with_text_of_14_px_or_more(tmp_path):
    """The six figures of the tour (an untrained simple CNN: nothing trains) at the
    tour's dpi: at most FIGURE_MAX_WIDTH px wide, which the page shows 1:1 on a 1366 px
    screen (test_page_fits_a_phone_and_a_projector), with no text under 14 px."""
    import keras
    from matplotlib.text import Text
    from PIL import Image

    from convviz import tour
    from convviz.data import load_mnist
    from convviz.models import build
    from convviz.plot import save_figure

    keras.utils.set_random_seed(0)
    model = build(tour.MODEL)
    epochs = 10
    record = {"history": {"loss": list(np.linspace(0.3, 0.05, epochs)),
                          "accuracy": list(np.linspace(0.9, 0.99, epochs)),
                          "val_loss": list(np.linspace(0.1, 0.04, epochs)),
                          "val_accuracy": list(np.linspace(0.97, 0.988, epochs))}}
    _, (x_test, y_test) = load_mnist()
    makers, _ = tour._figures(model, record, x_test[:2000], y_test[:2000], epochs=epochs,
                              n_train=None)
    assert set(makers) == set(FIGURES)
    for key, make in makers.items():
        fig = make()
        fig.draw_without_rendering()
        smallest = min(t.get_fontsize() for t in fig.findobj(Text)
                       if t.get_visible() and t.get_text().strip())
        assert smallest * tour.DPI / 72 >= 14, (key, smallest)
        with Image.open(save_figure(fig, tmp_path / f"{key}.png", dpi=tour.DPI)) as image:
            assert image.width <= tour.FIGURE_MAX_WIDTH, (key, image.size)
    fig = makers["feature_maps"]()
    texts = [t.get_text() for f in [fig, *fig.subfigs] for t in f.texts]
    assert f"simple_cnn: feature maps of test image #0, a {y_test[0]} (the model answers " \
        in texts[0]


def test_tour_defaults_are_720p_30fps_and_every_core():
    from convviz import render, tour

    assert render.QUALITIES[tour.default_quality()][1:] == (1280, 720, 30)
    assert render.QUALITIES[tour.default_quality(quick=True)][1:] == (854, 480, 15)
    assert 1 <= tour.default_jobs() <= min(os.cpu_count(), tour.MAX_JOBS)
    with pytest.raises(ValueError, match=r"jobs must be >= 1, got 0"):
        tour.run_tour("unused", jobs=0)


@pytest.mark.slow
def test_pipeline_scene_shows_the_articles_channels_first_model(tmp_path):
    """CNNPipeline in the tour draws deep_cnn (1, 28, 28) -> ... -> 10, not the tour's
    simple CNN: the scene data built from the model the tour trains has the article's
    shapes, and the tour renders it."""
    from rich.console import Console

    from convviz import tour
    from convviz.scene_data import pipeline_data, test_digit
    from convviz.train import load_trained

    result = tour.run_tour(tmp_path / "out", quick=True, scenes=("CNNPipeline",),
                           console=Console(file=open(os.devnull, "w")))
    (item,) = [i for i in result.items if i.key == "CNNPipeline"]
    assert item.status == "ok" and item.frames > 1
    settings = {k: v for k, v in tour.PIPELINE_MODEL.items() if k != "name"}
    model = load_trained(tour.PIPELINE_MODEL["name"], seed=tour.SEED, verbose=0, **settings)
    data = pipeline_data(model, *test_digit(tour.DIGIT))
    assert data.input_shape == (1, 28, 28)
    assert [s.shape for s in data.shown] == [
        (32, 28, 28), (32, 14, 14), (64, 14, 14), (64, 7, 7), (3136,), (1024,), (10,)]

def test_cli_tour_options(capsys):
    from convviz.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["tour", "--help"])
    assert exit_.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for option in ("--out", "--quick", "--quality", "--jobs", "--no-render", "low,medium,high",
                   "medium 1280x720@30 (the default"):
        assert option in text
    with pytest.raises(SystemExit) as exit_:
        main(["tour", "--quality", "ultra"])
    assert exit_.value.code == 2
    assert "argument --quality: invalid choice: 'ultra'" in capsys.readouterr().err
    assert main(["tour", "--jobs", "0", "--out", "unused"]) == 2
    assert capsys.readouterr().err.strip() == "convviz tour: error: jobs must be >= 1, got 0"


def test_tour_refuses_a_file_as_output_folder(tmp_path):
    from convviz.tour import run_tour

    not_a_folder = tmp_path / "out.txt"
    not_a_folder.write_text("x")
    with pytest.raises(ValueError, match=r"--out must be a folder, got the existing file"):
        run_tour(not_a_folder)
    with pytest.raises(ValueError, match=r"quality must be one of low, medium, high, got 'ultra'"):
        run_tour(tmp_path / "o", quality="ultra")


# --------------------------------------------------------------------------- end to end (slow)
def _tour_command(out):
    return [sys.executable, "-m", "convviz", "tour", "--quick", "--out", str(out)]


def _run(out, env):
    start = time.perf_counter()
    done = subprocess.run(_tour_command(out), env=env, capture_output=True, text=True,
                          timeout=400)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, f"tour failed:\n{done.stdout}\n{done.stderr[-3000:]}"
    return done.stdout, seconds


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"                  # a zombie has ended, it only waits to be reaped


@pytest.fixture(scope="module")
def tour_runs(tmp_path_factory, convviz_home):
    """The three runs A (killed), B (complete), C (re-run) of the module docstring."""
    out = tmp_path_factory.mktemp("tour") / "convviz-out"
    env = dict(os.environ, CONVVIZ_HOME=str(convviz_home), COLUMNS="200")

    # A: kill -9 while the figures are being written.
    start_a = time.perf_counter()
    proc = subprocess.Popen(_tour_command(out), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    killed_during_figures, workers = False, []
    while time.monotonic() < deadline and proc.poll() is None:
        if (out / "figures").is_dir() and any((out / "figures").iterdir()):
            workers = _children(proc.pid)
            proc.send_signal(signal.SIGKILL)
            killed_during_figures = True
            break
        time.sleep(0.05)
    proc.wait(timeout=60)
    seconds_a = time.perf_counter() - start_a
    deadline = time.monotonic() + 60                 # the workers notice and stop
    while time.monotonic() < deadline and any(map(_alive, workers)):
        time.sleep(0.5)
    orphans = [pid for pid in workers if _alive(pid)]
    # A's workers may have finished its scenes before the kill: B must render them.
    shutil.rmtree(convviz_home / "renders", ignore_errors=True)
    after_kill = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    complete = {}
    for rel in after_kill:
        if rel.endswith(".png") and not pathlib.PurePosixPath(rel).name.startswith("."):
            from PIL import Image

            with Image.open(out / rel) as image:
                image.load()                      # raises on a truncated file
                complete[rel] = image.size

    stdout_b, seconds_b = _run(out, env)
    snapshot_b = {rel: (out / rel).read_bytes() for rel in ("index.html", "tour.json")}
    manifest_b = json.loads(snapshot_b["tour.json"])
    stdout_c, seconds_c = _run(out, env)
    print(f"\ntour runs: A (killed) {seconds_a:.0f} s, B (complete) {seconds_b:.0f} s, "
          f"C (re-run) {seconds_c:.0f} s", file=sys.stderr)
    return dict(out=out, killed=killed_during_figures, workers=workers, orphans=orphans,
                after_kill=after_kill,
                complete_after_kill=complete, stdout_b=stdout_b, seconds_b=seconds_b,
                manifest_b=manifest_b, stdout_c=stdout_c, seconds_c=seconds_c)


@pytest.mark.slow
def test_killed_tour_leaves_no_page_and_no_partial_file(tour_runs):
    assert tour_runs["killed"], "the tour finished before it could be killed"
    assert tour_runs["workers"], "the tour had started no scene worker when it was killed"
    assert tour_runs["orphans"] == [], "its scene workers went on after the tour was killed"
    after = tour_runs["after_kill"]
    assert "index.html" not in after and "tour.json" not in after
    finals = [r for r in after if not pathlib.PurePosixPath(r).name.startswith(".")]
    assert set(finals) == set(tour_runs["complete_after_kill"])      # each one decodes
    # and the next run cleaned the hidden temporaries up (its lock and manifest stay)
    from convviz.outdir import LOCK_NAME, MANIFEST_NAME

    out = tour_runs["out"]
    hidden = sorted(p.relative_to(out).as_posix() for p in out.rglob(".*") if p.is_file())
    assert hidden == sorted([LOCK_NAME, MANIFEST_NAME])


@pytest.mark.slow
def test_quick_tour_writes_every_promised_file(tour_runs):
    from PIL import Image

    from convviz.render import read_video

    out, manifest = tour_runs["out"], tour_runs["manifest_b"]
    items = {i["key"]: i for i in manifest["items"]}
    assert set(FIGURES) <= set(items) and set(quick_scenes()) <= set(items)
    assert all(i["status"] == "ok" for i in items.values()), items
    assert manifest["settings"] == {"quick": True, "quality": "low", "epochs": 1,
                                    "n_train": 15000}
    assert 0.85 < manifest["accuracy"] <= 1.0            # 1 epoch on 15,000 images: ~93 %

    for key in FIGURES:
        item = items[key]
        with Image.open(out / item["path"]) as image:
            image.load()
            assert image.format == "PNG"
            assert image.size == (item["width"], item["height"])
            assert min(image.size) >= 300, (key, image.size)
            assert image.convert("L").getextrema()[0] < 100     # something dark is drawn
    with Image.open(out / items["digits"]["path"]) as digits:         # the 2x2 grid
        assert 0.6 < digits.width / digits.height < 1.2
    with Image.open(out / items["history"]["path"]) as history:       # two panels side by side
        assert history.width > 2 * history.height

    for scene in quick_scenes():
        item = items[scene]
        n_frames, size, (middle,) = read_video(out / item["path"], (0.5,))
        assert size == LOW_SIZE and n_frames == item["frames"] and n_frames >= 60, (scene, n_frames)
        assert middle.convert("L").getextrema()[1] > 150                # text drawn on dark
        with Image.open(out / item["poster"]) as still:
            assert still.size == LOW_SIZE

    page = parse_page(out / "index.html")
    referenced = set(page.links["img"]) | set(page.links["source"]) | set(page.links["poster"])
    made = {p.relative_to(out).as_posix() for p in out.rglob("*")
            if p.suffix in (".png", ".mp4")}
    assert referenced == made                                 # all of them, nothing else
    assert page.video_controls == len(quick_scenes())
    text = " ".join(page.text)
    for key in list(FIGURES) + list(quick_scenes()):
        assert items[key]["sentence"] in text
    assert f"{100 * manifest['accuracy']:.2f}%" in text

    stdout = tour_runs["stdout_b"]
    assert "reused from the cache" in stdout.split("2/4 model")[1].splitlines()[0]  # A's model
    assert "test accuracy" in stdout and str((out / "index.html").resolve()) in stdout
    for phase in ("data", "model", "figures", "scenes", "total"):
        assert f"{phase} " in stdout.split("times", 1)[1]
    umask = os.umask(0)
    os.umask(umask)
    for rel in ("index.html", items["digits"]["path"], items[quick_scenes()[0]]["path"]):
        assert (out / rel).stat().st_mode & 0o777 == 0o666 & ~umask   # not mkstemp's 0600


@pytest.mark.slow
def test_second_tour_reuses_model_and_videos_and_renders_nothing(tour_runs):
    stdout = tour_runs["stdout_c"]
    model_line = stdout.split("2/4 model")[1].splitlines()[0]
    assert "reused from the cache" in model_line
    for scene in quick_scenes():
        assert f"scene {scene}: reused from the cache" in stdout
    assert "reused from the cache: " + ", ".join(quick_scenes()) in stdout
    manifest = json.loads((tour_runs["out"] / "tour.json").read_text())
    assert all(i["cached"] for i in manifest["items"] if i["kind"] == "video")
    # the work, not the clock: B's workers rendered the videos, C's did nothing
    assert tour_runs["manifest_b"]["times"]["render_cpu"] > 0
    assert manifest["times"]["render_cpu"] == 0


def _page_check(driver, page: pathlib.Path, width: int, shot: pathlib.Path) -> dict:
    """Open ``page`` at ``width`` CSS px, assert that it fits, save a full-page screenshot.

    At 390 and 1366 px: nothing is wider than the window (``scrollWidth <=
    innerWidth``) and no element sticks out of it; every image loads; no console
    error, no network request. At 1366 px (a projector): every figure is shown at its
    own pixel size and every video at least 1280 px wide, so a 14 px label of a 720p
    video is 14 px on the screen. Returns the displayed sizes for more checks.
    """
    from browser import console_errors, network_requests, page_overflow, screenshot, \
        set_viewport

    from convviz.tour import FIGURE_MAX_WIDTH

    set_viewport(driver, width, 900)
    driver.get(page.resolve().as_uri())
    driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        const images = [...document.images];
        Promise.all(images.map(i => i.complete ? null : new Promise(
            r => { i.onload = r; i.onerror = r; }))).then(done);""")
    assert driver.execute_script("return document.documentElement.scrollWidth") \
        <= driver.execute_script("return window.innerWidth"), width
    assert page_overflow(driver) <= 0
    outside = driver.execute_script("""
        return [...document.body.querySelectorAll('*')].filter(e => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && (r.right > window.innerWidth + 0.5 || r.left < -0.5);
        }).map(e => e.tagName + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right));""")
    assert outside == [], (width, outside)
    sizes = driver.execute_script("""
        return {img: [...document.images].map(i => [i.getAttribute('src'), i.naturalWidth,
                                                     i.getBoundingClientRect().width]),
                video: [...document.querySelectorAll('video')].map(
                    v => [v.id || v.parentElement.id, v.getBoundingClientRect().width])};""")
    assert all(natural > 0 for _, natural, _ in sizes["img"]), sizes["img"]   # all loaded
    if width >= 1366:
        for src, natural, shown in sizes["img"]:
            if natural <= FIGURE_MAX_WIDTH:
                assert abs(shown - natural) < 1, (src, natural, shown)        # not shrunk
        assert all(shown >= 1280 for _, shown in sizes["video"]), sizes["video"]
    assert console_errors(driver) == []
    assert network_requests(driver) == []
    screenshot(driver, shot)
    return sizes


def _png(path: pathlib.Path, size, label: str) -> None:
    """A figure stand-in of ``size`` px: a grid and a label, like a real figure."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 40):
        draw.line([(x, 0), (x, size[1])], fill="#888888")
    for y in range(0, size[1], 40):
        draw.line([(0, y), (size[0], y)], fill="#888888")
    draw.rectangle([0, 0, size[0] - 1, size[1] - 1], outline="black", width=3)
    draw.text((10, 10), f"{label} {size[0]}x{size[1]}", fill="black")
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)


def _mp4(path: pathlib.Path, size=(1280, 720), frames=8) -> None:
    """A short H.264 video of ``size`` px (PyAV)."""
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for k in range(frames):
            pixels = np.full((size[1], size[0], 3), 30 + 20 * k, dtype=np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


# The tour's figure sizes at its 120 dpi (the widest allowed one too), and two videos.
FAKE_FIGURES = {"digits": (408, 510), "filters": (748, 810), "feature_maps": (1212, 1794),
                "conv_step": (1224, 1168), "history": (1200, 480), "confusion": (1032, 936),
                "widest": (1280, 400)}


@needs_chromium
def test_page_fits_a_phone_and_a_projector(tmp_path):
    """write_index's page with fake items of the tour's sizes, in Chromium at 390 and
    1366 px: the layout check without running a tour."""
    from browser import open_browser

    from convviz import tour

    items = []
    for key, size in FAKE_FIGURES.items():
        rel = f"figures/{key}.png"
        _png(tmp_path / rel, size, key)
        items.append(figure(key, path=rel, width=size[0], height=size[1],
                            **tour._placement(key, size[0])))
    for scene in ("KernelSlide", "CNNPipeline"):
        _mp4(tmp_path / f"videos/{scene}.mp4")
        _png(tmp_path / f"stills/{scene}.png", (1280, 720), scene)
        items.append(video(scene, width=1280, height=720, **tour._placement(scene)))
    items.append(video("Pooling", path=None, poster=None, status="failed",
                       note="RuntimeError: " + "a_long_unbreakable_reason_" * 12,
                       **tour._placement("Pooling")))
    page = write_index(tmp_path, tour._ordered(items),
                       summary=["Test accuracy: 98.90% on the 10,000 MNIST test images."])
    with open_browser(tmp_path, width=390) as driver:
        _page_check(driver, page, 390, tmp_path / "page-390.png")
        sizes = _page_check(driver, page, 1366, tmp_path / "page-1366.png")
    assert len(sizes["img"]) == len(FAKE_FIGURES) and len(sizes["video"]) == 2


@pytest.mark.slow
@needs_chromium
def test_index_renders_in_headless_chromium(tour_runs, tmp_path):
    import numpy as np
    from browser import open_browser
    from PIL import Image

    with open_browser(tmp_path, width=390) as driver:
        for width in (390, 1366):
            shot = tmp_path / f"index-{width}.png"
            sizes = _page_check(driver, tour_runs["out"] / "index.html", width, shot)
            assert len(sizes["img"]) == len(FIGURES)
            assert len(sizes["video"]) == len(quick_scenes())
    with Image.open(tmp_path / "index-1366.png") as image:
        gray = np.asarray(image.convert("L"), dtype=float)
    assert gray.std() > 20, "the screenshot is blank"
    # With its figures the page is mostly white with ~10 % dark (lines, text, the
    # digits' black backgrounds, the videos' dark posters); the text alone is ~2 %.
    assert (gray < 200).mean() > 0.05, "almost only text: are the figures missing?"
    assert (gray < 20).mean() > 0.02, "no black digit images in the screenshot"
