"""Model names in a sweep, turned into scikit-learn estimators, and what a fitted estimator reports about itself.

`MODELS` maps the names a sweep file may use to `"module:Class"` paths; any other `"module:Class"` string is
accepted too, so a sweep can benchmark any scikit-learn classifier. Quantum models are the estimators whose
`__init__` takes `entangling` or that live in `qnn.models`: they get a parameter-matched MLP, and a
no-entanglement ablation where they take `entangling`.
"""

from __future__ import annotations

import functools
import importlib
import inspect
from typing import Any

import numpy as np

QUANTUM_MODELS = (
    "DressedQuantumCircuitClassifier",
    "DataReuploadingClassifier",
    "IQPVariationalClassifier",
    "SeparableVariationalClassifier",
    "CircuitCentricClassifier",
    "IQPKernelClassifier",
    "ProjectedQuantumKernelClassifier",
    "QuanvolutionalClassifier",
    "ExpvalQuanvolutionalClassifier",
)
MODELS = {
    **{name: f"qnn.models:{name}" for name in QUANTUM_MODELS},
    "MLPClassifier": "sklearn.neural_network:MLPClassifier",
    "SVC": "sklearn.svm:SVC",
    "LogisticRegression": "sklearn.linear_model:LogisticRegression",
}
ABLATION_SUFFIX = " (no entanglement)"
MATCHED_PREFIX = "MLP matched to "


def estimator_path(name: str) -> str:
    """The "module:Class" path of a model name (a key of MODELS, or already a path)."""
    if name in MODELS:
        return MODELS[name]
    if ":" in name:
        return name
    raise ValueError(f"model name must be one of {', '.join(MODELS)} or 'package.module:Class'; got {name!r}")


@functools.cache
def estimator_class(path: str) -> type:
    module, _, attribute = path.partition(":")
    try:
        return getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"model path {path!r} does not name an importable class ({error})") from error


def init_parameters(path: str) -> set[str]:
    return set(inspect.signature(estimator_class(path).__init__).parameters) - {"self"}


def is_quantum(path: str) -> bool:
    """Quantum models: qnn's own, and any estimator that can switch its entanglement off."""
    return path.startswith("qnn.models:") or has_ablation(path)


def has_ablation(path: str) -> bool:
    """Whether the estimator takes `entangling` (False removes every entangling gate)."""
    return "entangling" in init_parameters(path)


def build_estimator(path: str, hyperparameters: dict[str, Any], seed: int):
    """An unfitted estimator; `random_state` is set to `seed` where the estimator takes one."""
    parameters = dict(hyperparameters)
    accepted = init_parameters(path)
    unknown = set(parameters) - accepted
    if unknown:
        raise ValueError(f"hyperparameters {sorted(unknown)} are not arguments of {path}; it takes {sorted(accepted)}")
    if "random_state" in accepted:
        parameters.setdefault("random_state", seed)
    if "verbose" in accepted and path.startswith("qnn."):
        parameters.setdefault("verbose", False)  # one progress bar for the whole sweep, not one per fit
    return estimator_class(path)(**parameters)


def parameter_count(estimator) -> int:
    """Trainable parameters of a fitted estimator: `n_params_` where it reports it, else counted from its arrays."""
    if hasattr(estimator, "n_params_"):
        return int(estimator.n_params_)
    if hasattr(estimator, "coefs_"):  # MLPClassifier
        return int(sum(a.size for a in estimator.coefs_) + sum(b.size for b in estimator.intercepts_))
    if hasattr(estimator, "support_vectors_"):  # SVC: the support vectors and their dual coefficients
        return int(estimator.support_vectors_.size + estimator.dual_coef_.size + np.size(estimator.intercept_))
    if hasattr(estimator, "coef_"):  # linear models
        return int(estimator.coef_.size + np.size(estimator.intercept_))
    return 0


def matched_hidden_sizes(n_features: int, n_classes: int, n_params: int) -> tuple[int, ...]:
    """Hidden layer sizes of an MLPClassifier with about `n_params` parameters (one hidden layer)."""
    from qnn.models import matched_hidden_sizes as match

    return tuple(int(h) for h in match(n_features, n_classes, n_params))
