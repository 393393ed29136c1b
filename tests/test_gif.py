"""README GIFs (convviz.render.save_gif): 640 px wide, 8 frames a second in real time,
at most 3 MB, from a short real render; a tighter budget takes fewer colours, and an
impossible one writes nothing."""
from __future__ import annotations

import pytest

from convviz import render as R

pytestmark = [pytest.mark.slow, pytest.mark.render]

FPS = 30


@pytest.fixture(scope="module")
def short_video():
    """A few seconds of the Pooling scene at 640x360, 30 fps."""
    config = R.SceneConfig(input=[[1, 5, 2, 0], [0, 3, 4, 1], [7, 1, 1, 2], [2, 2, 0, 6]],
                           detailed_steps=1, fast_steps=1)
    video = R.render("Pooling", config, pixel_width=640, pixel_height=360, frame_rate=FPS)
    n_frames, size, _ = R.read_video(video)
    assert size == (640, 360) and n_frames > 3 * FPS
    return video, n_frames


def gif_frames(path):
    """``(size, [(start, duration) in ms], palette entries)`` of a GIF."""
    from PIL import Image

    with Image.open(path) as gif:
        palette = len(gif.getpalette()) // 3          # the first frame's (global) palette
        starts, clock = [], 0
        for k in range(gif.n_frames):
            gif.seek(k)
            starts.append((clock, gif.info["duration"]))
            clock += gif.info["duration"]
        return gif.size, starts, palette


def test_readme_gif_is_640_wide_8_fps_in_real_time_and_within_3_mb(short_video, tmp_path):
    video, n_frames = short_video
    gif = R.save_gif(video, tmp_path / "pool.gif")
    size, frames, _ = gif_frames(gif)
    assert size == (640, 360)
    assert gif.stat().st_size <= R.GIF_BYTES == 3_000_000
    # every frame starts on the 8 fps clock (GIF delays are whole hundredths, so they
    # alternate 130/120 ms); identical neighbours are merged, never dropped in time
    ticks = {10 * round(k * 100 / 8) for k in range(4 * n_frames)}
    assert all(start in ticks for start, _ in frames), frames
    assert {d for _, d in frames} >= {120, 130}              # the scene moves at 8 fps
    total = sum(d for _, d in frames) / 1000
    assert abs(total - n_frames / FPS) <= 1 / 8 + 1e-9         # plays in real time


def test_a_tighter_budget_takes_fewer_colours_and_an_impossible_one_writes_nothing(
        short_video, tmp_path):
    video, _ = short_video
    full = R.save_gif(video, tmp_path / "full.gif", max_bytes=None, colors=(64,))
    assert gif_frames(full)[2] == 64
    budget = full.stat().st_size - 1
    smaller = R.save_gif(video, tmp_path / "small.gif", max_bytes=budget)
    assert smaller.stat().st_size <= budget
    assert gif_frames(smaller)[2] <= 32 and gif_frames(smaller)[0] == (640, 360)
    target = tmp_path / "none.gif"
    with pytest.raises(ValueError, match=r"max_bytes=1000: a 640x360 GIF at 8 fps of .* takes "
                                         r"[\d,]+ bytes even with 16 colours"):
        R.save_gif(video, target, max_bytes=1000)
    assert not target.exists() and sorted(p.name for p in tmp_path.iterdir()) == \
        ["full.gif", "small.gif"]                               # no temporary left either
    with pytest.raises(ValueError, match=r"fps must be >= 1, got 0"):
        R.save_gif(video, target, fps=0)
    with pytest.raises(ValueError, match=r"colors must be palette sizes in \[2, 256\], got"):
        R.save_gif(video, target, colors=(512,))


def _block_error(a, b, n=16) -> float:
    """The largest mean absolute difference of two RGB images over n x n blocks: small
    for the same picture in fewer colours, large where a digit or a cell differs."""
    import numpy as np

    d = np.abs(np.asarray(a, float) - np.asarray(b, float)).mean(axis=2)
    h, w = (d.shape[0] // n) * n, (d.shape[1] // n) * n
    return float(d[:h, :w].reshape(h // n, n, w // n, n).mean(axis=(1, 3)).max())


def test_every_gif_frame_shows_its_moment_of_the_video(short_video, tmp_path):
    """Frames after the first store only what changed (the rest transparent): decoded,
    each must still be the video's picture at that moment, not a stale mix."""
    import av
    from PIL import Image

    video, _ = short_video
    gif = R.save_gif(video, tmp_path / "pool.gif")
    with av.open(str(video)) as container:
        shots = [f.to_image().resize((640, 360), Image.Resampling.LANCZOS)
                 for f in container.decode(container.streams.video[0])]
    (_, frames, _), later = gif_frames(gif), []
    with Image.open(gif) as image:
        for k, (start, _) in enumerate(frames):
            image.seek(k)
            shown = image.convert("RGB")
            at = round(start / 1000 * FPS)
            nearest = [shots[i] for i in (at - 1, at, at + 1) if 0 <= i < len(shots)]
            assert min(_block_error(shown, s) for s in nearest) < 40, (k, start)
            later.append(_block_error(shown, shots[min(at + FPS, len(shots) - 1)]))
    assert max(later) > 60            # the check can fail: a second later the picture differs
