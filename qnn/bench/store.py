"""Benchmark results in an embedded SQLite database: one row per finished fit, keyed by a hash of its inputs.

Each row is inserted in its own transaction, so an interrupted sweep leaves only whole rows; a re-run asks
`finished_keys()` and skips them. A row is never updated: a changed configuration hashes to a new key.
A fit that raised (out of memory, a diverging loss, …) is a row of the `failures` table with its reason: a
failure is a result too, so a re-run skips it unless the failures are forgotten (`forget_failures`).

Example:
    >>> store = ResultStore(":memory:")
    >>> store.finished_keys()
    set()
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

# Column name -> SQLite type. "fold" is the cross-validation fold ("0", "1", ...) or "final" for a test-set fit;
# for fold rows "test_accuracy" is the accuracy on the held-out fold.
COLUMNS = {
    "config_hash": "TEXT PRIMARY KEY",
    "task": "TEXT NOT NULL",
    "task_params": "TEXT NOT NULL",  # JSON
    "dimension": "INTEGER NOT NULL",
    "n_train": "INTEGER NOT NULL",
    "n_test": "INTEGER NOT NULL",
    "model": "TEXT NOT NULL",  # the name shown in reports, e.g. "DataReuploadingClassifier (no entanglement)"
    "family": "TEXT NOT NULL",  # "quantum", "ablation" or "classical"
    "base_model": "TEXT NOT NULL",  # the quantum model an ablation or matched MLP belongs to; else the model
    "estimator": "TEXT NOT NULL",  # "module:Class"
    "hyperparameters": "TEXT NOT NULL",  # JSON
    "seed": "INTEGER NOT NULL",
    "fold": "TEXT NOT NULL",
    "n_folds": "INTEGER NOT NULL",
    "train_accuracy": "REAL NOT NULL",
    "test_accuracy": "REAL NOT NULL",
    "fit_seconds": "REAL NOT NULL",
    "predict_seconds": "REAL NOT NULL",
    "n_params": "INTEGER NOT NULL",
    "n_qubits": "INTEGER NOT NULL",
    "n_circuit_executions": "INTEGER NOT NULL",
    "joules": "REAL NOT NULL",
    "energy_method": "TEXT NOT NULL",
    "co2_grams": "REAL NOT NULL",
    "cpu_seconds": "REAL NOT NULL",
    "qnn_version": "TEXT NOT NULL",
    "finished_at": "TEXT NOT NULL",  # ISO 8601, UTC
    # 1 when the stopping rule ended training, 0 when max_steps did; NULL where the estimator has no such rule.
    "converged": "INTEGER",
    # The task's variant (`TaskSpec.variant`, e.g. "hidden_manifold_diff"); NULL for a task without one and in
    # databases written before variants existed.
    "variant": "TEXT",
}
TABLE = "fits"
BUSY_TIMEOUT_S = 60.0  # how long a write waits for another process's write before giving up
# A fit that raised: its identity (as in `fits`), the exception's type and message, and when it failed.
IDENTITY = (
    "config_hash", "task", "variant", "task_params", "dimension", "model", "family", "base_model", "estimator",
    "hyperparameters", "seed", "fold", "n_folds", "qnn_version",
)  # fmt: skip
FAILURE_COLUMNS = {
    **{name: COLUMNS[name] for name in IDENTITY},
    "error": "TEXT NOT NULL",  # the exception's class name, e.g. "SimulatorMemoryError"
    "reason": "TEXT NOT NULL",  # its message
    "fit_seconds": "REAL NOT NULL",  # time spent before it raised
    "finished_at": "TEXT NOT NULL",
}
FAILURES = "failures"


def _required(columns: dict[str, str]) -> set[str]:
    return {name for name, kind in columns.items() if "NOT NULL" in kind or "PRIMARY KEY" in kind}


class ResultStore:
    """The results database at `path` (created with its table when missing)."""

    def __init__(self, path: str | Path):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Several sweeps may share one database (see `qnn.bench.claims`): wait for another's write to finish.
        self._connection = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        with self._connection:
            for table, columns in ((TABLE, COLUMNS), (FAILURES, FAILURE_COLUMNS)):
                declared = ", ".join(f"{name} {kind}" for name, kind in columns.items())
                self._connection.execute(f"CREATE TABLE IF NOT EXISTS {table} ({declared})")
                self._add_missing_columns(table, columns)

    @property
    def connection(self) -> sqlite3.Connection:
        """The open SQLite connection (sweeps sharing the database claim fits through it: `qnn.bench.claims`)."""
        return self._connection

    def _add_missing_columns(self, table: str, columns: dict[str, str]) -> None:
        # A database written by an older qnn lacks the newer nullable columns; its rows keep NULL there.
        present = {row[1] for row in self._connection.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in present:
                self._connection.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    def finished_keys(self, failed: bool = True) -> set[str]:
        """Keys of the finished fits, and (with `failed`) of the fits that raised."""
        keys = {key for (key,) in self._connection.execute(f"SELECT config_hash FROM {TABLE}")}
        if failed:
            keys |= {key for (key,) in self._connection.execute(f"SELECT config_hash FROM {FAILURES}")}
        return keys

    def add(self, row: dict[str, Any]) -> None:
        """Insert one finished fit, atomically; a key already present is left as it is."""
        self._insert(TABLE, COLUMNS, row)

    def add_failure(self, row: dict[str, Any]) -> None:
        """Insert one fit that raised (`FAILURE_COLUMNS`), atomically; a key already present is left as it is."""
        self._insert(FAILURES, FAILURE_COLUMNS, row)

    def _insert(self, table: str, columns: dict[str, str], row: dict[str, Any]) -> None:
        missing = _required(columns) - set(row)
        if missing:
            raise ValueError(f"row is missing the columns {sorted(missing)}")
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        with self._connection:
            self._connection.execute(
                f"INSERT OR IGNORE INTO {table} ({names}) VALUES ({marks})", [row.get(name) for name in columns]
            )

    def forget_failures(self) -> int:
        """Delete every stored failure, so that the next sweep runs those fits again; returns how many."""
        with self._connection:
            return self._connection.execute(f"DELETE FROM {FAILURES}").rowcount

    def rows(self, **equal) -> list[dict[str, Any]]:
        """Every finished fit (as dicts), optionally only those whose columns equal the given values."""
        return self._select(TABLE, COLUMNS, equal)

    def failures(self, **equal) -> list[dict[str, Any]]:
        """Every fit that raised (as dicts), optionally only those whose columns equal the given values."""
        return self._select(FAILURES, FAILURE_COLUMNS, equal)

    def _select(self, table: str, columns: dict[str, str], equal: dict[str, Any]) -> list[dict[str, Any]]:
        unknown = set(equal) - set(columns)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}; columns are {list(columns)}")
        where = " AND ".join(f"{name} = ?" for name in equal)
        query = f"SELECT * FROM {table}" + (f" WHERE {where}" if where else "")
        cursor = self._connection.execute(query, list(equal.values()))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor]

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def read_results(path: str | Path):
    """Every row of the database at `path` as a pandas DataFrame, with a `label` column: the task's variant, else
    its name (a database written before variants has no `variant` column; it reads as NULL)."""
    import pandas as pd

    if not Path(path).exists():
        raise FileNotFoundError(f"no results database at {path}")
    with contextlib.closing(sqlite3.connect(str(path))) as connection:
        results = pd.read_sql_query(f"SELECT * FROM {TABLE}", connection)
    if "variant" not in results:
        results["variant"] = None
    results["label"] = results["variant"].where(
        results["variant"].notna() & (results["variant"] != ""), results["task"]
    )
    return results
