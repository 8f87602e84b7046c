"""Federated training of a torch model with a Flower strategy over simulated clients, and its centralised baseline.

`run_federated` starts the strategy (`flwr.serverapp.strategy.FedAvg`, `FedProx`, ...) on an `InProcessGrid` of
one node per client, evaluates the global model on the test set before the first round and after each, and
reports the per-round history, the bytes carried and the energy. `train_centralised` trains the same
architecture from the same initial weights on the pooled data, for as many optimiser steps as one client takes
in the whole federated run (`n_rounds * local.max_steps`).

Example:
    >>> import torch
    >>> from torch import nn
    >>> from flwr.serverapp.strategy import FedAvg
    >>> x = torch.randn(80, 2); y = (x[:, 0] > 0).long()
    >>> clients = [(x[:40], y[:40]), (x[40:], y[40:])]
    >>> model_fn = lambda: nn.Linear(2, 2)
    >>> result = run_federated(model_fn, clients, (x, y), FedAvg(), FederatedConfig(n_rounds=2))
    >>> [r.round for r in result.history]
    [0, 1, 2]
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import torch
from flwr.app import ArrayRecord, ConfigRecord, MetricRecord
from flwr.serverapp.strategy import Strategy
from torch import nn
from tqdm.auto import tqdm

from qnn.energy import EnergyMeasurement, measure_energy
from qnn.federated.client import ClientData, client_app, client_seed, evaluate_model
from qnn.federated.grid import InProcessGrid, Traffic
from qnn.training import TrainConfig, train

# Flower reports every round at INFO level; a run here shows a progress bar instead.
FLOWER_LOG_LEVEL = logging.WARNING


@dataclass(frozen=True)
class FederatedConfig:
    n_rounds: int = 10  # federated rounds: broadcast, local training, aggregation
    # Each client's local training per round; `max_steps` is the number of local optimiser steps.
    local: TrainConfig = TrainConfig(max_steps=10, convergence_interval=0, measure_energy=False)
    seed: int = 0  # seeds every client's minibatches (with the round and the client's index)
    verbose: bool = False  # show a tqdm progress bar over rounds

    def __post_init__(self):
        if isinstance(self.n_rounds, bool) or not isinstance(self.n_rounds, int) or self.n_rounds < 1:
            raise ValueError(f"n_rounds must be a positive integer, got {self.n_rounds!r}")
        if not isinstance(self.local, TrainConfig):
            raise TypeError(f"local must be a qnn.training.TrainConfig, got {self.local!r}")


@dataclass(frozen=True)
class RoundMetrics:
    round: int  # 0: the initial global model
    test_accuracy: float  # global model on the test set
    test_loss: float
    train_loss: float | None = None  # clients' mean local training loss, weighted by their sizes
    client_accuracy: float | None = None  # global model on the clients' own data, weighted by their sizes


@dataclass(frozen=True)
class FederatedResult:
    model: nn.Module  # the final global model
    history: list[RoundMetrics]  # rounds 0..n_rounds
    traffic: Traffic  # bytes carried between server and clients
    energy: EnergyMeasurement = field(default_factory=EnergyMeasurement)

    @property
    def test_accuracy(self) -> float:
        return self.history[-1].test_accuracy


@contextlib.contextmanager
def quiet_flower_logs(level: int = FLOWER_LOG_LEVEL) -> Iterator[None]:
    """Raise the `flwr` logger's threshold to `level` inside the block, and restore it after."""
    logger = logging.getLogger("flwr")
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def _check_nodes(strategy: Strategy, n_clients: int) -> None:
    # Flower's node sampling waits forever for nodes that a simulation will never start.
    for name in ("min_available_nodes", "min_train_nodes", "min_evaluate_nodes"):
        needed = getattr(strategy, name, 0)
        if needed > n_clients:
            raise ValueError(f"strategy.{name}={needed} exceeds the {n_clients} clients; lower it or add clients")


def run_federated(
    model_fn: Callable[[], nn.Module],
    clients: Sequence[ClientData],
    test: ClientData,
    strategy: Strategy,
    config: FederatedConfig = FederatedConfig(),
) -> FederatedResult:
    """Train `model_fn()` across `clients` (inputs (n_i, d) float32, class indices (n_i,)) with `strategy`.

    Every call of `model_fn` must build the same architecture; the first call's weights start the run.
    `test` (inputs, class indices) is the held-out set the global model is scored on after every round.
    """
    if len(clients) < 1:
        raise ValueError("clients must hold at least one client's data, got none")
    _check_nodes(strategy, len(clients))
    model = model_fn()
    grid = InProcessGrid(client_app(model_fn, clients, config.local, config.seed), n_nodes=len(clients))
    history: list[RoundMetrics] = []
    bar = tqdm(total=config.n_rounds, desc="federated rounds", disable=not config.verbose, leave=False)

    def evaluate(server_round: int, arrays: ArrayRecord) -> MetricRecord:
        model.load_state_dict(arrays.to_torch_state_dict())
        loss, accuracy = evaluate_model(model, *test)
        history.append(RoundMetrics(server_round, accuracy, loss))
        if server_round > 0:
            bar.update()
            bar.set_postfix(accuracy=f"{accuracy:.3f}")
        return MetricRecord({"test_accuracy": accuracy, "test_loss": loss})

    with measure_energy(device=config.local.device) as energy, quiet_flower_logs(), grid.serving(), bar:
        result = strategy.start(
            grid=grid,
            initial_arrays=ArrayRecord(model.state_dict()),
            num_rounds=config.n_rounds,
            train_config=ConfigRecord({"local-steps": config.local.max_steps}),
            evaluate_fn=evaluate,
        )
    model.load_state_dict(result.arrays.to_torch_state_dict())
    return FederatedResult(model, _with_client_metrics(history, result), grid.traffic, energy)


def _with_client_metrics(history: list[RoundMetrics], result) -> list[RoundMetrics]:
    def client_metric(records, server_round: int, key: str) -> float | None:
        record = records.get(server_round)
        return None if record is None or key not in record else float(record[key])

    return [
        replace(
            metrics,
            train_loss=client_metric(result.train_metrics_clientapp, metrics.round, "train_loss"),
            client_accuracy=client_metric(result.evaluate_metrics_clientapp, metrics.round, "eval_accuracy"),
        )
        for metrics in history
    ]


def train_centralised(
    model_fn: Callable[[], nn.Module], clients: Sequence[ClientData], config: FederatedConfig = FederatedConfig()
) -> tuple[nn.Module, EnergyMeasurement]:
    """The baseline: `model_fn()` trained on all clients' data pooled, for `n_rounds * local.max_steps` steps."""
    inputs = torch.cat([x for x, _ in clients])
    targets = torch.cat([y for _, y in clients])
    model = model_fn()
    steps = config.n_rounds * config.local.max_steps
    local = replace(config.local, max_steps=steps, measure_energy=False)
    # Round 0 is never a federated round, so this stream differs from every client's.
    generator = torch.Generator().manual_seed(client_seed(config.seed, 0, len(clients)))
    with measure_energy(device=local.device) as energy:
        train(model, inputs, targets, local, generator=generator)
    return model, energy
