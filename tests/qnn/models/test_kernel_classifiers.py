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


@pytest.mark.parametrize("predict_by", ["svc", "probability"])
@pytest.mark.parametrize(
    "estimator",
    [
        IQPKernelClassifier(random_state=0),
        # The paper's γ (gamma_from="rows") depends on the batch predicted with a sample, which scikit-learn's
        # subset-invariance checks reject by design; see test_paper_gamma_depends_on_the_predicted_batch.
        ProjectedQuantumKernelClassifier(trotter_steps=1, gamma_from="training", random_state=0),
    ],
    ids=["IQPKernelClassifier", "ProjectedQuantumKernelClassifier"],
)
def test_scikit_learn_estimator_checks(estimator, predict_by):
    # The paper's SVC.predict labels by the decision function, which Platt-scaled probabilities may disagree with
    # near the boundary (as for scikit-learn's own SVC(probability=True)); every other check applies.
    expected = {"check_classifiers_train": "SVC.predict need not agree with predict_proba"}
    estimator = clone(estimator).set_params(predict_by=predict_by)
    check_estimator(estimator, on_skip=None, expected_failed_checks=expected if predict_by == "svc" else None)


def test_predict_is_the_svcs_by_default_and_calibrated_on_request(moons):
    X_train, X_test, y_train, _ = moons
    for cls in KERNELS:
        svc = cls(random_state=0).fit(X_train, y_train)
        gram = svc.gram_matrix(X_test)
        reference = SVC(kernel="precomputed", C=1.0).fit(svc.gram_matrix(X_train), y_train)
        np.testing.assert_array_equal(svc.predict(X_test), reference.predict(gram))
        calibrated = clone(svc).set_params(predict_by="probability").fit(X_train, y_train)
        np.testing.assert_array_equal(calibrated.predict(X_test), calibrated.predict_proba(X_test).argmax(1))


def paper_projected_gram(values_1, values_2, gamma_factor, n_features):
    """qml-benchmarks' `precompute_kernel` from Pauli values (n, 3, n_qubits): γ from the first set's values."""
    gamma = 1 / np.var(values_1.reshape(-1)) / n_features
    squared = ((values_1[:, None] - values_2[None]) ** 2).sum(axis=(2, 3))
    return np.exp(-gamma * gamma_factor * squared)


@pytest.mark.parametrize("gamma_from", ["rows", "training"])
def test_projected_kernel_gamma_as_the_paper_computes_it(moons, gamma_from):
    X_train, X_test, y_train, _ = moons
    clf = ProjectedQuantumKernelClassifier(gamma_factor=2.0, t=0.1, gamma_from=gamma_from, random_state=0)
    clf.fit(X_train, y_train)
    train = clf.train_features_.numpy()
    test = clf._features(clf.scaler_.transform(X_test)).numpy()
    np.testing.assert_allclose(clf.gram_matrix(X_train), paper_projected_gram(train, train, 2.0, 2), rtol=1e-10)
    expected = paper_projected_gram(test, train, 2.0, 2)
    if gamma_from == "training":  # our variant: the training γ for every Gram matrix
        expected = np.exp(-clf.gamma_ * ((test[:, None] - train[None]) ** 2).sum(axis=(2, 3)))
    np.testing.assert_allclose(clf.gram_matrix(X_test), expected, rtol=1e-10)
    assert clf.gamma_ == pytest.approx(2.0 / np.var(train.reshape(-1)) / 2)


def test_paper_gamma_depends_on_the_predicted_batch(moons):
    X_train, X_test, y_train, _ = moons
    rows = ProjectedQuantumKernelClassifier(random_state=0).fit(X_train, y_train)
    training = clone(rows).set_params(gamma_from="training").fit(X_train, y_train)
    assert not np.allclose(rows.gram_matrix(X_test)[:5], rows.gram_matrix(X_test[:5]))
    np.testing.assert_allclose(training.gram_matrix(X_test)[:5], training.gram_matrix(X_test[:5]))
