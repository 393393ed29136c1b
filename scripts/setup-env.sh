#!/usr/bin/env bash
# Create ./.venv with everything convviz needs, on a fresh Debian 12 with Python 3.11.
# Idempotent: re-running is a no-op once the stamp matches pyproject.toml.
#   --with-browser  also install Debian's chromium and chromium-driver (the tests drive
#                   the tour's and the explorer's pages in headless Chromium via selenium)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=.venv
STAMP=$VENV/.convviz-installed

# System libraries that manim's ManimPango/pycairo compile against.
apt_pkgs=(libpango1.0-dev pkg-config)
[ "${1:-}" = "--with-browser" ] && apt_pkgs+=(chromium chromium-driver)
need_apt=()
for pkg in "${apt_pkgs[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
    echo "setup: installing Debian packages: ${need_apt[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    exit 0
fi

echo "setup: creating $VENV and installing convviz[all,dev] (uv)"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade uv
"$VENV/bin/python" -m uv pip install -q --python "$VENV/bin/python" -e ".[all,dev]"
echo "$want" > "$STAMP.tmp" && mv "$STAMP.tmp" "$STAMP"
echo "setup: done"
