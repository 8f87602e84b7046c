"""The `qnn` command (also `python -m qnn`).

Each sub-command lives in its own module with an `add_command(commands)` function that adds its
parser and sets `run`; peer libraries (PennyLane, Qiskit, scikit-learn, ...) are imported inside `run`.
"""

from __future__ import annotations

import argparse
import sys

from qnn.commands import bench, demo, federated, jobs, perf, report

# One line per sub-command, in the order `qnn --help` lists them.
COMMANDS = [
    demo.add_command,
    jobs.add_command,
    bench.add_command,
    report.add_command,
    perf.add_command,
    federated.add_command,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qnn", description="Quantum neural networks as PyTorch layers.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add_command in COMMANDS:
        add_command(commands)
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
    try:
        return args.run(args)
    except (ValueError, OSError) as error:
        # Bad input (a sweep file that is missing or malformed, an out-of-range setting) is the user's to
        # fix: one line naming it, as argparse does, instead of a traceback.
        print(f"qnn {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
