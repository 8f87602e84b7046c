import numpy as np
import pytest

from qnn.bench import tasks
from qnn.bench.tasks import GENERATORS


@pytest.mark.parametrize("name", sorted(GENERATORS))
@pytest.mark.parametrize("n_features", [4, 16])
def test_shapes_labels_and_balance(name, n_features, rng):
    X, y = GENERATORS[name](200, n_features, rng)
    assert X.shape == (200, n_features) and X.dtype == np.float64
    assert y.shape == (200,) and set(y.tolist()) == {-1, 1}
    # Bars and stripes draws each label with probability 1/2 (as in the paper); the others balance exactly.
    tolerance = 30 if name == "bars_and_stripes" else 0
    assert abs(int((y == 1).sum()) - 100) <= tolerance


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_same_data_other_seed_other_data(name):
    a = GENERATORS[name](50, 9, np.random.default_rng(7))
    b = GENERATORS[name](50, 9, np.random.default_rng(7))
    c = GENERATORS[name](50, 9, np.random.default_rng(8))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


@pytest.mark.parametrize("n_features", [2, 5, 10, 20])
def test_linearly_separable_labels_and_margin_grow_with_dimension(n_features, rng):
    X, y = tasks.linearly_separable(300, n_features, rng)
    score = X.sum(axis=1)
    np.testing.assert_array_equal(y, np.where(score > 0, -1, 1))
    assert np.abs(score).min() > 0.02 * n_features
    assert np.all(np.abs(X) <= 1)


def test_linearly_separable_custom_margin(rng):
    X, _ = tasks.linearly_separable(100, 3, rng, margin=0.5)
    assert np.abs(X.sum(axis=1)).min() > 0.5


def test_hidden_manifold_lies_on_a_low_dimensional_manifold(rng):
    # x = tanh(c F / sqrt(m) - b): arctanh(x) is affine in c, so its centred matrix has rank m.
    X, _ = tasks.hidden_manifold(100, 12, rng, manifold_dimension=3)
    centred = np.arctanh(X) - np.arctanh(X).mean(axis=0)
    assert np.linalg.matrix_rank(centred, tol=1e-8) == 3


def test_hyperplanes_parity_is_standardised_and_rank_of_hyperplane_space(rng):
    X, _ = tasks.hyperplanes_parity(200, 10, rng, n_hyperplanes=4, dim_hyperplanes=3)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(X.std(axis=0), 1, atol=1e-12)
    assert np.linalg.matrix_rank(X, tol=1e-8) == 3  # a linear image of 3-dimensional points


def test_two_curves_classes_are_separated_without_noise(rng):
    X, y = tasks.two_curves(200, 6, rng, degree=2, offset=5.0, noise=0.0)
    # With a large offset every coordinate of class +1 exceeds every coordinate of class -1 before scaling.
    assert X[y == 1, 0].min() > X[y == -1, 0].max()


def test_bars_and_stripes_without_noise_are_bars_or_stripes(rng):
    X, y = tasks.bars_and_stripes(50, 16, rng, noise_std=0.0)
    images = X.reshape(50, 4, 4)
    for image, label in zip(images, y, strict=True):
        lines = image if label == 1 else image.T  # stripes: whole rows; bars: whole columns
        assert all(np.all(line == line[0]) for line in lines)
        assert set(np.unique(image)) <= {-1.0, 1.0}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda rng: tasks.linearly_separable(0, 3, rng), "n_samples"),
        (lambda rng: tasks.hidden_manifold(10, 0, rng), "n_features"),
        (lambda rng: tasks.bars_and_stripes(10, 15, rng), "square"),
        (lambda rng: tasks.linearly_separable(10, 3, rng, margin=-1), "margin"),
        (lambda rng: tasks.two_curves(10, 3, rng, degree=0), "degree"),
    ],
)
def test_bad_arguments_name_the_argument(call, message, rng):
    with pytest.raises(ValueError, match=message):
        call(rng)
