"""Training, determinism, the model cache and the CLI — on small subsets, 1 epoch each.

Every model written here goes to the session's tmp CONVVIZ_HOME (tests/conftest.py).
"""
import json
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from convviz import train as train_module  # noqa: E402
from convviz.cache import atomic_path, atomic_write, cache_dir  # noqa: E402
from convviz.cli import main  # noqa: E402
from convviz.data import load_mnist  # noqa: E402
from convviz.train import (evaluate, history_path, is_cached, load_history,  # noqa: E402
                           load_record, load_trained, model_path, train)

# 6000 images, batch 32 = 188 adam steps: enough for a CNN to pass 90 % on MNIST.
QUICK = dict(epochs=1, batch_size=32, n_train=6000, n_test=2000)


def same_weights(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


@pytest.fixture(scope="module")
def quick_cnn():
    """The simple CNN after one epoch on 6000 images, saved into the cache."""
    return train("simple_cnn", verbose=0, **QUICK)


def forbid_training(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("trained although the model was cached")

    monkeypatch.setattr(train_module, "_fit", fail)


# --- training -----------------------------------------------------------------------

def test_short_run_learns_well_beyond_chance(quick_cnn):
    model, history = quick_cnn
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds"}
    assert all(len(values) == 1 for values in history.values())
    assert history["val_accuracy"][0] >= 0.90  # chance is 0.10
    # the validation data is the first 2000 test images: evaluating them agrees
    result = evaluate(model, n_test=2000)
    assert result["accuracy"] == pytest.approx(history["val_accuracy"][0], abs=1e-6)
    assert result["loss"] == pytest.approx(history["val_loss"][0], rel=1e-4)


def test_training_is_deterministic_and_the_seed_matters():
    small = dict(epochs=1, batch_size=100, n_train=1000, n_test=100, verbose=0, save=False)
    first, h1 = train("simple_cnn", seed=7, **small)    # has dropout: its RNG is seeded too
    second, h2 = train("simple_cnn", seed=7, **small)
    other, _ = train("simple_cnn", seed=8, **small)
    assert same_weights(first, second)
    assert h1["loss"] == h2["loss"] and h1["val_accuracy"] == h2["val_accuracy"]
    assert not same_weights(first, other)


# --- the cache ----------------------------------------------------------------------

def test_cache_lives_under_convviz_home(convviz_home):
    assert cache_dir() == convviz_home
    path = model_path("deep_cnn", epochs=10, batch_size=200, seed=7)
    assert path == convviz_home / "models" / "deep_cnn-first-e10-b200-s7.keras"
    assert model_path("deep_cnn", data_format="channels_last") != path
    assert model_path("deep_cnn", seed=8) != path


def test_cache_round_trip(quick_cnn, monkeypatch):
    model, history = quick_cnn
    assert is_cached("simple_cnn", **QUICK)
    files = sorted(p.name for p in model_path("simple_cnn", **QUICK).parent.iterdir())
    assert not [name for name in files if ".tmp" in name]  # no temporary leftovers
    record = json.loads(history_path("simple_cnn", **QUICK).read_text())
    assert record["config"] == {"name": "simple_cnn", "data_format": "channels_last",
                                "epochs": 1, "batch_size": 32, "seed": 7, "n_train": 6000,
                                "n_test": 2000}
    assert record == load_record("simple_cnn", **QUICK)
    assert load_history("simple_cnn", **QUICK) == history

    forbid_training(monkeypatch)
    loaded = load_trained("simple_cnn", verbose=0, **QUICK)
    assert same_weights(model, loaded)
    (_, _), (x_test, _) = load_mnist()
    x = train_module.prepare(model, x_test[:64])[0]
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_load_trained_trains_on_first_use_only(monkeypatch):
    tiny = dict(epochs=1, batch_size=100, n_train=500, n_test=100, verbose=0)
    assert not is_cached("mlp", epochs=1, batch_size=100, n_train=500, n_test=100)
    first = load_trained("mlp", **tiny)
    assert is_cached("mlp", epochs=1, batch_size=100, n_train=500, n_test=100)
    forbid_training(monkeypatch)
    assert same_weights(first, load_trained("mlp", **tiny))


def test_missing_history_says_how_to_get_it():
    with pytest.raises(FileNotFoundError, match="convviz train improved_cnn"):
        load_history("improved_cnn", seed=12345)


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="lenet"), "valid names: mlp, simple_cnn, improved_cnn, deep_cnn"),
    (dict(name="mlp", epochs=0), "`epochs` must be a positive int, got 0"),
    (dict(name="mlp", batch_size=2.5), "`batch_size` must be a positive int"),
    (dict(name="mlp", seed=-1), "`seed` must be a non-negative int"),
    (dict(name="mlp", n_train=70000), r"`n_train` must be None or an int in \[1, 60000\]"),
    (dict(name="simple_cnn", data_format="NCHW"), "data_format"),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        train(save=False, verbose=0, **kwargs)


def test_atomic_path_keeps_old_file_when_the_writer_fails(tmp_path):
    target = tmp_path / "model.keras"
    atomic_write(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            assert tmp.parent == tmp_path and tmp.suffix == ".keras"
            tmp.write_text("half")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    with pytest.raises(TypeError, match="bytes or str"):
        atomic_write(target, 42)



def test_atomic_files_get_the_permissions_open_would_give(tmp_path):
    """mkstemp makes 0600 files; a finished cache file or figure must not stay private."""
    old = os.umask(0o022)
    try:
        written = atomic_write(tmp_path / "history.json", "{}")
        with atomic_path(tmp_path / "figure.png") as tmp:
            tmp.write_bytes(b"png")
    finally:
        os.umask(old)
    assert written.stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "figure.png").stat().st_mode & 0o777 == 0o644

# --- the command line ---------------------------------------------------------------

def test_cli_names_list_is_the_models_list():
    from convviz.cli import models as cli_models
    from convviz.models import MODEL_NAMES

    assert cli_models.MODEL_NAMES == MODEL_NAMES


def test_cli_train_evaluate_and_models(capsys):
    args = ["--epochs", "1", "--batch-size", "100", "--train-images", "500",
            "--test-images", "200", "--seed", "3"]
    assert main(["train", "mlp", "--quiet", *args]) == 0
    trained = capsys.readouterr().out
    accuracy = load_history("mlp", epochs=1, batch_size=100, seed=3, n_train=500,
                            n_test=200)["val_accuracy"][-1]
    assert f"test accuracy {100 * accuracy:.2f} %" in trained

    assert main(["evaluate", "mlp", *args]) == 0
    assert f"test accuracy {100 * accuracy:.2f} %" in capsys.readouterr().out

    assert main(["models"]) == 0
    listing = capsys.readouterr().out
    for name, params in (("mlp", "623,290"), ("simple_cnn", "805,066"),
                         ("improved_cnn", "59,933"), ("deep_cnn", "3,274,634")):
        assert name in listing and params in listing
    assert str(cache_dir() / "models") in listing


def test_cli_unknown_model_lists_valid_names(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "lenet"])
    assert info.value.code == 2
    assert "valid names: mlp, simple_cnn, improved_cnn, deep_cnn" in capsys.readouterr().err
