import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from qnn.bench.config import TaskSpec
from qnn.bench.datasets import load_split
from qnn.bench.jobs import Job, job_data, run_job
from qnn.bench.store import COLUMNS

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
    ]  # fmt: skip
    assert len({job.key for job in changed} | {key}) == len(changed) + 1


def test_final_row_matches_an_independent_fit():
    row = run_job(_job())
    assert set(row) == set(COLUMNS)
    split = load_split("linearly_separable", 4, n_samples=80, seed=0)
    reference = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, random_state=0)).fit(
        split.X_train, split.y_train
    )
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
