"""One fit of a benchmark: a `Job` (everything that determines its result) and `run_job`, which returns its row.

A job is plain data, so executors can ship it to another process or machine; its `key` hashes every input, so
the results database can tell a finished job from a new one. A fit that raises (the simulator out of memory, a
loss that became NaN) returns a failure row with the reason instead (`is_failure`), so the sweep goes on.

Example:
    >>> from qnn.bench.config import TaskSpec
    >>> job = Job(TaskSpec("linearly_separable", (4,), n_samples=60), 4, "LogisticRegression", "classical",
    ...           "LogisticRegression", "sklearn.linear_model:LogisticRegression", {}, seed=0, fold="final")
    >>> run_job(job)["test_accuracy"] > 0.5
    True
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from qnn.bench import registry
from qnn.bench.config import TaskSpec
from qnn.bench.datasets import Split, load_split

FINAL = "final"


@dataclass(frozen=True)
class Job:
    task: TaskSpec
    dimension: int
    model: str  # display name
    family: str  # "quantum", "ablation" or "classical"
    base_model: str
    estimator: str  # "module:Class"
    hyperparameters: dict[str, Any] = field(default_factory=dict)
    seed: int = 0  # the estimator's random_state
    fold: str = FINAL  # "0".."n_folds-1" for a cross-validation fit, "final" for train -> test
    n_folds: int = 5
    test_size: float | int = 0.2  # a fraction of the samples, or a count
    data_seed: int = 0
    standardise: bool = False  # standardise features before the estimator (the paper fed them raw)

    @property
    def key(self) -> str:
        """SHA-256 of every input that determines the result, and of the entry's name and family: two entries may
        make the same fit (e.g. MLPs matched to two quantum models of equal size), and each keeps its own row."""
        from qnn import __version__

        inputs = {
            "model": [self.model, self.family, self.base_model],
            # A variant joins the key only where there is one, so the keys of tasks without stay as they were.
            "task": [self.task.name, self.task.n_samples, _jsonable(self.task.params)]
            + ([self.task.variant] if self.task.variant else []),
            "dimension": self.dimension,
            "estimator": self.estimator,
            "hyperparameters": _jsonable(self.hyperparameters),
            "seed": self.seed,
            "fold": self.fold,
            "n_folds": self.n_folds if self.fold != FINAL else None,
            "test_size": self.test_size,
            "data_seed": self.data_seed,
            "standardise": self.standardise,
            "qnn_version": __version__,
        }
        return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, sort_keys=True, default=list))


@functools.lru_cache(maxsize=16)
def _split(task: str, n_samples: int | None, params: str, dimension: int, test_size: float, seed: int) -> Split:
    # Keyed by hashable values (params as JSON), so that the folds and seeds of one data set load it once.
    return load_split(task, dimension, n_samples, seed, test_size, json.loads(params))


def job_data(job: Job) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X_fit, y_fit, X_eval, y_eval): the training split and test split, or a fold's train and held-out parts."""
    params = json.dumps(_jsonable(job.task.params), sort_keys=True)
    split = _split(job.task.name, job.task.n_samples, params, job.dimension, job.test_size, job.data_seed)
    if job.fold == FINAL:
        return split.X_train, split.y_train, split.X_test, split.y_test
    folds = StratifiedKFold(n_splits=job.n_folds, shuffle=True, random_state=job.data_seed)
    fit, held_out = list(folds.split(split.X_train, split.y_train))[int(job.fold)]
    X, y = split.X_train, split.y_train
    return X[fit], y[fit], X[held_out], y[held_out]


class FitDiverged(ArithmeticError):
    """The training loss became NaN or infinite."""


def run_job(job: Job, power_watts: float | None = None, grid_gco2_per_kwh: float | None = None) -> dict[str, Any]:
    """Fit and score one job; returns its row for `ResultStore.add`, or for `ResultStore.add_failure` when the fit
    raised (`is_failure(row)`). Hyperparameters the estimator does not take raise here: they are the caller's error.

    The fit's energy is measured by `qnn.energy.measure_energy(power_watts=..., grid_gco2_per_kwh=...)`.
    """
    X_fit, y_fit, X_eval, y_eval = job_data(job)
    estimator = registry.build_estimator(job.estimator, job.hyperparameters, job.seed)
    # Standardising inside the pipeline fits the scaler on the fit part only, so nothing leaks from held-out data.
    pipeline = make_pipeline(StandardScaler(), estimator) if job.standardise else make_pipeline(estimator)
    began = time.perf_counter()
    try:
        measured = _fit(pipeline, X_fit, y_fit, power_watts, grid_gco2_per_kwh)
        start = time.perf_counter()
        eval_accuracy = float(np.mean(pipeline.predict(X_eval) == y_eval))
        predict_seconds = time.perf_counter() - start
        train_accuracy = float(np.mean(pipeline.predict(X_fit) == y_fit))
    except Exception as error:  # noqa: BLE001 - any exception of a fit is its result, stored with the reason
        return failure_row(job, error, time.perf_counter() - began)
    fit_seconds, energy = measured
    return {
        **_identity(job),
        "n_train": len(y_fit),
        "n_test": len(y_eval),
        "train_accuracy": train_accuracy,
        "test_accuracy": eval_accuracy,
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "n_params": registry.parameter_count(estimator),
        "n_qubits": int(getattr(estimator, "n_qubits_", 0)),
        "n_circuit_executions": int(getattr(estimator, "n_circuit_executions_", 0)),
        "joules": float(energy.joules),
        "energy_method": str(energy.method),
        "co2_grams": float(energy.co2_grams),
        "cpu_seconds": float(energy.cpu_seconds),
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "converged": converged(estimator),
    }


def _fit(pipeline, X, y, power_watts, grid_gco2_per_kwh):
    """(fit seconds, energy measurement); raises `FitDiverged` when the training loss left the finite numbers."""
    from qnn.energy import measure_energy

    with warnings.catch_warnings():
        # An MLP that has not converged in max_iter is a result to record, not an error.
        warnings.simplefilter("ignore", ConvergenceWarning)
        with measure_energy(power_watts=power_watts, grid_gco2_per_kwh=grid_gco2_per_kwh) as energy:
            start = time.perf_counter()
            pipeline.fit(X, y)
            seconds = time.perf_counter() - start
    losses = np.asarray(getattr(pipeline[-1], "loss_curve_", []), dtype=float)
    if not np.all(np.isfinite(losses)):
        step = int(np.argmin(np.isfinite(losses)))
        raise FitDiverged(f"the training loss became {losses[step]} at step {step}")
    return seconds, energy


def converged(estimator) -> int | None:
    """1 when the estimator's stopping rule ended training, 0 when it ran to max_steps; None where the estimator
    has no stopping rule (no `converged_`, or `convergence_interval` 0)."""
    if not hasattr(estimator, "converged_") or getattr(estimator, "convergence_interval", 1) in (0, None):
        return None
    return int(bool(estimator.converged_))


def failure_row(job: Job, error: BaseException, seconds: float) -> dict[str, Any]:
    """The row of a fit that raised `error` after `seconds`."""
    return {
        **_identity(job),
        "error": type(error).__name__,
        "reason": str(error) or repr(error),
        "fit_seconds": seconds,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def is_failure(row: dict[str, Any]) -> bool:
    return "error" in row


def _identity(job: Job) -> dict[str, Any]:
    from qnn import __version__

    record = asdict(job)
    return {
        "config_hash": job.key,
        "task": job.task.name,
        "variant": job.task.variant or None,
        "task_params": json.dumps(_jsonable(job.task.params), sort_keys=True),
        "dimension": job.dimension,
        "model": job.model,
        "family": job.family,
        "base_model": job.base_model,
        "estimator": job.estimator,
        "hyperparameters": json.dumps(_jsonable(record["hyperparameters"]), sort_keys=True),
        "seed": job.seed,
        "fold": job.fold,
        "n_folds": job.n_folds,
        "qnn_version": __version__,
    }
