"""Named sweeps: `quick` (minutes on a laptop), `paper` (the full protocol of Bowles, Ahmed & Schuld 2024) and
`paper-best` (the paper's best hyperparameters, shipped in qnn/data/paper_best.csv, retrained on 5 seeds).

Example:
    >>> sorted(PRESETS)
    ['paper', 'paper-best', 'quick']
    >>> len(quick().tasks), max(quick().tasks[0].dimensions)
    (3, 20)
"""

from __future__ import annotations

from dataclasses import replace

from qnn.bench.config import ModelSpec, SweepConfig, TaskSpec

# The paper's grids (qml-benchmarks' src/qml_benchmarks/hyperparameter_settings.py), in our hyperparameter names,
# with the paper's model defaults where they differ from ours (max_steps, convergence_interval, MLP max_iter).
_LEARNING_RATES = (0.001, 0.01, 0.1)
_TRAINING = {"max_steps": (10000,), "convergence_interval": (200,), "batch_size": (32,)}
PAPER_GRIDS = {
    "DataReuploadingClassifier": {
        "n_layers": (1, 5, 10, 15),
        "observable_type": ("single", "half", "full"),
        "learning_rate": _LEARNING_RATES,
        **_TRAINING,
    },  # fmt: skip
    "CircuitCentricClassifier": {
        "n_layers": (1, 5, 10),
        "n_copies": (1, 2, 3),
        "learning_rate": _LEARNING_RATES,
        **_TRAINING,
    },  # fmt: skip
    "DressedQuantumCircuitClassifier": {
        "n_layers": (1, 5, 10, 15),
        "learning_rate": _LEARNING_RATES,
        **_TRAINING,
        "max_steps": (100000,),
    },  # fmt: skip
    "IQPVariationalClassifier": {
        "n_layers": (1, 5, 10, 15),
        "repeats": (1, 5, 10),
        "learning_rate": _LEARNING_RATES,
        **_TRAINING,
    },  # fmt: skip
    "SeparableVariationalClassifier": {"n_layers": (1, 3, 5, 10), "learning_rate": _LEARNING_RATES, **_TRAINING},
    "IQPKernelClassifier": {"repeats": (1, 5, 10), "C": (0.1, 1.0, 10.0, 100.0)},
    "ProjectedQuantumKernelClassifier": {
        "gamma_factor": (0.1, 1.0, 10.0),
        "trotter_steps": (1, 3, 5),
        "t": (0.01, 0.1, 1.0),
        "C": (0.1, 1.0, 10.0, 100.0),
    },
    "MLPClassifier": {
        "hidden_layer_sizes": ((100,), (10, 10, 10, 10), (50, 10, 5)),
        "learning_rate_init": (0.001, 0.01, 0.1),
        "alpha": (0.01, 0.001, 0.0001),
        "batch_size": (32,),
        "max_iter": (3000,),
    },
    "SVC": {"gamma": (0.001, 0.01, 0.1, 1.0), "C": (0.1, 1.0, 10.0, 100.0)},
}

PAPER_QUANVOLUTION_GRID = {
    "learning_rate": (0.0001, 0.001, 0.01),
    "n_qchannels": (1, 5, 10),
    "qkernel_size": (2, 3),
    "kernel_size": (2, 3, 5),
    **_TRAINING,
}
CLASSICAL = ("MLPClassifier", "SVC")
MNIST_MAX_DIMENSION = 10  # the shipped MNIST PCA features


def paper() -> SweepConfig:
    """The paper's protocol: 300 samples, 5-fold CV over the full grids, 5 seeds (hours to days).

    The d-sweeps (d = 2..20; MNIST PCA 2..10, the shipped features), the variants at d = 10 that vary the
    difficulty instead (`paper_variants`), and bars and stripes at 4, 8, 16 and 32 pixels a side (1,000 training
    and 200 test images) for the quanvolutional classifier and the classical baselines. The other quantum models
    stop at d = 20, where one qubit per feature is already 2^20 amplitudes per sample.
    """
    dimensions = tuple(range(2, 21))
    tasks = (
        # The paper drew each task once; its own points (`qnn.bench.paper_draws`), not a fresh draw per seed.
        TaskSpec("linearly_separable", dimensions, params=PAPER_DRAWS),
        TaskSpec("hidden_manifold", dimensions, params={"manifold_dimension": 6, **PAPER_DRAWS}),
        TaskSpec("two_curves", dimensions, params={"degree": 5, "offset": 0.1, "noise": 0.01, **PAPER_DRAWS}),
        *paper_variants(),
        TaskSpec("mnist_pca", tuple(range(2, MNIST_MAX_DIMENSION + 1)), n_samples=None),
        TaskSpec("bars_and_stripes", BARS_AND_STRIPES_PIXELS, n_samples=1200, params={"noise_std": 0.5}, test_size=200),
    )
    tabular = tuple(dict.fromkeys(task.label for task in tasks if task.name != "bars_and_stripes"))
    models = tuple(
        ModelSpec(name, grid) if name in CLASSICAL else ModelSpec(name, grid, tasks=tabular, max_dimension=20)
        for name, grid in PAPER_GRIDS.items()
    )
    quanvolution = ModelSpec("QuanvolutionalClassifier", PAPER_QUANVOLUTION_GRID, tasks=("bars_and_stripes",))
    return SweepConfig(tasks, (*models, quanvolution), n_folds=5, seeds=(0, 1, 2, 3, 4))


BARS_AND_STRIPES_PIXELS = (16, 64, 256, 1024)  # 4x4 to 32x32 images
PAPER_DRAWS = {"draws": "paper"}  # the task parameter that loads the paper's own data points (its d-sweeps)
VARIANT_DRAWS = {"draws": "paper_diff"}  # the same for its variants at d = 10
VARIANT_DIMENSION = 10
VARIANT_RANGE = range(2, 21)


def paper_variants() -> tuple[TaskSpec, ...]:
    """The paper's tasks at d = 10 that vary one generator argument from 2 to 20, as its generator scripts set
    them: the number of hyperplanes (of 3-d data), the manifold dimension, and the degree of the curves (their
    offset 1 / (2 degree), so that the curves come closer as they wind more); on the paper's own points."""
    d = (VARIANT_DIMENSION,)
    return (
        *(TaskSpec("hyperplanes_parity", d, params={"n_hyperplanes": k, "dim_hyperplanes": 3, **VARIANT_DRAWS},
                   variant="hyperplanes_diff") for k in VARIANT_RANGE),
        *(TaskSpec("hidden_manifold", d, params={"manifold_dimension": m, **VARIANT_DRAWS},
                   variant="hidden_manifold_diff") for m in VARIANT_RANGE),
        *(TaskSpec("two_curves", d, params={"degree": g, "offset": 1 / (2 * g), "noise": 0.01, **VARIANT_DRAWS},
                   variant="two_curves_diff") for g in VARIANT_RANGE),
    )  # fmt: skip


def quick() -> SweepConfig:
    """Three tasks up to d = 20 (MNIST: 10) with three quantum models (two qubit-efficient: data re-uploading puts
    three features on a qubit, circuit-centric amplitude-encodes d features on log2(d) qubits), their ablations,
    parameter-matched MLPs and the classical baselines; short training, small grids, 2 folds and 2 seeds, so the
    whole sweep (504 fits) runs in about two minutes on two idle cores."""
    tasks = (
        TaskSpec("linearly_separable", (2, 10, 20), n_samples=200),
        TaskSpec("hidden_manifold", (2, 10, 20), n_samples=200),
        TaskSpec("mnist_pca", (2, 6, 10), n_samples=200),  # the shipped PCA has 10 features
    )
    short = {"n_layers": (1, 3), "learning_rate": (0.05,), "max_steps": (150,)}
    models = (
        ModelSpec("DataReuploadingClassifier", short),
        ModelSpec("CircuitCentricClassifier", short),
        # One qubit per feature up to 8 (the paper's one per feature makes d = 20 take minutes per fit).
        ModelSpec("DressedQuantumCircuitClassifier", {**short, "max_qubits": (8,)}),
        ModelSpec("MLPClassifier", {"hidden_layer_sizes": ((10,), (50,)), "max_iter": (1000,)}),
        ModelSpec("SVC", {"C": (1.0, 10.0)}),
        ModelSpec("LogisticRegression", {"C": (1.0,)}),
    )
    # 150 steps are too few for the paper's stopping rule to end training, so quick selects unconverged fits too.
    return SweepConfig(
        tasks, models, n_folds=2, seeds=(0, 1), matched_mlp_grid={"max_iter": (1000,)}, convergence_required=False
    )


# The shipped best hyperparameters of the paper's d-sweeps and of its variants at d = 10 (`variant` column).
PAPER_BEST_VARIANTS = (
    "linearly_separable", "hidden_manifold", "two_curves", "mnist_pca",
    "hyperplanes_diff", "hidden_manifold_diff", "two_curves_diff", "bars_and_stripes",
)  # fmt: skip


def paper_best_table():
    """qnn/data/paper_best.csv as a pandas DataFrame (the paper's best hyperparameters and published accuracies)."""
    from importlib import resources

    import pandas as pd

    with resources.as_file(resources.files("qnn") / "data" / "paper_best.csv") as path:
        return pd.read_csv(path, comment="#")


def paper_best() -> SweepConfig:
    """The paper's best hyperparameters per task, dimension and model (no grid search), each retrained on 5 seeds,
    with the no-entanglement ablations; the d-sweeps and variants of `paper()` (MNIST PCA up to the 10 shipped
    features) and the quanvolutional classifier on 4x4 and 8x8 bars and stripes. Each model entry runs on one
    task: its variant (or task name), generator arguments and dimension."""
    import json

    table = paper_best_table()
    table = table[table["variant"].isin(PAPER_BEST_VARIANTS)]
    table = table[(table["task"] != "mnist_pca") | (table["dimension"] <= MNIST_MAX_DIMENSION)]
    published = {(row.variant, row.task_params, int(row.dimension)) for row in table.itertuples()}
    tasks = []
    for task in paper().tasks:
        identity = (task.label, json.dumps(published_params(task.params), sort_keys=True))
        dimensions = tuple(d for d in task.dimensions if (*identity, d) in published)
        if dimensions:
            tasks.append(replace(task, dimensions=dimensions))
    models = tuple(
        ModelSpec(row.model, _one_point(json.loads(row.hyperparameters)), matched_mlp=False, tasks=(row.variant,),
                  dimensions=(int(row.dimension),), task_params=json.loads(row.task_params))
        for row in table.itertuples()
    )  # fmt: skip
    return SweepConfig(tuple(tasks), models, n_folds=5, seeds=(0, 1, 2, 3, 4))


def published_params(params: dict) -> dict:
    """A task's generator arguments as the published table names them: which draw of the data is not one."""
    return {key: value for key, value in params.items() if key != "draws"}


def _one_point(hyperparameters: dict) -> dict:
    """A grid of exactly these values (a list value, e.g. hidden_layer_sizes, is one value, not a list of them)."""
    return {key: (tuple(value) if isinstance(value, list) else value,) for key, value in hyperparameters.items()}


PRESETS = {"quick": quick, "paper": paper, "paper-best": paper_best}


def preset(name: str) -> SweepConfig:
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}; got {name!r}")
    return PRESETS[name]()
