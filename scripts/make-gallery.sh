#!/usr/bin/env bash
# Regenerate the README's gallery (docs/gallery/) with the project's own code:
# the full tour (the article's 10-epoch simple CNN from the cache, every scene at the
# tour's default 1280x720, 30 fps), then its figures, each scene's poster as a still
# and GIFs of the two short ones (640 px wide, 8 fps, at most 3 MB each), and two
# screenshots of the explorer page in headless Chromium.
#
#     bash scripts/make-gallery.sh [TOUR_OUT]      (default build/gallery-tour)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-build/gallery-tour}"
PY=.venv/bin/python
[ -x "$PY" ] || { echo "make-gallery: run 'make setup' first (no $PY)" >&2; exit 2; }
status=0
"$PY" -m convviz tour --out "$OUT" || status=$?     # 1 = some scene failed; keep the rest
"$PY" scripts/make-gallery.py "$OUT" docs/gallery || status=$?
"$PY" scripts/make-explore-shot.py docs/gallery || status=$?    # the explorer's two shots
exit $status
