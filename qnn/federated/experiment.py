"""One federated experiment on a bench task: partition, federated run, centralised baseline, JSON and plot.

Example:
    >>> from qnn.models import DressedQuantumCircuitClassifier
    >>> setup = FederatedExperiment(task="linearly_separable", dimension=2, n_clients=2, n_samples=60)
    >>> report = run_experiment(setup, DressedQuantumCircuitClassifier(n_layers=1), make_strategy("fedavg", 2),
    ...                         FederatedConfig(n_rounds=1, local=TrainConfig(max_steps=2, measure_energy=False)))
    >>> sorted(report)[:3]
    ['bytes_sent', 'bytes_to_clients', 'bytes_to_server']
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from flwr.serverapp.strategy import Strategy
from torch import nn

from qnn.bench.datasets import load_split
from qnn.federated.client import evaluate_model
from qnn.federated.partitions import IID, Partition
from qnn.federated.simulation import FederatedConfig, run_federated, train_centralised
from qnn.federated.strategies import make_strategy  # noqa: F401 (used by the example)
from qnn.models.base import QuantumClassifier, seed_from
from qnn.training import TrainConfig  # noqa: F401 (used by the example)


@dataclasses.dataclass(frozen=True)
class FederatedExperiment:
    task: str = "mnist_pca"  # a bench task (`qnn.bench.datasets.TASKS`)
    dimension: int = 4  # input features
    n_clients: int = 4
    partition: Partition = IID()  # how the training set is shared among clients
    n_samples: int | None = 300  # samples drawn from the task (train + test); None: all of mnist_pca/digits
    seed: int = 0  # seeds the data, the partition and the initial weights


def estimator_module(estimator: QuantumClassifier, X: np.ndarray, n_classes: int, seed: int) -> Callable[[], nn.Module]:
    """A builder of the torch module `estimator.fit` would train (for X (n, d)), with the same initial weights
    on every call, seeded as `fit` seeds it. The feature scaling it starts with is fitted on `X`."""
    if not isinstance(estimator, QuantumClassifier):
        raise ValueError(
            f"model must be a qnn.models variational classifier (a QuantumClassifier), got {type(estimator).__name__}"
        )

    def build() -> nn.Module:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return estimator._build_model(X, n_classes, torch.Generator().manual_seed(seed))

    return build


def _client_data(X: np.ndarray, y: np.ndarray, parts: list[np.ndarray]) -> list[tuple[torch.Tensor, torch.Tensor]]:
    inputs, targets = torch.tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    return [(inputs[p], targets[p]) for p in parts]


def run_experiment(
    setup: FederatedExperiment, estimator: QuantumClassifier, strategy: Strategy, config: FederatedConfig
) -> dict:
    """Train `estimator`'s module federated with `strategy` and centralised; a JSON-ready report."""
    split = load_split(setup.task, setup.dimension, n_samples=setup.n_samples, seed=setup.seed)
    classes, y_train = np.unique(split.y_train, return_inverse=True)
    y_test = np.searchsorted(classes, split.y_test)
    parts = setup.partition(y_train, setup.n_clients, np.random.default_rng(setup.seed))
    clients = _client_data(split.X_train, y_train, parts)
    test = _client_data(split.X_test, y_test, [np.arange(len(y_test))])[0]
    model_fn = estimator_module(estimator, split.X_train, len(classes), seed_from(setup.seed))
    federated = run_federated(model_fn, clients, test, strategy, config)
    centralised, centralised_energy = train_centralised(model_fn, clients, config)
    return {
        "federated_test_accuracy": federated.test_accuracy,
        "centralised_test_accuracy": evaluate_model(centralised, *test)[1],
        "rounds": config.n_rounds,
        "history": [dataclasses.asdict(r) for r in federated.history],
        "bytes_sent": federated.traffic.total,
        "bytes_to_clients": federated.traffic.to_clients,
        "bytes_to_server": federated.traffic.to_server,
        "energy": {
            "federated": dataclasses.asdict(federated.energy),
            "centralised": dataclasses.asdict(centralised_energy),
        },
        "setup": _describe(setup, estimator, strategy, config),
        "clients": [
            {"n_samples": len(p), "class_counts": np.bincount(y_train[p], minlength=len(classes)).tolist()}
            for p in parts
        ],
    }


def _describe(setup: FederatedExperiment, estimator, strategy: Strategy, config: FederatedConfig) -> dict:
    return {
        "task": setup.task,
        "dimension": setup.dimension,
        "n_clients": setup.n_clients,
        "partition": repr(setup.partition),
        "n_samples": setup.n_samples,
        "seed": setup.seed,
        "model": type(estimator).__name__,
        "strategy": type(strategy).__name__,
        "proximal_mu": getattr(strategy, "proximal_mu", None),
        "local_steps": config.local.max_steps,
        "batch_size": config.local.batch_size,
        "learning_rate": config.local.learning_rate,
        "centralised_steps": config.n_rounds * config.local.max_steps,
    }


def write_report(report: dict, out: Path) -> Path:
    """Write `report` to `out/federated.json` and its plot to `out/federated.png`; returns the JSON's path."""
    from qnn.federated.plots import plot_rounds

    out.mkdir(parents=True, exist_ok=True)
    path = out / "federated.json"
    path.write_text(json.dumps(report, indent=2))
    plot_rounds(report, out / "federated.png")
    return path
