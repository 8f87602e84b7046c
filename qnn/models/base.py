"""What every variational estimator shares: the scikit-learn contract around one torch module.

A subclass says which module to build (`_build_model`), how many circuits one sample runs
(`_circuits_per_sample`), and, where it does not train logits by cross-entropy, its loss (`_loss_fn`) and how
its outputs become class probabilities (`_probabilities`); `fit` validates the data, encodes the labels, seeds
everything from `random_state`, trains with `qnn.training.train`, and records the fitted attributes.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from qnn.layer import QuantumLayer
from qnn.models.layers import count_parameters
from qnn.models.losses import expectation_probabilities
from qnn.training import TrainConfig, train

OPTIMIZERS = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop, "sgd": torch.optim.SGD}


def resolve_optimizer(optimizer) -> type[torch.optim.Optimizer]:
    """A torch optimiser class from a class or its name ("adam", "rmsprop", "sgd")."""
    if isinstance(optimizer, str):
        if optimizer.lower() not in OPTIMIZERS:
            raise ValueError(
                f"optimizer must be one of {sorted(OPTIMIZERS)} or a torch optimiser class, got {optimizer!r}"
            )
        return OPTIMIZERS[optimizer.lower()]
    return optimizer


def seed_from(random_state) -> int:
    """One integer seed from scikit-learn's `random_state` (None, an int or a RandomState)."""
    return int(check_random_state(random_state).randint(2**31 - 1))


class QuantumClassifier(ClassifierMixin, BaseEstimator):
    """Abstract: a classifier whose `model_` is a torch module from raw X (batch, d) to logits (batch, n_classes).

    Fitted attributes: `classes_`, `n_features_in_`, `model_`, `n_params_`, `n_qubits_`,
    `n_circuit_executions_` (circuit evaluations during fit), `loss_curve_`, `converged_`.
    """

    def _build_model(self, X: np.ndarray, n_classes: int, generator: torch.Generator) -> nn.Module:
        raise NotImplementedError

    def _circuits_per_sample(self) -> int:
        return 1

    def _loss_fn(self):
        """The training loss `(outputs, class indices) -> scalar` for the built `model_`; None: cross-entropy."""
        return None

    def _probabilities(self, outputs: torch.Tensor) -> torch.Tensor:
        """Class probabilities (batch, n_classes) from the model's outputs: the softmax of logits, or where the
        model reads out expectation values (`readout_ == "expectations"`), ((1 − ē)/2, (1 + ē)/2)."""
        if self._reads_expectations():
            return expectation_probabilities(outputs)
        return torch.softmax(outputs, dim=1)

    def _reads_expectations(self) -> bool:
        return getattr(self, "readout_", "logits") == "expectations"

    def _train_config(self) -> TrainConfig:
        return TrainConfig(
            optimizer=resolve_optimizer(self.optimizer),
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            batch_size=self.batch_size,
            max_steps=self.max_steps,
            convergence_interval=self.convergence_interval,
            device=self.device,
            verbose=self.verbose,
        )

    def fit(self, X, y):
        """Train on X (n_samples, n_features) and labels y (n_samples,) of any type; returns self."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, y_index = np.unique(y, return_inverse=True)
        if len(self.classes_) < 2:
            raise ValueError(f"y must hold at least two classes, got one class: {self.classes_[0]!r}")
        config = self._train_config()
        seed = seed_from(self.random_state)
        generator = torch.Generator().manual_seed(seed)
        # Classical layers draw their initial weights from torch's global generator: fork it so that
        # fitting is reproducible without changing the caller's random state.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.model_ = self._build_model(X, len(self.classes_), generator)
            result = train(
                self.model_,
                torch.tensor(X, dtype=torch.float32),
                torch.as_tensor(y_index, dtype=torch.long),
                config,
                loss_fn=self._loss_fn(),
                generator=generator,
            )
        self.model_.to("cpu")
        self.loss_curve_ = result.losses
        self.converged_ = result.converged
        self.energy_ = result.energy
        self.n_params_ = count_parameters(self.model_)
        self.n_qubits_ = max(m.circuit.n_qubits for m in self.model_.modules() if isinstance(m, QuantumLayer))
        self.n_circuit_executions_ = result.n_samples_seen * self._circuits_per_sample()
        return self

    def logit_model(self) -> nn.Module:
        """A torch module from raw X (batch, d) to logits (batch, n_classes) whose softmax is `predict_proba`:
        `model_` itself, or `model_` followed by the log of the class probabilities of its expectation values."""
        check_is_fitted(self)
        if not self._reads_expectations():
            return self.model_
        return nn.Sequential(self.model_, _LogProbabilities(self._probabilities))

    def decision_logits(self, X) -> np.ndarray:
        """The fitted model's outputs for X (n_samples, n_features): logits (n_samples, n_classes), or for a model
        trained with one of the paper's expectation-value losses, the expectation values (n_samples, w)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        with torch.no_grad():
            return self.model_(torch.as_tensor(X, dtype=torch.float32)).double().numpy()

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n_samples, n_classes), columns in the order of `classes_`."""
        return self._probabilities(torch.from_numpy(self.decision_logits(X))).numpy()

    def predict(self, X) -> np.ndarray:
        """Predicted labels (n_samples,), taken from `classes_`: the most probable class (the first on ties)."""
        index = self.predict_proba(X).argmax(axis=1)
        return self.classes_[index]


class _LogProbabilities(nn.Module):
    """log of `probabilities(outputs)`, floored so a certain class keeps a finite logit: (batch, k) → (batch, c)."""

    def __init__(self, probabilities):
        super().__init__()
        self.probabilities = probabilities

    def forward(self, outputs: torch.Tensor) -> torch.Tensor:
        return torch.log(self.probabilities(outputs).clamp_min(1e-30))
