"""The README's two screenshots of `convviz explore` (docs/gallery/explore*.png), small.

    python scripts/make-explore-shot.py [GALLERY_DIR]

Writes the default page (the article's examples + the cached simple_cnn; trained
first if it is not cached) into a temporary folder, opens it in headless Chromium
(tests/browser.py: Debian's chromium + chromedriver) at 1366 px, and keeps two
viewport-sized shots: the three-channel example with one output cell clicked, and a
clicked pixel of the first convolution layer. PNGs with 64 colours, written atomically.
"""
from __future__ import annotations

import pathlib
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from browser import console_errors, open_browser, set_viewport  # noqa: E402
from convviz.cache import atomic_path  # noqa: E402
from convviz.explore import write_explorer  # noqa: E402

WIDTH, HEIGHT = 1366, 900


def shoot(driver, anchor: str, target: pathlib.Path) -> None:
    """A viewport screenshot with ``anchor`` at the top, quantized to 64 colours."""
    from PIL import Image

    driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", anchor)
    with tempfile.TemporaryDirectory() as tmp:
        raw = pathlib.Path(tmp) / "shot.png"
        driver.save_screenshot(str(raw))
        with Image.open(raw) as image:
            small = image.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    with atomic_path(target) as tmp:
        small.save(tmp, format="PNG", optimize=True)
    print(f"wrote {target} ({target.stat().st_size / 1e3:.0f} kB)")


def click(driver, selector: str) -> None:
    element = driver.find_element("css selector", selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def main(argv) -> int:
    gallery = pathlib.Path(argv[0]) if argv else ROOT / "docs" / "gallery"
    gallery.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page = write_explorer(pathlib.Path(tmp) / "explore.html", model="simple_cnn").path
        with open_browser(pathlib.Path(tmp), width=WIDTH, height=HEIGHT) as driver:
            driver.get(page.as_uri())
            click(driver, '[data-example="rgb"]')
            click(driver, 'label[for="ctl-padding-1"]')
            click(driver, '#output-view [data-i="1"][data-j="2"]')
            set_viewport(driver, WIDTH, 1500)             # settings, grids and products
            shoot(driver, "#examples", gallery / "explore.png")
            set_viewport(driver, WIDTH, 1000)
            click(driver, '[data-layer="conv1"] .tile[data-channel="3"]')
            click(driver, '#detail .big.pick [data-i="9"][data-j="12"]')
            shoot(driver, "#detail", gallery / "explore-network.png")
            errors = console_errors(driver)
    if errors:
        print(f"make-explore-shot: the page logged errors: {errors}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
