"""Where convviz keeps what it computes once (trained models, histories) and how it writes.

Every cache file is written atomically: the bytes go to a temporary file in the
same folder, which is ``os.replace``-d onto the final name only when writing
succeeded. A reader therefore sees either the old complete file, the new complete
file, or nothing — never half a file, even if the writer is killed.
"""
from __future__ import annotations

import os
import pathlib
import tempfile
from contextlib import contextmanager

__all__ = ["cache_dir", "atomic_write", "atomic_path"]

ENV_VAR = "CONVVIZ_HOME"


def cache_dir() -> pathlib.Path:
    """The cache folder: ``$CONVVIZ_HOME`` if set, else ``~/.cache/convviz``; created on demand."""
    root = os.environ.get(ENV_VAR) or os.path.join(os.path.expanduser("~"), ".cache", "convviz")
    path = pathlib.Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; move it onto ``path`` if the block succeeds.

    The temporary name keeps the suffix of ``path`` (``model.keras`` ->
    ``.model.<random>.tmp.keras``) because some writers, like ``keras.Model.save``,
    choose the format from the suffix. If the block raises, the temporary file is
    deleted and ``path`` is left untouched.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    tmp = pathlib.Path(tmp)
    try:
        yield tmp
        # mkstemp creates 0600; the finished file gets what open() would give it.
        tmp.chmod(0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path, data) -> pathlib.Path:
    """Write ``data`` (``bytes`` or ``str``, UTF-8) to ``path`` atomically; return the path."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"atomic_write: `data` must be bytes or str, got {type(data).__name__}")
    path = pathlib.Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return path
