"""Seconds to render each convviz Manim scene, and the total, at a given quality.

Every scene is rendered from scratch (``use_cache=False``) with its default config
(the article's numbers). The model scenes draw a model that is loaded (or trained)
before the clock starts, so the table measures rendering only; the load time is
printed separately. By default they use quick models (1 epoch on the first few
thousand images: real learned filters in seconds); ``--article-models`` uses the
article's 10-epoch models instead, training them on first use (long for deep_cnn).

    python benchmarks/bench_render.py [--quality low] [--scenes Pooling KernelSlide]
                                      [--frames /tmp/frames] [--article-models]

``--frames DIR`` also saves the beginning, middle and end of every video as PNGs.
Run it alone: the numbers move with the machine's load (2 cores here).
"""
from __future__ import annotations

import argparse
import os
import pathlib
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from benchlib import write_table  # noqa: E402
from convviz import render as R  # noqa: E402

QUICK_MODELS = {"simple_cnn": {"epochs": 1, "n_train": 5000},
                "deep_cnn": {"epochs": 1, "n_train": 3000}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quality", choices=sorted(R.QUALITIES), default="low")
    parser.add_argument("--scenes", nargs="+", choices=list(R.SCENES), default=list(R.SCENES))
    parser.add_argument("--frames", metavar="DIR", help="save beginning/middle/end PNGs here")
    parser.add_argument("--article-models", action="store_true",
                        help="the article's 10-epoch models (trained on first use)")
    parser.add_argument("--write-readme", action="store_true",
                        help="put the table into README.md between the bench-render-QUALITY markers")
    args = parser.parse_args(argv)

    from convviz.train import load_trained

    models, configs = {}, {}
    for scene in args.scenes:
        if scene not in R.MODEL_SCENES:
            continue
        name = R.MODEL_SCENES[scene]
        settings = {} if args.article_models else QUICK_MODELS[name]
        start = time.perf_counter()
        models[scene] = load_trained(name, verbose=0, **settings)
        configs[scene] = R.SceneConfig(**settings)
        label = ", ".join(f"{k}={v}" for k, v in settings.items()) or "the article's settings"
        print(f"model for {scene}: {name} ({label}) ready in "
              f"{time.perf_counter() - start:.1f} s (not counted below)")

    _, width, height, fps = R.QUALITIES[args.quality]
    print(f"\nrender times, quality {args.quality} ({width}x{height}, {fps} fps), "
          f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    print(f"{'scene':<24}{'seconds':>9}{'frames':>8}{'video s':>9}")
    rows = [f"Seconds to render each scene at {args.quality} quality ({width}x{height}, {fps} fps) "
            f"on this machine ({os.cpu_count()} CPU cores), measured by "
            "`benchmarks/bench_render.py`; model loading not counted.", "",
            "| scene | render s | frames | video s |", "|---|---:|---:|---:|"]
    total = 0.0
    for scene in args.scenes:
        start = time.perf_counter()
        video = R.render(scene, configs.get(scene), quality=args.quality, use_cache=False,
                         model=models.get(scene))
        seconds = time.perf_counter() - start
        total += seconds
        n, _, _ = R.read_video(video)
        print(f"{scene:<24}{seconds:>9.1f}{n:>8}{n / fps:>9.1f}", flush=True)
        rows.append(f"| {scene} | {seconds:.1f} | {n} | {n / fps:.1f} |")
        if args.frames:
            folder = pathlib.Path(args.frames)
            for at, tag in ((0.03, "begin"), (0.5, "middle"), (1.0, "end")):
                R.save_still(video, folder / f"{scene}_{tag}.png", at=at)
    print(f"{'total':<24}{total:>9.1f}")
    rows.append(f"| **total** | **{total:.1f}** | | |")
    if args.write_readme:
        marker = f"bench-render-{args.quality}"
        print(f"\nwritten into {write_table(chr(10).join(rows), marker)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
