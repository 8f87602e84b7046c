"""The benchmark protocol: grid search by k-fold cross-validation, then the best configuration retrained per seed.

Per task and dimension, every model runs in up to three variants: itself, its no-entanglement ablation
(`entangling=False`, quantum models), and an MLPClassifier with about as many parameters (quantum models; sized
from the parameter count of the quantum model's final fits). A sweep runs in stages, because later stages read
earlier results from the database: cross-validation of models and ablations, their final fits, then the same
two for the matched MLPs. Finished fits (by key) are skipped, so an interrupted sweep resumes where it stopped.

A fit that raised is stored as a failure and skipped by later runs too (unless `retry_failed`). As in the paper,
a configuration with a failed cross-validation fit, or (with `SweepConfig.convergence_required`) one that ran to
max_steps without converging, is never selected; a model with no configuration left gets no final fits.
Sweeps sharing one database claim each fit before running it (`qnn.bench.claims`), so none is computed twice;
at the end of a stage a sweep waits for the fits other sweeps still hold, since the next stage reads them.
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from dataclasses import dataclass

from tqdm.auto import tqdm

from qnn.bench import registry
from qnn.bench.claims import Claims, Heartbeat
from qnn.bench.config import ModelSpec, SweepConfig, TaskSpec
from qnn.bench.jobs import FINAL, Job, is_failure, job_data, run_job
from qnn.bench.store import ResultStore


@dataclass(frozen=True)
class Variant:
    """One model as the sweep runs it: a display name, its family and its grid."""

    model: str
    family: str  # "quantum", "ablation" or "classical"
    base_model: str
    estimator: str
    configurations: tuple[dict, ...]


def model_variants(spec: ModelSpec) -> list[Variant]:
    """The model itself and, for a quantum model with `ablation`, its no-entanglement twin."""
    path = registry.estimator_path(spec.name)
    name = spec.name.rpartition(":")[2]  # "package.module:Class" shows as "Class"
    configurations = tuple(spec.configurations())
    if not registry.is_quantum(path):
        return [Variant(name, "classical", name, path, configurations)]
    variants = [Variant(name, "quantum", name, path, configurations)]
    if spec.ablation and registry.has_ablation(path):
        ablated = tuple({**c, "entangling": False} for c in configurations)
        variants.append(Variant(name + registry.ABLATION_SUFFIX, "ablation", name, path, ablated))
    return variants


def _cv_jobs(config: SweepConfig, task: TaskSpec, dimension: int, variant: Variant) -> list[Job]:
    if len(variant.configurations) == 1:
        return []  # nothing to choose between
    return [job for c in variant.configurations for job in _cv_jobs_for(config, task, dimension, variant, c)]


def _final_jobs(config: SweepConfig, task: TaskSpec, dimension: int, variant: Variant, store) -> list[Job]:
    best = best_configuration(config, task, dimension, variant, store)
    if best is None:
        return []  # every configuration failed: nothing to retrain
    return [_job(config, task, dimension, variant, best, seed, FINAL) for seed in config.seeds]


def _job(config, task, dimension, variant: Variant, hyperparameters, seed, fold) -> Job:
    return Job(
        task, dimension, variant.model, variant.family, variant.base_model, variant.estimator,
        dict(hyperparameters), seed, fold, config.n_folds, _test_size(config, task), config.data_seed,
        config.standardise,
    )  # fmt: skip


def _test_size(config: SweepConfig, task: TaskSpec) -> float | int:
    return config.test_size if task.test_size is None else task.test_size


def best_configuration(config: SweepConfig, task: TaskSpec, dimension: int, variant: Variant, store) -> dict | None:
    """The grid point with the highest mean cross-validation accuracy (the first in grid order on ties), among
    those whose every fold finished (and converged, with `config.convergence_required`); None when none did.

    `store` has `get(key)` (a finished row or None) and `failure(key)` (a failure row or None)."""
    if len(variant.configurations) == 1:
        return variant.configurations[0]
    scores = []
    for hyperparameters in variant.configurations:
        jobs = _cv_jobs_for(config, task, dimension, variant, hyperparameters)
        rows = [store.get(job.key) for job in jobs]
        if any(row is None and store.failure(job.key) is None for row, job in zip(rows, jobs, strict=True)):
            raise RuntimeError(f"cross-validation of {variant.model} on {task.label} d={dimension} is unfinished")
        if all(row is not None and _selectable(row, config) for row in rows):
            scores.append((sum(r["test_accuracy"] for r in rows), hyperparameters))
    if not scores:
        return None
    best = max(score for score, _ in scores)
    return next(c for score, c in scores if score == best)


def _selectable(row: dict, config: SweepConfig) -> bool:
    return not config.convergence_required or row.get("converged") != 0


def _cv_jobs_for(config, task, dimension, variant, hyperparameters) -> list[Job]:
    return [
        _job(config, task, dimension, variant, hyperparameters, config.seeds[0], str(fold))
        for fold in range(config.n_folds)
    ]


def matched_variant(config: SweepConfig, task: TaskSpec, dimension: int, quantum: Variant, store) -> Variant | None:
    """An MLPClassifier variant whose hidden sizes match the quantum model's mean final parameter count (None when
    every final fit failed)."""
    finals = _final_jobs(config, task, dimension, quantum, store)
    if any(store.get(job.key) is None and store.failure(job.key) is None for job in finals):
        raise RuntimeError(f"final fits of {quantum.model} on {task.label} d={dimension} are unfinished")
    rows = [row for row in map(store.get, (job.key for job in finals)) if row is not None]
    if not rows:
        return None
    n_params = round(sum(r["n_params"] for r in rows) / len(rows))
    n_classes = _n_classes(finals[0])
    hidden = registry.matched_hidden_sizes(dimension, n_classes, n_params)
    grid = ModelSpec("MLPClassifier", {**config.matched_mlp_grid, "hidden_layer_sizes": [hidden]})
    name = registry.MATCHED_PREFIX + quantum.model
    path = registry.estimator_path("MLPClassifier")
    return Variant(name, "classical", quantum.model, path, tuple(grid.configurations()))


def _n_classes(job: Job) -> int:
    return len(set(job_data(job)[1].tolist()))


class _Cache:
    """The store's rows by key, read once per stage (a stage never needs rows written during itself)."""

    def __init__(self, store: ResultStore):
        self.rows = {row["config_hash"]: row for row in store.rows()}
        self.failures = {row["config_hash"]: row for row in store.failures()}

    def get(self, key: str):
        return self.rows.get(key)

    def failure(self, key: str):
        return self.failures.get(key)


STAGES = (("models", "cv"), ("models", "final"), ("matched", "cv"), ("matched", "final"))


def stage_jobs(config: SweepConfig, store, which: str, kind: str) -> list[Job]:
    """The jobs of one stage, finished ones included: `which` is "models" (the sweep's models and ablations) or
    "matched" (the parameter-matched MLPs), `kind` is "cv" or "final"; `store` has `get(key)` and `failure(key)`
    (a row or None), as `best_configuration` takes."""
    points = [(task, d) for task in config.tasks for d in task.dimensions]
    specs = [(spec, v) for spec in config.models for v in model_variants(spec)]
    if which == "models":
        triples = [(t, d, v) for t, d in points for spec, v in specs if spec.runs_on(t, d)]
    else:
        triples = [
            (t, d, matched_variant(config, t, d, v, store))
            for t, d in points
            for spec, v in specs
            if spec.matched_mlp and v.family == "quantum" and spec.runs_on(t, d)
        ]
        triples = [(t, d, v) for t, d, v in triples if v is not None]
    if kind == "cv":
        return [job for t, d, v in triples for job in _cv_jobs(config, t, d, v)]
    return [job for t, d, v in triples for job in _final_jobs(config, t, d, v, store)]


def count_jobs(config: SweepConfig) -> int:
    """How many fits the sweep makes in all (known before any runs: grids, folds and seeds fix it)."""
    total = 0
    points = [(task, d) for task in config.tasks for d in task.dimensions]
    n_matched = len(ModelSpec("MLPClassifier", dict(config.matched_mlp_grid)).configurations())
    for spec in config.models:
        n_points = sum(spec.runs_on(task, d) for task, d in points)
        for variant in model_variants(spec):
            total += n_points * _count(len(variant.configurations), config)
            if variant.family == "quantum" and spec.matched_mlp:
                total += n_points * _count(n_matched, config)
    return total


def _count(n_configurations: int, config: SweepConfig) -> int:
    return (n_configurations * config.n_folds if n_configurations > 1 else 0) + len(config.seeds)


def run_sweep(
    config: SweepConfig,
    store: ResultStore,
    executor,
    progress: bool = True,
    power_watts: float | None = None,
    grid_gco2_per_kwh: float | None = None,
    retry_failed: bool = False,
    poll_s: float = 10.0,
) -> dict[str, int]:
    """Run every unfinished fit of `config`, committing each row as it arrives; returns counts of the fits it
    "ran", those "failed" among them, those "skipped" (stored before) and those run "elsewhere" (by another sweep
    sharing the database while this one waited, every `poll_s` seconds).

    `retry_failed` forgets the stored failures first, so those fits run again. `power_watts` and
    `grid_gco2_per_kwh` go to `qnn.energy.measure_energy` for every fit (None: its defaults).
    """
    fit = functools.partial(run_job, power_watts=power_watts, grid_gco2_per_kwh=grid_gco2_per_kwh)
    if retry_failed:
        store.forget_failures()
    counts = defaultdict(int)
    claims = Claims(store.connection)
    try:
        with Heartbeat(store.path, claims.owner), _bar(config, progress) as bar:
            for which, kind in STAGES:
                jobs = stage_jobs(config, _Cache(store), which, kind)
                _run_stage(jobs, store, claims, executor, fit, bar, counts, poll_s)
    finally:
        claims.close()
    return dict(counts)


def _bar(config: SweepConfig, progress: bool):
    return tqdm(total=count_jobs(config), desc="qnn bench", unit="fit", disable=not progress)


def _run_stage(jobs: list[Job], store: ResultStore, claims: Claims, executor, fit, bar, counts, poll_s) -> None:
    """Run the jobs of one stage that no one has run or holds; then wait for those that other sweeps hold."""
    finished = store.finished_keys()
    pending = {job.key: job for job in jobs if job.key not in finished}
    counts["skipped"] += len(jobs) - len(pending)
    bar.update(len(jobs) - len(pending))
    while pending:
        claimed = (job for job in list(pending.values()) if claims.claim(job.key))
        for job, row in executor.map_unordered(fit, claimed):
            store.add_failure(row) if is_failure(row) else store.add(row)
            claims.release(job.key)
            pending.pop(job.key)
            counts["ran"] += 1
            if is_failure(row):
                counts["failed"] += 1
            bar.set_postfix_str(f"{job.task.label} d={job.dimension} {job.model}", refresh=False)
            bar.update(1)
        elsewhere = store.finished_keys() & set(pending)
        for key in elsewhere:
            pending.pop(key)
        if elsewhere:
            counts["elsewhere"] += len(elsewhere)
            bar.update(len(elsewhere))
        if pending and claims.held_by_others(pending):
            time.sleep(poll_s)  # another sweep is running these: the next stage needs their results
