"""A short demonstration: a hybrid model and a classical baseline of similar size on one toy task."""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from torch import nn

import circuits
from qnn.layer import QuantumLayer


@dataclass(frozen=True)
class DemoConfig:
    n_features: int = 8  # input dimension of the toy task
    n_qubits: int = 4  # qubits of the hybrid model's quantum layer
    n_layers: int = 2  # strongly entangling layers
    n_samples: int = 400
    epochs: int = 60
    learning_rate: float = 0.05
    seed: int = 0


def hybrid_model(cfg: DemoConfig, generator: torch.Generator) -> nn.Module:
    circuit = circuits.angle_encoding(cfg.n_qubits) + circuits.strongly_entangling(cfg.n_qubits, cfg.n_layers)
    return nn.Sequential(
        nn.Linear(cfg.n_features, cfg.n_qubits),
        nn.Tanh(),
        QuantumLayer(circuit, generator=generator),
        nn.Linear(cfg.n_qubits, 2),
    )


def classical_model(cfg: DemoConfig, n_params: int) -> nn.Module:
    # One hidden layer sized so that the parameter count is close to the hybrid model's.
    hidden = max(1, round((n_params - 2) / (cfg.n_features + 3)))
    return nn.Sequential(nn.Linear(cfg.n_features, hidden), nn.Tanh(), nn.Linear(hidden, 2))


def train(model: nn.Module, x, y, cfg: DemoConfig) -> None:
    optimiser = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(cfg.epochs):
        optimiser.zero_grad()
        loss_fn(model(x), y).backward()
        optimiser.step()


def accuracy(model: nn.Module, x, y) -> float:
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def run_demo(cfg: DemoConfig = DemoConfig()) -> dict[str, dict[str, float]]:
    """Train both models; return {name: {"accuracy", "seconds", "parameters"}} and print a table."""
    x, y = make_classification(
        n_samples=cfg.n_samples, n_features=cfg.n_features, n_informative=cfg.n_features // 2, random_state=cfg.seed
    )
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, random_state=cfg.seed)
    scaler = StandardScaler().fit(x_train)
    as_x = lambda a: torch.tensor(scaler.transform(a), dtype=torch.float32)  # noqa: E731
    as_y = lambda a: torch.tensor(a, dtype=torch.long)  # noqa: E731

    torch.manual_seed(cfg.seed)  # the classical layers' initialisation
    generator = torch.Generator().manual_seed(cfg.seed)
    hybrid = hybrid_model(cfg, generator)
    n_params = sum(p.numel() for p in hybrid.parameters())
    models = {"hybrid (quantum layer)": hybrid, "classical MLP": classical_model(cfg, n_params)}
    results = {}
    for name, model in models.items():
        start = time.perf_counter()
        train(model, as_x(x_train), as_y(y_train), cfg)
        results[name] = {
            "accuracy": accuracy(model, as_x(x_test), as_y(y_test)),
            "seconds": time.perf_counter() - start,
            "parameters": sum(p.numel() for p in model.parameters()),
        }
    print(f"toy task: {cfg.n_features} features, {cfg.n_samples} samples; test accuracy after {cfg.epochs} epochs")
    for name, r in results.items():
        print(f"  {name:<24} accuracy {r['accuracy']:.3f}  parameters {r['parameters']:>4}  time {r['seconds']:.1f} s")
    return results
