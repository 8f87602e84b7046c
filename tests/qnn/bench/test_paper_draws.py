"""The paper's draws of its synthetic tasks against values read from the files it published."""

import numpy as np
import pytest

from qnn.bench.datasets import load_split
from qnn.bench.paper_draws import paper_split

CURVES = {"degree": 5, "offset": 0.1, "noise": 0.01}

# First rows of qml-benchmarks' files in paper/plots/datasets-for-plots/ (Apache License 2.0): features, then the
# label. linearly_separable/linearly_separable_2d_*, hidden_manifold_model/hidden_manifold-6manifold-2d_*,
# two_curves/two_curves-5degree-0.1offset-2d_train and two_curves_diff/two_curves-10d-2degree_train.
PUBLISHED_FIRST_ROWS = {
    ("linearly_separable", 2, "{}", "paper", "train"): [-2.830685429114547791e-01, -7.682618809497405721e-01, 1.0],
    ("linearly_separable", 2, "{}", "paper", "test"): [-5.528083229610947225e-01, 9.264450788812226278e-01, -1.0],
    ("hidden_manifold", 2, "m6", "paper", "train"): [-6.410728972968278150e-01, -8.569217092324278306e-01, -1.0],
    ("hidden_manifold", 2, "m6", "paper", "test"): [-8.125442498186785656e-02, 4.883624209596179599e-01, -1.0],
    ("two_curves", 2, "curves", "paper", "train"): [-6.112140617138229759e-01, -1.228709744863788922e00, -1.0],
    ("two_curves", 10, "degree2", "paper_diff", "train"): [
        2.916894077967009669e-02, -3.152116812825929149e-01, 6.944865319394434300e-01, -6.683979886449233077e-02,
        -4.136933418309275412e-01, -3.889434829986840314e-01, -1.059431091350960912e-02, -4.270445251520323948e-01,
        -5.041019398131929563e-01, -3.600862541670653560e-01, 1.0,
    ],
}  # fmt: skip
PARAMS = {"{}": {}, "m6": {"manifold_dimension": 6}, "curves": CURVES,
          "degree2": {"degree": 2, "offset": 0.25, "noise": 0.01}}  # fmt: skip


@pytest.mark.parametrize(("task", "dimension", "params", "draws", "part"), list(PUBLISHED_FIRST_ROWS))
def test_the_draws_are_the_published_points(task, dimension, params, draws, part):
    split = paper_split(task, dimension, PARAMS[params], draws)
    X, y = (split.X_train, split.y_train) if part == "train" else (split.X_test, split.y_test)
    np.testing.assert_array_equal([*X[0], y[0]], PUBLISHED_FIRST_ROWS[task, dimension, params, draws, part])


def test_every_linearly_separable_dimension_follows_the_paper_procedure():
    for dimension in range(2, 21):
        split = paper_split("linearly_separable", dimension, {})
        X = np.concatenate([split.X_train, split.X_test])
        y = np.concatenate([split.y_train, split.y_test])
        assert X.shape == (300, dimension) and len(split.X_test) == 60
        assert (np.abs(X) <= 1).all() and (np.abs(X.sum(axis=1)) > 0.02 * dimension).all()
        np.testing.assert_array_equal(y, np.where(X.sum(axis=1) > 0, -1, 1))
    # Each dimension continues the stream of the one before: d=3 is not a fresh draw from seed 42.
    fresh = 2 * np.random.RandomState(42).rand(600, 3) - 1
    assert not np.isin(paper_split("linearly_separable", 3, {}).X_train[:, 0], fresh[:, 0]).any()


@pytest.mark.parametrize(
    ("task", "dimension", "params", "draws"),
    [
        ("hidden_manifold", 7, {"manifold_dimension": 6}, "paper"),
        ("hidden_manifold", 10, {"manifold_dimension": 6}, "paper_diff"),
        ("two_curves", 20, CURVES, "paper"),
        ("two_curves", 10, {"degree": 7, "offset": 1 / 14, "noise": 0.01}, "paper_diff"),
        ("hyperplanes_parity", 10, {"n_hyperplanes": 5, "dim_hyperplanes": 3}, "paper_diff"),
    ],
)
def test_every_set_holds_balanced_classes_in_the_papers_split(task, dimension, params, draws):
    split = paper_split(task, dimension, params, draws)
    assert split.X_train.shape == (240, dimension) and split.X_test.shape == (60, dimension)
    y = np.concatenate([split.y_train, split.y_test])
    assert sorted(y.tolist()) == [-1] * 150 + [1] * 150
    if task != "hidden_manifold":  # standardised over the whole set before the split
        X = np.concatenate([split.X_train, split.X_test])
        np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)


def test_the_variant_continues_the_stream_of_the_d_sweep():
    # At d = 10 with manifold dimension 6 the paper drew two different sets: one in its d-sweep, one among its
    # variants, after the whole sweep.
    sweep = paper_split("hidden_manifold", 10, {"manifold_dimension": 6}, "paper")
    variant = paper_split("hidden_manifold", 10, {"manifold_dimension": 6}, "paper_diff")
    assert not np.isin(variant.X_train[:, 0], sweep.X_train[:, 0]).any()


def test_the_task_parameter_gives_the_same_split_for_every_seed():
    a = load_split("linearly_separable", 4, n_samples=300, seed=0, params={"draws": "paper"})
    b = load_split("linearly_separable", 4, n_samples=300, seed=3, params={"draws": "paper"})
    np.testing.assert_array_equal(a.X_test, b.X_test)
    np.testing.assert_array_equal(a.X_train, paper_split("linearly_separable", 4, {}).X_train)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_samples": 100}, "hold 300 samples with test_size 0.2"),
        ({"test_size": 0.3}, "hold 300 samples with test_size 0.2"),
        ({"params": {"draws": "paper", "margin": 0.1}}, "drew no linearly_separable set .* with {'margin': 0.1}"),
        ({"params": {"draws": "mine"}}, "draws must be one of 'paper', 'paper_diff'"),
        ({"dimension": 21}, "drew no linearly_separable set with draws='paper' at dimension 21"),
        ({"task": "hidden_manifold", "params": {"draws": "paper", "manifold_dimension": 5}}, "it drew 19 sets"),
        ({"task": "bars_and_stripes"}, "draws is a parameter of the tasks"),
    ],
)
def test_other_settings_are_refused(kwargs, message):
    arguments = {"task": "linearly_separable", "dimension": 4, "n_samples": 300, "params": {"draws": "paper"}} | kwargs
    with pytest.raises(ValueError, match=message):
        load_split(**arguments)
