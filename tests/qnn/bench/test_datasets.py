import gzip
from importlib import resources

import numpy as np
import pytest

from qnn.bench.datasets import TASKS, load_split


def _mnist_rows(split):
    path = resources.files("qnn") / "data" / "mnist_pca_3v5" / f"mnist_3-5_10d_{split}.csv.gz"
    with gzip.open(path, "rt") as file:
        return np.loadtxt(file, delimiter=",")


def test_synthetic_split_sizes_and_stratification():
    split = load_split("hidden_manifold", 7, n_samples=100, seed=3, test_size=0.3)
    assert split.X_train.shape == (70, 7) and split.X_test.shape == (30, 7)
    assert (split.y_test == 1).sum() == 15


def test_mnist_pca_takes_the_first_columns_of_the_shipped_rows():
    full = load_split("mnist_pca", 10, n_samples=None)
    train, test = _mnist_rows("train"), _mnist_rows("test")
    np.testing.assert_array_equal(full.X_train, train[:, :10])
    np.testing.assert_array_equal(full.y_test, test[:, -1])
    small = load_split("mnist_pca", 4, n_samples=100, seed=1)
    assert small.X_train.shape == (80, 4) and small.X_test.shape == (20, 4)
    # every subsampled row is a shipped row, cut to its first 4 features
    shipped = {tuple(row) for row in train[:, :4]}
    assert all(tuple(row) in shipped for row in small.X_train)


def test_digits_pca_and_raw_pixels():
    reduced = load_split("digits", 12, n_samples=500, seed=0)
    assert reduced.X_train.shape == (400, 12) and len(set(reduced.y_train.tolist())) == 10
    raw = load_split("digits", 64, n_samples=500, seed=0)
    np.testing.assert_array_equal(raw.y_train, reduced.y_train)
    assert raw.X_train.shape == (400, 64)


def test_csv_features_then_label(tmp_path, rng):
    X = rng.normal(size=(40, 5))
    labels = np.where(X[:, 0] > 0, "yes", "no")
    path = tmp_path / "data.csv"
    path.write_text("\n".join(",".join([*map(str, row), label]) for row, label in zip(X, labels, strict=True)))
    split = load_split("csv", 3, n_samples=None, params={"path": str(path)}, test_size=0.25)
    assert split.X_train.shape == (30, 3)
    assert set(split.y_train.tolist()) == {"yes", "no"}
    rows = {tuple(np.round(r, 10)) for r in X[:, :3]}
    assert all(tuple(np.round(r, 10)) in rows for r in split.X_test)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"task": "nope", "dimension": 2}, "task must be one of"),
        ({"task": "mnist_pca", "dimension": 11}, "<= 10"),
        ({"task": "digits", "dimension": 65}, "<= 64"),
        ({"task": "csv", "dimension": 2}, "params"),
        ({"task": "two_curves", "dimension": 0}, "dimension"),
        ({"task": "two_curves", "dimension": 2, "test_size": 1.5}, "test_size"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        load_split(**kwargs)


def test_task_names_are_listed():
    assert {"linearly_separable", "mnist_pca", "digits", "csv", "bars_and_stripes"} <= set(TASKS)
