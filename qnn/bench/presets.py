"""Named sweeps: `quick` (minutes on a laptop), `paper` (the full protocol of Bowles, Ahmed & Schuld 2024) and
`paper-best` (the paper's best hyperparameters, shipped in qnn/data/paper_best.csv, retrained on 5 seeds).

Example:
    >>> sorted(PRESETS)
    ['paper', 'paper-best', 'quick']
    >>> len(quick().tasks), max(quick().tasks[0].dimensions)
    (3, 20)
"""

from __future__ import annotations

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


def paper() -> SweepConfig:
    """The paper's protocol: 300 samples, d = 2..20, 5-fold CV over the full grids, 5 seeds (hours to days).

    Bars and stripes (4x4 and 8x8 images, 1,200 samples) adds the quanvolutional classifier; the other quantum
    models stop at d = 20, where one qubit per feature is already 2^20 amplitudes per sample.
    """
    dimensions = tuple(range(2, 21))
    tasks = (
        TaskSpec("linearly_separable", dimensions),
        TaskSpec("hidden_manifold", dimensions, params={"manifold_dimension": 6}),
        TaskSpec("two_curves", dimensions, params={"degree": 5, "offset": 0.1, "noise": 0.01}),
        TaskSpec("hyperplanes_parity", dimensions, params={"n_hyperplanes": 3, "dim_hyperplanes": 3}),
        TaskSpec("mnist_pca", tuple(range(2, 11)), n_samples=None),
        TaskSpec("bars_and_stripes", (16, 64), n_samples=1200, params={"noise_std": 0.5}),
    )
    models = tuple(
        ModelSpec(name, grid, max_dimension=None if name in CLASSICAL else 20) for name, grid in PAPER_GRIDS.items()
    )
    quanvolution = ModelSpec("QuanvolutionalClassifier", PAPER_QUANVOLUTION_GRID, tasks=("bars_and_stripes",))
    return SweepConfig(tasks, (*models, quanvolution), n_folds=5, seeds=(0, 1, 2, 3, 4))


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


# Where the shipped best hyperparameters come from: the paper's d-sweeps of each task (its variants that fix
# d = 10 and vary the task's difficulty are in the file too, but share task names with these, so they run apart).
PAPER_BEST_VARIANTS = ("linearly_separable", "hidden_manifold", "two_curves", "mnist_pca")
MNIST_MAX_DIMENSION = 10  # the shipped MNIST PCA features


def paper_best_table():
    """qnn/data/paper_best.csv as a pandas DataFrame (the paper's best hyperparameters and published accuracies)."""
    from importlib import resources

    import pandas as pd

    with resources.as_file(resources.files("qnn") / "data" / "paper_best.csv") as path:
        return pd.read_csv(path, comment="#")


def paper_best() -> SweepConfig:
    """The paper's best hyperparameters per task, dimension and model (no grid search), each retrained on 5 seeds,
    with the no-entanglement ablations; the tasks of `paper()`, MNIST PCA up to the 10 shipped features."""
    import json

    table = paper_best_table()
    table = table[table["variant"].isin(PAPER_BEST_VARIANTS)]
    table = table[(table["task"] != "mnist_pca") | (table["dimension"] <= MNIST_MAX_DIMENSION)]
    tasks = tuple(
        TaskSpec(t.name, tuple(sorted(int(d) for d in set(table.loc[table["task"] == t.name, "dimension"]))),
                 t.n_samples, t.params)
        for t in paper().tasks if t.name in set(table["task"])
    )  # fmt: skip
    models = tuple(
        ModelSpec(row.model, _one_point(json.loads(row.hyperparameters)), matched_mlp=False, tasks=(row.task,),
                  dimensions=(int(row.dimension),))
        for row in table.itertuples()
    )  # fmt: skip
    return SweepConfig(tasks, models, n_folds=5, seeds=(0, 1, 2, 3, 4))


def _one_point(hyperparameters: dict) -> dict:
    """A grid of exactly these values (a list value, e.g. hidden_layer_sizes, is one value, not a list of them)."""
    return {key: (tuple(value) if isinstance(value, list) else value,) for key, value in hyperparameters.items()}


PRESETS = {"quick": quick, "paper": paper, "paper-best": paper_best}


def preset(name: str) -> SweepConfig:
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(PRESETS)}; got {name!r}")
    return PRESETS[name]()
