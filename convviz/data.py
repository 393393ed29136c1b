"""MNIST without a network: the embedded copy, a user's own copy, and the article's preprocessing.

``keras.datasets.mnist.load_data()`` downloads from a host that many machines
cannot reach, so convviz ships the four original IDX files (gzip-compressed,
CC BY-SA 3.0, see ``convviz/data/mnist/README.md``) and parses them itself::

    (x_train, y_train), (x_test, y_test) = load_mnist()   # uint8, like Keras
    x = scale(add_channel_axis(x_train))                   # (60000, 28, 28, 1) float32 in [0, 1]
    y = one_hot(y_train)                                    # (60000, 10), label 0 -> [1, 0, ..., 0]

Where the data comes from, first match wins: ``load_mnist(path=...)``, then the
``CONVVIZ_MNIST`` environment variable, then the embedded copy. ``path`` may be a
Keras ``mnist.npz`` or a folder holding the four IDX files (``.gz`` or not).

Integrity: the sha256 of the *uncompressed* IDX bytes is checked against the
published checksums whenever the data has the full MNIST size (a Keras ``.npz`` is
checked through the IDX bytes its arrays correspond to); data that does not match
is refused. Smaller IDX/npz files of your own are parsed but not checksummed
(``verify=True`` forces the check, ``verify=False`` skips it). The parsing and
checking happen once per process; later calls return fresh copies at once.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import os
import pathlib

import numpy as np

__all__ = [
    "load_mnist",
    "scale",
    "one_hot",
    "flatten",
    "add_channel_axis",
    "to_model_input",
    "EMBEDDED_DIR",
    "SHA256",
    "ENV_VAR",
]

ENV_VAR = "CONVVIZ_MNIST"
EMBEDDED_DIR = pathlib.Path(__file__).resolve().parent / "data" / "mnist"

# (images file, labels file) for each split, as published.
FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
SPLIT_SIZES = {"train": 60000, "test": 10000}
IMAGE_SIZE = (28, 28)

# sha256 of the UNCOMPRESSED IDX files (same as the files on Yann LeCun's site).
SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

_IDX_UBYTE = 0x08
_FIX = (f"Pass load_mnist(path=...) a Keras 'mnist.npz' or a folder with the four IDX files "
        f"({', '.join(n for pair in FILES.values() for n in pair)}, '.gz' or not), or set "
        f"{ENV_VAR}; reinstalling convviz restores the embedded copy.")


def load_mnist(path=None, *, verify=None):
    """Load MNIST as ``((x_train, y_train), (x_test, y_test))``, uint8 arrays like Keras.

    Shapes: ``x_train`` (60000, 28, 28), ``y_train`` (60000,), ``x_test``
    (10000, 28, 28), ``y_test`` (10000,); pixels 0-255, labels 0-9.

    Args:
        path: a Keras ``mnist.npz`` file or a folder of the four IDX files; default:
            ``$CONVVIZ_MNIST``, else the copy embedded in the package.
        verify: ``None`` checks the sha256 whenever the data has the full MNIST
            size; ``True`` always checks (only real MNIST passes); ``False`` never.

    Raises:
        FileNotFoundError: nothing usable at the location (the message lists what
            was looked for).
        ValueError: a file is not valid IDX/npz, or its checksum does not match.
    """
    if verify not in (None, True, False):
        raise TypeError(f"load_mnist: `verify` must be None, True or False, got {verify!r}")
    if path is None:
        path = os.environ.get(ENV_VAR) or EMBEDDED_DIR
        source = f"${ENV_VAR}" if os.environ.get(ENV_VAR) else "the embedded copy"
    else:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"load_mnist: `path` must be a str or path, got {type(path).__name__}")
        source = "path="
    path = pathlib.Path(path).expanduser().resolve()
    files = _locate(path, source)
    key = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    arrays = _load_verified(key, verify)
    (x_train, y_train), (x_test, y_test) = arrays
    return (x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy())


def _locate(path: pathlib.Path, source: str) -> list[pathlib.Path]:
    """The files that make up the data set at ``path``: ``[npz]`` or four IDX files."""
    if path.is_file():
        if path.suffix != ".npz":
            raise ValueError(f"MNIST path {path} (from {source}) is a file but not a '.npz'. "
                             + _FIX)
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"MNIST: {path} (from {source}) does not exist. " + _FIX)
    found, missing = [], []
    for name in (n for pair in FILES.values() for n in pair):
        candidates = [path / name, path / f"{name}.gz"]
        hit = next((c for c in candidates if c.is_file()), None)
        if hit is None:
            missing.append(f"{name}[.gz]")
        else:
            found.append(hit)
    if missing:
        if (path / "mnist.npz").is_file():
            return [path / "mnist.npz"]
        raise FileNotFoundError(
            f"MNIST: looked in {path} (from {source}) for the four IDX files or mnist.npz; "
            f"missing: {', '.join(missing)}. " + _FIX)
    return found


@functools.lru_cache(maxsize=4)
def _load_verified(key, verify):
    files = [pathlib.Path(entry[0]) for entry in key]
    if len(files) == 1:
        return _from_npz(files[0], verify)
    named = dict(zip((n for pair in FILES.values() for n in pair), files))
    out = []
    for split, (images_name, labels_name) in FILES.items():
        images = _read_idx(named[images_name], images_name, verify, ndim=3)
        labels = _read_idx(named[labels_name], labels_name, verify, ndim=1)
        if len(images) != len(labels):
            raise ValueError(f"MNIST {split} split: {len(images)} images in "
                             f"{named[images_name]} but {len(labels)} labels in "
                             f"{named[labels_name]}; they must match.")
        out.append((images, labels))
    return tuple(out)


def _read_idx(file: pathlib.Path, name: str, verify, ndim: int) -> np.ndarray:
    """Parse one IDX file of unsigned bytes (magic 0x0000 08 ndim, big-endian sizes)."""
    opener = gzip.open if file.suffix == ".gz" else open
    try:
        with opener(file, "rb") as fh:
            raw = fh.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"MNIST: cannot read {file}: {exc}. " + _FIX) from exc
    header_size = 4 + 4 * ndim
    if len(raw) < header_size or raw[:2] != b"\x00\x00" or raw[2] != _IDX_UBYTE \
            or raw[3] != ndim:
        raise ValueError(f"MNIST: {file} is not an IDX file of unsigned bytes with {ndim} "
                         f"dimension(s) (expected magic 00 00 08 {ndim:02x}, got "
                         f"{raw[:4].hex(' ')}). " + _FIX)
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(raw) != header_size + int(np.prod(shape)):
        raise ValueError(f"MNIST: {file} declares shape {shape} ({int(np.prod(shape))} "
                         f"bytes of data) but holds {len(raw) - header_size}; the file is "
                         f"truncated or corrupt. " + _FIX)
    _check_sha256(raw, name, shape, verify, where=str(file))
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def _check_sha256(raw: bytes, name: str, shape, verify, where: str) -> None:
    full_size = shape[0] == SPLIT_SIZES["train" if name.startswith("train") else "test"]
    if verify is False or (verify is None and not full_size):
        return
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256[name]:
        raise ValueError(
            f"MNIST: {where} ({name}) failed its integrity check: sha256 of the uncompressed "
            f"content is {digest}, expected {SHA256[name]}. The file is corrupt or not the "
            f"original MNIST. " + _FIX + " (load_mnist(..., verify=False) skips the check "
            "for data you trust.)")


def _idx_bytes(array: np.ndarray) -> bytes:
    """The IDX bytes (header + data) of a uint8 array: what the published sha256 covers."""
    header = bytes([0, 0, _IDX_UBYTE, array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + np.ascontiguousarray(array).tobytes()


def _from_npz(file: pathlib.Path, verify):
    try:
        with np.load(file, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in ("x_train", "y_train", "x_test", "y_test")}
    except KeyError as exc:
        raise ValueError(f"MNIST: {file} lacks the array {exc}; a Keras mnist.npz holds "
                         f"x_train, y_train, x_test and y_test. " + _FIX) from exc
    except (OSError, ValueError) as exc:
        raise ValueError(f"MNIST: cannot read {file} as .npz: {exc}. " + _FIX) from exc
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.dtype != np.uint8 or y.dtype != np.uint8 or x.ndim != 3 or y.ndim != 1 \
                or len(x) != len(y):
            raise ValueError(f"MNIST: {file}: x_{split} must be uint8 (N, H, W) and y_{split} "
                             f"uint8 (N,) with the same N, got {x.dtype} {x.shape} and "
                             f"{y.dtype} {y.shape}.")
        images_name, labels_name = FILES[split]
        _check_sha256(_idx_bytes(x), images_name, x.shape, verify, where=str(file))
        _check_sha256(_idx_bytes(y), labels_name, y.shape, verify, where=str(file))
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def scale(images) -> np.ndarray:
    """uint8 pixels 0-255 -> float32 in [0, 1] (divides by 255); any shape."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"scale: `images` must be uint8 pixels 0-255, got dtype {images.dtype}")
    return images.astype(np.float32) / np.float32(255.0)


def one_hot(labels, num_classes: int = 10) -> np.ndarray:
    """Labels (N,) -> float32 (N, num_classes); label 0 -> [1, 0, ..., 0]."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"one_hot: `labels` must be a 1-D integer array, got dtype "
                        f"{labels.dtype} shape {labels.shape}")
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"one_hot: `num_classes` must be a positive int, got {num_classes!r}")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"one_hot: `labels` must lie in [0, {num_classes - 1}], got values "
                         f"from {labels.min()} to {labels.max()}")
    return np.eye(num_classes, dtype=np.float32)[labels]


def flatten(images) -> np.ndarray:
    """Images (N, H, W) -> (N, H*W), the MLP's view (784 values for MNIST); dtype kept."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"flatten: `images` must be (N, H, W), got shape {images.shape}")
    return images.reshape(len(images), -1)


def add_channel_axis(images, data_format: str = "channels_last") -> np.ndarray:
    """Images (N, H, W) -> (N, H, W, 1) for ``channels_last`` or (N, 1, H, W) for ``channels_first``."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ValueError(f"add_channel_axis: `images` must be (N, H, W), got shape "
                         f"{images.shape}")
    if data_format == "channels_last":
        return images[..., np.newaxis]
    if data_format == "channels_first":
        return images[:, np.newaxis]
    raise ValueError(f"add_channel_axis: `data_format` must be 'channels_last' or "
                     f"'channels_first', got {data_format!r}")


def to_model_input(images_uint8, model) -> np.ndarray:
    """uint8 images (N, 28, 28) -> float32 in [0, 1] shaped for ``model.input_shape``.

    Handles the three input layouts of the bundled models: flat ``(None, 784)``,
    ``(None, 28, 28, 1)`` and ``(None, 1, 28, 28)``.
    """
    images = np.asarray(images_uint8)
    if images.ndim == 2:
        images = images[np.newaxis]
    if images.ndim != 3:
        raise ValueError(f"to_model_input: `images_uint8` must be (N, H, W) or (H, W), got "
                         f"shape {images.shape}")
    shape = tuple(model.input_shape[1:])
    h, w = images.shape[1:]
    x = scale(images)
    if shape == (h * w,):
        return flatten(x)
    if shape == (h, w, 1):
        return add_channel_axis(x, "channels_last")
    if shape == (1, h, w):
        return add_channel_axis(x, "channels_first")
    raise ValueError(f"to_model_input: model {model.name!r} expects input {shape}, which is "
                     f"neither ({h * w},), ({h}, {w}, 1) nor (1, {h}, {w})")
