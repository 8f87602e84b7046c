"""The job journal: every hardware job in an embedded SQLite database, so that no result is paid for twice.

A job is recorded when it is submitted (id, the backend asked for and the device it went to, circuit
hash, parameter array, shots, the options that ran) and updated when it finishes (status, result, QPU
seconds, refreshed once IBM has computed them). Each write is one transaction, and the database runs in
write-ahead-log mode, so two processes can use one journal at the same time. A named QPU budget is the
sum of its jobs' seconds in the journal, so it holds across processes: `reserve` checks and records a
job's estimate in one transaction before it is submitted. Jobs run by a local simulator whose process
ended before they finished are marked LOST. Credentials never enter it: options hold execution settings only.

The default location is `jobs.sqlite` in the user's data directory (platformdirs), or the path in
the environment variable `QNN_JOB_JOURNAL`.

Example:
    >>> import tempfile, numpy as np
    >>> journal = JobJournal(tempfile.mkdtemp() + "/jobs.sqlite")
    >>> journal.record_submitted("job-1", "key", "fake_manila", "abc", np.zeros((2, 3)), 100, {})
    >>> journal.get("job-1").status
    'SUBMITTED'
"""

from __future__ import annotations

import io
import json
import os
import socket
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ENV_VAR = "QNN_JOB_JOURNAL"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    job_id TEXT PRIMARY KEY,
    key TEXT NOT NULL,
    backend TEXT NOT NULL,
    circuit_hash TEXT NOT NULL,
    parameters BLOB NOT NULL,
    shots INTEGER,
    options TEXT NOT NULL,
    status TEXT NOT NULL,
    result BLOB,
    qpu_seconds REAL,
    error TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_key ON jobs (key);
"""

# Columns added after the first release, with their types; `JobJournal` adds any that an older file lacks.
_LATER_COLUMNS = {
    "requested": "TEXT",  # the backend the user asked for ("ibm:least_busy"); `backend` is where the job went
    "budget": "TEXT",  # the named QPU budget the job counts against
    "estimated_seconds": "REAL",  # the cost guard's estimate, counted until IBM reports qpu_seconds
    "owner": "TEXT",  # "host:pid" of the process running a local job, which dies with that process
}
STATUS_SUBMITTING = "SUBMITTING"  # budget reserved, not yet accepted by the service
STATUS_LOST = "LOST"  # a local job whose process ended before it finished


@dataclass(frozen=True)
class JobRecord:
    job_id: str
    key: str  # digest of everything that determines the result: backend, circuit, parameters, shots, options
    backend: str
    circuit_hash: str
    parameters: np.ndarray  # (n_circuits, n_parameters) angles bound at submission
    shots: int | None
    options: dict
    status: str  # SUBMITTED, DONE, ERROR, or the service's own status while running
    result: np.ndarray | None  # (n_circuits, n_outputs) expectation values once fetched
    qpu_seconds: float | None
    error: str | None
    created: float
    updated: float
    requested: str | None = None  # the backend asked for; `backend` is the device it resolved to
    budget: str | None = None
    estimated_seconds: float | None = None
    owner: str | None = None


def default_path() -> Path:
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    from platformdirs import user_data_dir

    return Path(user_data_dir("qnn")) / "jobs.sqlite"


class JobJournal:
    """The journal at `path` (default: `default_path()`), created on first use."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            present = {row["name"] for row in db.execute("PRAGMA table_info(jobs)")}
            for column, kind in _LATER_COLUMNS.items():
                if column not in present:
                    _add_column(db, column, kind)
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        # A generous timeout: another process may hold the write lock for a moment.
        db = sqlite3.connect(self.path, timeout=30.0)
        db.row_factory = sqlite3.Row
        return db

    def _write(self, sql: str, values: tuple) -> None:
        db = self._connect()
        try:
            with db:  # one transaction: committed on success, rolled back on error
                db.execute(sql, values)
        finally:
            db.close()

    def _read(self, sql: str, values: tuple = ()) -> list[JobRecord]:
        db = self._connect()
        try:
            return [_record(row) for row in db.execute(sql, values).fetchall()]
        finally:
            db.close()

    def record_submitted(
        self,
        job_id,
        key,
        backend,
        circuit_hash,
        parameters,
        shots,
        options,
        *,
        requested: str | None = None,
        budget: str | None = None,
        estimated_seconds: float | None = None,
        local: bool = False,
        reservation: str | None = None,
    ) -> None:
        """Record a submitted job (replacing its `reservation`, if the budget was reserved for it)."""
        now = time.time()
        owner = process_owner() if local else None
        row = (job_id, key, backend, circuit_hash, _to_blob(parameters), shots, json.dumps(options))
        extra = (requested or backend, budget, estimated_seconds, owner)
        db = self._connect()
        try:
            with db:
                if reservation is not None:
                    db.execute("DELETE FROM jobs WHERE job_id = ?", (reservation,))
                db.execute(
                    "INSERT OR REPLACE INTO jobs (job_id, key, backend, circuit_hash, parameters, shots, options,"
                    " requested, budget, estimated_seconds, owner, status, created, updated)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'SUBMITTED', ?, ?)",
                    (*row, *extra, now, now),
                )
        finally:
            db.close()

    def reserve(self, budget: str, key: str, requested: str, estimated_seconds: float, max_seconds: float) -> str:
        """Check `budget` against `max_seconds` and record the estimate, in one transaction; the reservation's id.

        The check counts every job under `budget` by IBM's QPU seconds where known, else by its estimate,
        so processes sharing the journal share the budget. Raises `CostLimitError` when it would be exceeded.
        """
        from qnn.hardware.cost import CostLimitError

        reservation = f"reserved-{uuid.uuid4().hex}"
        db = self._connect()
        try:
            db.isolation_level = None
            db.execute("BEGIN IMMEDIATE")  # no other process can reserve between the check and the insert
            try:
                spent = _spent(db, budget)
                if spent + estimated_seconds > max_seconds:
                    raise CostLimitError(
                        f"refusing to submit: ≈ {estimated_seconds:.1f} QPU seconds, with {spent:.1f} s already used "
                        f"by budget {budget!r} in the journal at {self.path}, exceeds max_qpu_seconds={max_seconds:g}"
                    )
                now = time.time()
                db.execute(
                    "INSERT INTO jobs (job_id, key, backend, circuit_hash, parameters, options, requested, budget,"
                    " estimated_seconds, owner, status, created, updated)"
                    " VALUES (?, ?, ?, '', ?, '{}', ?, ?, ?, ?, ?, ?, ?)",
                    (reservation, key, requested, _to_blob(np.zeros((0, 0))), requested, budget, estimated_seconds,
                     process_owner(), STATUS_SUBMITTING, now, now),
                )  # fmt: skip
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        finally:
            db.close()
        return reservation

    def release(self, reservation: str) -> None:
        """Drop a reservation whose job was never submitted."""
        self._write("DELETE FROM jobs WHERE job_id = ? AND status = ?", (reservation, STATUS_SUBMITTING))

    def spent(self, budget: str) -> float:
        """QPU seconds used under `budget`: IBM's figure for each job where known, else the estimate."""
        db = self._connect()
        try:
            return _spent(db, budget)
        finally:
            db.close()

    def record_result(self, job_id: str, result: np.ndarray, qpu_seconds: float | None = None) -> None:
        self._write(
            "UPDATE jobs SET status = 'DONE', result = ?, qpu_seconds = ?, updated = ? WHERE job_id = ?",
            (_to_blob(result), qpu_seconds, time.time(), job_id),
        )

    def record_usage(self, job_id: str, qpu_seconds: float) -> None:
        """IBM's QPU seconds for a job, once computed (it reports 0 until then)."""
        self._write("UPDATE jobs SET qpu_seconds = ?, updated = ? WHERE job_id = ?", (qpu_seconds, time.time(), job_id))

    def record_status(self, job_id: str, status: str, error: str | None = None) -> None:
        self._write(
            "UPDATE jobs SET status = ?, error = ?, updated = ? WHERE job_id = ?", (status, error, time.time(), job_id)
        )

    def get(self, job_id: str) -> JobRecord:
        rows = self._read("SELECT * FROM jobs WHERE job_id = ?", (job_id,))
        if not rows:
            raise KeyError(f"no job {job_id!r} in the journal at {self.path}")
        return rows[0]

    def find(self, key: str) -> JobRecord | None:
        """The newest job for `key` that finished or may still finish (failed and lost ones are skipped)."""
        self.mark_lost()
        rows = self._read(
            "SELECT * FROM jobs WHERE key = ? AND status NOT IN ('ERROR', 'CANCELLED', ?, ?)"
            " ORDER BY created DESC LIMIT 1",
            (key, STATUS_LOST, STATUS_SUBMITTING),
        )
        return rows[0] if rows else None

    def list(self, limit: int | None = None) -> list[JobRecord]:
        """Jobs, newest first."""
        self.mark_lost()
        return self._read("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (-1 if limit is None else limit,))

    def mark_lost(self) -> int:
        """Mark LOST the unfinished jobs of processes on this machine that have ended; how many were marked."""
        host = socket.gethostname()
        db = self._connect()
        try:
            rows = db.execute(
                "SELECT job_id, owner FROM jobs WHERE owner LIKE ? AND status IN ('SUBMITTED', ?)",
                (f"{host}:%", STATUS_SUBMITTING),
            ).fetchall()
            ended = [row["job_id"] for row in rows if not _alive(int(row["owner"].rpartition(":")[2]))]
            with db:
                for job_id in ended:
                    db.execute(
                        "UPDATE jobs SET status = ?, error = ?, updated = ? WHERE job_id = ?",
                        (STATUS_LOST, "the process running it ended before it finished", time.time(), job_id),
                    )
            return len(ended)
        finally:
            db.close()


def _add_column(db: sqlite3.Connection, column: str, kind: str) -> None:
    """Add a column an older journal lacks; another process opening the journal may have just added it."""
    try:
        with db:
            db.execute(f"ALTER TABLE jobs ADD COLUMN {column} {kind}")
    except sqlite3.OperationalError as error:
        if "duplicate column" not in str(error):
            raise


def process_owner() -> str:
    """This process as a job's owner: "host:pid"."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    import psutil

    return psutil.pid_exists(pid)


def _spent(db: sqlite3.Connection, budget: str) -> float:
    row = db.execute(
        "SELECT COALESCE(SUM(COALESCE(qpu_seconds, estimated_seconds, 0)), 0) FROM jobs WHERE budget = ?", (budget,)
    ).fetchone()
    return float(row[0])


def _to_blob(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _from_blob(blob: bytes | None) -> np.ndarray | None:
    return None if blob is None else np.load(io.BytesIO(blob), allow_pickle=False)


def _record(row: sqlite3.Row) -> JobRecord:
    return JobRecord(
        job_id=row["job_id"],
        key=row["key"],
        backend=row["backend"],
        circuit_hash=row["circuit_hash"],
        parameters=_from_blob(row["parameters"]),
        shots=row["shots"],
        options=json.loads(row["options"]),
        status=row["status"],
        result=_from_blob(row["result"]),
        qpu_seconds=row["qpu_seconds"],
        error=row["error"],
        created=row["created"],
        updated=row["updated"],
        requested=row["requested"],
        budget=row["budget"],
        estimated_seconds=row["estimated_seconds"],
        owner=row["owner"],
    )
