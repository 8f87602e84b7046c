"""Build qnn/data/paper_best.csv: the best hyperparameters and published test accuracies of Bowles, Ahmed & Schuld
(2024) per task, dimension and model, read from the result files of XanaduAI/qml-benchmarks (Apache License 2.0).

Usage: python scripts/paper_best.py <path to a clone or bare repository of XanaduAI/qml-benchmarks>

Only the files are read (`git show`); nothing of that repository's code is used. Each row names its two source
files and the commit they were read at.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "qnn" / "data" / "paper_best.csv"
# The paper's model names -> ours, and its hyperparameter names -> ours (None: not an argument of ours).
MODELS = {
    "CircuitCentricClassifier": "CircuitCentricClassifier",
    "DataReuploadingClassifier": "DataReuploadingClassifier",
    "DressedQuantumCircuitClassifier": "DressedQuantumCircuitClassifier",
    "IQPKernelClassifier": "IQPKernelClassifier",
    "IQPVariationalClassifier": "IQPVariationalClassifier",
    "MLPClassifier": "MLPClassifier",
    "ProjectedQuantumKernel": "ProjectedQuantumKernelClassifier",
    "QuanvolutionalNeuralNetwork": "QuanvolutionalClassifier",
    "SVC": "SVC",
    "SeparableVariationalClassifier": "SeparableVariationalClassifier",
}
RENAMED = {
    "n_input_copies": "n_copies", "encoding_layers": "n_layers", "max_vmap": None,
    "qkernel_shape": "qkernel_size", "kernel_shape": "kernel_size",
}  # fmt: skip
# Hyperparameters the paper left at its models' defaults, which differ from ours.
TRAINING = {"max_steps": 10000, "convergence_interval": 200}
DEFAULTS = {
    "CircuitCentricClassifier": TRAINING,
    "DataReuploadingClassifier": TRAINING,
    "DressedQuantumCircuitClassifier": {"max_steps": 100000, "convergence_interval": 200},
    "IQPVariationalClassifier": TRAINING,
    "SeparableVariationalClassifier": TRAINING,
    "QuanvolutionalClassifier": TRAINING,
    "MLPClassifier": {"max_iter": 3000},
}
TWO_CURVES = {"offset": 0.1, "noise": 0.01}
# Result folder, file-name pattern -> (our task, its parameters, the dimension), from the match.
DATASETS = [
    ("linearly_separable", r"linearly_separable_(\d+)d", lambda m: ("linearly_separable", {}, int(m[1]))),
    ("hidden_manifold", r"hidden_manifold-6manifold-(\d+)d",
     lambda m: ("hidden_manifold", {"manifold_dimension": 6}, int(m[1]))),
    ("two_curves", r"two_curves-5degree-0\.1offset-(\d+)d",
     lambda m: ("two_curves", {"degree": 5, **TWO_CURVES}, int(m[1]))),
    ("mnist_pca", r"mnist_3-5_(\d+)d", lambda m: ("mnist_pca", {}, int(m[1]))),
    ("hidden_manifold_diff", r"hidden_manifold-10d-(\d+)manifold",
     lambda m: ("hidden_manifold", {"manifold_dimension": int(m[1])}, 10)),
    # The paper's generator script brings the curves closer as they wind more: offset 1 / (2 degree).
    ("two_curves_diff", r"two_curves-10d-(\d+)degree",
     lambda m: ("two_curves", {"degree": int(m[1]), "noise": 0.01, "offset": 1 / (2 * int(m[1]))}, 10)),
    ("bars_and_stripes", r"bars_and_stripes_(\d+)_x_\1_0\.5noise",
     lambda m: ("bars_and_stripes", {"noise_std": 0.5}, int(m[1]) ** 2)),
    ("hyperplanes_diff", r"hyperplanes-10d-from3d-(\d+)n",
     lambda m: ("hyperplanes_parity", {"n_hyperplanes": int(m[1]), "dim_hyperplanes": 3}, 10)),
]  # fmt: skip
COLUMNS = [
    "variant", "task", "task_params", "dimension", "model", "hyperparameters", "test_accuracy_mean",
    "test_accuracy_std", "test_accuracy_sem", "n_seeds", "hyperparameters_source", "results_source", "commit",
]  # fmt: skip


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={repo}", *args], check=True, capture_output=True, text=True).stdout


def value(text: str):
    """A CSV cell as a number, a tuple (as a list) or a string."""
    if text.startswith("("):
        return [int(v) for v in text.strip("()").split(",") if v.strip()]
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def hyperparameters(text: str, model: str) -> dict:
    found = {}
    for row in csv.DictReader(io.StringIO(text)):
        name = RENAMED.get(row["hyperparameter"], row["hyperparameter"])
        if name is not None:
            found[name] = value(row["best_value"])
    if "learning_rate" in found:
        found["learning_rate"] = float(found["learning_rate"])
    return {**DEFAULTS.get(model, {}), **found}


def accuracies(text: str) -> list[float]:
    return [float(row["test_acc"]) for row in csv.DictReader(io.StringIO(text))]


def rows(repo: Path, commit: str):
    files = git(repo, "ls-tree", "-r", "--name-only", commit, "paper/results").split()
    for path in sorted(files):
        parts = path.split("/")
        if len(parts) != 5 or not parts[4].endswith("_GridSearchCV-best-hyperparams.csv"):
            continue
        variant, paper_model, name = parts[2], parts[3], parts[4]
        stem = name.removesuffix("_GridSearchCV-best-hyperparams.csv").removeprefix(paper_model + "_")
        match = next(((f, m) for v, p, f in DATASETS if v == variant and (m := re.fullmatch(p, stem))), None)
        results = path.replace("-best-hyperparams.csv", "-best-hyperparams-results.csv")
        if paper_model not in MODELS or match is None or results not in files:
            continue
        task, params, dimension = match[0](match[1])
        model = MODELS[paper_model]
        scores = accuracies(git(repo, "show", f"{commit}:{results}"))
        mean = sum(scores) / len(scores)
        std = math.sqrt(sum((s - mean) ** 2 for s in scores) / (len(scores) - 1)) if len(scores) > 1 else 0.0
        best = hyperparameters(git(repo, "show", f"{commit}:{path}"), model)
        yield {
            "variant": variant, "task": task, "task_params": json.dumps(params, sort_keys=True),
            "dimension": dimension, "model": model, "hyperparameters": json.dumps(best, sort_keys=True),
            "test_accuracy_mean": f"{mean:.4f}", "test_accuracy_std": f"{std:.4f}",
            "test_accuracy_sem": f"{std / math.sqrt(len(scores)):.4f}", "n_seeds": len(scores),
            "hyperparameters_source": path, "results_source": results, "commit": commit,
        }  # fmt: skip


def main(repo: str) -> None:
    repo = Path(repo)
    repo = repo / ".git" if (repo / ".git").exists() else repo
    commit = git(repo, "rev-parse", "HEAD").strip()
    found = sorted(rows(repo, commit), key=lambda r: (r["variant"], r["model"], r["task_params"], r["dimension"]))
    with OUT.open("w", newline="") as file:
        file.write(
            "# Best hyperparameters (by the paper's 5-fold grid search) and test accuracies over the seeds of Bowles,\n"
            "# Ahmed & Schuld (2024), arXiv:2403.07059, from the result files of XanaduAI/qml-benchmarks (Apache\n"
            "# License 2.0) named in the source columns, at the commit given. Hyperparameter names are qnn's\n"
            "# (n_input_copies -> n_copies, encoding_layers -> n_layers, qkernel_shape -> qkernel_size,\n"
            "# kernel_shape -> kernel_size), with the paper's model defaults that differ from ours added\n"
            "# (max_steps, convergence_interval, max_iter). std: sample standard deviation\n"
            "# (ddof 1); sem = std / sqrt(n_seeds). Written by scripts/paper_best.py.\n"
        )
        writer = csv.DictWriter(file, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(found)
    print(f"{len(found)} rows -> {OUT}")


if __name__ == "__main__":
    main(sys.argv[1])
