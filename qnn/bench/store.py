"""Benchmark results in an embedded SQLite database: one row per finished fit, keyed by a hash of its inputs.

Each row is inserted in its own transaction, so an interrupted sweep leaves only whole rows; a re-run asks
`finished_keys()` and skips them. A row is never updated: a changed configuration hashes to a new key.

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
}
TABLE = "fits"


class ResultStore:
    """The results database at `path` (created with its table when missing)."""

    def __init__(self, path: str | Path):
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._connection = sqlite3.connect(str(path))
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
        with self._connection:
            self._connection.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({columns})")

    def finished_keys(self) -> set[str]:
        return {key for (key,) in self._connection.execute(f"SELECT config_hash FROM {TABLE}")}

    def add(self, row: dict[str, Any]) -> None:
        """Insert one finished fit, atomically; a key already present is left as it is."""
        missing = set(COLUMNS) - set(row)
        if missing:
            raise ValueError(f"row is missing the columns {sorted(missing)}")
        names = ", ".join(COLUMNS)
        marks = ", ".join("?" for _ in COLUMNS)
        with self._connection:
            self._connection.execute(
                f"INSERT OR IGNORE INTO {TABLE} ({names}) VALUES ({marks})", [row[name] for name in COLUMNS]
            )

    def rows(self, **equal) -> list[dict[str, Any]]:
        """Every row (as dicts), optionally only those whose columns equal the given values."""
        unknown = set(equal) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown columns {sorted(unknown)}; columns are {list(COLUMNS)}")
        where = " AND ".join(f"{name} = ?" for name in equal)
        query = f"SELECT * FROM {TABLE}" + (f" WHERE {where}" if where else "")
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
    """Every row of the database at `path` as a pandas DataFrame."""
    import pandas as pd

    if not Path(path).exists():
        raise FileNotFoundError(f"no results database at {path}")
    with contextlib.closing(sqlite3.connect(str(path))) as connection:
        return pd.read_sql_query(f"SELECT * FROM {TABLE}", connection)
