"""`qnn federated`: train a hybrid model across simulated clients with a Flower strategy, against centralised."""

from __future__ import annotations

import argparse

from qnn.commands import positive_float, positive_int


def add_command(commands) -> None:
    federated = commands.add_parser(
        "federated",
        help="train a hybrid model across simulated clients (Flower) and compare with centralised training",
        description="Split a bench task's training set among clients, train with a Flower strategy for some rounds, "
        "train the same model on the pooled data, and write <out>/federated.json and <out>/federated.png.",
    )
    federated.add_argument("--task", default="mnist_pca", help="a bench task, e.g. mnist_pca (default)")
    federated.add_argument("--dimension", type=positive_int, default=4, help="input features (default 4)")
    federated.add_argument("--samples", type=positive_int, default=300, help="samples drawn, train+test (default 300)")
    federated.add_argument("--clients", type=positive_int, default=4, help="simulated clients (default 4)")
    federated.add_argument("--rounds", type=positive_int, default=10, help="federated rounds (default 10)")
    federated.add_argument(
        "--partition", default="iid", help="iid (default), dirichlet:ALPHA (label skew) or shards:K (K shards each)"
    )
    federated.add_argument(
        "--model", default="DressedQuantumCircuitClassifier", help="a qnn.models variational classifier (default "
        "DressedQuantumCircuitClassifier)"
    )  # fmt: skip
    federated.add_argument("--strategy", default="fedavg", help="fedavg (default), fedprox, or any Flower strategy")
    federated.add_argument("--proximal-mu", type=positive_float, default=0.1, help="FedProx's mu (default 0.1)")
    federated.add_argument("--local-steps", type=positive_int, default=10, help="local steps per round (default 10)")
    federated.add_argument("--batch-size", type=positive_int, default=32, help="local minibatch size (default 32)")
    federated.add_argument("--learning-rate", type=positive_float, default=0.01, help="local Adam step (default 0.01)")
    federated.add_argument("--seed", type=int, default=0, help="seed of data, partition and weights (default 0)")
    federated.add_argument("--out", default="federated-out", help="folder of the results (default federated-out)")
    federated.add_argument("--quiet", action="store_true", help="no progress bar")
    federated.set_defaults(run=run)


def _estimator(name: str, seed: int):
    import qnn.models
    from qnn.models import QuantumClassifier

    cls = getattr(qnn.models, name, None)
    names = sorted(n for n in qnn.models.__all__ if _is_variational(getattr(qnn.models, n), QuantumClassifier))
    if not _is_variational(cls, QuantumClassifier):
        raise ValueError(f"--model must be one of {', '.join(names)}; got {name!r}")
    return cls(random_state=seed)


def _is_variational(cls, base) -> bool:
    return isinstance(cls, type) and issubclass(cls, base) and cls is not base


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    try:
        from qnn.federated import FederatedConfig, make_strategy, parse_partition
    except ImportError as error:
        raise SystemExit(f"qnn federated: needs Flower ({error}); pip install 'qnn[federated]'") from None
    from qnn.federated.experiment import FederatedExperiment, run_experiment, write_report
    from qnn.training import TrainConfig

    setup = FederatedExperiment(
        args.task, args.dimension, args.clients, parse_partition(args.partition), args.samples, args.seed
    )
    strategy = make_strategy(args.strategy, args.clients, args.proximal_mu)
    local = TrainConfig(
        max_steps=args.local_steps, batch_size=args.batch_size, learning_rate=args.learning_rate,
        convergence_interval=0, measure_energy=False,
    )  # fmt: skip
    config = FederatedConfig(n_rounds=args.rounds, local=local, seed=args.seed, verbose=not args.quiet)
    report = run_experiment(setup, _estimator(args.model, args.seed), strategy, config)
    path = write_report(report, Path(args.out))
    print(
        f"federated test accuracy {report['federated_test_accuracy']:.3f}, centralised "
        f"{report['centralised_test_accuracy']:.3f}; {report['bytes_sent'] / 1e6:.2f} MB sent; {path}"
    )
    return 0
