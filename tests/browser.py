"""Headless Chromium for the page tests: Debian's ``chromium`` driven by selenium.

The machine has no network, so no browser is downloaded: selenium talks to
Debian's ``chromedriver`` (package ``chromium-driver``) and ``chromium``, both
installed by ``scripts/setup-env.sh --with-browser`` (``make test``). The flags
keep Chromium from trying to reach Google's servers at start-up.

    from browser import needs_chromium, open_browser, page_overflow

    @needs_chromium
    def test_page(tmp_path):
        with open_browser(tmp_path, width=390) as driver:
            driver.get(page.as_uri())
            assert page_overflow(driver) <= 0
"""
from __future__ import annotations

import json
import shutil
from contextlib import contextmanager

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Debian's chromium and chromium-driver are not installed "
           "(make test installs them: scripts/setup-env.sh --with-browser)")

_QUIET_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                "--disable-dev-shm-usage")


@contextmanager
def open_browser(profile_dir, width: int = 1366, height: int = 900):
    """A selenium Chrome driver on a ``width`` x ``height`` CSS-pixel viewport.

    ``profile_dir`` is a fresh folder for the browser profile (e.g. ``tmp_path``).
    Console messages and network requests are logged (:func:`console_errors`,
    :func:`network_requests`).
    """
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in _QUIET_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile_dir / 'chromium-profile'}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        set_viewport(driver, width, height)
        yield driver
    finally:
        driver.quit()


def set_viewport(driver, width: int, height: int) -> None:
    """Make the page's viewport exactly ``width`` x ``height`` CSS pixels.

    Not "mobile" emulation: a phone would zoom out to fit a too-wide page, which
    hides exactly the overflow the tests look for.
    """
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def page_overflow(driver) -> int:
    """How many CSS pixels the page is wider than the viewport (<= 0: no horizontal scroll)."""
    return driver.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth")


def console_errors(driver) -> list[str]:
    """The browser console's error messages since the last call."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"]


def network_requests(driver) -> list[str]:
    """URLs of every request made since the last call, except ``file:``, ``data:`` and
    the browser's own ``chrome:`` ones (an offline page makes none)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(("file:", "data:", "blob:", "about:", "chrome:")):
                urls.append(url)
    return urls


def screenshot(driver, path) -> None:
    """A PNG of the whole page (not only the viewport) at the current width."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.execute_script("return window.innerWidth")
    set_viewport(driver, width, height)
    driver.save_screenshot(str(path))
