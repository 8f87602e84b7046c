"""Federated training of hybrid models on Flower: data partitions, simulated clients, and a centralised baseline.

Example:
    >>> import numpy as np, torch
    >>> from torch import nn
    >>> from flwr.serverapp.strategy import FedAvg
    >>> x = torch.randn(80, 2); y = (x[:, 0] > 0).long()
    >>> parts = IID()(y.numpy(), 2, np.random.default_rng(0))
    >>> clients = [(x[p], y[p]) for p in parts]
    >>> result = run_federated(lambda: nn.Linear(2, 2), clients, (x, y), FedAvg(), FederatedConfig(n_rounds=2))
    >>> len(result.history)
    3
"""

from qnn.federated.client import client_app, proximal_loss
from qnn.federated.grid import InProcessGrid, Traffic
from qnn.federated.partitions import IID, Dirichlet, Partition, Shards, parse_partition
from qnn.federated.simulation import FederatedConfig, FederatedResult, RoundMetrics, run_federated, train_centralised
from qnn.federated.strategies import STRATEGIES, make_strategy

__all__ = [
    "IID",
    "STRATEGIES",
    "Dirichlet",
    "FederatedConfig",
    "FederatedResult",
    "InProcessGrid",
    "Partition",
    "RoundMetrics",
    "Shards",
    "Traffic",
    "client_app",
    "make_strategy",
    "parse_partition",
    "proximal_loss",
    "run_federated",
    "train_centralised",
]
