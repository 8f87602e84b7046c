"""The `qnn` command (also `python -m qnn`)."""

from __future__ import annotations

import argparse
import sys


def _demo(args: argparse.Namespace) -> int:
    from qnn.demo import DemoConfig, run_demo

    run_demo(DemoConfig(n_features=args.features, n_qubits=args.qubits, epochs=args.epochs, seed=args.seed))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qnn", description="Quantum neural networks as PyTorch layers.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = commands.add_parser("demo", help="train a hybrid model and a classical baseline on a toy task")
    demo.add_argument("--features", type=int, default=8, help="input dimension (default 8)")
    demo.add_argument("--qubits", type=int, default=4, help="qubits of the quantum layer (default 4)")
    demo.add_argument("--epochs", type=int, default=60, help="full-batch training epochs (default 60)")
    demo.add_argument("--seed", type=int, default=0, help="seed of data and initialisation (default 0)")
    demo.set_defaults(run=_demo)
    return parser


def _version() -> str:
    from qnn import __version__

    return f"qnn {__version__}"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
