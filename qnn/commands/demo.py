"""`qnn demo`: train a small hybrid model and a classical baseline on a toy task."""

from __future__ import annotations

import argparse

from qnn.commands import positive_int


def add_command(commands) -> None:
    demo = commands.add_parser("demo", help="train a hybrid model and a classical baseline on a toy task")
    demo.add_argument("--features", type=positive_int, default=8, help="input dimension (default 8)")
    demo.add_argument("--qubits", type=positive_int, default=4, help="qubits of the quantum layer (default 4)")
    demo.add_argument("--epochs", type=positive_int, default=60, help="full-batch training epochs (default 60)")
    demo.add_argument("--seed", type=int, default=0, help="seed of data and initialisation (default 0)")
    demo.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from qnn.demo import DemoConfig, run_demo

    run_demo(DemoConfig(n_features=args.features, n_qubits=args.qubits, epochs=args.epochs, seed=args.seed))
    return 0
