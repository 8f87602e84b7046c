"""Whole fits of the paper's models at the bench's shapes, beside the fit times the paper published.

Each model is fitted on MNIST 3-vs-5 PCA with 10 features (the whole training split) with the paper's best
hyperparameters (`qnn/data/paper_best.csv`: batch 32, Adam, the convergence rule), on one thread, as a bench
worker runs; `published / ours` compares with the paper's mean fit time of that configuration
(`qnn/data/paper_fit_times.csv`), measured on the paper's machines with its JAX code.

Example:
    >>> [r.model for r in time_fits(["SeparableVariationalClassifier"])]  # doctest: +SKIP
    ['SeparableVariationalClassifier']
"""

from __future__ import annotations

import importlib
import json
import time
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from qnn.threads import intra_op_threads

FIT_MODELS = (
    "DataReuploadingClassifier",
    "DressedQuantumCircuitClassifier",
    "IQPVariationalClassifier",
    "SeparableVariationalClassifier",
)


@dataclass(frozen=True)
class FitTiming:
    model: str
    hyperparameters: dict
    steps: int
    converged: bool
    seconds: float
    test_accuracy: float
    published_seconds: float
    published_accuracy: float

    @property
    def ms_per_step(self) -> float:
        return 1e3 * self.seconds / self.steps

    @property
    def speedup(self) -> float:
        """The published fit time over ours."""
        return self.published_seconds / self.seconds


def published_fit_seconds() -> dict[str, float]:
    with resources.as_file(resources.files("qnn") / "data" / "paper_fit_times.csv") as path:
        table = pd.read_csv(path, comment="#")
    return dict(zip(table.model, table.published_fit_seconds, strict=True))


def paper_rows(models, dimension: int = 10) -> dict:
    """The paper's best configuration on MNIST PCA at `dimension` of each of `models`: model -> its row of
    `qnn/data/paper_best.csv` (hyperparameters as JSON, test accuracy)."""
    from qnn.bench.presets import paper_best_table

    unknown = [m for m in models if m not in FIT_MODELS]
    if unknown:
        raise ValueError(f"models must be among {', '.join(FIT_MODELS)}; got {unknown}")
    best = paper_best_table()
    best = best[(best.task == "mnist_pca") & (best.dimension == dimension)]
    return {model: best[best.model == model].iloc[0] for model in models}


def paper_estimator(model: str, row, seed: int = 0, **overrides):
    """The estimator `model` with the hyperparameters of its paper row (`paper_rows`), `overrides` on top."""
    from qnn.bench.registry import estimator_path

    module, _, name = estimator_path(model).partition(":")
    params = json.loads(row.hyperparameters) | overrides
    return getattr(importlib.import_module(module), name)(**params, random_state=seed)


def time_fits(
    models=FIT_MODELS, dimension: int = 10, seed: int = 0, threads: int = 1, progress=None
) -> list[FitTiming]:
    """Fit each of `models` once and time it; `progress(model)` is called before each fit."""
    from qnn.bench.datasets import load_split

    rows = paper_rows(models, dimension)
    published = published_fit_seconds()
    split = load_split("mnist_pca", dimension, n_samples=None)
    _import_optimiser_machinery()
    with intra_op_threads(threads):  # the layers pick their own; this holds the rest of the step
        results = []
        for model, row in rows.items():
            if progress is not None:
                progress(model)
            estimator = paper_estimator(model, row, seed)
            start = time.perf_counter()
            estimator.fit(split.X_train, split.y_train)
            seconds = time.perf_counter() - start
            results.append(
                FitTiming(
                    model,
                    json.loads(row.hyperparameters),
                    len(estimator.loss_curve_),
                    bool(estimator.converged_),
                    seconds,
                    float(estimator.score(split.X_test, split.y_test)),
                    float(published[model]),
                    float(row.test_accuracy_mean),
                )  # fmt: skip
            )
        return results


def _import_optimiser_machinery() -> None:
    """Take one optimiser step on a throwaway parameter. torch.optim's first step in a process imports
    torch._dynamo (about 1 s here): a once-per-process cost, like importing JAX, which the published fit times
    (timed inside the paper's training loop) do not include either."""
    import torch

    parameter = torch.nn.Parameter(torch.zeros(1))
    parameter.grad = torch.zeros(1)
    torch.optim.Adam([parameter]).step()


def format_fits(results: list[FitTiming]) -> str:
    lines = [
        f"{'model':<34} {'published/ours':>14} {'fit s':>7} {'published s':>11} {'steps':>6} {'ms/step':>8} "
        f"{'converged':>9} {'test acc':>8} {'published acc':>13}"
    ]
    for r in results:
        lines.append(
            f"{r.model:<34} {r.speedup:>13.1f}x {r.seconds:>7.1f} {r.published_seconds:>11.1f} {r.steps:>6} "
            f"{r.ms_per_step:>8.2f} {str(r.converged):>9} {r.test_accuracy:>8.4f} {r.published_accuracy:>13.4f}"
        )
    return "\n".join(lines)
