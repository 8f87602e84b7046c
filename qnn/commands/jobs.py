"""`qnn jobs`: list the hardware jobs in the journal, check their status, fetch their results."""

from __future__ import annotations

import argparse
import sys

from qnn.commands import positive_int
from qnn.validation import InvalidArgument


def add_command(commands) -> None:
    jobs = commands.add_parser("jobs", help="list, check and fetch hardware jobs recorded in the job journal")
    jobs.add_argument(
        "--journal", default=None, help="journal file (default: $QNN_JOB_JOURNAL, else jobs.sqlite in the data dir)"
    )
    jobs.add_argument("--channel", default=None, help="IBM Quantum channel (default: the saved account's)")
    jobs.add_argument(
        "--instance", default=None, help="IBM Quantum instance, e.g. its CRN (default: the saved account's)"
    )
    actions = jobs.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="jobs, newest first")
    listing.add_argument("--limit", type=positive_int, default=20, help="how many jobs to show (default 20)")
    status = actions.add_parser(
        "status", help="a job's status, refreshed from IBM Quantum while it runs (and its QPU seconds once known)"
    )
    status.add_argument("job_id")
    fetch = actions.add_parser("fetch", help="a job's result, waiting for IBM Quantum if needed, saved to the journal")
    fetch.add_argument("job_id")
    fetch.add_argument("--output", default=None, help="also write the result array to this .npy file")
    jobs.set_defaults(run=run)


def connect_service(channel: str | None = None, instance: str | None = None):
    """The IBM Quantum service from the saved account or the QISKIT_IBM_* environment variables."""
    from qiskit_ibm_runtime.accounts import AccountNotFoundError

    from qnn.hardware.executors import default_runtime_api

    try:
        return default_runtime_api(channel=channel, instance=instance).service()
    except AccountNotFoundError as error:  # the user's setup to fix, not a failure of qnn: one line, exit 2
        raise InvalidArgument(
            f"no IBM Quantum account to ask about this job ({error}); save one with "
            "QiskitRuntimeService.save_account(token=...) or set QISKIT_IBM_TOKEN"
        ) from None


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from qnn.hardware.journal import JobJournal, default_path

    path = Path(args.journal) if args.journal else default_path()
    if not path.exists():  # reading a mistyped path should not leave an empty journal behind
        print(f"qnn jobs: no job journal at {path} (no hardware job has been recorded there)", file=sys.stderr)
        return 1
    _check_journal(path)
    journal = JobJournal(path)
    if args.action == "list":
        _print_list(journal.list(args.limit))
        return 0
    try:
        record = journal.get(args.job_id)
    except KeyError as error:
        print(error.args[0])
        return 1
    needs_service = record.status != "DONE" or (args.action == "status" and record.qpu_seconds is None)
    service = None
    if record.backend.startswith("ibm:") and needs_service:
        service = connect_service(args.channel, args.instance)
    if args.action == "status":
        return _status(journal, args.job_id, service)
    return _fetch(journal, args.job_id, service, args.output)


def _check_journal(path) -> None:
    """Refuse a file that is not a job journal before `JobJournal` opens it (and would add its table to it)."""
    import sqlite3

    if path.is_dir():
        raise InvalidArgument(f"--journal {str(path)!r} is a folder, not a job journal file")
    with path.open("rb") as file:
        header = file.read(16)
    if not header:  # an empty file is an empty SQLite database: a new journal
        return
    if header != b"SQLite format 3\x00":
        raise InvalidArgument(f"--journal {str(path)!r} is not a job journal (not an SQLite database)")
    with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "jobs" not in tables:
        raise InvalidArgument(f"--journal {str(path)!r} is an SQLite database without a jobs table, not a job journal")


def _print_list(records) -> None:
    import time

    print(f"{'job id':<28} {'backend':<22} {'status':<10} {'circuits':>8} {'shots':>6} {'QPU s':>7}  submitted")
    for r in records:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.created))
        seconds = "" if r.qpu_seconds is None else f"{r.qpu_seconds:.1f}"
        shots = "" if r.shots is None else r.shots
        print(f"{r.job_id:<28} {r.backend:<22} {r.status:<10} {len(r.parameters):>8} {shots:>6} {seconds:>7}  {when}")


def _status(journal, job_id: str, service) -> int:
    from qnn.hardware.recovery import job_status

    record = job_status(journal, job_id, service)
    asked = f" (asked for {record.requested})" if record.requested and record.requested != record.backend else ""
    seconds = "" if record.qpu_seconds is None else f", {record.qpu_seconds:.1f} QPU seconds"
    print(f"{record.job_id}: {record.status} on {record.backend}{asked}, circuit {record.circuit_hash}{seconds}")
    if record.error:
        print(f"reason: {record.error}")
    return 0 if record.status != "ERROR" else 1


def _fetch(journal, job_id: str, service, output) -> int:
    import numpy as np

    from qnn.hardware.recovery import fetch_result

    try:
        record = fetch_result(journal, job_id, service)
    except ValueError as error:
        print(error)
        return 1
    result = record.result
    print(f"{record.job_id}: {record.status}, result of shape {result.shape} (outputs, circuits)")
    print(np.array2string(result, precision=6, threshold=60))
    if output:
        np.save(output, result)
        print(f"saved to {output}")
    return 0
