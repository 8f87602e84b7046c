"""Synthetic classification tasks of Bowles, Ahmed & Schuld (2024), re-implemented with a seeded generator.

Every generator takes the number of samples, the input dimension and a `numpy.random.Generator`, and returns
`(X, y)`: `X` float64 of shape `(n_samples, n_features)`, `y` int64 of shape `(n_samples,)` with labels -1 and +1
(the paper's convention). The definitions follow the paper's descriptions (arXiv:2403.07059, section 4) and the
generators published beside it; defaults are the paper's settings.

Example:
    >>> import numpy as np
    >>> X, y = linearly_separable(100, 5, np.random.default_rng(0))
    >>> X.shape, sorted(set(y.tolist()))
    ((100, 5), [-1, 1])
"""

from __future__ import annotations

import numpy as np


def _check(name: str, value: int, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _balanced(X: np.ndarray, labels: np.ndarray, n_samples: int, rng: np.random.Generator):
    """Keep n_samples // 2 points of each class (plus one -1 point when n_samples is odd), in shuffled order."""
    n_pos = n_samples // 2
    neg, pos = np.flatnonzero(labels == -1), np.flatnonzero(labels == 1)
    if len(pos) < n_pos or len(neg) < n_samples - n_pos:
        raise RuntimeError("too few candidates of one class were drawn; increase the oversampling")
    keep = np.concatenate([neg[: n_samples - n_pos], pos[:n_pos]])
    keep = keep[rng.permutation(len(keep))]
    return X[keep], labels[keep].astype(np.int64)


def _standardised(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)


def linearly_separable(
    n_samples: int, n_features: int, rng: np.random.Generator, margin: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Points uniform in [-1, 1]^d outside a margin around the hyperplane sum(x) = 0, labelled by its side.

    The margin (in units of sum(x), i.e. |<x, 1>| > margin) grows with the dimension: 0.02 * d by default.
    """
    _check("n_samples", n_samples)
    _check("n_features", n_features)
    margin = 0.02 * n_features if margin is None else margin
    if margin < 0:
        raise ValueError(f"margin must be >= 0, got {margin!r}")
    chunks, labels = [], []
    while sum(len(c) for c in chunks) < 2 * n_samples:  # oversample, then keep a balanced subset
        X = rng.uniform(-1.0, 1.0, size=(4 * n_samples, n_features))
        score = X.sum(axis=1)
        outside = np.abs(score) > margin
        chunks.append(X[outside])
        labels.append(np.where(score[outside] > 0, -1, 1))
    return _balanced(np.concatenate(chunks), np.concatenate(labels), n_samples, rng)


def hidden_manifold(
    n_samples: int, n_features: int, rng: np.random.Generator, manifold_dimension: int = 6
) -> tuple[np.ndarray, np.ndarray]:
    """Points on an m-dimensional manifold embedded non-linearly in d dimensions, labelled by a random network.

    x = tanh(c F / sqrt(m) - b) with c ~ N(0, 1)^m, F ~ N(0, 1)^(m x d), b ~ U(-1, 1)^d; the label is the sign of
    v . tanh(W c) / sqrt(m) minus its median, so the classes are balanced.
    """
    _check("n_samples", n_samples, 2)
    _check("n_features", n_features)
    _check("manifold_dimension", manifold_dimension)
    m = manifold_dimension
    F = rng.normal(size=(m, n_features))
    C = rng.normal(size=(n_samples, m))
    biases = rng.uniform(-1.0, 1.0, size=n_features)
    X = np.tanh(C @ F / np.sqrt(m) - biases)
    W, v = rng.normal(size=(m, m)), rng.normal(size=m)
    score = np.tanh(C @ W.T) @ v / np.sqrt(m)
    order = np.argsort(score, kind="stable")  # the lower half is one class: exactly balanced
    y = np.ones(n_samples, dtype=np.int64)
    y[order[: n_samples - n_samples // 2]] = -1
    return X, y


def hyperplanes_parity(
    n_samples: int,
    n_features: int,
    rng: np.random.Generator,
    n_hyperplanes: int = 2,
    dim_hyperplanes: int = 3,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian points in k dimensions, labelled by the parity of the sides of random hyperplanes they lie on.

    Then embedded linearly into d dimensions (a random U(0, 1) matrix) and standardised.
    """
    _check("n_samples", n_samples)
    _check("n_features", n_features)
    _check("n_hyperplanes", n_hyperplanes)
    _check("dim_hyperplanes", dim_hyperplanes)
    weights = rng.uniform(size=(n_hyperplanes, dim_hyperplanes))
    biases = rng.uniform(size=n_hyperplanes)
    Z = rng.normal(size=(8 * n_samples, dim_hyperplanes))
    n_above = ((Z @ weights.T + biases) > 0).sum(axis=1)
    Z, y = _balanced(Z, np.where(n_above % 2 == 0, 1, -1), n_samples, rng)
    embedding = rng.uniform(size=(dim_hyperplanes, n_features))
    return _standardised(Z @ embedding), y


def two_curves(
    n_samples: int,
    n_features: int,
    rng: np.random.Generator,
    degree: int = 5,
    offset: float = 0.1,
    noise: float = 0.01,
) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy 1-D curves in d dimensions (each coordinate a random Fourier series of t), one shifted by offset.

    Standardised afterwards. A higher degree makes the curves wind more; a smaller offset brings them closer.
    """
    _check("n_samples", n_samples, 2)
    _check("n_features", n_features)
    _check("degree", degree)
    coeffs = rng.uniform(size=(n_features, degree + 1, 2))
    coeffs /= np.linalg.norm(coeffs)
    frequencies = np.arange(1, degree + 1)

    def curve(t: np.ndarray) -> np.ndarray:  # (n,) -> (n, d)
        phase = np.pi * t[:, None] * frequencies  # (n, degree)
        values = coeffs[:, 0, 0] + coeffs[:, 0, 1] + np.cos(phase) @ coeffs[:, 1:, 0].T
        values += np.sin(phase) @ coeffs[:, 1:, 1].T
        return values + rng.normal(scale=noise, size=values.shape)

    n_pos = n_samples // 2
    A = curve(rng.uniform(size=n_samples - n_pos))
    B = curve(rng.uniform(size=n_pos)) + offset
    X = np.concatenate([A, B])
    y = np.array([-1] * (n_samples - n_pos) + [1] * n_pos, dtype=np.int64)
    order = rng.permutation(n_samples)
    return _standardised(X)[order], y[order]


def bars_and_stripes(
    n_samples: int, n_features: int, rng: np.random.Generator, noise_std: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Square images of -1 pixels with random full rows (stripes, +1) or full columns (bars, -1) set to +1.

    `n_features` must be a square (side x side pixels, row-major), and Gaussian noise of `noise_std` is added.
    """
    _check("n_samples", n_samples)
    side = round(np.sqrt(n_features))
    if side * side != n_features:
        raise ValueError(f"n_features must be a square number (side x side pixels), got {n_features!r}")
    images = -np.ones((n_samples, side, side))
    y = np.where(rng.uniform(size=n_samples) > 0.5, 1, -1).astype(np.int64)
    lines = rng.uniform(size=(n_samples, side)) > 0.5
    for i in range(n_samples):
        if y[i] == 1:
            images[i, lines[i], :] = 1.0
        else:
            images[i, :, lines[i]] = 1.0
    images += rng.normal(scale=noise_std, size=images.shape)
    return images.reshape(n_samples, n_features), y


GENERATORS = {
    "linearly_separable": linearly_separable,
    "hidden_manifold": hidden_manifold,
    "hyperplanes_parity": hyperplanes_parity,
    "two_curves": two_curves,
    "bars_and_stripes": bars_and_stripes,
}
