"""`qnn report`: write <out>/report.md and its plots from a benchmark's results database."""

from __future__ import annotations

import argparse

from qnn.validation import InvalidArgument


def add_command(commands) -> None:
    report = commands.add_parser(
        "report",
        help="write the report of a benchmark folder",
        description="Read <out>/results.sqlite and write <out>/report.md with its PNG plots.",
    )
    report.add_argument("out", nargs="?", default="bench-out", help="the folder qnn bench wrote (default bench-out)")
    report.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qnn.bench.report import DATABASE, summary_table, write_report

    try:
        print(summary_table(Path(args.out) / DATABASE))
        print(f"report: {write_report(args.out)}")
    except (FileNotFoundError, ValueError) as error:  # no database, or no final fit in it yet
        raise InvalidArgument(str(error)) from error  # one line and exit code 2, from `qnn.cli.main`
    return 0
