"""Classical twins sized to a parameter count, checked against the counts scikit-learn and torch report."""

import numpy as np
import pytest
import torch
from sklearn.neural_network import MLPClassifier
from torch import nn

from qnn.models.twins import cnn, lstm_n_params, matched_hidden_sizes, matched_lstm_hidden_size, mlp, mlp_n_params


def sklearn_count(n_features, n_classes, hidden, rng):
    X = rng.normal(size=(3 * n_classes, n_features))
    y = np.arange(3 * n_classes) % n_classes
    fitted = MLPClassifier(hidden, max_iter=1).fit(X, y)
    return sum(a.size for a in fitted.coefs_) + sum(b.size for b in fitted.intercepts_)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # one iteration is all we need
@pytest.mark.parametrize(("n_features", "n_classes", "hidden"), [(4, 2, (7,)), (10, 3, (5, 5)), (1, 4, (2, 3, 1))])
def test_mlp_count_matches_scikit_learn(n_features, n_classes, hidden, rng):
    assert mlp_n_params(n_features, n_classes, hidden) == sklearn_count(n_features, n_classes, hidden, rng)


@pytest.mark.parametrize(
    ("n_features", "n_classes", "n_params", "layers"), [(4, 2, 40, 1), (8, 3, 200, 2), (4, 2, 0, 1)]
)
def test_matched_sizes_are_the_closest(n_features, n_classes, n_params, layers):
    sizes = matched_hidden_sizes(n_features, n_classes, n_params, layers)
    assert len(sizes) == layers and len(set(sizes)) == 1
    best = abs(mlp_n_params(n_features, n_classes, sizes) - n_params)
    for width in range(1, 60):
        assert abs(mlp_n_params(n_features, n_classes, (width,) * layers) - n_params) >= best


def test_bad_sizes_are_an_error():
    with pytest.raises(ValueError, match="n_classes"):
        matched_hidden_sizes(4, 1, 10)
    with pytest.raises(ValueError, match="n_params"):
        matched_hidden_sizes(4, 2, -1)


def test_torch_twins_count_and_shapes():
    net = mlp(4, (6, 6), 3, activation=nn.Tanh, dropout=0.1)
    assert net(torch.rand(2, 4)).shape == (2, 3)
    assert sum(p.numel() for p in net.parameters()) == mlp_n_params(4, 3, (6, 6))
    assert cnn((8, 8), 10)(torch.rand(2, 1, 8, 8)).shape == (2, 10)
    lstm = nn.LSTM(3, 5)
    assert lstm_n_params(3, 5, 2) == sum(p.numel() for p in lstm.parameters()) + 6 * 2
    size = matched_lstm_hidden_size(1, 200)
    assert all(abs(lstm_n_params(1, size) - 200) <= abs(lstm_n_params(1, s) - 200) for s in range(1, 30))
