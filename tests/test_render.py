"""Every scene renders to a video with frames (tiny size and frame rate to stay quick).

The model scenes get an untrained ``convviz.models.build`` model through
``render(model=...)``, so nothing trains here. 256x144 at 5 fps with one detailed
and one quick step keeps the whole file within a few minutes on 2 cores.
"""
from __future__ import annotations

import os
import subprocess
import sys
import pathlib

import pytest

from convviz import render as R

pytestmark = [pytest.mark.slow, pytest.mark.render]

TINY = {"pixel_width": 256, "pixel_height": 144, "frame_rate": 5}
QUICK = {"detailed_steps": 1, "fast_steps": 1}


@pytest.fixture(scope="module")
def models():
    import keras

    from convviz.models import build

    keras.utils.set_random_seed(0)
    return {name: build(name) for name in set(R.MODEL_SCENES.values())}


def check_video(path, size=(256, 144)):
    path = pathlib.Path(path)
    assert path.is_file() and path.suffix == ".mp4" and path.stat().st_size > 0
    n, frame_size, frames = R.read_video(path, (0, 0.5, 1))
    assert n > 1
    assert frame_size == size
    assert [f.size for f in frames] == [size] * 3
    return n


@pytest.mark.parametrize("scene", list(R.SCENES))
def test_scene_renders(scene, models):
    model = models[R.MODEL_SCENES[scene]] if scene in R.MODEL_SCENES else None
    video = R.render(scene, R.SceneConfig(**QUICK), quality="low", use_cache=False,
                     model=model, **TINY)
    check_video(video)


def test_render_cache_reuses_the_video_and_output_copies_it(tmp_path):
    cfg = R.SceneConfig(input=[[1, 2], [3, 4]], **QUICK)
    first = R.render("Pooling", cfg, **TINY)
    stamp = first.stat().st_mtime_ns
    again = R.render("Pooling", cfg, **TINY)
    assert again == first and again.stat().st_mtime_ns == stamp
    other = R.render("Pooling", cfg.replace(input=[[4, 3], [2, 1]]), **TINY)
    assert other != first                                  # another config, another file
    copy = R.render("Pooling", cfg, output=tmp_path / "out" / "pool.mp4", **TINY)
    assert copy == tmp_path / "out" / "pool.mp4" and copy.read_bytes() == first.read_bytes()
    png = R.save_still(copy, tmp_path / "still.png", at=0.5)
    gif = R.save_gif(copy, tmp_path / "pool.gif", width=128)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and gif.read_bytes()[:3] == b"GIF"


def test_convviz_render_cli(tmp_path, capsys):
    from convviz.cli import main

    out = tmp_path / "k.mp4"
    code = main(["render", "KernelSlide", "--input", "1 2 3; 4 5 6; 7 8 9",
                 "--kernel", "1 0; 0 -1", "--padding", "same", "--stride", "2",
                 "--width", "256", "--height", "144", "--fps", "5", "--output", str(out),
                 "--still", str(tmp_path / "k.png")])
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out), str(tmp_path / "k.png")]
    check_video(out)


def test_render_cli_still_is_the_poster(tmp_path, capsys):
    """``--still`` saves the frame the scene marked as its poster (where its idea is
    on screen), which for Pooling is a step mid-video, not the last frame."""
    import av
    import numpy as np
    from PIL import Image

    from convviz.cli import main

    png = tmp_path / "pool.png"
    assert main(["render", "Pooling", "--width", "256", "--height", "144", "--fps", "5",
                 "--still", str(png)]) == 0
    video = R.cached_video("Pooling", pixel_width=256, pixel_height=144, frame_rate=5)
    assert capsys.readouterr().out.split() == [str(video), str(png)]
    poster = R.poster_frame(video)
    with av.open(str(video)) as container:
        frames = [f.to_ndarray(format="rgb24")
                  for f in container.decode(container.streams.video[0])]
    assert poster is not None and poster < len(frames) - 1
    still = np.asarray(Image.open(png).convert("RGB"))
    np.testing.assert_array_equal(still, frames[poster])
    assert not np.array_equal(still, frames[-1])


def test_plain_manim_command_with_a_config_file(tmp_path):
    """``manim scenes/pooling.py PoolingSame`` works, reading $CONVVIZ_SCENE_CONFIG."""
    config = tmp_path / "pool.toml"
    config.write_text('input = "1 5 2; 0 3 4; 7 1 1"\npadding = "same"\n'
                      "detailed_steps = 1\nfast_steps = 0\n")
    scenes = pathlib.Path(__file__).resolve().parent.parent / "scenes"   # the checkout's thin files
    env = dict(os.environ, **{R.CONFIG_ENV: str(config)})
    manim = pathlib.Path(sys.executable).with_name("manim")
    result = subprocess.run(
        [str(manim), "render", "-ql", "-r", "256,144", "--fps", "5", "--media_dir",
         str(tmp_path / "media"), "--disable_caching", "-o", "pool.mp4",
         str(scenes / "pooling.py"), "PoolingSame"],
        env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    videos = list((tmp_path / "media").rglob("pool.mp4"))
    assert len(videos) == 1
    check_video(videos[0])


def test_the_poster_is_the_frame_the_scene_marked(tmp_path):
    import av
    import numpy as np
    from PIL import Image

    video = R.render("Pooling", R.SceneConfig(**QUICK), **TINY)
    index = R.poster_frame(video)
    with av.open(str(video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]
    assert 0 < index < len(frames) - 1
    poster = np.asarray(Image.open(R.save_poster(video, tmp_path / "poster.png")).convert("RGB"))
    np.testing.assert_array_equal(poster, frames[index])
    assert not np.array_equal(frames[index], frames[-1])      # a moment, not the end
    # a copy away from the render cache has no mark: its poster is the last frame
    copy = R.render("Pooling", R.SceneConfig(**QUICK), output=tmp_path / "copy.mp4", **TINY)
    assert R.poster_frame(copy) is None
    last = np.asarray(Image.open(R.save_poster(copy, tmp_path / "last.png")).convert("RGB"))
    np.testing.assert_array_equal(last, frames[-1])
