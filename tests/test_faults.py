"""Fault injection (issue 13): what a careless or hostile user, a read-only folder, Ctrl-C,
kill -9 and a second tour do to convviz.

Every test asserts what the user sees (exit code, the one line on stderr, the files
kept) and what is on disk afterwards. Faults are injected for real: files truncated or
overwritten with garbage, folders made read-only for a user who cannot write them
(root ignores file modes, so those commands run through ``setpriv``), and signals sent
at chosen points -- by a wrapper that patches one function of a subprocess (e.g. the
first ``savefig`` of a tour) to signal its own process right there, or from outside
while the subprocess trains.

Tours run with ``--quick --no-render`` and share the quick model that ``convviz tour
--quick`` uses (trained once per session into the session's CONVVIZ_HOME; tests/
test_tour.py reuses it); the training faults use a model of 300 images.
"""
from __future__ import annotations

import io
import json
import os
import pathlib
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
QUICK_TOUR = ["tour", "--quick", "--no-render"]
TINY = dict(epochs=1, batch_size=100, n_train=300, n_test=100)     # trains in seconds
TINY_ARGS = ["--epochs", "1", "--batch-size", "100", "--train-images", "300",
             "--test-images", "100"]
ZOO = {".draft.tmp.md": "my draft", ".viminfo.tmp": "vim state", ".config.tmpl": "template",
       "figures/.plot.tmp.png": "my plot", "notes.txt": "my notes"}
FIGURES = ("digits", "filters", "feature-maps", "conv-step", "history", "confusion")


# --------------------------------------------------------------------------- helpers
def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _hidden_temporaries(folder: pathlib.Path) -> list[str]:
    """Hidden ``.tmp`` files under ``folder`` that are not the user's zoo (any naming)."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob(".*")
                  if p.is_file() and ".tmp" in p.name
                  and p.relative_to(folder).as_posix() not in ZOO)


def _env(home, **extra) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), CONVVIZ_HOME=str(home), COLUMNS="200",
               PYTHONDONTWRITEBYTECODE="1")
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)       # what a user's shell has
    env.update({k: str(v) for k, v in extra.items()})
    return env


def _default_sigint():
    # A background job may inherit SIGINT ignored; Ctrl-C must reach the child.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


_HOOKED = """\
import os, pathlib, signal, sys, time
{hook}
from convviz.cli import main
sys.exit(main({argv!r}))
"""

# After the first savefig has written its (temporary) file: send `sig` to ourselves.
SIGNAL_IN_FIRST_SAVEFIG = """
import matplotlib.figure
_savefig = matplotlib.figure.Figure.savefig
def savefig(self, fname, *args, **kwargs):
    _savefig(self, fname, *args, **kwargs)
    os.kill(os.getpid(), signal.{sig})
matplotlib.figure.Figure.savefig = savefig
"""

# After the first savefig has written its file: say so in `paused`, wait for `go`.
PAUSE_IN_FIRST_SAVEFIG = """
import matplotlib.figure
_savefig = matplotlib.figure.Figure.savefig
_calls = []
def savefig(self, fname, *args, **kwargs):
    _savefig(self, fname, *args, **kwargs)
    _calls.append(fname)
    if len(_calls) == 1:
        pathlib.Path({paused!r}).write_text(str(fname))
        deadline = time.monotonic() + 300
        while not pathlib.Path({go!r}).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
matplotlib.figure.Figure.savefig = savefig
"""

# Kill -9 right after Keras has written the model file (still under its temporary name).
KILL_AFTER_MODEL_SAVE = """
import keras
_save = keras.Model.save
def save(self, filepath, *args, **kwargs):
    _save(self, filepath, *args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
keras.Model.save = save
"""


def _hooked(argv, hook: str) -> list[str]:
    return [sys.executable, "-c", _HOOKED.format(hook=hook, argv=list(argv))]


def _convviz(argv) -> list[str]:
    return [sys.executable, "-m", "convviz", *argv]


def _run(cmd, env, timeout=600, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout,
                          preexec_fn=_default_sigint, **kwargs)


def _dead_pid() -> int:
    """The pid of a process that has exited."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _png_size(path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        image.load()                    # raises on a truncated file
        return image.size


def _write_zoo(out: pathlib.Path) -> None:
    for rel, text in ZOO.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(text)


def _assert_zoo_kept(out: pathlib.Path) -> None:
    assert {rel: (out / rel).read_text() for rel in ZOO if (out / rel).is_file()} == ZOO


def _assert_complete_tour(out: pathlib.Path) -> None:
    for name in FIGURES:
        width, height = _png_size(out / "figures" / f"{name}.png")
        assert width > 100 and height > 100
    page = (out / "index.html").read_text()
    assert all(f'src="figures/{name}.png"' in page for name in FIGURES)
    manifest = json.loads((out / "tour.json").read_text())
    assert {i["key"] for i in manifest["items"]} >= {"digits", "history", "confusion"}
    assert all(i["status"] == "ok" for i in manifest["items"])


@pytest.fixture(scope="session")
def quick_model(convviz_home):
    """The simple CNN of ``convviz tour --quick`` (1 epoch, 15,000 images), cached once in
    the session's CONVVIZ_HOME: ``(model file, history file)``."""
    from convviz.tour import QUICK, SEED
    from convviz.train import history_path, load_trained, model_path

    load_trained("simple_cnn", seed=SEED, verbose=0, **QUICK)
    return (model_path("simple_cnn", seed=SEED, **QUICK),
            history_path("simple_cnn", seed=SEED, **QUICK))


# --------------------------------------------------------------------------- users who cannot write
@pytest.fixture(scope="session")
def world_dirs():
    """Make folders any user can reach (pytest's own tmp is private to root); removed after."""
    made = []

    def make(mode=0o777) -> pathlib.Path:
        path = pathlib.Path(tempfile.mkdtemp(prefix="convviz-faults-", dir="/tmp"))
        path.chmod(mode)
        made.append(path)
        return path

    yield make
    for path in made:
        for sub in [path, *path.rglob("*")]:
            if sub.is_dir() and not sub.is_symlink():
                sub.chmod(0o755)
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def unprivileged(world_dirs):
    """``(command prefix, environment extras)`` that run a process as a user who cannot
    write into a folder of mode 0o555.

    As root: ``setpriv`` to nobody if nobody can run this Python and read the
    worktree, else root without the capabilities that override file modes (the
    interpreter may live under a private /root). As anybody else: nothing to do.
    """
    scratch = world_dirs()
    extras = {"HOME": scratch, "MPLCONFIGDIR": scratch / "mpl", "KERAS_HOME": scratch / "keras"}
    if os.geteuid() != 0:
        return [], extras
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) is needed to run a command as an unprivileged user")
    nobody = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    probe = subprocess.run([*nobody, sys.executable, "-c", "import convviz.cache"],
                           env=_env(scratch, **extras), capture_output=True)
    if probe.returncode == 0:
        return nobody, extras
    return ["setpriv", "--inh-caps=-all", "--bounding-set=-all"], extras


def _make_read_only(folder: pathlib.Path, unprivileged) -> pathlib.Path:
    """Make ``folder`` and everything in it read-only, and prove the user cannot write it."""
    prefix, extras = unprivileged
    for path in sorted(folder.rglob("*"), reverse=True) + [folder]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    probe = subprocess.run([*prefix, sys.executable, "-c",
                            f"open({str(folder / 'probe')!r}, 'w')"],
                           env=_env(folder, **extras), capture_output=True, text=True)
    assert probe.returncode != 0 and "Permission denied" in probe.stderr
    return folder


# =========================================================================== 2. the tour and the user's files
def test_empty_out_is_refused_before_anything_happens(tmp_path, monkeypatch, capsys):
    """``--out ""`` used to run the whole tour in the current folder."""
    from convviz import tour
    from convviz.cli import main

    monkeypatch.chdir(tmp_path)
    _write_zoo(tmp_path)

    def started(*args, **kwargs):
        raise AssertionError("the tour started working in the current folder")

    monkeypatch.setattr(tour, "_load_model", started)
    with pytest.raises(SystemExit) as exit_:
        main(["tour", "--out", "", "--quick", "--no-render"])
    assert exit_.value.code == 2
    assert _lines(capsys.readouterr().err)[-1] == (
        "convviz tour: error: argument --out: must name a folder, got an empty string "
        "(for the current folder say --out .)")
    with pytest.raises(ValueError, match=r"^--out must name a folder, got an empty string"):
        tour.run_tour("", quick=True, render_videos=False)
    _assert_zoo_kept(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({".draft.tmp.md", ".viminfo.tmp",
                                                                ".config.tmpl", "figures",
                                                                "notes.txt"})


@pytest.mark.slow
def test_tour_keeps_the_users_dotfiles_and_the_page_it_did_not_write(tmp_path, convviz_home,
                                                                     quick_model):
    """The dotfile zoo survives; an index.html of the user's is announced and kept; the
    temporary file of a tour killed mid-write is removed by the next tour."""
    from rich.console import Console

    from convviz.tour import run_tour

    out = tmp_path / "out"
    _write_zoo(out)
    (out / "index.html").write_text("<h1>my own page</h1>")
    killed = _run(_hooked(["tour", "--quick", "--no-render", "--out", str(out)],
                          SIGNAL_IN_FIRST_SAVEFIG.format(sig="SIGKILL")), _env(convviz_home))
    assert killed.returncode == -signal.SIGKILL
    left = _hidden_temporaries(out)
    assert len(left) == 1 and left[0].startswith("figures/.")     # the killed write
    _assert_zoo_kept(out)
    assert (out / "index.orig.html").read_text() == "<h1>my own page</h1>"
    assert not (out / "index.html").exists()        # the killed tour never got to its page

    printed = io.StringIO()
    run_tour(out, quick=True, render_videos=False, console=Console(file=printed, width=400, soft_wrap=True))
    assert _hidden_temporaries(out) == []
    _assert_zoo_kept(out)
    _assert_complete_tour(out)
    assert (out / "index.orig.html").read_text() == "<h1>my own page</h1>"
    assert "was not written by convviz tour" not in printed.getvalue()

    # The user replaces the tour's page with their own again: announced before any
    # work (the first line printed), kept under the next free name.
    (out / "index.html").write_text("<h1>my second page</h1>")
    printed = io.StringIO()
    run_tour(out, quick=True, render_videos=False, console=Console(file=printed, width=400, soft_wrap=True))
    assert _lines(printed.getvalue())[0] == (
        f"{out / 'index.html'} was not written by convviz tour: kept it as "
        "index.orig-2.html before writing the tour's own")
    assert (out / "index.orig-2.html").read_text() == "<h1>my second page</h1>"
    assert (out / "index.orig.html").read_text() == "<h1>my own page</h1>"
    _assert_zoo_kept(out)
    _assert_complete_tour(out)


def test_output_folder_rules_without_a_tour(tmp_path):
    """The rules of convviz.outdir on their own: a file the tour wrote is replaced
    silently, one the user changed since is kept; a folder of an older convviz (its
    tour.json, no manifest) is recognised; only convviz's own dead temporaries go."""
    from convviz.outdir import MANIFEST_NAME, OutputFolder

    said = []
    out = tmp_path / "out"
    with OutputFolder(out, ["index.html", "figures/a.png"], say=said.append):
        (out / "index.html").write_text("tour page")
        (out / "figures" / "a.png").write_text("tour figure")
    assert said == []
    recorded = json.loads((out / MANIFEST_NAME).read_text())["files"]
    assert set(recorded) == {"index.html", "figures/a.png"}

    (out / "figures" / "a.png").write_text("edited by the user")
    dead, alive = _dead_pid(), os.getpid()
    stale = out / "figures" / f".a.{dead}-abcd1234.convviz.tmp.png"
    running = out / "figures" / f".a.{alive}-efgh5678.convviz.tmp.png"
    for path in (stale, running):
        path.write_text("half")
    with OutputFolder(out, ["index.html", "figures/a.png"], say=said.append):
        assert not stale.exists() and running.exists()
        assert not (out / "figures" / "a.png").exists()     # moved aside, not deleted
    assert said == [f"{out / 'figures' / 'a.png'} was not written by convviz tour: kept it as "
                    "a.orig.png before writing the tour's own"]
    assert (out / "figures" / "a.orig.png").read_text() == "edited by the user"
    assert (out / "index.html").read_text() == "tour page"

    legacy = tmp_path / "legacy"
    (legacy / "figures").mkdir(parents=True)
    (legacy / "index.html").write_text("old tour page")
    (legacy / "figures" / "digits.png").write_text("old figure")
    (legacy / "tour.json").write_text(json.dumps({"items": [{"path": "figures/digits.png",
                                                             "poster": None}]}))
    said.clear()
    with OutputFolder(legacy, ["index.html", "tour.json", "figures/digits.png"],
                      say=said.append):
        pass
    assert said == [] and not list(legacy.rglob("*.orig*"))


@pytest.mark.slow
def test_two_tours_sharing_one_out_do_not_break_each_other(tmp_path, convviz_home, quick_model):
    """Tour B starts while tour A is in the middle of writing a figure. B used to delete
    A's temporary file (A then failed); now B waits for A's lock and both finish."""
    out, paused, go = tmp_path / "out", tmp_path / "a-paused", tmp_path / "go"
    _write_zoo(out)
    env = _env(convviz_home)
    log_a, log_b = open(tmp_path / "a.log", "w+"), open(tmp_path / "b.log", "w+")
    a = subprocess.Popen(_hooked([*QUICK_TOUR, "--out", str(out)],
                                 PAUSE_IN_FIRST_SAVEFIG.format(paused=str(paused), go=str(go))),
                         env=env, stdout=log_a, stderr=subprocess.STDOUT)
    b = None
    try:
        deadline = time.monotonic() + 300
        while not paused.exists() and a.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert paused.exists(), "tour A never reached its first figure"
        in_progress = pathlib.Path(paused.read_text())
        assert in_progress.exists() and in_progress.name.startswith(".")
        b = subprocess.Popen(_convviz([*QUICK_TOUR, "--out", str(out)]), env=env,
                             stdout=log_b, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and b.poll() is None:
            text = pathlib.Path(log_b.name).read_text()
            if "waiting for it to finish" in text or "1/4 data" in text:
                break                   # B is blocked on the lock, or past its start-up
            time.sleep(0.05)
        go.touch()
        assert a.wait(timeout=600) == 0, pathlib.Path(log_a.name).read_text()[-3000:]
        assert b.wait(timeout=600) == 0, pathlib.Path(log_b.name).read_text()[-3000:]
    finally:
        go.touch()
        for proc in (a, b):
            if proc is not None and proc.poll() is None:
                proc.kill()
    text_a, text_b = pathlib.Path(log_a.name).read_text(), pathlib.Path(log_b.name).read_text()
    assert "failed" not in text_a and "failed" not in text_b
    assert f"another convviz tour (pid {a.pid}) is writing into {out}; waiting for it to " \
           "finish" in text_b
    _assert_complete_tour(out)
    _assert_zoo_kept(out)
    assert _hidden_temporaries(out) == []


# =========================================================================== 3. damaged cache files
@pytest.mark.slow
@pytest.mark.render
def test_damaged_cached_video_is_named_and_rendered_again(capsys):
    """A truncated, empty or garbage cached .mp4 used to be handed out as it was."""
    import av

    from convviz.cli import main
    from convviz.render import read_video

    args = ["render", "Pooling", "--input", "1 2; 3 4", "--detailed-steps", "1",
            "--fast-steps", "1", "--width", "256", "--height", "144", "--fps", "5"]
    assert main(args) == 0
    video = pathlib.Path(capsys.readouterr().out.strip())
    frames, size, _ = read_video(video)
    good = video.read_bytes()
    assert frames > 1

    for damaged in (good[: len(good) // 2], b"", os.urandom(20000)):
        video.write_bytes(damaged)
        assert main(args) == 0
        out, err = capsys.readouterr()
        assert out.strip() == str(video)
        (line,) = _lines(err)
        assert line.startswith(f"convviz: the cached video {video} is damaged (")
        assert line.endswith("); rendering it again")
        assert read_video(video)[:2] == (frames, size)     # whole again

    # An mp4 with its index first (faststart) survives a cut with the index intact:
    # the missing frames are what gives it away.
    from convviz.render import _video_damage

    faststart = video.with_name("faststart.mp4")
    with av.open(str(video)) as src, av.open(str(faststart), "w",
                                             options={"movflags": "faststart"}) as dst:
        stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    assert _video_damage(faststart) is None
    data = faststart.read_bytes()
    faststart.write_bytes(data[: len(data) * 9 // 10])
    assert re.fullmatch(r"\d+ of \d+ frames are present", _video_damage(faststart))


@pytest.mark.slow
def test_damaged_cached_model_or_history_is_named_and_trained_again(capsys):
    """A truncated .keras used to fail with Keras' "File not found"; a history of empty
    lists was accepted and plotted as an empty figure marked ok."""
    import keras

    from convviz.train import (history_path, is_cached, load_record, load_trained,
                               model_path, train)

    train("simple_cnn", verbose=0, **TINY)
    model_file, history_file = model_path("simple_cnn", **TINY), history_path("simple_cnn", **TINY)
    good_model, good_history = model_file.read_bytes(), history_file.read_text()
    record = json.loads(good_history)
    empty = dict(record, history={k: [] for k in record["history"]})
    cases = [
        (model_file, good_model[: len(good_model) // 2], "model"),
        (model_file, os.urandom(4096), "model"),
        (history_file, json.dumps({"history": {"loss": []}}), "history"),
        (history_file, json.dumps(empty), "history"),
        (history_file, good_history[:40], "history"),
    ]
    for path, damaged, kind in cases:
        model_file.write_bytes(good_model)
        history_file.write_text(good_history)
        capsys.readouterr()
        (path.write_bytes if isinstance(damaged, bytes) else path.write_text)(damaged)
        assert not is_cached("simple_cnn", **TINY)
        if kind == "history":
            with pytest.raises(ValueError, match=re.escape(f"the cached history {history_file} "
                                                           "is damaged")):
                load_record("simple_cnn", **TINY)
        model = load_trained("simple_cnn", verbose=0, **TINY)
        (line,) = _lines(capsys.readouterr().err)
        assert line.startswith(f"convviz: the cached {kind} {path} is damaged")
        assert line.endswith("; training it again")
        assert is_cached("simple_cnn", **TINY)
        assert len(load_record("simple_cnn", **TINY)["history"]["loss"]) == 1
        again = keras.saving.load_model(model_file)
        assert all((a == b).all() for a, b in zip(model.get_weights(), again.get_weights()))


@pytest.mark.slow
def test_truncated_cached_model_from_the_command_line(tmp_path):
    """What the user of ``convviz evaluate`` sees: one line naming the damaged file, then
    the result -- and no TensorFlow start-up chatter."""
    from convviz.train import model_path

    home = tmp_path / "home"
    first = _run(_convviz(["train", "simple_cnn", *TINY_ARGS, "--quiet"]), _env(home))
    assert first.returncode == 0, first.stderr
    assert _lines(first.stderr) == []               # TensorFlow's start-up lines are hidden
    model_file = home / "models" / model_path("simple_cnn", **TINY).name
    model_file.write_bytes(model_file.read_bytes()[:1000])
    done = _run(_convviz(["evaluate", "simple_cnn", *TINY_ARGS]), _env(home))
    assert done.returncode == 0, done.stderr
    (line,) = _lines(done.stderr)
    assert line.startswith(f"convviz: the cached model {model_file} is damaged: not a whole "
                           ".keras (zip) file")
    assert re.search(r"simple_cnn: test accuracy \d+\.\d\d %", done.stdout)


# =========================================================================== read-only folders
@pytest.mark.slow
def test_read_only_cache_still_serves_its_model(world_dirs, unprivileged, quick_model):
    """A read-only cache holding the model: it loads (the lock used to fail); one that
    does not hold it: one line naming the folder and CONVVIZ_HOME, no training."""
    prefix, extras = unprivileged
    home = world_dirs(0o755)
    (home / "models").mkdir()
    for path in quick_model:
        shutil.copy(path, home / "models" / path.name)
    _make_read_only(home, unprivileged)
    before = sorted(p.name for p in (home / "models").iterdir())
    quick = ["--epochs", "1", "--train-images", "15000"]

    done = _run([*prefix, *_convviz(["evaluate", "simple_cnn", *quick])], _env(home, **extras))
    assert done.returncode == 0, done.stderr
    assert _lines(done.stderr) == []
    accuracy = json.loads(quick_model[1].read_text())["history"]["val_accuracy"][-1]
    assert f"simple_cnn: test accuracy {100 * accuracy:.2f} %" in done.stdout
    assert sorted(p.name for p in (home / "models").iterdir()) == before

    done = _run([*prefix, *_convviz(["evaluate", "simple_cnn", *TINY_ARGS])],
                _env(home, **extras))
    assert done.returncode == 1
    (line,) = _lines(done.stderr)
    assert line.startswith(f"convviz evaluate: error: cannot write the convviz cache folder "
                           f"{home / 'models'} (Permission denied; simple_cnn-last-e1-b100-s7-"
                           "train300-test100 is not cached there yet")
    assert "set CONVVIZ_HOME to a folder you can write" in line
    assert sorted(p.name for p in (home / "models").iterdir()) == before


@pytest.mark.slow
def test_read_only_out_is_refused_before_the_work(world_dirs, unprivileged):
    """``--out``, ``-o`` and ``--still`` into a read-only folder: one line naming the path
    as given, exit 1, before any work (it used to be a traceback, once after ~10 s)."""
    prefix, extras = unprivileged
    home, ro = world_dirs(), world_dirs(0o755)
    (ro / "out").mkdir()
    _make_read_only(ro, unprivileged)
    env = _env(home, **extras)

    for out, folder, verb in ((ro / "out", ro / "out", "write into"),
                              (ro / "new", ro / "new", "create")):
        done = _run([*prefix, *_convviz([*QUICK_TOUR, "--out", str(out)])], env)
        assert done.returncode == 1
        (line,) = _lines(done.stderr)
        assert line.startswith(f"convviz tour: error: --out {str(out)!r}: cannot {verb} the "
                               f"folder {str(folder)!r} (Permission denied")
        assert "1/4 data" not in done.stdout        # no work was started
    assert sorted(p.name for p in ro.iterdir()) == ["out"] and not list((ro / "out").iterdir())

    for argv, option, target in (
            (["digits", "-o", str(ro / "d.png")], "-o/--output", ro / "d.png"),
            (["conv-step", "-o", str(ro / "sub" / "c.png")], "-o/--output", ro / "sub" / "c.png"),
            (["render", "Pooling", "--still", str(ro / "s.png")], "--still", ro / "s.png")):
        done = _run([*prefix, *_convviz(argv)], env)
        assert done.returncode == 1
        assert _lines(done.stderr) == [
            f"convviz {argv[0]}: error: {option} {str(target)!r}: cannot write into the folder "
            f"{str(ro)!r} (Permission denied)"]
    assert not (home / "renders").exists() or not list((home / "renders").iterdir())

    # The library itself names the file asked for, never its hidden temporary name.
    done = _run([*prefix, sys.executable, "-c",
                 f"from convviz.cache import atomic_write; atomic_write({str(ro / 'x.txt')!r}, 'x')"],
                env)
    assert _lines(done.stderr)[-1] == f"PermissionError: [Errno 13] Permission denied: " \
                                      f"{str(ro / 'x.txt')!r}"


def test_a_long_file_name_fits_and_errors_name_it(tmp_path):
    """A 250-character name is legal, but its temporary name used to be too long -- and
    the error named the temporary file."""
    from convviz.cache import atomic_write

    target = tmp_path / ("x" * 246 + ".png")
    assert atomic_write(target, b"png").read_bytes() == b"png"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    too_long = tmp_path / ("y" * 300 + ".png")
    with pytest.raises(OSError) as error:
        atomic_write(too_long, b"png")
    assert error.value.filename == str(too_long)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


# =========================================================================== signals
@pytest.mark.slow
def test_ctrl_c_in_the_middle_of_a_tour_write(tmp_path, convviz_home, quick_model):
    """SIGINT right after a figure's bytes went to its temporary file: one line, exit 130,
    the temporary file gone, no page, the user's files kept."""
    out = tmp_path / "out"
    _write_zoo(out)
    done = _run(_hooked([*QUICK_TOUR, "--out", str(out)],
                        SIGNAL_IN_FIRST_SAVEFIG.format(sig="SIGINT")), _env(convviz_home))
    assert done.returncode == 130
    assert _lines(done.stderr) == [
        "convviz tour: interrupted (Ctrl-C); nothing half-written was kept (every file is "
        "written whole or not at all)"]
    assert _hidden_temporaries(out) == []
    assert not (out / "index.html").exists() and not (out / "tour.json").exists()
    assert not (out / "figures" / "digits.png").exists()
    _assert_zoo_kept(out)


@pytest.mark.slow
def test_ctrl_c_while_training(tmp_path):
    """Ctrl-C sent from outside while Keras trains: one line, exit 130, no model kept."""
    home = tmp_path / "home"
    log = open(tmp_path / "train.log", "w+")
    proc = subprocess.Popen(_convviz(["train", "simple_cnn", "--epochs", "1", "--batch-size",
                                      "32", "--train-images", "6000", "--test-images", "100"]),
                            env=_env(home), stdout=log, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            if re.search(r"\b\d+/188\b", pathlib.Path(log.name).read_text()):
                break                   # Keras' progress bar: training is under way
            time.sleep(0.02)
        assert proc.poll() is None, "training ended before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert _lines(stderr) == [
        "convviz train: interrupted (Ctrl-C); nothing half-written was kept (every file is "
        "written whole or not at all)"]
    assert list((home / "models").iterdir()) == []


@pytest.mark.slow
def test_kill_during_model_save_leaves_a_temporary_that_the_next_start_removes(tmp_path):
    home = tmp_path / "home"
    done = _run(_hooked(["train", "simple_cnn", *TINY_ARGS, "--quiet"], KILL_AFTER_MODEL_SAVE),
                _env(home))
    assert done.returncode == -signal.SIGKILL
    models = home / "models"
    left = [p.name for p in models.iterdir() if p.suffix != ".lock"]
    assert len(left) == 1 and left[0].startswith(".simple_cnn") and left[0].endswith(".keras")
    user_file = models / ".notes.tmp.keras"
    user_file.write_text("not convviz's")
    again = _run([sys.executable, "-c", "from convviz.cache import cache_dir; cache_dir()"],
                 _env(home))
    assert again.returncode == 0, again.stderr
    assert sorted(p.name for p in models.iterdir() if p.suffix != ".lock") == [user_file.name]


def test_stale_temporaries_go_only_when_older_than_every_live_lock(tmp_path):
    """A temporary file newer than a lock that is held may belong to the lock's holder."""
    import fcntl

    from convviz.cache import live_lock_times, remove_stale_temporaries

    dead = _dead_pid()
    now = time.time()
    old, new = (tmp_path / f".m.{dead}-{tag}.convviz.tmp.keras" for tag in ("aaaaaaaa", "bbbbbbbb"))
    running = tmp_path / f".m.{os.getpid()}-cccccccc.convviz.tmp.keras"
    users = tmp_path / ".m.tmp.keras"
    lock = tmp_path / "m.lock"
    for path, age in ((old, 100), (new, 10), (running, 100), (users, 100), (lock, 50)):
        path.write_text("x")
        os.utime(path, (now - age, now - age))
    with open(lock, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert live_lock_times(tmp_path) == [pytest.approx(now - 50)]
        assert remove_stale_temporaries([tmp_path], live_lock_times(tmp_path)) == [old]
    assert live_lock_times(tmp_path) == []
    assert remove_stale_temporaries([tmp_path], live_lock_times(tmp_path)) == [new]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([running.name, users.name,
                                                                 lock.name])


# =========================================================================== one line, not a traceback
@pytest.mark.slow
@pytest.mark.parametrize("suffix, reason", [
    (".h5", " that Keras can load (OSError: Unable to synchronously open file (file signature "
            "not found))"),
    (".keras", ": a .keras file is a zip archive and this one is not (truncated, or some "
               "other file)"),
])
def test_garbage_model_file_is_one_line(tmp_path, suffix, reason):
    garbage = tmp_path / f"model{suffix}"
    garbage.write_bytes(os.urandom(4096))
    done = _run(_convviz(["filters", str(garbage)]), _env(tmp_path / "home"))
    assert done.returncode == 2
    assert _lines(done.stderr) == [
        f"convviz filters: error: model file {str(garbage)!r} is not a Keras model{reason}"]


@pytest.mark.slow
def test_tensorflow_start_up_lines_only_with_verbose(tmp_path):
    """On a CPU machine TensorFlow prints absl INFO lines and a cuInit error at start-up;
    ``--verbose`` keeps them, the default hides them (the error line is the same)."""
    garbage = tmp_path / "model.h5"
    garbage.write_bytes(b"\0" * 100)
    quiet = _run(_convviz(["filters", str(garbage)]), _env(tmp_path / "home"))
    loud = _run(_convviz(["--verbose", "filters", str(garbage)]), _env(tmp_path / "home"))
    assert quiet.returncode == loud.returncode == 2
    assert len(_lines(quiet.stderr)) == 1
    assert _lines(loud.stderr)[-1] == _lines(quiet.stderr)[0]
    chatter = _lines(loud.stderr)[:-1]
    assert any(re.match(r"[IWE]\d{4} ", line) or "absl::InitializeLog" in line
               for line in chatter), loud.stderr


def test_stderr_filter_drops_start_up_lines_and_passes_everything_else(capfd):
    from convviz.cli import stderr_filter

    noise = [
        b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        b"I0000 00:00:1795798585.461334   16759 port.cc:153] oneDNN custom operations are on.",
        b"W0000 00:00:1795798585.461334   16759 some.cc:1] a warning TensorFlow would hide",
    ]
    noise.append(b"E0000 00:00:1795800002.519280   14862 node_def_util.cc:682] NodeDef mentions "
                 b"attribute use_unbounded_threadpool which is not in the op definition: "
                 b"Op<name=MapDataset; ...> This may be expected if your graph generating "
                 b"binary is newer than this binary. Unknown attributes will be ignored.")
    cuinit = (b"E0000 00:00:1795798599.249352   16759 cuda_platform.cc:52] failed call to "
              b"cuInit: INTERNAL: CUDA error: Failed call to cuInit: UNKNOWN ERROR (303)")
    real = [b"E0000 00:00:1795798599.249352   16759 io.cc:12] could not write /x: disk full",
            b"Traceback (most recent call last):", b"I am a line of the user's own output",
            b"Warning: keep me"]
    with stderr_filter.filtered_stderr():
        for line in noise + [cuinit] + real:
            os.write(2, line + b"\n")
        os.write(2, b"no newline at the end")
    err = capfd.readouterr().err
    kept = _lines(err)
    expected = [line.decode() for line in real] + ["no newline at the end"]
    if stderr_filter._GPU_DRIVER:           # a GPU machine: a failing cuInit is a real error
        expected.insert(0, cuinit.decode())
    assert kept == expected


@pytest.mark.parametrize("argv, message", [
    (["conv-step", "--dpi", "100000"], "argument --dpi: must be an int in [20, 1200], got 100000"),
    (["conv-step", "--dpi", "0"], "argument --dpi: must be an int in [20, 1200], got 0"),
    (["digits", "--count", "100000"], "argument --count: must be an int in [1, 100] (one figure "
                                      "shows at most 100 digits; page through the set with "
                                      "--start), got 100000"),
])
def test_sizes_are_bounded_with_one_line(tmp_path, argv, message):
    """``--dpi 100000`` used to die in std::bad_alloc; ``digits --count 100000`` ran for
    half an hour. Run with a 4 GB address-space limit, so neither can take the machine."""
    def limited():
        _default_sigint()
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))

    out = tmp_path / "figure.png"
    done = subprocess.run(_convviz([*argv, "-o", str(out)]), env=_env(tmp_path / "home"),
                          capture_output=True, text=True, timeout=120, preexec_fn=limited)
    assert done.returncode == 2
    assert _lines(done.stderr)[-1] == f"convviz {argv[0]}: error: {message}"
    assert "Traceback" not in done.stderr and not out.exists()


def test_figure_size_is_bounded_and_the_message_gives_a_dpi_that_fits(tmp_path, capsys):
    """A dpi inside its range can still make too big an image for a big figure: the
    message states the pixels (from the figure's own size) and a dpi that fits."""
    from convviz.cli import main
    from convviz.plot import plot_conv_step
    from convviz.trace import trace_conv2d
    from convviz.worked import multi_channel_example

    max_pixels, max_side = 100_000_000, 16384     # the limits the message states
    x, kernel, bias = multi_channel_example()
    inches = plot_conv_step(trace_conv2d(x, kernel, bias, data_format="channels_first"),
                            0).get_size_inches()
    width, height = inches * 1200
    assert width * height > max_pixels          # too big at 1200 dpi: the case under test
    out = tmp_path / "step.png"
    assert main(["conv-step", "--dpi", "1200", "-o", str(out)]) == 2
    (line,) = _lines(capsys.readouterr().err)
    fits = int(min(max_side / inches.max(), (max_pixels / inches.prod()) ** 0.5))
    assert line == (f"convviz conv-step: error: --dpi 1200 would make this {inches[0]:.1f}x"
                    f"{inches[1]:.1f}-inch figure {width:,.0f}x{height:,.0f} pixels (at most "
                    f"{max_side:,} a side and {max_pixels // 10**6} megapixels); use --dpi "
                    f"{fits} or less, or write a .svg or .pdf")
    assert not out.exists()
    assert main(["conv-step", "--dpi", "1200", "-o", str(tmp_path / "step.svg")]) == 0
