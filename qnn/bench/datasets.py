"""Benchmark data sets: the synthetic tasks, MNIST 3-vs-5 PCA (shipped), scikit-learn's digits and user CSV files.

`load_split(task, dimension, ...)` returns a `Split` of train and test arrays for any of them; `TASKS` lists the
names it accepts.

Example:
    >>> split = load_split("linearly_separable", 4, n_samples=100, seed=0)
    >>> split.X_train.shape, split.X_test.shape
    ((80, 4), (20, 4))
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from qnn.bench.tasks import GENERATORS

MNIST_MAX_FEATURES = 10
DIGITS_FEATURES = 64
TASKS = (*GENERATORS, "mnist_pca", "digits", "csv")


@dataclass(frozen=True)
class Split:
    X_train: np.ndarray  # (n_train, dimension) float64
    y_train: np.ndarray  # (n_train,)
    X_test: np.ndarray  # (n_test, dimension) float64
    y_test: np.ndarray  # (n_test,)


def load_split(
    task: str,
    dimension: int,
    n_samples: int | None = 300,
    seed: int = 0,
    test_size: float = 0.2,
    params: dict | None = None,
) -> Split:
    """Train and test arrays of `task` at input dimension `dimension`.

    Synthetic tasks draw `n_samples` points from the generator seeded with `seed` (extra generator arguments in
    `params`, e.g. `{"manifold_dimension": 6}`) and split them stratified, holding out `test_size` (a fraction
    or a count of samples). `mnist_pca` takes the first `dimension`
    PCA features of the shipped data (at most 10) and subsamples `n_samples` points (None: all); `digits` projects
    scikit-learn's 8x8 digits onto `dimension` principal components of the training split (64: raw pixels); `csv`
    reads `params["path"]` (features, then the label in the last column) and keeps the first `dimension` features.
    `params` with `"draws": "paper"` (the d-sweeps) or `"paper_diff"` (the variants at d = 10) beside the generator
    arguments is the paper's own draw of linearly separable, hidden manifold, two curves or hyperplanes parity
    (`qnn.bench.paper_draws`), the same for every seed.
    """
    params = dict(params or {})
    counted = isinstance(test_size, int | np.integer) and not isinstance(test_size, bool)
    if not (counted and test_size >= 1) and not (not counted and 0 < test_size < 1):
        raise ValueError(f"test_size must lie in (0, 1) or be a count of samples >= 1, got {test_size!r}")
    if isinstance(dimension, bool) or not isinstance(dimension, int) or dimension < 1:
        raise ValueError(f"dimension must be a positive integer, got {dimension!r}")
    rng = np.random.default_rng(seed)
    if "draws" in params:
        return _paper_draws(task, params, dimension, n_samples, test_size)
    if task in GENERATORS:
        if n_samples is None:
            raise ValueError(f"n_samples must be a positive integer for the synthetic task {task!r}, got None")
        X, y = GENERATORS[task](n_samples, dimension, rng, **params)
        return _split(X, y, seed, test_size)
    if task == "mnist_pca":
        return _mnist(dimension, n_samples, seed, test_size)
    if task == "digits":
        return _digits(dimension, n_samples, seed, test_size)
    if task == "csv":
        return _csv(params, dimension, n_samples, seed, test_size)
    raise ValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}")


def _paper_draws(task: str, params: dict, dimension: int, n_samples: int | None, test_size) -> Split:
    """The paper's one draw of `task` (`qnn.bench.paper_draws`): the same for every seed."""
    from qnn.bench.paper_draws import PAPER_SAMPLES, PAPER_TASKS, PAPER_TEST_SIZE, paper_split

    if task not in PAPER_TASKS:
        raise ValueError(f"draws is a parameter of the tasks {', '.join(PAPER_TASKS)} only, got task {task!r}")
    if n_samples != PAPER_SAMPLES or test_size != PAPER_TEST_SIZE:
        raise ValueError(
            f"the paper's draws hold {PAPER_SAMPLES} samples with test_size {PAPER_TEST_SIZE}, "
            f"got n_samples={n_samples!r} and test_size={test_size!r}"
        )
    arguments = {key: value for key, value in params.items() if key != "draws"}
    return paper_split(task, dimension, arguments, params["draws"])


def _split(X, y, seed: int, test_size: float) -> Split:
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_size, random_state=seed, stratify=y)
    return Split(np.asarray(X_train, float), np.asarray(y_train), np.asarray(X_test, float), np.asarray(y_test))


def _n_test(n_samples: int, test_size: float | int) -> int:
    return int(test_size) if isinstance(test_size, int | np.integer) else n_samples - round(n_samples * (1 - test_size))


def _subsample(X, y, n: int | None, seed: int):
    if n is None or n >= len(y):
        return X, y
    keep, _ = train_test_split(np.arange(len(y)), train_size=n, random_state=seed, stratify=y)
    return X[np.sort(keep)], y[np.sort(keep)]


@functools.cache
def _mnist_file(split: str) -> np.ndarray:
    path = resources.files("qnn") / "data" / "mnist_pca_3v5" / f"mnist_3-5_10d_{split}.csv.gz"
    with resources.as_file(path) as local:
        return np.loadtxt(local, delimiter=",")


def _mnist(dimension: int, n_samples: int | None, seed: int, test_size: float) -> Split:
    if dimension > MNIST_MAX_FEATURES:
        raise ValueError(f"dimension must be <= {MNIST_MAX_FEATURES} for mnist_pca, got {dimension}")
    train, test = _mnist_file("train"), _mnist_file("test")
    n_test = None if n_samples is None else _n_test(n_samples, test_size)
    n_train = None if n_samples is None else n_samples - n_test
    X_train, y_train = _subsample(train[:, :dimension], train[:, -1].astype(np.int64), n_train, seed)
    X_test, y_test = _subsample(test[:, :dimension], test[:, -1].astype(np.int64), n_test, seed)
    return Split(X_train, y_train, X_test, y_test)


def _digits(dimension: int, n_samples: int | None, seed: int, test_size: float) -> Split:
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA

    if dimension > DIGITS_FEATURES:
        raise ValueError(f"dimension must be <= {DIGITS_FEATURES} for digits, got {dimension}")
    X, y = load_digits(return_X_y=True)
    split = _split(*_subsample(X, y, n_samples, seed), seed, test_size)
    if dimension == DIGITS_FEATURES:
        return split
    pca = PCA(n_components=dimension, random_state=seed).fit(split.X_train)
    return Split(pca.transform(split.X_train), split.y_train, pca.transform(split.X_test), split.y_test)


def _csv(params: dict, dimension: int, n_samples: int | None, seed: int, test_size: float) -> Split:
    if "path" not in params:
        raise ValueError("the csv task needs params = {path = '<file.csv>'} (features, then the label)")
    table = np.genfromtxt(Path(params["path"]), delimiter=",", dtype=str)
    X, y = table[:, :-1].astype(float), table[:, -1]
    if dimension > X.shape[1]:
        raise ValueError(f"dimension must be <= {X.shape[1]} (the features in {params['path']}), got {dimension}")
    return _split(*_subsample(X[:, :dimension], y, n_samples, seed), seed, test_size)
