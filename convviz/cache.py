"""Where convviz keeps what it computes once (trained models, histories, videos) and how it writes.

Every file convviz makes is written atomically: the bytes go to a temporary file in
the same folder, which is ``os.replace``-d onto the final name only when writing
succeeded. A reader therefore sees either the old complete file, the new complete
file, or nothing -- never half a file, even if the writer is killed.

The temporary files have convviz's own name, ``.<stem>.<pid>-<random>.convviz.tmp<suffix>``
(:data:`TEMP_NAME`), so that convviz can recognise, and later remove, the ones a killed
writer left behind -- and never touches anybody else's ``.something.tmp``.
"""
from __future__ import annotations

import os
import pathlib
import re
import tempfile
from contextlib import contextmanager

__all__ = [
    "cache_dir",
    "cache_subdir",
    "atomic_write",
    "atomic_path",
    "why_not_writable",
    "check_cache_writable",
    "remove_stale_temporaries",
    "live_lock_times",
    "CacheNotWritable",
    "cache_not_writable",
    "TEMP_NAME",
]

ENV_VAR = "CONVVIZ_HOME"

# ".figure.1234-k2j3h4g5.convviz.tmp.png": group "pid" is the writing process.
TEMP_NAME = re.compile(r"^\..*\.(?P<pid>\d+)-[a-z0-9_]+\.convviz\.tmp(\.[^.]*)?$")
_STEM_MAX = 64                # keeps the temporary name short enough for any file system

_cleaned: set[pathlib.Path] = set()     # cache roots already cleaned by this process


class CacheNotWritable(PermissionError):
    """The cache folder (or a file in it) cannot be written; says how to choose another."""


def cache_not_writable(folder, why) -> CacheNotWritable:
    return CacheNotWritable(
        f"cannot write the convviz cache folder {folder} ({why}): convviz keeps trained "
        f"models and rendered videos there; make it writable, or set {ENV_VAR} to a folder "
        f"you can write (e.g. {ENV_VAR}=$HOME/convviz-cache)")


def cache_dir() -> pathlib.Path:
    """The cache folder: ``$CONVVIZ_HOME`` if set, else ``~/.cache/convviz``; created on demand.

    The first call in a process removes the temporary files killed writers left in
    it (see :func:`remove_stale_temporaries`). A folder that exists but is read-only
    is returned as it is: what is cached there can still be read.
    """
    root = os.environ.get(ENV_VAR) or os.path.join(os.path.expanduser("~"), ".cache", "convviz")
    path = pathlib.Path(root)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise cache_not_writable(path, exc.strerror) from None
    if path not in _cleaned:
        _cleaned.add(path)
        folders = [path, path / "models", path / "renders"]
        remove_stale_temporaries(folders, live_lock_times(path / "models"))
    return path


def cache_subdir(name: str) -> pathlib.Path:
    """``cache_dir()/name``, created on demand (a read-only cache gets a clear error)."""
    folder = cache_dir() / name
    try:
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        raise cache_not_writable(folder, exc.strerror) from None
    return folder


def why_not_writable(folder) -> str | None:
    """None if files can be created in the existing ``folder``, else the reason
    (e.g. ``"Permission denied"``). Found by making one: ``os.access`` answers for
    the real user, not the effective one, and cannot see every ACL."""
    try:
        fd, probe = tempfile.mkstemp(prefix=f".probe.{os.getpid()}-",
                                     suffix=".convviz.tmp", dir=folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    os.unlink(probe)
    return None


def check_cache_writable(folder) -> pathlib.Path:
    """``folder`` (in the cache) if files can be made there, else :class:`CacheNotWritable`."""
    why = why_not_writable(folder)
    if why is not None:
        raise cache_not_writable(folder, why)
    return pathlib.Path(folder)


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; move it onto ``path`` if the block succeeds.

    The temporary name keeps the suffix of ``path`` (``model.keras`` ->
    ``.model.<pid>-<random>.convviz.tmp.keras``) because some writers, like
    ``keras.Model.save``, choose the format from the suffix. If the block raises, the
    temporary file is deleted and ``path`` is left untouched. An ``OSError`` about the
    temporary file (a read-only folder, a full disk) is raised about ``path`` instead:
    the user never asked for the hidden name.
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem[:_STEM_MAX]}.{os.getpid()}-",
                                   suffix=f".convviz.tmp{path.suffix}", dir=path.parent)
    except OSError as exc:
        raise _about(exc, path) from None
    os.close(fd)
    tmp = pathlib.Path(tmp)
    try:
        yield tmp
        # mkstemp creates 0600; the finished file gets what open() would give it.
        tmp.chmod(0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        if str(tmp) in (str(exc.filename), str(exc.filename2)):
            raise _about(exc, path) from exc
        raise
    finally:
        tmp.unlink(missing_ok=True)


def _about(exc: OSError, path: pathlib.Path) -> OSError:
    """``exc`` (same type and errno) about ``path`` instead of a temporary file."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))


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


# --------------------------------------------------------------------------- stale files
def _alive(pid: int) -> bool:
    if os.name != "posix":          # os.kill(pid, 0) would not just ask there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:         # alive, but another user's
        return True
    return True


def live_lock_times(folder) -> list[float]:
    """The modification times of the ``*.lock`` files in ``folder`` that a process holds.

    A lock holder writes its pid into the lock file when it gets the lock, so the
    time is when the lock was taken (see ``convviz.train``).
    """
    try:
        import fcntl
    except ImportError:         # Windows: no locks (see convviz.train), none live
        return []
    times = []
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        return times
    for lock in folder.glob("*.lock"):
        try:
            with open(lock, "rb") as fh:
                try:
                    fcntl.flock(fh, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    times.append(os.fstat(fh.fileno()).st_mtime)
                else:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        except OSError:
            continue
    return times


def remove_stale_temporaries(folders, lock_times=()) -> list[pathlib.Path]:
    """Delete the temporary files of convviz's own naming (:data:`TEMP_NAME`) that no
    running writer can still need; return what was deleted.

    A temporary file is stale when the process named in it is gone and it is older
    than every live lock (``lock_times``, from :func:`live_lock_times`): a writer
    that holds a lock made its file after taking it. Any other file -- a user's
    ``.draft.tmp.md``, ``.viminfo.tmp`` -- is never touched; nor is anything in a
    folder this process cannot write.
    """
    cutoff = min(lock_times, default=float("inf"))
    removed = []
    for folder in folders:
        folder = pathlib.Path(folder)
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            match = TEMP_NAME.match(path.name)
            if not match or _alive(int(match["pid"])):
                continue
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
            except OSError:         # gone meanwhile, or a read-only folder: leave it
                continue
    return removed
