"""Quantum-kernel classifiers: a kernel from `qnn.models.kernels` and scikit-learn's `SVC` on the
precomputed Gram matrix.

Fitted attributes: `classes_`, `svc_` (the SVC trained on all samples), `calibrated_` (its Platt
scaling), `n_qubits_`, `n_params_` (the SVC's support vectors, dual coefficients and intercepts; the
embedding has no trainable parameters), `n_circuit_executions_` (circuits a device would run during
fit: one per Gram entry for the fidelity kernel, one per sample and measured Pauli basis for the
projected kernel), and `gamma_` for the projected kernel (the γ of the training Gram matrix).

`predict_by="svc"` (the paper's) labels by the SVC's decision function; `"probability"` by the largest
calibrated probability, so that `predict` agrees with `predict_proba`.

Example:
    >>> from sklearn.datasets import make_classification
    >>> X, y = make_classification(40, n_features=3, n_informative=2, n_redundant=0, random_state=0)
    >>> IQPKernelClassifier(random_state=0).fit(X, y).n_circuit_executions_
    1600
"""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVC
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from qnn.models.circuit_tools import without_entanglement
from qnn.models.kernels import (
    default_gamma,
    embedding_states,
    fidelity_kernel,
    hamiltonian_embedding,
    iqp_embedding,
    one_qubit_paulis,
    projected_kernel,
)
from qnn.models.losses import check_choice

EMBEDDINGS = ("hamiltonian", "iqp")
PREDICT_BY = ("svc", "probability")
GAMMA_FROM = ("rows", "training")


class KernelClassifier(ClassifierMixin, BaseEstimator):
    """Abstract: features scaled to [-π/2, π/2], embedded by `_features`, compared by `_gram`, fed to SVC."""

    def _features(self, X: np.ndarray) -> torch.Tensor:
        raise NotImplementedError

    def _gram(self, a: torch.Tensor, b: torch.Tensor) -> np.ndarray:
        raise NotImplementedError

    def _prepare(self, X: np.ndarray) -> None:
        """Set data-dependent settings (the embedding circuit) before the training features are computed."""
        raise NotImplementedError

    def fit(self, X, y):
        """Fit on X (n_samples, n_features) and labels y (n_samples,) of any type; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(f"y must hold at least two classes, got one class: {self.classes_[0]!r}")
        self.scaler_ = MinMaxScaler(feature_range=(-math.pi / 2, math.pi / 2)).fit(X)
        self._prepare(X)
        self.train_features_ = self._features(self.scaler_.transform(X))
        gram = self._gram(self.train_features_, self.train_features_)
        # Platt scaling fitted by cross-validation (SVC splits a precomputed Gram matrix by rows and columns);
        # with ensemble=False the SVC that predicts is the one trained on all samples.
        svc = SVC(kernel="precomputed", C=self.C)
        folds = StratifiedKFold(min(3, self._smallest_class(y)), shuffle=True, random_state=self.random_state)
        self.calibrated_ = CalibratedClassifierCV(svc, method="sigmoid", cv=folds, ensemble=False)
        self.calibrated_.fit(gram, y)
        self.svc_ = self.calibrated_.calibrated_classifiers_[0].estimator
        # Counted as for a fitted scikit-learn SVC: support vectors, dual coefficients and intercepts.
        svc = self.svc_
        self.n_params_ = int(len(svc.support_) * X.shape[1] + svc.dual_coef_.size + svc.intercept_.size)
        return self

    @staticmethod
    def _smallest_class(y) -> int:
        return max(2, int(np.unique(y, return_counts=True)[1].min()))

    def gram_matrix(self, X) -> np.ndarray:
        """Kernel values (n_samples, n_train) between X and the training samples."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._gram(self._features(self.scaler_.transform(X)), self.train_features_)

    def predict(self, X) -> np.ndarray:
        """Labels (n_samples,): the SVC's (`predict_by="svc"`) or the largest calibrated probability's."""
        check_choice("predict_by", self.predict_by, PREDICT_BY)
        gram = self.gram_matrix(X)
        return self.svc_.predict(gram) if self.predict_by == "svc" else self.calibrated_.predict(gram)

    def predict_proba(self, X) -> np.ndarray:
        """Platt-scaled class probabilities (n_samples, n_classes), columns in the order of `classes_`."""
        gram = self.gram_matrix(X)
        return self.calibrated_.predict_proba(gram)


class IQPKernelClassifier(KernelClassifier):
    """Havlíček et al. 2019's fidelity kernel with PennyLane's IQP embedding repeated `repeats` times.

    `entangling=False` drops the embedding's MultiRZ gates (a product-state kernel). `random_state`
    seeds the folds that fit the probability calibration.
    """

    def __init__(self, repeats=2, C=1.0, entangling=True, predict_by="svc", random_state=None):
        self.repeats = repeats
        self.C = C
        self.entangling = entangling
        self.predict_by = predict_by
        self.random_state = random_state

    def _prepare(self, X):
        circuit = iqp_embedding(X.shape[1], self.repeats)
        self.embedding_ = circuit if self.entangling else without_entanglement(circuit)
        self.n_qubits_ = self.embedding_.n_qubits
        self.n_circuit_executions_ = len(X) ** 2

    def _features(self, X):
        return embedding_states(self.embedding_, X)

    def _gram(self, a, b):
        return fidelity_kernel(a, b).numpy()


class ProjectedQuantumKernelClassifier(KernelClassifier):
    """Huang et al. 2021's projected kernel: γ · exp-distance between one-qubit reduced states.

    `embedding="hamiltonian"` (default): random fixed rotations then a Trotterised Heisenberg evolution on
    d + 1 qubits (time `t`, `trotter_steps`); `"iqp"`: the IQP embedding on d qubits. γ is
    `gamma_factor` / (variance of the Pauli values · d): with `gamma_from="rows"` (the paper's code) the values
    of the samples each Gram matrix is computed for (the training set in fit, the predicted samples in
    predict), so a prediction depends on the samples predicted with it; with `"training"` those of the training
    set always. `gamma_` is the training γ.
    `random_state` seeds the fixed rotations and the folds that fit the probability calibration.
    """

    def __init__(
        self,
        embedding="hamiltonian",
        gamma_factor=1.0,
        t=1 / 3,
        trotter_steps=5,
        C=1.0,
        entangling=True,
        gamma_from="rows",
        predict_by="svc",
        random_state=None,
    ):
        self.embedding = embedding
        self.gamma_factor = gamma_factor
        self.t = t
        self.trotter_steps = trotter_steps
        self.C = C
        self.entangling = entangling
        self.gamma_from = gamma_from
        self.predict_by = predict_by
        self.random_state = random_state

    def _prepare(self, X):
        check_choice("gamma_from", self.gamma_from, GAMMA_FROM)
        d = X.shape[1]
        if self.embedding == "hamiltonian":
            angles = check_random_state(self.random_state).uniform(0, 2 * math.pi, size=(d + 1, 3))
            circuit = hamiltonian_embedding(d, angles, self.t, self.trotter_steps)
        elif self.embedding == "iqp":
            circuit = iqp_embedding(d)
        else:
            raise ValueError(f"embedding must be one of {EMBEDDINGS}, got {self.embedding!r}")
        self.embedding_ = circuit if self.entangling else without_entanglement(circuit)
        self.n_qubits_ = self.embedding_.n_qubits
        self.n_circuit_executions_ = 3 * len(X)
        self.gamma_ = None  # set from the training features in `_gram`'s first call

    def _features(self, X):
        return one_qubit_paulis(embedding_states(self.embedding_, X), self.n_qubits_)

    def _gram(self, a, b):
        gamma = self.gamma_factor * default_gamma(a, self.n_features_in_)
        if self.gamma_ is None:
            self.gamma_ = gamma  # the first call is fit's, on the training features
        return projected_kernel(a, b, gamma if self.gamma_from == "rows" else self.gamma_).numpy()
