"""Quantum-kernel estimators: SVC on the precomputed Gram matrix, the scikit-learn contract, save/load."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_moons
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.preprocessing import MinMaxScaler
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import check_estimator

from qnn.models import IQPKernelClassifier, ProjectedQuantumKernelClassifier, entangling_operations
from qnn.models.kernels import embedding_states, fidelity_kernel, iqp_embedding

KERNELS = [IQPKernelClassifier, ProjectedQuantumKernelClassifier]


@pytest.fixture(scope="module")
def moons():
    X, y = make_moons(160, noise=0.1, random_state=0)
    return train_test_split(X, y, test_size=0.25, random_state=0)


@pytest.mark.parametrize("cls", KERNELS)
def test_learns_a_separable_task(cls):
    X, y = make_classification(
        200, n_features=4, n_informative=4, n_redundant=0, class_sep=2.0, random_state=0, flip_y=0.0
    )
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    assert cls(random_state=0).fit(X_train, y_train).score(X_test, y_test) > 0.9


def test_iqp_kernel_equals_svc_on_an_independently_built_gram_matrix(moons):
    X_train, X_test, y_train, _ = moons
    clf = IQPKernelClassifier(random_state=0).fit(X_train, y_train)
    scaler = MinMaxScaler((-np.pi / 2, np.pi / 2)).fit(X_train)
    s_train = embedding_states(iqp_embedding(2, 2), scaler.transform(X_train))
    s_test = embedding_states(iqp_embedding(2, 2), scaler.transform(X_test))
    np.testing.assert_allclose(clf.gram_matrix(X_test), fidelity_kernel(s_test, s_train).numpy(), atol=1e-12)
    svc = SVC(kernel="precomputed").fit(fidelity_kernel(s_train, s_train).numpy(), y_train)
    np.testing.assert_allclose(clf.svc_.dual_coef_, svc.dual_coef_, atol=1e-8)


def test_fitted_attributes(moons):
    X_train, X_test, y_train, _ = moons
    iqp = IQPKernelClassifier(random_state=0).fit(X_train, y_train)
    assert iqp.n_qubits_ == 2 and iqp.n_circuit_executions_ == len(X_train) ** 2
    svc = iqp.svc_
    assert iqp.n_params_ == len(svc.support_) * 2 + svc.dual_coef_.size + svc.intercept_.size  # 2 features
    projected = ProjectedQuantumKernelClassifier(random_state=0).fit(X_train, y_train)
    assert projected.n_qubits_ == 3 and projected.n_circuit_executions_ == 3 * len(X_train)
    assert projected.gamma_ > 0
    proba = projected.predict_proba(X_test)
    np.testing.assert_array_equal(projected.predict(X_test), projected.classes_[proba.argmax(1)])


@pytest.mark.parametrize("embedding", ["hamiltonian", "iqp"])
def test_entangling_false_removes_every_entangling_gate(embedding, moons):
    X_train, _, y_train, _ = moons
    for cls, kwargs in ((ProjectedQuantumKernelClassifier, {"embedding": embedding}), (IQPKernelClassifier, {})):
        on = cls(**kwargs).fit(X_train, y_train)
        off = cls(entangling=False, **kwargs).fit(X_train, y_train)
        assert entangling_operations(on.embedding_) and entangling_operations(off.embedding_) == []


def test_string_labels_and_three_classes(rng):
    X = rng.normal(size=(60, 2)) + np.repeat(np.array([[0, 0], [3, 0], [0, 3]]), 20, axis=0)
    y = np.repeat(np.array(["a", "b", "c"]), 20)
    clf = ProjectedQuantumKernelClassifier(embedding="iqp", random_state=0).fit(X, y)
    assert list(clf.classes_) == ["a", "b", "c"] and clf.predict_proba(X).shape == (60, 3)
    assert clf.score(X, y) > 0.8


@pytest.mark.parametrize("cls", KERNELS)
def test_clone_pickle_and_grid_search(cls, moons):
    X_train, X_test, y_train, _ = moons
    clf = cls(C=2.0, random_state=1)
    assert clone(clf).get_params() == clf.get_params()
    clf.fit(X_train, y_train)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X_test), clf.predict_proba(X_test))
    search = GridSearchCV(cls(random_state=0), {"C": [0.5, 2.0]}, cv=2).fit(X_train, y_train)
    assert search.best_params_["C"] in (0.5, 2.0)


def test_unknown_embedding_is_an_error(moons):
    X_train, _, y_train, _ = moons
    with pytest.raises(ValueError, match="embedding must be one of"):
        ProjectedQuantumKernelClassifier(embedding="zz").fit(X_train, y_train)


@pytest.mark.parametrize(
    "estimator",
    [IQPKernelClassifier(random_state=0), ProjectedQuantumKernelClassifier(trotter_steps=1, random_state=0)],
    ids=["IQPKernelClassifier", "ProjectedQuantumKernelClassifier"],
)
def test_scikit_learn_estimator_checks(estimator):
    check_estimator(estimator, on_skip=None)
