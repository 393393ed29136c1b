"""The explorer page itself: the template, CSS and JS (package data) with the data inlined.

:func:`build_html` fills ``template.html`` with ``explore.css``, the JS views
(``core.js``, ``arith.js``, ``network.js``, in that order) and the page data as JSON
in a ``<script type="application/json">`` element; nothing is fetched when the page
opens. :func:`write_page` writes it atomically and refuses to replace a file that
convviz explore did not write (its ``<meta name="generator">`` says who did).
"""
from __future__ import annotations

import html
import json
import pathlib
import re
from importlib import resources

from ..cache import atomic_write

__all__ = ["GENERATOR", "JS_FILES", "build_html", "write_page", "is_explorer_page"]

GENERATOR = '<meta name="generator" content="convviz explore">'
JS_FILES = ("core.js", "arith.js", "network.js")


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _json_for_script(data) -> str:
    """JSON that cannot end its ``<script>`` element early (every ``<`` escaped)."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False).replace("<", "\\u003c")


def build_html(data: dict, *, title: str = "convviz explore: where every number comes from",
               footer: str = "") -> str:
    """The whole page as one string: template + CSS + JS + ``data`` (JSON-ready)."""
    parts = {
        "title": html.escape(title),
        "css": _asset("explore.css"),
        "js": "\n".join(_asset(name) for name in JS_FILES),
        "data": _json_for_script(data),
        "footer": html.escape(footer),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda m: parts[m.group(1)], _asset("template.html"))


def is_explorer_page(path) -> bool:
    """True if ``path`` is a page convviz explore wrote (it may be replaced)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return GENERATOR in fh.read(4096)
    except OSError:
        return False


def write_page(path, page: str, *, overwrite: bool = False) -> pathlib.Path:
    """Write ``page`` to ``path`` atomically and return the path.

    An existing file is replaced only if convviz explore wrote it or ``overwrite``
    is True; otherwise FileExistsError, and the file is left as it was.
    """
    path = pathlib.Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"out must be a file name like explore.html, got the folder "
                                f"{str(path)!r}")
    if path.exists() and not overwrite and not is_explorer_page(path):
        raise FileExistsError(f"out {str(path)!r} exists and was not written by convviz "
                              "explore; choose another name or pass --force to replace it")
    return atomic_write(path, page)
