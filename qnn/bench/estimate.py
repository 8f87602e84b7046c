"""How long a sweep will take, from costs measured on this machine before it starts (`qnn bench --estimate`).

Each fit's cost is measured once per kind of fit and scaled, not run in full:

- a torch-trained quantum model (a `QuantumClassifier`): the seconds of one training step, measured as the
  difference of two short fits on the fit's own data (so set-up cost cancels). Training stops somewhere between
  the earliest step the stopping rule allows (2 × convergence_interval + 2) and max_steps: the estimate is that
  range. Steps cost the same at any learning rate, so fits that differ only in it share one measurement.
- any other estimator (MLP, SVC, the kernel classifiers): one fit on a subsample of `sample` training points,
  scaled to the full size linearly (low) and quadratically (high): kernel and SVC fits grow between the two.

A fit whose measurement raises (the simulator out of memory, most often) is counted as failing, with its reason.
The cross-validation fits are measured at every grid point; the final fits of each model at the mean cost of its
grid points (which one wins is not known before the sweep), and the parameter-matched MLPs at the cost of an MLP
with one hidden layer of 100 units. Wall time for W workers adds, stage by stage, the larger of (stage work / W)
and the longest fit of the stage, since each stage waits for the one before.

Example:
    >>> from qnn.bench import presets
    >>> estimate = estimate_sweep(presets.quick(), progress=False)  # doctest: +SKIP
    >>> estimate.n_fits, estimate.wall_hours(workers=2)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from tqdm.auto import tqdm

from qnn.bench import registry
from qnn.bench.config import ModelSpec, SweepConfig
from qnn.bench.jobs import FINAL, Job, job_data
from qnn.bench.protocol import STAGES, _cv_jobs, _job, model_variants

SPEED_INDEPENDENT = ("learning_rate", "learning_rate_init", "alpha", "weight_decay", "C")  # do not change a step's cost


@dataclass(frozen=True)
class FitCost:
    """Seconds one fit takes, as a range; `failure` names why its measurement raised (then the range is zero)."""

    low: float
    high: float
    failure: str | None = None
    cell: tuple[str, int, str] = ("", 0, "")  # (task, dimension, model) the fit belongs to


@dataclass
class Estimate:
    """Fits per stage with their measured costs."""

    stages: dict[str, list[FitCost]] = field(default_factory=dict)

    @property
    def n_fits(self) -> int:
        return sum(len(costs) for costs in self.stages.values())

    @property
    def failures(self) -> dict[str, int]:
        """How many fits are expected to fail, per reason."""
        counts: dict[str, int] = {}
        for cost in (c for costs in self.stages.values() for c in costs if c.failure):
            counts[cost.failure] = counts.get(cost.failure, 0) + 1
        return counts

    def cell_hours(self) -> dict[tuple[str, int, str], tuple[float, float]]:
        """(low, high) hours of one process per (task, dimension, model), its cross-validation and seeds together."""
        hours: dict[tuple[str, int, str], tuple[float, float]] = {}
        for cost in (c for costs in self.stages.values() for c in costs):
            low, high = hours.get(cost.cell, (0.0, 0.0))
            hours[cost.cell] = (low + cost.low / 3600, high + cost.high / 3600)
        return hours

    def wall_hours(self, workers: int) -> tuple[float, float]:
        """(low, high) hours of wall time with `workers` fits running at once."""
        low = high = 0.0
        for costs in self.stages.values():
            if costs:
                low += max(sum(c.low for c in costs) / workers, max(c.low for c in costs))
                high += max(sum(c.high for c in costs) / workers, max(c.high for c in costs))
        return low / 3600, high / 3600


def estimate_sweep(config: SweepConfig, progress: bool = True, sample: int = 200) -> Estimate:
    """Measure the cost of every kind of fit of `config` on this machine (minutes for the paper's grids)."""
    meter = _Meter(sample)
    estimate = Estimate()
    variants = [(spec, v) for spec in config.models for v in model_variants(spec)]
    points = [(t, d) for t in config.tasks for d in t.dimensions]
    plan = {name: [] for name in (f"{which} {kind}" for which, kind in STAGES)}
    for task, d in points:
        for spec, variant in variants:
            if not spec.runs_on(task, d):
                continue
            plan["models cv"] += _cv_jobs(config, task, d, variant)
            finals = [
                _job(config, task, d, variant, c, seed, FINAL) for c in variant.configurations for seed in config.seeds
            ]
            plan["models final"].append((finals, len(config.seeds)))
            if spec.matched_mlp and variant.family == "quantum":
                plan["matched final"].append(([_matched(config, task, d, variant, seed) for seed in config.seeds], 0))
                plan["matched cv"] += _matched_cv(config, task, d, variant)
    with tqdm(total=len(meter.keys(plan)), desc="measuring fit costs", unit="kind", disable=not progress) as bar:
        meter.bar = bar
        for stage, jobs in plan.items():
            estimate.stages[stage] = [c for item in jobs for c in _costs(meter, item, config)]
    return estimate


def _costs(meter, item, config: SweepConfig) -> list[FitCost]:
    if isinstance(item, Job):
        return [meter.cost(item)]
    jobs, n_seeds = item
    costs = [meter.cost(job) for job in jobs]
    cell = costs[0].cell if costs else ("", 0, "")
    if n_seeds == 0:  # matched MLPs: one fit per seed, as measured
        return costs
    # Final fits: n_seeds fits at the mean cost over the grid's points (the winner is not known yet).
    working = [c for c in costs if not c.failure]
    if not working:
        return [costs[0]] * n_seeds
    mean = FitCost(float(np.mean([c.low for c in working])), float(np.mean([c.high for c in working])), cell=cell)
    return [mean] * n_seeds


def _matched(config, task, d, variant, seed) -> Job:
    mlp = replace(variant, model="MLP", family="classical", estimator=registry.estimator_path("MLPClassifier"))
    return _job(config, task, d, mlp, {**_first(config.matched_mlp_grid), "hidden_layer_sizes": (100,)}, seed, FINAL)


def _matched_cv(config, task, d, variant) -> list[Job]:
    grid = ModelSpec("MLPClassifier", {**config.matched_mlp_grid, "hidden_layer_sizes": [(100,)]})
    configurations = tuple(grid.configurations())
    mlp = replace(
        variant, model="MLP", family="classical", estimator=registry.estimator_path("MLPClassifier"),
        configurations=configurations,
    )  # fmt: skip
    return _cv_jobs(config, task, d, mlp)


def _first(grid) -> dict:
    return {key: values[0] for key, values in grid.items()}


class _Meter:
    """Measured costs by kind of fit (estimator, data set, dimension, hyperparameters that change the speed)."""

    def __init__(self, sample: int):
        self.sample = sample
        self.measured: dict[str, tuple] = {}
        self.bar = None

    def key(self, job: Job) -> str:
        speed = {k: v for k, v in job.hyperparameters.items() if k not in SPEED_INDEPENDENT or not _torch(job)}
        task = [job.task.name, job.task.n_samples, job.task.params]
        return json.dumps([job.estimator, task, job.dimension, speed], sort_keys=True, default=list)

    def keys(self, plan) -> set[str]:
        jobs = [j for items in plan.values() for item in items for j in ([item] if isinstance(item, Job) else item[0])]
        return {self.key(job) for job in jobs}

    def cost(self, job: Job) -> FitCost:
        key = self.key(job)
        if key not in self.measured:
            self.measured[key] = self._measure(job)
            if self.bar is not None:
                self.bar.update(1)
        return replace(self._scale(self.measured[key], job), cell=(job.task.name, job.dimension, job.model))

    def _measure(self, job: Job) -> tuple:
        X, y, *_ = job_data(job)
        try:
            if _torch(job):
                return ("steps", _seconds_per_step(job, X, y))
            m = min(len(y), self.sample)
            return ("sample", _seconds_to_fit(job, X[:m], y[:m]), m)
        except Exception as error:  # noqa: BLE001 - a fit that cannot even start is a predicted failure
            return ("failure", f"{type(error).__name__}: {error}")

    def _scale(self, measured: tuple, job: Job) -> FitCost:
        if measured[0] == "failure":
            return FitCost(0.0, 0.0, measured[1])
        if measured[0] == "steps":
            estimator = registry.build_estimator(job.estimator, job.hyperparameters, job.seed)
            interval = estimator.convergence_interval
            earliest = min(estimator.max_steps, 2 * interval + 2) if interval else estimator.max_steps
            return FitCost(measured[1] * earliest, measured[1] * estimator.max_steps)
        _, seconds, m = measured
        n = len(job_data(job)[1])
        return FitCost(seconds * n / m, seconds * (n / m) ** 2)


def _torch(job: Job) -> bool:
    from qnn.models.base import QuantumClassifier

    return issubclass(registry.estimator_class(job.estimator), QuantumClassifier)


def _seconds_per_step(job: Job, X, y, resolution_s: float = 0.05) -> float:
    """Seconds per training step: (fit of 1 + k steps − fit of 1 step) / k, no stopping rule, with k doubled from 2
    until the difference is at least `resolution_s` (so that timer noise cannot dominate small circuits)."""

    def fit(steps: int) -> float:
        parameters = {**job.hyperparameters, "max_steps": steps, "convergence_interval": 0}
        return _seconds_to_fit(replace(job, hyperparameters=parameters), X, y)

    fit(1)  # the first fit of a circuit also builds its caches: not a step's cost
    one, extra = fit(1), 2
    while True:
        difference = fit(1 + extra) - one
        if difference >= resolution_s or extra >= 256:
            return max(difference, 0.0) / extra
        extra *= 2


def _seconds_to_fit(job: Job, X, y) -> float:
    estimator = registry.build_estimator(job.estimator, job.hyperparameters, job.seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        estimator.fit(X, y)
        return time.perf_counter() - start
