"""Flower strategies by name, for the CLI: `fedavg`, `fedprox`, and every other one `flwr.serverapp.strategy` has.

Example:
    >>> make_strategy("fedprox", n_clients=4, proximal_mu=0.1).proximal_mu
    0.1
"""

from __future__ import annotations

import inspect

from flwr.serverapp import strategy as flower_strategies

# Strategies that need more than the node counts to be built (XGBoost trees, differential privacy wrappers).
NOT_BY_NAME = {"Strategy", "Result", "FedXgbBagging", "FedXgbCyclic"}
STRATEGIES = {
    name.lower(): getattr(flower_strategies, name)
    for name in flower_strategies.__all__
    if name not in NOT_BY_NAME and not name.startswith("DifferentialPrivacy")
}


def make_strategy(name: str, n_clients: int, proximal_mu: float = 0.1) -> flower_strategies.Strategy:
    """The Flower strategy `name` (case-insensitive) sampling all `n_clients` clients in every round.

    `proximal_mu` is FedProx's μ, used only by `fedprox`.
    """
    cls = STRATEGIES.get(name.lower())
    if cls is None:
        raise ValueError(f"strategy must be one of {', '.join(sorted(STRATEGIES))}; got {name!r}")
    accepted = inspect.signature(cls.__init__).parameters
    options = {
        "fraction_train": 1.0,
        "fraction_evaluate": 1.0,
        "min_train_nodes": n_clients,
        "min_evaluate_nodes": n_clients,
        "min_available_nodes": n_clients,
        "proximal_mu": proximal_mu,
    }
    try:
        return cls(**{key: value for key, value in options.items() if key in accepted})
    except TypeError as error:
        raise ValueError(f"strategy {name!r} needs settings the command line does not offer: {error}") from None
