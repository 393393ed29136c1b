"""``convviz tour``: the main job end to end -- data, model, figures, scenes, index.html."""
from __future__ import annotations

import argparse


def _folder(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a folder, got an empty string "
                                         "(for the current folder say --out .)")
    return text


def register(sub) -> None:
    p = sub.add_parser(
        "tour",
        help="the main job: train (or load) the simple CNN, draw every figure, render the "
             "scenes and write an index.html showing them all",
        description="Load MNIST, train the article's simple CNN (cached after the first "
                    "run), write the figures and the explainer videos into one folder and "
                    "finish with an index.html that shows them, one sentence each.",
    )
    p.add_argument("--out", type=_folder, default="convviz-out",
                   metavar="DIR", help="output folder (default ./convviz-out/)")
    p.add_argument("--quick", action="store_true",
                   help="a first look in under a minute: 1 epoch on 15,000 images, only the "
                        "two short scenes, at low quality")
    p.add_argument("--quality", choices=("low", "medium", "high"), default=None,
                   help="video quality: medium 1280x720@30 (the default: readable on a "
                        "projector), low 854x480@15 (the default of --quick), high 1920x1080@60")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="scenes rendered at once, each in its own process, while the model "
                        "trains (default: one per CPU core, at most 4)")
    p.add_argument("--no-render", dest="render", action="store_false",
                   help="skip the videos (figures and page only)")
    p.set_defaults(func=tour_command)


def tour_command(args) -> int:
    from ..tour import check_extras, print_summary, run_tour

    check_extras(args.render)
    from rich.console import Console

    console = Console(soft_wrap=True)   # long paths stay on one line
    result = run_tour(args.out, quick=args.quick, quality=args.quality,
                      render_videos=args.render, console=console, jobs=args.jobs)
    print_summary(result, console)
    return 1 if result.failed else 0
