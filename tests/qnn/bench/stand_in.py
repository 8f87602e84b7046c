"""A tiny, fast estimator that follows the quantum-model contract, so sweeps can be tested in seconds.

It is a logistic regression; with `entangling=True` it also sees products of neighbouring features (the stand-in
for entangling gates), so its ablation gives different results. It can also fail as quantum models do: run out of
simulator memory (`fail_with="memory"`), raise another error (`fail_with="value"`), diverge (a loss curve that
becomes `loss_after` at step 3), or report that its stopping rule did not end training (`converges=False`).
"""

import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from qnn.simulator import SimulatorMemoryError


class StandInQuantumClassifier(ClassifierMixin, BaseEstimator):
    def __init__(
        self, C=1.0, entangling=True, fail_with=None, loss_after=0.1, converges=True, convergence_interval=20,
        sleep_s=0.0, random_state=None,
    ):  # fmt: skip
        self.C = C
        self.entangling = entangling
        self.fail_with = fail_with
        self.loss_after = loss_after
        self.converges = converges
        self.convergence_interval = convergence_interval
        self.sleep_s = sleep_s
        self.random_state = random_state

    def _features(self, X):
        X = np.asarray(X, dtype=float)
        return np.hstack([X, X[:, :-1] * X[:, 1:]]) if self.entangling else X

    def fit(self, X, y):
        time.sleep(self.sleep_s)  # a slow fit, so that two sweeps sharing a database overlap
        if self.fail_with == "memory":
            raise SimulatorMemoryError("the stand-in needs 1 TiB of simulator memory")
        if self.fail_with == "value":
            raise ValueError("the stand-in failed")
        self.loss_curve_ = [1.0, 0.5, 0.3, self.loss_after, self.loss_after]
        self.converged_ = self.converges
        self.model_ = LogisticRegression(C=self.C, random_state=self.random_state).fit(self._features(X), y)
        self.classes_ = self.model_.classes_
        self.n_params_ = self.model_.coef_.size + self.model_.intercept_.size
        self.n_qubits_ = np.asarray(X).shape[1]
        self.n_circuit_executions_ = len(y)
        return self

    def predict(self, X):
        return self.model_.predict(self._features(X))
