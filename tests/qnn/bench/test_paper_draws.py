"""The paper's linearly separable draws against values read from the files it published."""

import numpy as np
import pytest

from qnn.bench.datasets import load_split
from qnn.bench.paper_draws import paper_linearly_separable

# First rows of qml-benchmarks' paper/plots/datasets-for-plots/linearly_separable/linearly_separable_{d}d_*.csv
# (Apache License 2.0): features, then the label.
PUBLISHED_FIRST_ROWS = {
    (2, "train"): [-2.830685429114547791e-01, -7.682618809497405721e-01, 1.0],
    (2, "test"): [-5.528083229610947225e-01, 9.264450788812226278e-01, -1.0],
}


@pytest.mark.parametrize(("dimension", "part"), list(PUBLISHED_FIRST_ROWS))
def test_the_draws_are_the_published_points(dimension, part):
    split = paper_linearly_separable(dimension)
    X, y = (split.X_train, split.y_train) if part == "train" else (split.X_test, split.y_test)
    np.testing.assert_array_equal([*X[0], y[0]], PUBLISHED_FIRST_ROWS[dimension, part])


def test_every_dimension_follows_the_paper_procedure():
    for dimension in range(2, 21):
        split = paper_linearly_separable(dimension)
        X = np.concatenate([split.X_train, split.X_test])
        y = np.concatenate([split.y_train, split.y_test])
        assert X.shape == (300, dimension) and len(split.X_test) == 60
        assert (np.abs(X) <= 1).all() and (np.abs(X.sum(axis=1)) > 0.02 * dimension).all()
        np.testing.assert_array_equal(y, np.where(X.sum(axis=1) > 0, -1, 1))
    # Each dimension continues the stream of the one before: d=3 is not a fresh draw from seed 42.
    fresh = 2 * np.random.RandomState(42).rand(600, 3) - 1
    assert not np.isin(paper_linearly_separable(3).X_train[:, 0], fresh[:, 0]).any()


def test_the_task_parameter_gives_the_same_split_for_every_seed():
    a = load_split("linearly_separable", 4, n_samples=300, seed=0, params={"draws": "paper"})
    b = load_split("linearly_separable", 4, n_samples=300, seed=3, params={"draws": "paper"})
    np.testing.assert_array_equal(a.X_test, b.X_test)
    np.testing.assert_array_equal(a.X_train, paper_linearly_separable(4).X_train)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 100}, "hold 300 samples with test_size 0.2"),
        ({"test_size": 0.3}, "hold 300 samples with test_size 0.2"),
        ({"params": {"draws": "paper", "margin": 0.1}}, "no other parameter"),
        ({"params": {"draws": "mine"}}, "draws = 'paper'"),
        ({"dimension": 21}, "dimensions 2 to 20"),
    ],
)
def test_other_settings_are_refused(kwargs, message):
    arguments = {"task": "linearly_separable", "dimension": 4, "n_samples": 300, "params": {"draws": "paper"}} | kwargs
    with pytest.raises(ValueError, match=message):
        load_split(**arguments)
