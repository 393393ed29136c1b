"""The offline MNIST loader and the article's preprocessing helpers.

Expected numbers come from the published data set (convviz/data/mnist/README.md and
the MNIST literature), not from our own code.
"""
import gzip
import shutil
import types

import numpy as np
import pytest

from convviz import data
from convviz.data import add_channel_axis, flatten, load_mnist, one_hot, scale, to_model_input

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def idx_bytes(array: np.ndarray) -> bytes:
    """IDX by the book: 00 00 08 ndim, each size as a big-endian uint32, then the bytes."""
    header = bytes([0, 0, 0x08, array.ndim])
    for n in array.shape:
        header += int(n).to_bytes(4, "big")
    return header + array.astype(np.uint8).tobytes()


def write_small_idx(folder, gz, n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, array in arrays.items():
        if gz:
            with gzip.open(folder / f"{name}.gz", "wb") as fh:
                fh.write(idx_bytes(array))
        else:
            (folder / name).write_bytes(idx_bytes(array))
    return arrays


def copy_embedded(folder):
    for name in NAMES:
        shutil.copy(data.EMBEDDED_DIR / f"{name}.gz", folder / f"{name}.gz")


def tamper_labels(folder):
    """Change the first training label (a 5) into a 3 inside the gzip stream."""
    file = folder / "train-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(file.read_bytes()))
    assert raw[8] == 5
    raw[8] = 3
    file.write_bytes(gzip.compress(bytes(raw)))


# --- the embedded copy --------------------------------------------------------------

def test_shapes_dtypes_and_pixel_range(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 255
    assert set(np.unique(y_train)) == set(range(10))


def test_per_class_counts_and_mean_pixel(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    assert np.bincount(y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(y_test).tolist() == TEST_COUNTS
    assert round(float(x_train.mean()) / 255, 4) == 0.1307
    assert round(float(x_test.mean()) / 255, 4) == 0.1325
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]  # the famous first digits


def test_repeated_loads_are_parsed_once_and_are_independent_copies(mnist):
    from convviz.data import _load_verified

    before = _load_verified.cache_info()
    (x_train, y_train), _ = load_mnist()
    after = _load_verified.cache_info()
    # parsed and checked once per process: the second load is a cache hit
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)
    x_train[0] = 0
    y_train[0] = 9
    (again_x, again_y), _ = load_mnist()
    assert again_y[0] == 5 and again_x[0].max() == 255


def test_the_wheel_ships_the_data():
    """The files are package data, next to data.py, not only in the repository."""
    from importlib.resources import files

    folder = files("convviz") / "data" / "mnist"
    for name in NAMES:
        assert (folder / f"{name}.gz").is_file()


# --- integrity ----------------------------------------------------------------------

def test_tampered_file_is_refused(tmp_path):
    copy_embedded(tmp_path)
    tamper_labels(tmp_path)
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte.*sha256") as info:
        load_mnist(tmp_path)
    assert data.SHA256["train-labels-idx1-ubyte"] in str(info.value)


def test_tampered_embedded_copy_is_refused(tmp_path, monkeypatch):
    copy_embedded(tmp_path)
    tamper_labels(tmp_path)
    monkeypatch.setattr(data, "EMBEDDED_DIR", tmp_path)
    with pytest.raises(ValueError, match="integrity"):
        load_mnist()


def test_untampered_copy_and_verify_false(tmp_path, mnist):
    copy_embedded(tmp_path)
    (x_train, _), (_, y_test) = load_mnist(tmp_path)
    np.testing.assert_array_equal(x_train, mnist[0][0])
    np.testing.assert_array_equal(y_test, mnist[1][1])
    tamper_labels(tmp_path)
    (_, y_train), _ = load_mnist(tmp_path, verify=False)
    assert y_train[0] == 3


def test_truncated_file_is_refused(tmp_path):
    write_small_idx(tmp_path, gz=False)
    file = tmp_path / "t10k-images-idx3-ubyte"
    file.write_bytes(file.read_bytes()[:-10])
    with pytest.raises(ValueError, match="truncated"):
        load_mnist(tmp_path)


def test_not_an_idx_file_is_refused(tmp_path):
    write_small_idx(tmp_path, gz=False)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"<html>not found</html>")
    with pytest.raises(ValueError, match="not an IDX file"):
        load_mnist(tmp_path)


# --- the user's own copy ------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False])
def test_path_to_small_idx_folder(tmp_path, gz):
    arrays = write_small_idx(tmp_path, gz=gz)
    (x_train, y_train), (x_test, y_test) = load_mnist(tmp_path)
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(x_test, arrays["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    with pytest.raises(ValueError, match="sha256"):  # verify=True demands real MNIST
        load_mnist(tmp_path, verify=True)


def test_path_to_keras_npz(tmp_path):
    rng = np.random.default_rng(1)
    arrays = {"x_train": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "y_train": rng.integers(0, 10, 5, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "y_test": rng.integers(0, 10, 3, dtype=np.uint8)}
    np.savez(tmp_path / "mnist.npz", **arrays)
    for where in (tmp_path / "mnist.npz", tmp_path):  # the file, or a folder holding it
        (x_train, y_train), (x_test, y_test) = load_mnist(where)
        np.testing.assert_array_equal(x_train, arrays["x_train"])
        np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_full_size_npz_is_checksummed(tmp_path, mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    y_bad = y_train.copy()
    y_bad[0] = 3
    np.savez(tmp_path / "good.npz", x_train=x_train, y_train=y_train, x_test=x_test,
             y_test=y_test)
    np.savez(tmp_path / "bad.npz", x_train=x_train, y_train=y_bad, x_test=x_test,
             y_test=y_test)
    np.testing.assert_array_equal(load_mnist(tmp_path / "good.npz")[0][1], y_train)
    with pytest.raises(ValueError, match="sha256"):
        load_mnist(tmp_path / "bad.npz")


def test_environment_variable(tmp_path, monkeypatch):
    arrays = write_small_idx(tmp_path, gz=True, n_train=7)
    monkeypatch.setenv("CONVVIZ_MNIST", str(tmp_path))
    (x_train, y_train), _ = load_mnist()
    assert x_train.shape == (7, 28, 28)
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte"])


def test_nothing_found_says_what_where_and_how(tmp_path):
    write_small_idx(tmp_path, gz=True)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(tmp_path)
    message = str(info.value)
    assert str(tmp_path) in message
    assert "missing: t10k-labels-idx1-ubyte[.gz]" in message
    assert "CONVVIZ_MNIST" in message and "mnist.npz" in message
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")


def test_bad_arguments():
    with pytest.raises(TypeError, match="path"):
        load_mnist(42)
    with pytest.raises(TypeError, match="verify"):
        load_mnist(verify="yes")


# --- helpers ------------------------------------------------------------------------

def test_scale():
    pixels = np.array([[0, 51, 255]], dtype=np.uint8)
    out = scale(pixels)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.0, 0.2, 1.0]], rtol=1e-7)
    with pytest.raises(TypeError, match="uint8"):
        scale(pixels.astype(np.float32))


def test_one_hot_matches_the_article():
    out = one_hot(np.array([0, 3, 9]))
    assert out.shape == (3, 10) and out.dtype == np.float32
    assert out[0].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert out[1].tolist() == [0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    assert out[2].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    with pytest.raises(ValueError, match=r"\[0, 9\]"):
        one_hot(np.array([10]))
    with pytest.raises(TypeError, match="1-D integer"):
        one_hot(np.array([0.5]))


def test_flatten_and_channel_axis():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    flat = flatten(images)
    assert flat.shape == (2, 784)
    assert flat[1, 28 * 3 + 5] == images[1, 3, 5]  # row-major: row 3, column 5
    last = add_channel_axis(images, "channels_last")
    first = add_channel_axis(images, "channels_first")
    assert last.shape == (2, 28, 28, 1) and first.shape == (2, 1, 28, 28)
    assert last[1, 3, 5, 0] == first[1, 0, 3, 5] == images[1, 3, 5]
    with pytest.raises(ValueError, match="data_format"):
        add_channel_axis(images, "NHWC")
    with pytest.raises(ValueError, match=r"\(N, H, W\)"):
        flatten(images[0])


@pytest.mark.parametrize("input_shape, expected", [
    ((None, 784), (3, 784)),
    ((None, 28, 28, 1), (3, 28, 28, 1)),
    ((None, 1, 28, 28), (3, 1, 28, 28)),
])
def test_to_model_input_reads_the_models_input_shape(input_shape, expected):
    model = types.SimpleNamespace(input_shape=input_shape, name="fake")
    images = np.full((3, 28, 28), 255, dtype=np.uint8)
    images[0, 2, 4] = 0
    x = to_model_input(images, model)
    assert x.shape == expected and x.dtype == np.float32
    assert x.reshape(3, 784)[0, 2 * 28 + 4] == 0.0 and x.max() == 1.0


def test_to_model_input_refuses_other_shapes():
    model = types.SimpleNamespace(input_shape=(None, 32, 32, 3), name="cifar")
    with pytest.raises(ValueError, match="cifar"):
        to_model_input(np.zeros((1, 28, 28), np.uint8), model)
