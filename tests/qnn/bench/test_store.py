import sqlite3

import pytest

from qnn.bench.store import COLUMNS, TABLE, ResultStore, read_results


def _row(key="a", **changes):
    row = {name: 0 for name in COLUMNS}
    row.update({name: "x" for name, kind in COLUMNS.items() if kind.startswith("TEXT")})
    row.update({"config_hash": key, "fold": "final", "test_accuracy": 0.5, **changes})
    return row


def test_schema_has_the_contract_columns(tmp_path):
    ResultStore(tmp_path / "r.sqlite").close()
    with sqlite3.connect(tmp_path / "r.sqlite") as connection:
        columns = {row[1]: row[2] for row in connection.execute(f"PRAGMA table_info({TABLE})")}
    required = {
        "task", "dimension", "model", "hyperparameters", "seed", "fold", "train_accuracy", "test_accuracy",
        "fit_seconds", "predict_seconds", "n_params", "n_qubits", "n_circuit_executions", "joules",
        "energy_method", "co2_grams", "config_hash",
    }  # fmt: skip
    assert required <= set(columns)
    assert columns["test_accuracy"] == "REAL" and columns["dimension"] == "INTEGER"


def test_rows_are_kept_never_overwritten(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.add(_row("a", test_accuracy=0.5))
        store.add(_row("a", test_accuracy=0.9))  # same key: ignored
        store.add(_row("b", test_accuracy=0.7))
        assert store.finished_keys() == {"a", "b"}
        assert store.rows(config_hash="a")[0]["test_accuracy"] == 0.5
    frame = read_results(tmp_path / "r.sqlite")  # a second connection sees the committed rows
    assert sorted(frame["config_hash"]) == ["a", "b"]


def test_bad_rows_and_queries(tmp_path):
    with ResultStore(":memory:") as store:
        row = _row()
        del row["joules"]
        with pytest.raises(ValueError, match="joules"):
            store.add(row)
        with pytest.raises(ValueError, match="unknown columns"):
            store.rows(accuracy=1)
    with pytest.raises(FileNotFoundError, match="no results database"):
        read_results(tmp_path / "missing.sqlite")


def test_failures_are_their_own_table_and_count_as_finished(tmp_path):
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.add(_row("a"))
        store.add_failure({**_row("b"), "error": "SimulatorMemoryError", "reason": "needs 64 GiB"})
        assert store.finished_keys() == {"a", "b"} and store.finished_keys(failed=False) == {"a"}
        assert store.failures()[0]["reason"] == "needs 64 GiB" and len(store.rows()) == 1
        with pytest.raises(ValueError, match="reason"):
            store.add_failure({**_row("c"), "error": "E"})
        assert store.forget_failures() == 1 and store.finished_keys() == {"a"}


def test_a_database_of_an_older_version_gains_the_new_columns(tmp_path):
    old = {name: kind for name, kind in COLUMNS.items() if name != "converged"}
    with sqlite3.connect(tmp_path / "r.sqlite") as connection:
        connection.execute(f"CREATE TABLE {TABLE} ({', '.join(f'{n} {k}' for n, k in old.items())})")
        connection.execute(f"INSERT INTO {TABLE} VALUES ({', '.join('?' for _ in old)})", [_row("old")[n] for n in old])
    with ResultStore(tmp_path / "r.sqlite") as store:
        store.add(_row("new", converged=1))
        converged = {row["config_hash"]: row["converged"] for row in store.rows()}
    assert converged == {"old": None, "new": 1}


def test_a_database_written_before_variants_reads_and_resumes(tmp_path):
    """The schema of qnn 0.x before task variants: no `variant` column in either table."""
    from qnn.bench.store import FAILURE_COLUMNS, FAILURES

    path = tmp_path / "r.sqlite"
    old = {name: kind for name, kind in COLUMNS.items() if name != "variant"}
    old_failures = {name: kind for name, kind in FAILURE_COLUMNS.items() if name != "variant"}
    with sqlite3.connect(path) as connection:
        for table, columns in ((TABLE, old), (FAILURES, old_failures)):
            connection.execute(f"CREATE TABLE {table} ({', '.join(f'{n} {k}' for n, k in columns.items())})")
        connection.execute(f"INSERT INTO {TABLE} VALUES ({', '.join('?' for _ in old)})", [_row("old")[n] for n in old])
    frame = read_results(path)  # read-only: the file is not changed by reading it
    assert list(frame["label"]) == ["x"] and frame["variant"].isna().all()
    with sqlite3.connect(path) as connection:
        assert "variant" not in {row[1] for row in connection.execute(f"PRAGMA table_info({TABLE})")}
    with ResultStore(path) as store:
        assert store.finished_keys() == {"old"}
        store.add(_row("new", task="hidden_manifold", variant="hidden_manifold_diff"))
        store.add_failure({**_row("failed", variant="v"), "error": "E", "reason": "r", "finished_at": "t"})
        assert store.failures()[0]["variant"] == "v"
    labels = dict(zip(*(read_results(path)[c] for c in ("config_hash", "label")), strict=True))
    assert labels == {"old": "x", "new": "hidden_manifold_diff"}
