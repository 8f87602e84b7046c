import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from qnn.bench.config import TaskSpec
from qnn.bench.datasets import load_split
from qnn.bench.jobs import Job, is_failure, job_data, run_job
from qnn.bench.store import COLUMNS, FAILURE_COLUMNS

TASK = TaskSpec("linearly_separable", (4,), n_samples=80)
LR = "sklearn.linear_model:LogisticRegression"


def _job(**changes):
    fields = {
        "task": TASK, "dimension": 4, "model": "LogisticRegression", "family": "classical",
        "base_model": "LogisticRegression", "estimator": LR, "hyperparameters": {"C": 1.0}, "seed": 0, "fold": "final",
    }  # fmt: skip
    return Job(**{**fields, **changes})


def test_key_depends_on_every_input_and_on_the_entry():
    key = _job().key
    assert _job().key == key
    changed = [
        _job(model="MLP matched to A"), _job(family="ablation"), _job(base_model="A"),
        _job(hyperparameters={"C": 2.0}), _job(seed=1), _job(fold="0"), _job(dimension=5),
        _job(task=TaskSpec("linearly_separable", (4,), n_samples=81)), _job(estimator="sklearn.svm:SVC"),
        _job(test_size=0.3), _job(data_seed=1), _job(task=TaskSpec("linearly_separable", (4,), 80, {"margin": 0.1})),
        _job(standardise=True), _job(task=TaskSpec("linearly_separable", (4,), n_samples=80, variant="harder")),
    ]  # fmt: skip
    assert len({job.key for job in changed} | {key}) == len(changed) + 1


@pytest.mark.parametrize("standardise", [False, True])
def test_final_row_matches_an_independent_fit(standardise):
    row = run_job(_job(standardise=standardise))
    assert set(row) == set(COLUMNS)
    assert row["converged"] is None  # logistic regression has no stopping rule of ours
    split = load_split("linearly_separable", 4, n_samples=80, seed=0)
    # The paper fed the classical models raw features; the scaler only on request.
    steps = [StandardScaler()] if standardise else []
    reference = make_pipeline(*steps, LogisticRegression(C=1.0, random_state=0)).fit(split.X_train, split.y_train)
    assert row["test_accuracy"] == pytest.approx(reference.score(split.X_test, split.y_test))
    assert row["train_accuracy"] == pytest.approx(reference.score(split.X_train, split.y_train))
    assert row["n_params"] == 5 and row["n_qubits"] == 0 and row["fold"] == "final"
    assert row["n_train"] == 64 and row["n_test"] == 16
    assert row["joules"] >= 0 and row["energy_method"]


def test_folds_partition_the_training_split():
    jobs = [_job(fold=str(k), n_folds=4) for k in range(4)]
    parts = [job_data(job) for job in jobs]
    held_out = np.concatenate([p[2] for p in parts])
    train = load_split("linearly_separable", 4, n_samples=80, seed=0).X_train
    assert held_out.shape == train.shape
    assert sorted(map(tuple, held_out)) == sorted(map(tuple, train))
    for X_fit, _, X_eval, _ in parts:
        assert len(X_fit) + len(X_eval) == len(train)


def test_quantum_stand_in_reports_its_attributes():
    row = run_job(_job(estimator="tests.qnn.bench.stand_in:StandInQuantumClassifier", hyperparameters={}))
    assert row["n_qubits"] == 4 and row["n_circuit_executions"] == 64 and row["n_params"] == 4 + 3 + 1


STAND_IN = "tests.qnn.bench.stand_in:StandInQuantumClassifier"


@pytest.mark.parametrize(
    "hyperparameters, error, reason",
    [
        ({"fail_with": "memory"}, "SimulatorMemoryError", "needs"),
        ({"loss_after": float("nan")}, "FitDiverged", "became nan at step 3"),
        ({"fail_with": "value"}, "ValueError", "stand-in"),
    ],
)
def test_a_fit_that_raises_is_a_failure_row_with_its_reason(hyperparameters, error, reason):
    job = _job(estimator=STAND_IN, model="S", family="quantum", hyperparameters=hyperparameters)
    row = run_job(job)
    assert is_failure(row)
    assert set(row) == set(FAILURE_COLUMNS)
    assert row["error"] == error and reason in row["reason"]
    assert row["config_hash"] == job.key


def test_unknown_hyperparameters_are_the_callers_error_not_a_failure():
    with pytest.raises(ValueError, match="not arguments"):
        run_job(_job(hyperparameters={"n_qubits": 3}))


@pytest.mark.parametrize("converged, interval, expected", [(True, 20, 1), (False, 20, 0), (False, 0, None)])
def test_the_row_records_whether_the_stopping_rule_ended_training(converged, interval, expected):
    hyperparameters = {"converges": converged, "convergence_interval": interval}
    row = run_job(_job(estimator=STAND_IN, model="S", family="quantum", hyperparameters=hyperparameters))
    assert not is_failure(row) and row["converged"] == expected


def test_a_task_without_variant_keeps_the_key_it_had_before_variants():
    """Recomputed from the inputs the key hashed before task variants existed, so stored sweeps still resume."""
    import hashlib
    import json

    from qnn import __version__

    inputs = {
        "model": ["LogisticRegression", "classical", "LogisticRegression"],
        "task": ["linearly_separable", 80, {}], "dimension": 4, "estimator": LR, "hyperparameters": {"C": 1.0},
        "seed": 0, "fold": "final", "n_folds": None, "test_size": 0.2, "data_seed": 0, "standardise": False,
        "qnn_version": __version__,
    }  # fmt: skip
    assert _job().key == hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def test_the_row_names_the_tasks_variant():
    plain = run_job(_job())
    variant = run_job(_job(task=TaskSpec("linearly_separable", (4,), n_samples=80, variant="harder")))
    assert plain["variant"] is None and variant["variant"] == "harder"
    assert plain["config_hash"] != variant["config_hash"]
    assert plain["test_accuracy"] == variant["test_accuracy"]  # the same data: only the identity differs


def test_a_count_of_test_samples():
    job = _job(task=TaskSpec("bars_and_stripes", (16,), n_samples=120), dimension=16, test_size=20)
    X_fit, _, X_eval, _ = job_data(job)
    assert (len(X_fit), len(X_eval)) == (100, 20)
