"""A tiny, fast estimator that follows the quantum-model contract, so sweeps can be tested in seconds.

It is a logistic regression; with `entangling=True` it also sees products of neighbouring features (the stand-in
for entangling gates), so its ablation gives different results.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression


class StandInQuantumClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, C=1.0, entangling=True, random_state=None):
        self.C = C
        self.entangling = entangling
        self.random_state = random_state

    def _features(self, X):
        X = np.asarray(X, dtype=float)
        return np.hstack([X, X[:, :-1] * X[:, 1:]]) if self.entangling else X

    def fit(self, X, y):
        self.model_ = LogisticRegression(C=self.C, random_state=self.random_state).fit(self._features(X), y)
        self.classes_ = self.model_.classes_
        self.n_params_ = self.model_.coef_.size + self.model_.intercept_.size
        self.n_qubits_ = np.asarray(X).shape[1]
        self.n_circuit_executions_ = len(y)
        return self

    def predict(self, X):
        return self.model_.predict(self._features(X))
