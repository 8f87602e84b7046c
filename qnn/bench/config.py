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
import json
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from qnn.bench.datasets import TASKS
from qnn.bench.registry import estimator_path, init_parameters
from qnn.validation import InvalidArgument, InvalidArgumentType, check_bool, check_int, check_real


@dataclass(frozen=True)
class TaskSpec:
    name: str  # one of qnn.bench.datasets.TASKS
    dimensions: tuple[int, ...]  # input dimensions swept
    n_samples: int | None = 300  # samples drawn (train + test); None: all of a real data set
    params: Mapping[str, Any] = field(default_factory=dict)  # extra generator arguments, e.g. {"degree": 5}
    # A family of tasks at fixed dimensions that varies a generator argument (e.g. "hidden_manifold_diff", one
    # TaskSpec per manifold dimension); it names the task in the store, the report and `ModelSpec.tasks`.
    variant: str = ""
    test_size: float | int | None = None  # held out for testing: a fraction or a count; None: the sweep's

    def __post_init__(self):
        if self.name not in TASKS:
            raise ValueError(f"task name must be one of {', '.join(TASKS)}; got {self.name!r}")
        if not isinstance(self.dimensions, list | tuple | range):  # `dimensions = 4` is not iterable
            raise InvalidArgumentType(f"dimensions of task {self.name!r} must be a list, got {self.dimensions!r}")
        dims = tuple(self.dimensions)
        if not dims or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 1 for d in dims):
            raise ValueError(f"dimensions of task {self.name!r} must be positive integers, got {self.dimensions!r}")
        object.__setattr__(self, "dimensions", dims)
        if self.n_samples is not None:
            check_int(f"n_samples of task {self.name!r}", self.n_samples, minimum=2)
        if not isinstance(self.params, Mapping):
            raise InvalidArgumentType(f"params of task {self.name!r} must be a table of arguments, got {self.params!r}")
        object.__setattr__(self, "params", dict(self.params))
        if not isinstance(self.variant, str) or self.variant in TASKS:
            raise InvalidArgument(
                f"variant of task {self.name!r} must be a name other than the tasks', got {self.variant!r}"
            )
        if self.test_size is not None:
            _check_test_size(f"test_size of task {self.name!r}", self.test_size)

    @property
    def label(self) -> str:
        """The task's name in reports and results: its variant, else its name."""
        return self.variant or self.name

    @property
    def identity(self) -> tuple[str, str]:
        """(label, generator arguments as JSON): two tasks of a sweep with the same identity would share results."""
        return self.label, json.dumps(self.params, sort_keys=True, default=list)


def _check_test_size(name: str, value) -> None:
    """A fraction in (0, 1) or a count >= 1 of samples."""
    if isinstance(value, int) and not isinstance(value, bool):
        check_int(name, value, minimum=1)
    elif not 0 < check_real(name, value) < 1:
        raise ValueError(f"{name} must lie in (0, 1) or be a count of samples, got {value!r}")


@dataclass(frozen=True)
class ModelSpec:
    name: str  # a key of qnn.bench.registry.MODELS, or "package.module:Class" for any scikit-learn classifier
    grid: Mapping[str, tuple] = field(default_factory=dict)  # hyperparameter -> values searched by CV
    ablation: bool = True  # also run the estimator with entangling=False (when it takes that argument)
    matched_mlp: bool = True  # also run an MLPClassifier with about as many parameters (quantum models only)
    tasks: tuple[str, ...] = ()  # run only on these tasks, by name or variant (`TaskSpec.label`; empty: every task)
    max_dimension: int | None = None  # skip dimensions above this (e.g. one qubit per feature gets slow past 20)
    dimensions: tuple[int, ...] = ()  # run only at these dimensions (empty: every dimension of the task)
    task_params: Mapping[str, Any] = field(default_factory=dict)  # run only on tasks with these generator arguments

    def __post_init__(self):
        _check_model_fields(self)
        object.__setattr__(self, "task_params", dict(self.task_params))
        grid = {}
        for key, values in dict(self.grid).items():
            values = tuple(values) if isinstance(values, list | tuple) else (values,)
            if not values:
                raise ValueError(f"grid value of {key!r} for model {self.name!r} must list at least one value")
            grid[key] = values
        object.__setattr__(self, "grid", grid)
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "dimensions", tuple(self.dimensions))

    def runs_on(self, task: TaskSpec | str, dimension: int) -> bool:
        """Whether this model runs on `task` (a TaskSpec, or a label without generator arguments) at `dimension`."""
        label, params = (task.label, task.params) if isinstance(task, TaskSpec) else (task, {})
        in_tasks = not self.tasks or label in self.tasks
        in_tasks = in_tasks and all(params.get(k, _MISSING) == v for k, v in self.task_params.items())
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
        check_bool("standardise", self.standardise)
        check_bool("convergence_required", self.convergence_required)
        if isinstance(self.n_folds, bool) or not isinstance(self.n_folds, int) or self.n_folds < 2:
            raise ValueError(f"n_folds must be an integer >= 2, got {self.n_folds!r}")
        if not self.seeds:
            raise ValueError("seeds must list at least one seed")
        if not 0 < check_real("test_size", self.test_size) < 1:
            raise ValueError(f"test_size must lie in (0, 1), got {self.test_size!r}")
        for seed in (*self.seeds, self.data_seed):
            check_int("seeds and data_seed", seed, minimum=0)
        _check_tasks_distinct(self)
        _check_model_tasks_known(self)
        _check_every_model_runs(self)


def _check_tasks_distinct(config: SweepConfig) -> None:
    """Two tasks with one label and the same arguments at one dimension would be one row of the report: a
    variant needs its own label."""
    seen = {}
    for task in config.tasks:
        for d in task.dimensions:
            if (*task.identity, d) in seen:
                raise InvalidArgument(
                    f"tasks {seen[(*task.identity, d)]!r} and {task!r} share the label {task.label!r}, their params "
                    f"and dimension {d}; give one a distinct variant"
                )
            seen[(*task.identity, d)] = task


def _check_model_tasks_known(config: SweepConfig) -> None:
    labels = sorted({task.label for task in config.tasks} | set(TASKS))
    for model in config.models:
        unknown = [task for task in model.tasks if task not in labels]
        if unknown:
            raise InvalidArgument(f"tasks of model {model.name!r} must be among {', '.join(labels)}; got {unknown}")


_MISSING = object()  # a generator argument the task does not set matches no required value


def _check_model_fields(model: ModelSpec) -> None:
    """Refuse a model entry whose fields would be misread (`ablation = "no"` is truthy) or match nothing."""
    if not isinstance(model.name, str):
        raise InvalidArgumentType(f"model name must be a string, got {model.name!r}")
    estimator_path(model.name)  # an unknown name is refused here, listing the known ones
    if not isinstance(model.grid, Mapping):
        raise InvalidArgumentType(f"grid of model {model.name!r} must be a table of value lists, got {model.grid!r}")
    check_bool(f"ablation of model {model.name!r}", model.ablation)
    check_bool(f"matched_mlp of model {model.name!r}", model.matched_mlp)
    if not isinstance(model.tasks, list | tuple):  # tuple("two_curves") would be a tuple of letters
        raise InvalidArgumentType(f"tasks of model {model.name!r} must be a list of task names, got {model.tasks!r}")
    if not all(isinstance(task, str) for task in model.tasks):
        raise InvalidArgumentType(f"tasks of model {model.name!r} must be task names, got {model.tasks!r}")
    if not isinstance(model.task_params, Mapping):
        raise InvalidArgumentType(f"task_params of model {model.name!r} must be a table, got {model.task_params!r}")
    if model.max_dimension is not None:
        check_int(f"max_dimension of model {model.name!r}", model.max_dimension, minimum=1)
    if not isinstance(model.dimensions, list | tuple):
        raise InvalidArgumentType(f"dimensions of model {model.name!r} must be a list, got {model.dimensions!r}")
    for dimension in model.dimensions:
        check_int(f"dimensions of model {model.name!r}", dimension, minimum=1)


def _check_every_model_runs(config: SweepConfig) -> None:
    """A model that no task and dimension reaches would silently run nothing."""
    for model in config.models:
        if not any(model.runs_on(task, d) for task in config.tasks for d in task.dimensions):
            raise InvalidArgument(
                f"model {model.name!r} runs on none of the sweep's tasks and dimensions "
                f"(its tasks: {list(model.tasks) or 'all'}, max_dimension: {model.max_dimension})"
            )


def restricted(config: SweepConfig, task_names: list[str]) -> SweepConfig:
    """The sweep on these tasks only (by label: a variant's name selects its tasks), with the models that run on
    them (to run a large sweep in parts)."""
    _check_among("tasks", task_names, [task.label for task in config.tasks])
    tasks = tuple(task for task in config.tasks if task.label in task_names)
    return replace(config, tasks=tasks, models=_models_on(config.models, tasks))


def restricted_to_models(config: SweepConfig, model_names: list[str]) -> SweepConfig:
    """The sweep with these models only (by name; each with its ablation and matched MLP), on the tasks they
    run on (to run a large sweep in parts, e.g. its cheap models first)."""
    _check_among("models", model_names, [model.name for model in config.models])
    models = tuple(model for model in config.models if model.name in model_names)
    tasks = tuple(task for task in config.tasks if any(m.runs_on(task, d) for m in models for d in task.dimensions))
    return replace(config, tasks=tasks, models=_models_on(models, tasks))


def restricted_to_dimensions(config: SweepConfig, dimensions: list[int]) -> SweepConfig:
    """The sweep at these input dimensions only, on the tasks that sweep them and with the models that run there
    (to run a large sweep in parts, e.g. its cheap dimensions first)."""
    swept = sorted({d for task in config.tasks for d in task.dimensions})
    _check_among("dimensions", [str(d) for d in dimensions], [str(d) for d in swept])
    tasks = tuple(
        replace(task, dimensions=tuple(d for d in task.dimensions if d in dimensions))
        for task in config.tasks
        if any(d in dimensions for d in task.dimensions)
    )
    return replace(config, tasks=tasks, models=_models_on(config.models, tasks))


def _models_on(models: tuple[ModelSpec, ...], tasks: tuple[TaskSpec, ...]) -> tuple[ModelSpec, ...]:
    """The models that run on some of `tasks`, each naming only those of its `tasks` that are left (a variant no
    task of the sweep carries any more is refused by the sweep's checks)."""
    labels = {task.label for task in tasks}
    kept = (model for model in models if any(model.runs_on(t, d) for t in tasks for d in t.dimensions))
    return tuple(replace(m, tasks=tuple(label for label in m.tasks if label in labels)) for m in kept)


def _check_among(what: str, wanted: list[str], available: list[str]) -> None:
    names = list(dict.fromkeys(available))
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        raise InvalidArgument(f"{what} must be among the sweep's ({', '.join(names)}); got {unknown}")


def sweep_from_dict(data: Mapping[str, Any]) -> SweepConfig:
    """A `SweepConfig` from plain data (a parsed TOML or YAML file)."""
    data = dict(_table("sweep", data, SweepConfig))
    if not isinstance(data.get("seeds", ()), list | tuple):
        raise InvalidArgumentType(f"seeds must be a list of integers, got {data['seeds']!r}")
    data["tasks"] = tuple(TaskSpec(**_table("task", task, TaskSpec)) for task in _entries(data, "tasks"))
    data["models"] = tuple(_model(_table("model", model, ModelSpec)) for model in _entries(data, "models"))
    config = SweepConfig(**data)
    _check_grid_names("MLPClassifier", config.matched_mlp_grid, "matched_mlp_grid")
    return config


def _entries(data: Mapping[str, Any], name: str) -> list:
    entries = data.get(name, ())
    if not isinstance(entries, list | tuple):
        raise InvalidArgumentType(f"{name} must be a list of tables ([[{name}]] in TOML), got {entries!r}")
    return list(entries)


def _table(what: str, entry, spec: type) -> Mapping[str, Any]:
    """`entry` if it is a mapping with only `spec`'s fields and all of its required ones."""
    if not isinstance(entry, Mapping):
        raise InvalidArgumentType(f"a {what} must be a table of fields, got {entry!r}")
    known = {f.name for f in fields(spec)}
    required = {f.name for f in fields(spec) if f.default is MISSING and f.default_factory is MISSING}
    unknown, missing = sorted(set(entry) - known), sorted(required - set(entry))
    if unknown:
        raise InvalidArgument(f"unknown {what} fields {unknown}; expected some of {sorted(known)}")
    if missing:
        raise InvalidArgument(f"a {what} needs the field(s) {missing}, got only {sorted(entry)}")
    return entry


def _model(fields_: Mapping[str, Any]) -> ModelSpec:
    """A `ModelSpec` whose grid names only arguments its estimator takes (a typo would fail at the first fit)."""
    model = ModelSpec(**fields_)
    _check_grid_names(model.name, model.grid, f"grid of model {model.name!r}")
    return model


def _check_grid_names(name: str, grid: Mapping[str, tuple], what: str) -> None:
    accepted = init_parameters(estimator_path(name))
    unknown = sorted(set(grid) - accepted)
    if unknown:
        raise InvalidArgument(f"{what} names {unknown}, which {name} does not take; it takes {sorted(accepted)}")


def load_sweep(path: str | Path) -> SweepConfig:
    """Read a sweep from a `.toml` or `.yaml`/`.yml` file."""
    path = Path(path)
    if path.suffix not in (".toml", ".yaml", ".yml"):
        raise ValueError(f"sweep file must end in .toml, .yaml or .yml, got {str(path)!r}")
    data = _parse(path)
    try:
        return sweep_from_dict(data)
    except (TypeError, ValueError) as error:  # say which file, so that a user with several knows where to look
        raise InvalidArgument(f"sweep file {str(path)!r}: {error}") from error


def _parse(path: Path):
    """The plain data of a TOML or YAML file; a syntax error names the file and the place."""
    import tomllib

    import yaml

    try:
        if path.suffix == ".toml":
            with path.open("rb") as file:
                return tomllib.load(file)
        return yaml.safe_load(path.read_text())
    except (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError) as error:
        detail = " ".join(str(error).split())
        raise InvalidArgument(f"sweep file {str(path)!r} is not valid {path.suffix[1:].upper()}: {detail}") from None
