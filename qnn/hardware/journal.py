"""The job journal: every hardware job in an embedded SQLite database, so that no result is paid for twice.

A job is recorded when it is submitted (id, backend, circuit hash, parameter array, shots, options)
and updated when it finishes (status, result, QPU seconds). Each write is one transaction, and the
database runs in write-ahead-log mode, so two processes can use one journal at the same time.
Credentials never enter it: options hold execution settings only.

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
import sqlite3
import time
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
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

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

    def record_submitted(self, job_id, key, backend, circuit_hash, parameters, shots, options) -> None:
        now = time.time()
        self._write(
            "INSERT OR REPLACE INTO jobs (job_id, key, backend, circuit_hash, parameters, shots, options, status,"
            " created, updated) VALUES (?, ?, ?, ?, ?, ?, ?, 'SUBMITTED', ?, ?)",
            (job_id, key, backend, circuit_hash, _to_blob(parameters), shots, json.dumps(options), now, now),
        )

    def record_result(self, job_id: str, result: np.ndarray, qpu_seconds: float | None = None) -> None:
        self._write(
            "UPDATE jobs SET status = 'DONE', result = ?, qpu_seconds = ?, updated = ? WHERE job_id = ?",
            (_to_blob(result), qpu_seconds, time.time(), job_id),
        )

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
        """The newest job for `key` that finished or may still finish (failed ones are skipped)."""
        rows = self._read(
            "SELECT * FROM jobs WHERE key = ? AND status NOT IN ('ERROR', 'CANCELLED') ORDER BY created DESC LIMIT 1",
            (key,),
        )
        return rows[0] if rows else None

    def list(self, limit: int | None = None) -> list[JobRecord]:
        """Jobs, newest first."""
        return self._read("SELECT * FROM jobs ORDER BY created DESC LIMIT ?", (-1 if limit is None else limit,))


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
    )
