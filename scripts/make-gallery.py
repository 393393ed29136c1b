"""Copy a tour's output into the README's gallery (docs/gallery/), small.

    python scripts/make-gallery.py TOUR_OUT [GALLERY_DIR]

TOUR_OUT is a folder written by ``convviz tour`` (see scripts/make-gallery.sh). The
figures are copied as they are; each scene gets a still (the tour's poster of it, PNG,
64 colours) and the two scenes of ``--quick`` also a looping GIF made from the tour's
video by ``convviz.render.save_gif`` with its defaults: 640 px wide, 8 frames a second
in real time, at most 3 MB (``GIF_BYTES``). A scene the tour could not render is
listed at the end and its old gallery image is left alone. Every file is written
atomically.
"""
from __future__ import annotations

import json
import pathlib
import shutil
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

from convviz.cache import atomic_path  # noqa: E402
from convviz.render import save_gif  # noqa: E402
from convviz.tour import FIGURES, QUICK_SCENES  # noqa: E402


def main(argv) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    tour = pathlib.Path(argv[0])
    gallery = pathlib.Path(argv[1]) if len(argv) > 1 else ROOT / "docs" / "gallery"
    manifest_file = tour / "tour.json"
    if not manifest_file.is_file():
        print(f"make-gallery: TOUR_OUT must be a folder written by `convviz tour` (with "
              f"tour.json), got {str(tour)!r}", file=sys.stderr)
        return 2
    items = json.loads(manifest_file.read_text())["items"]
    gallery.mkdir(parents=True, exist_ok=True)
    missing = []
    for item in items:
        if item["kind"] not in ("figure", "video"):   # explore.html: make-explore-shot.py
            continue
        if item["status"] != "ok":
            missing.append(f"{item['key']}: {item['note']}")
            continue
        source = tour / item["path"]
        if item["kind"] == "figure":
            target = gallery / f"{item['key'].replace('_', '-')}.png"
            with atomic_path(target) as tmp:
                shutil.copyfile(source, tmp)
        else:
            target = gallery / f"{item['key']}.png"
            with Image.open(tour / item["poster"]) as poster, atomic_path(target) as tmp:
                poster.convert("P", palette=1, colors=64).save(tmp, format="PNG", optimize=True)
            if item["key"] in QUICK_SCENES:
                gif = save_gif(source, gallery / f"{item['key']}.gif")
                with Image.open(gif) as image:
                    print(f"wrote {gif} ({gif.stat().st_size // 1024} KB, "
                          f"{image.width}x{image.height})")
        target.chmod(0o644)
        print(f"wrote {target} ({target.stat().st_size // 1024} KB)")
    for extra in sorted(gallery.glob("*.gif")):
        extra.chmod(0o644)
    wanted = set(FIGURES) | {i["key"] for i in items if i["kind"] == "video"}
    print(f"gallery: {gallery} ({sum(f.stat().st_size for f in gallery.iterdir()) // 1024} KB, "
          f"{len(wanted) - len(missing)} of {len(wanted)} items)")
    for line in missing:
        print(f"NOT in the gallery (tour could not make it): {line}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
