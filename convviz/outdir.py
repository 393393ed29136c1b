"""Output folders and files the user names: what convviz may write, replace and delete there.

A folder given to ``convviz tour --out DIR`` may hold the user's own files, so a tour
claims it under these rules (:class:`OutputFolder`):

- ``--out ""`` and an existing file are refused (:func:`check_out_folder`).
- Before any work, every folder the tour will write into is created and proven
  writable by making a file there; otherwise one line says which folder.
- One tour at a time: the tour holds a lock (``DIR/.convviz-tour.lock``); a second tour
  into the same folder says so and waits for the first to finish.
- Deleted are only convviz's own temporary files (:data:`convviz.cache.TEMP_NAME`)
  whose writer is gone. A ``.draft.tmp.md`` or ``.viminfo.tmp`` is never touched.
- A manifest (``DIR/.convviz-tour.json``) lists the files the tour wrote, with their
  SHA-256. A file the tour is about to write that it did not write (or that changed
  since) is the user's: it is announced and kept as ``NAME.orig.EXT`` before the tour
  writes its own. A folder made by a convviz without manifests is recognised by its
  ``tour.json``.

Single files (``-o``, ``--still``) are checked before the work with
:func:`check_output_file`.
"""
from __future__ import annotations

import hashlib
import json
import os
import pathlib

from .cache import atomic_write, remove_stale_temporaries, why_not_writable

__all__ = ["OutputFolder", "check_out_folder", "check_output_file", "LOCK_NAME",
           "MANIFEST_NAME"]

LOCK_NAME = ".convviz-tour.lock"
MANIFEST_NAME = ".convviz-tour.json"


def check_out_folder(out) -> pathlib.Path:
    """``out`` as a path, if it can name the tour's output folder: not empty, not a file."""
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"--out must be a folder path, got {out!r}")
    if not str(os.fspath(out)).strip():
        raise ValueError("--out must name a folder, got an empty string (for the current "
                         "folder say --out .)")
    path = pathlib.Path(out)
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out must be a folder, got the existing file {str(path)!r}")
    return path


def check_output_file(path, option: str = "--output", *, label: str | None = None
                      ) -> pathlib.Path:
    """``path`` if a file can be written there (its folder may still be missing).

    Call it before the work: the nearest existing folder on the way must be one
    this process can create files in. Errors start with ``label``, by default
    ``option`` and the path as given (``-o 'out/x.png': ...``).
    """
    path = pathlib.Path(path)
    label = label or f"{option} {str(path)!r}"
    if path.is_dir():
        raise ValueError(f"{label} is a folder; give a file name, "
                         f"e.g. {str(path / 'figure.png')!r}")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ValueError(f"{label}: {str(folder)!r} is not a folder")
    why = why_not_writable(folder)
    if why is not None:
        raise PermissionError(f"{label}: cannot write into the folder {str(folder)!r} ({why})")
    return path


def _sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _aside(path: pathlib.Path) -> pathlib.Path:
    """A free name beside ``path`` for keeping it: ``index.orig.html``, ``index.orig-2.html``..."""
    n = 1
    while True:
        name = f"{path.stem}.orig{'' if n == 1 else f'-{n}'}{path.suffix}"
        if not (path.parent / name).exists():
            return path.parent / name
        n += 1


class OutputFolder:
    """The tour's claim on its output folder for one run (a context manager).

    Args:
        out: the folder (see :func:`check_out_folder`).
        files: the files the run will write, relative to ``out`` with ``/``
            (``"index.html"``, ``"figures/digits.png"``...).
        say: a function printing one message line (e.g. ``console.print``).

    On entering: folders made and proven writable, the lock taken (waiting for
    another tour), stale temporary files of convviz removed, and every file of
    ``files`` the tour did not write kept under another name. On leaving (also
    after an error or Ctrl-C): the manifest records what the tour wrote, and the
    lock is released.
    """

    def __init__(self, out, files, say=print):
        self.out = check_out_folder(out)
        self.files = list(dict.fromkeys(pathlib.PurePosixPath(f).as_posix() for f in files))
        for rel in self.files:
            parts = pathlib.PurePosixPath(rel).parts
            if not parts or rel.startswith("/") or ".." in parts:
                raise ValueError(f"files must be relative paths inside the folder, got {rel!r}")
        self.say = say
        self.kept: dict[str, pathlib.Path] = {}     # rel -> where the user's file went
        self._lock_file = None
        self._owned: dict[str, str | None] = {}

    # ------------------------------------------------------------------ enter / exit
    def __enter__(self) -> "OutputFolder":
        folders = [self.out] + sorted({self.out / pathlib.PurePosixPath(rel).parent
                                       for rel in self.files} - {self.out})
        self._make(self.out)
        self._lock()
        try:
            for folder in folders[1:]:
                self._make(folder)
            remove_stale_temporaries(folders)
            self._owned = self._previous()
            for rel in self.files:
                if (self.out / rel).exists() and not self._ours(rel):
                    self._keep(rel)
            self._owned.update({rel: None for rel in self.files})   # claimed: being written
            self._write_manifest()
        except BaseException:
            self._unlock()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            for rel in list(self._owned):
                path = self.out / rel
                if rel in self.files and path.is_file():
                    self._owned[rel] = _sha256(path)
                elif not path.is_file():
                    del self._owned[rel]        # never written, or removed since
            self._write_manifest()
        finally:
            self._unlock()

    # ------------------------------------------------------------------ the rules
    def _make(self, folder: pathlib.Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise type(exc)(f"--out {str(self.out)!r}: cannot create the folder "
                            f"{str(folder)!r} ({exc.strerror or exc})") from None
        why = why_not_writable(folder)
        if why is not None:
            raise PermissionError(f"--out {str(self.out)!r}: cannot write into the folder "
                                  f"{str(folder)!r} ({why}); choose a folder you can write "
                                  "with --out")

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:         # Windows: no lock; tours into one folder may mix
            return
        fh = open(self.out / LOCK_NAME, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            self.say(f"another convviz tour (pid {holder}) is writing into {self.out}; "
                     "waiting for it to finish")
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.truncate(0)
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        self._lock_file = fh

    def _unlock(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()         # closing releases the flock
            self._lock_file = None

    def _previous(self) -> dict[str, str | None]:
        """The files earlier tours wrote here: ``{rel: sha256 or None}``."""
        try:
            data = json.loads((self.out / MANIFEST_NAME).read_text(encoding="utf-8"))
            files = data["files"]
            if isinstance(files, dict):
                return {str(k): v if isinstance(v, str) else None for k, v in files.items()}
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return self._legacy()

    def _legacy(self) -> dict[str, str | None]:
        """A folder of a convviz tour from before manifests: its tour.json names its files."""
        try:
            data = json.loads((self.out / "tour.json").read_text(encoding="utf-8"))
            items = data["items"]
            paths = [i.get(k) for i in items for k in ("path", "poster")]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}
        owned = {p: None for p in paths if isinstance(p, str)}
        owned.update({"index.html": None, "tour.json": None})
        return owned

    def _ours(self, rel: str) -> bool:
        if rel not in self._owned:
            return False
        digest = self._owned[rel]
        path = self.out / rel
        return digest is None or (path.is_file() and _sha256(path) == digest)

    def _keep(self, rel: str) -> None:
        path = self.out / rel
        target = _aside(path)
        os.rename(path, target)
        self.kept[rel] = target
        self.say(f"{path} was not written by convviz tour: kept it as {target.name} "
                 "before writing the tour's own")

    def _write_manifest(self) -> None:
        atomic_write(self.out / MANIFEST_NAME, json.dumps(
            {"about": "files convviz tour wrote into this folder (it may replace them)",
             "files": dict(sorted(self._owned.items()))}, indent=1))
