"""What a sweep runs: tasks and their dimensions, models and their grids, folds and seeds.

A sweep is a `SweepConfig`, read from a TOML or YAML file with `load_sweep(path)` or taken from `qnn.bench.presets`.
The file has the same fields as the dataclasses:

    n_folds = 3
    seeds = [0, 1, 2]

    [[tasks]]
    name = "linearly_separable"
    dimensions = [2, 6, 10]
    n_samples = 200

    [[models]]
    name = "DataReuploadingClassifier"
    grid = {n_layers = [1, 2], max_steps = [100]}
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qnn.bench.datasets import TASKS


@dataclass(frozen=True)
class TaskSpec:
    name: str  # one of qnn.bench.datasets.TASKS
    dimensions: tuple[int, ...]  # input dimensions swept
    n_samples: int | None = 300  # samples drawn (train + test); None: all of a real data set
    params: Mapping[str, Any] = field(default_factory=dict)  # extra generator arguments, e.g. {"degree": 5}

    def __post_init__(self):
        if self.name not in TASKS:
            raise ValueError(f"task name must be one of {', '.join(TASKS)}; got {self.name!r}")
        dims = tuple(self.dimensions)
        if not dims or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in dims):
            raise ValueError(f"dimensions of task {self.name!r} must be positive integers, got {self.dimensions!r}")
        object.__setattr__(self, "dimensions", dims)
        object.__setattr__(self, "params", dict(self.params))


@dataclass(frozen=True)
class ModelSpec:
    name: str  # a key of qnn.bench.registry.MODELS, or "package.module:Class" for any scikit-learn classifier
    grid: Mapping[str, tuple] = field(default_factory=dict)  # hyperparameter -> values searched by CV
    ablation: bool = True  # also run the estimator with entangling=False (when it takes that argument)
    matched_mlp: bool = True  # also run an MLPClassifier with about as many parameters (quantum models only)
    tasks: tuple[str, ...] = ()  # run only on these tasks (empty: every task)
    max_dimension: int | None = None  # skip dimensions above this (e.g. one qubit per feature gets slow past 20)
    dimensions: tuple[int, ...] = ()  # run only at these dimensions (empty: every dimension of the task)

    def __post_init__(self):
        grid = {}
        for key, values in dict(self.grid).items():
            values = tuple(values) if isinstance(values, list | tuple) else (values,)
            if not values:
                raise ValueError(f"grid value of {key!r} for model {self.name!r} must list at least one value")
            grid[key] = values
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "dimensions", tuple(self.dimensions))

    def runs_on(self, task: str, dimension: int) -> bool:
        in_tasks = not self.tasks or task in self.tasks
        in_dimensions = not self.dimensions or dimension in self.dimensions
        return in_tasks and in_dimensions and (self.max_dimension is None or dimension <= self.max_dimension)

    def configurations(self) -> list[dict[str, Any]]:
        """Every point of the grid, in a fixed order (the first wins ties in cross-validation)."""
        keys = sorted(self.grid)
        return [dict(zip(keys, values, strict=True)) for values in itertools.product(*(self.grid[k] for k in keys))]


@dataclass(frozen=True)
class SweepConfig:
    tasks: tuple[TaskSpec, ...]
    models: tuple[ModelSpec, ...]
    n_folds: int = 5  # cross-validation folds on the training split (skipped when a grid has one point)
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)  # the best configuration is retrained once per seed
    test_size: float = 0.2  # fraction of the samples held out for the test accuracy
    data_seed: int = 0  # seeds the data sets and the fold assignment, shared by every model
    # The paper fed every estimator raw features (each quantum model scales its own); True standardises first.
    standardise: bool = False
    # The paper's rule: a configuration with a cross-validation fit that ran to max_steps without converging is
    # never selected. False lets short training runs (the quick preset) be selected all the same.
    convergence_required: bool = True
    # Grid of the parameter-matched MLPs; their hidden sizes come from the quantum model's parameter count.
    matched_mlp_grid: Mapping[str, tuple] = field(
        default_factory=lambda: {"learning_rate_init": (0.001, 0.01), "max_iter": (1000,)}
    )

    def __post_init__(self):
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "models", tuple(self.models))
        object.__setattr__(self, "seeds", tuple(self.seeds))
        object.__setattr__(self, "matched_mlp_grid", ModelSpec("MLPClassifier", self.matched_mlp_grid).grid)
        if not self.tasks or not self.models:
            raise ValueError("a sweep needs at least one task and one model")
        if isinstance(self.n_folds, bool) or not isinstance(self.n_folds, int) or self.n_folds < 2:
            raise ValueError(f"n_folds must be an integer >= 2, got {self.n_folds!r}")
        if not self.seeds:
            raise ValueError("seeds must list at least one seed")
        if not 0 < self.test_size < 1:
            raise ValueError(f"test_size must lie in (0, 1), got {self.test_size!r}")


def sweep_from_dict(data: Mapping[str, Any]) -> SweepConfig:
    """A `SweepConfig` from plain data (a parsed TOML or YAML file)."""
    data = dict(data)
    known = {
        "tasks", "models", "n_folds", "seeds", "test_size", "data_seed", "matched_mlp_grid", "standardise",
        "convergence_required",
    }  # fmt: skip
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown sweep fields {sorted(unknown)}; expected some of {sorted(known)}")
    data["tasks"] = tuple(TaskSpec(**task) for task in data.get("tasks", ()))
    data["models"] = tuple(ModelSpec(**model) for model in data.get("models", ()))
    return SweepConfig(**data)


def load_sweep(path: str | Path) -> SweepConfig:
    """Read a sweep from a `.toml` or `.yaml`/`.yml` file."""
    path = Path(path)
    if path.suffix == ".toml":
        import tomllib

        with path.open("rb") as file:
            return sweep_from_dict(tomllib.load(file))
    if path.suffix in (".yaml", ".yml"):
        import yaml

        return sweep_from_dict(yaml.safe_load(path.read_text()))
    raise ValueError(f"sweep file must end in .toml, .yaml or .yml, got {str(path)!r}")
