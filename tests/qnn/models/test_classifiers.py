"""The variational estimators: they learn a linearly separable task, follow the scikit-learn contract,
save and load, ablate entanglement, and reject bad input."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.utils.estimator_checks import check_estimator

from qnn.layer import QuantumLayer
from qnn.models import (
    CircuitCentricClassifier,
    DataReuploadingClassifier,
    DressedQuantumCircuitClassifier,
    IQPVariationalClassifier,
    SeparableVariationalClassifier,
    entangling_operations,
)
from qnn.models.layers import count_parameters

CLASSIFIERS = [
    DressedQuantumCircuitClassifier,
    DataReuploadingClassifier,
    IQPVariationalClassifier,
    SeparableVariationalClassifier,
    CircuitCentricClassifier,
]
ENTANGLING = [c for c in CLASSIFIERS if c is not SeparableVariationalClassifier]
IDS = [c.__name__ for c in CLASSIFIERS]


@pytest.fixture(scope="module")
def separable_task():
    X, y = make_classification(
        200, n_features=4, n_informative=4, n_redundant=0, class_sep=2.0, random_state=0, flip_y=0.0
    )
    return train_test_split(X, y, test_size=0.25, random_state=0)


@pytest.fixture(scope="module")
def fitted(separable_task):
    X_train, _, y_train, _ = separable_task
    return {cls: cls(random_state=0).fit(X_train, y_train) for cls in CLASSIFIERS}


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=IDS)
def test_learns_a_linearly_separable_task(cls, fitted, separable_task):
    _, X_test, _, y_test = separable_task
    # Two of the paper's models settle lower on this task: the IQP model's loss (the probability of a wrong label)
    # at 0.86 (0.94 with cross-entropy), and the circuit-centric model, which amplitude-encodes raw features (their
    # norm is lost), at 0.90; the paper too found both among the weaker models on linearly separable data.
    weaker = (IQPVariationalClassifier, CircuitCentricClassifier)
    assert fitted[cls].score(X_test, y_test) > (0.8 if cls in weaker else 0.9)


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=IDS)
def test_fitted_attributes(cls, fitted, separable_task):
    X_train, X_test, _, _ = separable_task
    clf = fitted[cls]
    assert list(clf.classes_) == [0, 1] and clf.n_features_in_ == 4
    assert clf.n_params_ == count_parameters(clf.model_) > 0
    layers = [m for m in clf.model_.modules() if isinstance(m, QuantumLayer)]
    assert clf.n_qubits_ == max(layer.circuit.n_qubits for layer in layers)
    assert clf.n_circuit_executions_ == len(clf.loss_curve_) * 32
    assert 0 < len(clf.loss_curve_) <= clf.max_steps
    assert clf.energy_ is None  # metering is opt-in for the training loop; the bench measures each fit
    # logit_model() maps raw float32 features (scaling folded in) to logits whose softmax is predict_proba.
    with torch.no_grad():
        logits = clf.logit_model()(torch.tensor(X_test, dtype=torch.float32))
    assert logits.shape == (len(X_test), 2)
    np.testing.assert_allclose(clf.predict_proba(X_test), torch.softmax(logits.double(), 1).numpy(), atol=1e-6)
    np.testing.assert_array_equal(clf.predict(X_test), clf.predict_proba(X_test).argmax(1))


def test_qubit_counts_follow_the_papers(fitted):
    assert fitted[DataReuploadingClassifier].n_qubits_ == 2  # ceil(4 / 3)
    assert fitted[CircuitCentricClassifier].n_qubits_ == 2  # log2(4)
    assert fitted[IQPVariationalClassifier].n_qubits_ == 4
    assert fitted[DressedQuantumCircuitClassifier].n_qubits_ == 4


@pytest.mark.parametrize("cls", ENTANGLING, ids=[c.__name__ for c in ENTANGLING])
def test_entangling_false_removes_every_entangling_gate(cls, separable_task):
    X_train, _, y_train, _ = separable_task
    for entangling in (True, False):
        clf = cls(entangling=entangling, max_steps=1, random_state=0).fit(X_train, y_train)
        layer = next(m for m in clf.model_.modules() if isinstance(m, QuantumLayer))
        gates = {op.gate for op in entangling_operations(layer.circuit)} - {"StatePrep"}
        assert bool(gates) == entangling


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=IDS)
def test_multiclass_labels_of_any_type(cls):
    X, y = load_iris(return_X_y=True)
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = cls(max_steps=3, random_state=0).fit(X, labels)
    assert list(clf.classes_) == list(labels[[0, 50, 100]])
    assert set(clf.predict(X[::10])) <= set(labels)
    proba = clf.predict_proba(X[::10])
    assert proba.shape == (15, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-6)


def test_multiclass_learns_iris():
    X, y = load_iris(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    clf = DataReuploadingClassifier(n_layers=2, random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.8


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=IDS)
def test_same_random_state_same_model(cls, separable_task):
    X_train, X_test, y_train, _ = separable_task
    a = cls(max_steps=5, random_state=3).fit(X_train, y_train)
    b = cls(max_steps=5, random_state=3).fit(X_train, y_train)
    c = cls(max_steps=5, random_state=4).fit(X_train, y_train)
    np.testing.assert_array_equal(a.predict_proba(X_test), b.predict_proba(X_test))
    assert not np.array_equal(a.predict_proba(X_test), c.predict_proba(X_test))


def test_fit_leaves_the_global_torch_random_state_alone(separable_task):
    X_train, _, y_train, _ = separable_task
    before = torch.random.get_rng_state()
    DressedQuantumCircuitClassifier(max_steps=2, random_state=0).fit(X_train, y_train)
    assert torch.equal(before, torch.random.get_rng_state())


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=IDS)
def test_clone_and_params_round_trip(cls):
    clf = cls(n_layers=2, learning_rate=0.123, optimizer="rmsprop", random_state=5)
    params = clf.get_params()
    assert params["n_layers"] == 2 and params["backend"] == "simulator" and params["verbose"] is False
    assert clone(clf).get_params() == params
    assert clf.set_params(n_layers=1) is clf and clf.n_layers == 1


def test_grid_search(separable_task):
    X_train, _, y_train, _ = separable_task
    search = GridSearchCV(IQPVariationalClassifier(max_steps=3, random_state=0), {"n_layers": [1, 2]}, cv=2)
    search.fit(X_train, y_train)
    assert search.best_params_["n_layers"] in (1, 2)
    assert search.best_estimator_.n_layers == search.best_params_["n_layers"]


@pytest.mark.parametrize("cls", CLASSIFIERS, ids=IDS)
def test_pickle_joblib_and_torch_save_round_trips(cls, fitted, separable_task, tmp_path):
    _, X_test, _, _ = separable_task
    clf = fitted[cls]
    expected = clf.predict_proba(X_test)
    joblib.dump(clf, tmp_path / "model.joblib")
    torch.save(clf, tmp_path / "model.pt")
    for loaded in (
        pickle.loads(pickle.dumps(clf)),
        joblib.load(tmp_path / "model.joblib"),
        torch.load(tmp_path / "model.pt", weights_only=False),
    ):
        np.testing.assert_array_equal(loaded.predict_proba(X_test), expected)


def test_scikit_learn_estimator_checks():
    # A tiny budget keeps the checks fast; it cannot reach the accuracy check_classifiers_train asks
    # for, which test_learns_a_linearly_separable_task covers with the default budget.
    expected = {"check_classifiers_train": "5 training steps are too few for its accuracy threshold"}
    estimator = DataReuploadingClassifier(n_layers=1, max_steps=5, random_state=0)
    check_estimator(estimator, expected_failed_checks=expected, on_skip=None)


def test_optimizers_and_weight_decay_are_used(separable_task):
    X_train, _, y_train, _ = separable_task
    sgd = DressedQuantumCircuitClassifier(optimizer="sgd", max_steps=5, random_state=0).fit(X_train, y_train)
    adam = DressedQuantumCircuitClassifier(optimizer=torch.optim.Adam, max_steps=5, random_state=0).fit(
        X_train, y_train
    )
    assert sgd.loss_curve_ != adam.loss_curve_
    decayed = DressedQuantumCircuitClassifier(weight_decay=0.5, max_steps=5, random_state=0).fit(X_train, y_train)
    assert decayed.loss_curve_ != adam.loss_curve_


def test_bad_input_is_an_error(fitted, separable_task):
    X_train, X_test, y_train, _ = separable_task
    clf = fitted[IQPVariationalClassifier]
    with pytest.raises(ValueError, match="features"):
        clf.predict(X_test[:, :3])
    bad = X_train.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        IQPVariationalClassifier().fit(bad, y_train)
    with pytest.raises(ValueError, match="one class"):
        IQPVariationalClassifier().fit(X_train, np.zeros(len(X_train)))
    with pytest.raises(ValueError, match="Unknown label type"):
        IQPVariationalClassifier().fit(X_train, np.linspace(0, 1, len(X_train)))
    with pytest.raises(ValueError, match="optimizer"):
        IQPVariationalClassifier(optimizer="lbfgs-ish").fit(X_train, y_train)
    with pytest.raises(ValueError, match="learning_rate"):
        IQPVariationalClassifier(learning_rate=-1.0).fit(X_train, y_train)
    with pytest.raises(ValueError, match="unknown backend"):
        IQPVariationalClassifier(backend="nowhere").fit(X_train, y_train)
    with pytest.raises(NotFittedError):
        IQPVariationalClassifier().predict(X_test)


@pytest.mark.cuda
def test_fits_on_cuda_and_predicts_on_cpu(separable_task):
    X_train, X_test, y_train, _ = separable_task
    clf = DataReuploadingClassifier(max_steps=5, device="cuda", random_state=0).fit(X_train, y_train)
    assert next(clf.model_.parameters()).device.type == "cpu"
    assert clf.predict(X_test).shape == (len(X_test),)


def _paper_loss(name, e, y, alphas=None):
    """The paper's losses from their definitions (labels y ∈ {-1, 1}), NumPy."""
    if name == "linear":
        return np.mean((1 - y * e[:, 0]) / 2)
    if name == "square":
        return np.mean((e[:, 0] - y) ** 2 / 2)
    wrong = (alphas[0] * (1 - e) / 2 - ((1 - y) / 2)[:, None]) ** 2
    right = (alphas[1] * (1 + e) / 2 - ((1 + y) / 2)[:, None]) ** 2
    return np.sum(wrong + right) / 2 / len(y)


@pytest.mark.parametrize(
    "cls, loss, kwargs",
    [
        (IQPVariationalClassifier, "linear", {}),
        (CircuitCentricClassifier, "square", {}),
        (DataReuploadingClassifier, "squared_fidelity", {"observable_type": "full"}),
    ],
)
def test_the_fit_minimises_the_papers_loss(cls, loss, kwargs, separable_task):
    X_train, _, y_train, _ = separable_task
    X, y = X_train[:40], y_train[:40]
    # One full-batch step at a negligible learning rate: the recorded loss is the loss of the fitted model.
    clf = cls(max_steps=1, batch_size=40, learning_rate=1e-12, random_state=0, **kwargs).fit(X, y)
    with torch.no_grad():
        e = clf.model_(torch.tensor(X, dtype=torch.float32)).double().numpy()
    alphas = clf.model_[1].alphas.detach().double().numpy() if loss == "squared_fidelity" else None
    assert e.shape == (40, 2 if loss == "squared_fidelity" else 1)  # full: both qubits of ceil(4 / 3)
    assert clf.loss_curve_[0] == pytest.approx(_paper_loss(loss, e, 2 * y - 1, alphas), rel=1e-5)
    # The label is the sign of the mean expectation value.
    np.testing.assert_array_equal(clf.predict(X), (e.mean(axis=1) > 0).astype(int))


@pytest.mark.parametrize(
    "cls, kwargs",
    [
        (IQPVariationalClassifier, {"loss": "cross_entropy"}),
        (CircuitCentricClassifier, {"loss": "cross_entropy", "scaling": "standard"}),
        (DataReuploadingClassifier, {"loss": "cross_entropy"}),
    ],
)
def test_the_cross_entropy_variants_remain(cls, kwargs, separable_task):
    X_train, X_test, y_train, _ = separable_task
    clf = cls(max_steps=2, random_state=0, **kwargs).fit(X_train, y_train)
    with torch.no_grad():
        logits = clf.model_(torch.tensor(X_test, dtype=torch.float32))
    assert logits.shape == (len(X_test), 2) and clf.readout_ == "logits"


def test_circuit_centric_encodes_raw_features_by_default(separable_task):
    X_train, X_test, y_train, _ = separable_task
    raw = CircuitCentricClassifier(max_steps=1, random_state=0).fit(X_train, y_train)
    scaled = CircuitCentricClassifier(max_steps=1, random_state=0, scaling="standard").fit(X_train, y_train)
    amplitudes = raw.model_[0](torch.tensor(X_test[:3], dtype=torch.float32))
    expected = np.c_[X_test[:3], np.zeros((3, 0))] / np.linalg.norm(X_test[:3], axis=1, keepdims=True)  # 4 = 2²
    np.testing.assert_allclose(amplitudes.numpy(), expected, rtol=1e-5)
    assert type(scaled.model_[0]).__name__ == "FeatureScaling"
    with pytest.raises(ValueError, match="scaling must be one of"):
        CircuitCentricClassifier(scaling="minmax").fit(X_train, y_train)


def test_dressed_circuit_follows_the_paper(rng):
    X = rng.normal(size=(40, 12))
    y = (X[:, 0] > 0).astype(int)
    clf = DressedQuantumCircuitClassifier(n_layers=1, max_steps=1, learning_rate=1e-12, random_state=0).fit(X, y)
    assert clf.n_qubits_ == 12  # one qubit per feature, past the old cap of 8
    into, out = clf.model_[1][0], clf.model_[1][-1]
    assert into.bias is None and out.bias is None  # no bias in the paper's linear layers
    weights = torch.cat([into.weight.flatten(), out.weight.flatten()]).double()
    assert weights.std().item() == pytest.approx(1 / 12, rel=0.15)  # N(0, 1) / d
    assert abs(weights.mean().item()) < 3 / 12 / np.sqrt(len(weights))
    torch_init = DressedQuantumCircuitClassifier(linear_layers="torch", n_qubits=8, max_steps=1, random_state=0)
    torch_init.fit(X, y)
    assert torch_init.n_qubits_ == 8 and torch_init.model_[1][0].bias is not None
    capped = DressedQuantumCircuitClassifier(max_qubits=5, max_steps=1, random_state=0).fit(X, y)
    assert capped.n_qubits_ == 5
