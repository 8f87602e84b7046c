"""Splitting a training set among federated clients: IID, Dirichlet label skew, and label shards.

A partition is a frozen dataclass called as `partition(labels, n_clients, rng)`; it returns one array of sample
indices per client, disjoint and together covering every sample. `parse_partition("dirichlet:0.5")` turns the
CLI's spelling into one.

Example:
    >>> import numpy as np
    >>> labels = np.repeat([0, 1], 50)
    >>> parts = Dirichlet(alpha=0.5)(labels, 4, np.random.default_rng(0))
    >>> len(parts), sum(len(p) for p in parts)
    (4, 100)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MAX_DRAWS = 100  # Dirichlet draws tried before giving up on giving every client `min_samples`


def _check_clients(labels: np.ndarray, n_clients: int, min_samples: int) -> None:
    if isinstance(n_clients, bool) or not isinstance(n_clients, int | np.integer) or n_clients < 1:
        raise ValueError(f"n_clients must be a positive integer, got {n_clients!r}")
    if n_clients * min_samples > len(labels):
        raise ValueError(
            f"n_clients={n_clients} needs at least {n_clients * min_samples} training samples "
            f"({min_samples} per client), got {len(labels)}"
        )


@dataclass(frozen=True)
class IID:
    """Samples shuffled and dealt out evenly: client sizes differ by at most one."""

    min_samples: int = 1  # smallest partition allowed

    def __call__(self, labels: np.ndarray, n_clients: int, rng: np.random.Generator) -> list[np.ndarray]:
        _check_clients(labels, n_clients, self.min_samples)
        return [np.sort(part) for part in np.array_split(rng.permutation(len(labels)), n_clients)]


@dataclass(frozen=True)
class Dirichlet:
    """Label skew (Hsu et al. 2019): each class is shared among clients in proportions drawn from Dir(alpha).

    Small `alpha` (0.1) gives clients that hold mostly one class; large `alpha` (100) approaches IID. Draws are
    repeated until every client holds at least `min_samples` samples.
    """

    alpha: float
    min_samples: int = 2

    def __post_init__(self):
        if isinstance(self.alpha, bool) or not isinstance(self.alpha, int | float) or not self.alpha > 0:
            raise ValueError(f"alpha must be a positive number, got {self.alpha!r}")
        if not math.isfinite(self.alpha):
            raise ValueError(f"alpha must be finite, got {self.alpha!r}")

    def __call__(self, labels: np.ndarray, n_clients: int, rng: np.random.Generator) -> list[np.ndarray]:
        _check_clients(labels, n_clients, self.min_samples)
        for _ in range(MAX_DRAWS):
            parts = self._draw(np.asarray(labels), n_clients, rng)
            if min(len(p) for p in parts) >= self.min_samples:
                return parts
        raise ValueError(
            f"Dirichlet(alpha={self.alpha}) left a client with fewer than {self.min_samples} samples in "
            f"{MAX_DRAWS} draws; use fewer clients, more samples or a larger alpha"
        )

    def _draw(self, labels: np.ndarray, n_clients: int, rng: np.random.Generator) -> list[np.ndarray]:
        parts: list[list[np.ndarray]] = [[] for _ in range(n_clients)]
        for label in np.unique(labels):
            members = rng.permutation(np.flatnonzero(labels == label))
            shares = rng.dirichlet(np.full(n_clients, float(self.alpha)))
            cuts = (np.cumsum(shares)[:-1] * len(members)).astype(int)
            for client, chunk in enumerate(np.split(members, cuts)):
                parts[client].append(chunk)
        return [np.sort(np.concatenate(chunks)) for chunks in parts]


@dataclass(frozen=True)
class Shards:
    """Pathological label skew (McMahan et al. 2017): samples sorted by label, cut into
    `n_clients * shards_per_client` equal shards, and each client dealt `shards_per_client` of them."""

    shards_per_client: int = 2

    def __post_init__(self):
        k = self.shards_per_client
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"shards_per_client must be a positive integer, got {k!r}")

    def __call__(self, labels: np.ndarray, n_clients: int, rng: np.random.Generator) -> list[np.ndarray]:
        _check_clients(labels, n_clients, self.shards_per_client)
        # Shuffle first so that ties within a class are broken at random, then sort stably by label.
        shuffled = rng.permutation(len(labels))
        by_label = shuffled[np.argsort(np.asarray(labels)[shuffled], kind="stable")]
        shards = np.array_split(by_label, n_clients * self.shards_per_client)
        order = rng.permutation(len(shards)).reshape(n_clients, self.shards_per_client)
        return [np.sort(np.concatenate([shards[i] for i in row])) for row in order]


Partition = IID | Dirichlet | Shards


def parse_partition(text: str) -> Partition:
    """A partition from its command-line spelling: `iid`, `dirichlet:ALPHA` or `shards:K` (shards per client).

    Example:
        >>> parse_partition("shards:2")
        Shards(shards_per_client=2)
    """
    name, _, value = text.strip().partition(":")
    try:
        if name == "iid" and not value:
            return IID()
        if name == "dirichlet" and value:
            return Dirichlet(alpha=float(value))
        if name == "shards" and value:
            return Shards(shards_per_client=int(value))
    except ValueError as error:
        raise ValueError(f"partition {text!r}: {error}") from None
    raise ValueError(f"partition must be 'iid', 'dirichlet:ALPHA' or 'shards:K', got {text!r}")
