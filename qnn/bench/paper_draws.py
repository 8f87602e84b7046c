"""The paper's own draws of the linearly separable task, regenerated point for point.

Bowles, Ahmed & Schuld (2024) drew their linearly separable data once, in one run over d = 2…20 from
NumPy's legacy generator seeded with 42: per dimension, 600 points uniform in [-1, 1]^d, the first 300
outside the margin |Σx| > 0.02·d labelled −1 where Σx > 0 and +1 otherwise, then a shuffled 80/20 split
by scikit-learn's `train_test_split` drawing from the same generator (qml-benchmarks,
`paper/benchmarks/generate_linearly_separable.py`). Because each dimension continues the stream of the one
before, the procedure is repeated in that order here. The regenerated sets equal the files the paper
published for d = 2, 3 and 10 (`paper/plots/datasets-for-plots/linearly_separable/`).

qnn's own generator (`qnn.bench.tasks.linearly_separable`) draws a fresh, class-balanced set per seed;
with 60 test points, two draws alone can differ by several points of accuracy, so comparing with the
paper's table cell by cell is fairest on these draws (task parameter ``draws = "paper"``).

Example:
    >>> split = paper_linearly_separable(2)
    >>> split.X_train.shape, split.X_test.shape, sorted(set(split.y_test.tolist()))
    ((240, 2), (60, 2), [-1, 1])
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from sklearn.model_selection import train_test_split

PAPER_DIMENSIONS = range(2, 21)
PAPER_SAMPLES = 300
PAPER_TEST_SIZE = 0.2


def paper_linearly_separable(dimension: int):
    """The paper's train and test split of the linearly separable task at `dimension` (2…20), as a `Split`."""
    from qnn.bench.datasets import Split

    if dimension not in PAPER_DIMENSIONS:
        raise ValueError(f"the paper drew linearly separable data at dimensions 2 to 20, got {dimension!r}")
    return Split(*_all_draws()[dimension - PAPER_DIMENSIONS.start])


@lru_cache(maxsize=1)
def _all_draws() -> tuple[tuple[np.ndarray, ...], ...]:
    stream = np.random.RandomState(42)  # the legacy generator the paper seeded globally
    draws = []
    for dimension in PAPER_DIMENSIONS:
        points = 2 * stream.rand(2 * PAPER_SAMPLES, dimension) - 1
        kept = points[np.abs(points.sum(axis=1)) > 0.02 * dimension][:PAPER_SAMPLES]
        labels = np.where(kept.sum(axis=1) > 0, -1, 1)
        X_train, X_test, y_train, y_test = train_test_split(
            kept, labels, test_size=PAPER_TEST_SIZE, random_state=stream
        )
        draws.append((X_train, y_train, X_test, y_test))
    return tuple(draws)
