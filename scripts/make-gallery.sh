#!/usr/bin/env bash
# Regenerate the README's gallery (docs/gallery/) with the project's own code:
# the full tour (the article's 10-epoch simple CNN from the cache, every scene at low
# quality), then its figures, a still of each scene and GIFs of the two short ones.
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
exit $status
