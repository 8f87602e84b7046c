import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from qnn.models import (
    DataReuploadingClassifier,
    DressedQuantumCircuitClassifier,
    IQPVariationalClassifier,
    SeparableVariationalClassifier,
)
from qnn.perf.peers.from_qnn import peer_spec

jax = pytest.importorskip("jax")
pytest.importorskip("pennylane")

# Small cases of each bench model (5 features: 2 re-uploading wires with one zero-padded slot).
CASES = [
    DataReuploadingClassifier(n_layers=2),
    DressedQuantumCircuitClassifier(n_layers=2),
    IQPVariationalClassifier(n_layers=2, repeats=2),
    SeparableVariationalClassifier(n_layers=2),
]


@pytest.fixture(scope="module")
def data():
    return make_classification(40, n_features=5, n_informative=3, random_state=0)


def _fitted(estimator, data):
    """The estimator after 3 training steps (so its parameters are no longer the initial ones), in float64."""
    X, y = data
    fitted = estimator.set_params(max_steps=3, random_state=0).fit(X, y)
    fitted.model_.double()
    return fitted


@pytest.mark.parametrize("estimator", CASES, ids=lambda e: type(e).__name__)
def test_the_peer_gives_qnn_models_outputs_and_loss(estimator, data):
    X, y = data
    fitted = _fitted(estimator, data)
    spec = peer_spec(fitted)
    model = spec.build()
    x, labels = X[:8], (y[:8] == fitted.classes_[1]).astype(np.int32)
    with jax.enable_x64(True):
        outputs = np.array(model.forward(spec.params, x))
        loss = float(model.loss(spec.params, x, labels))
    with torch.no_grad():
        expected = fitted.model_(torch.tensor(x))
        loss_fn = fitted._loss_fn() or torch.nn.functional.cross_entropy
        expected_loss = loss_fn(expected, torch.as_tensor(labels, dtype=torch.long)).item()
    torch.testing.assert_close(torch.from_numpy(outputs), expected, atol=1e-10, rtol=0)
    assert loss == pytest.approx(expected_loss, abs=1e-10)


def test_a_mismatched_model_is_refused(data):
    fitted = DataReuploadingClassifier(n_layers=1, loss="cross_entropy", max_steps=1).fit(*data)
    with pytest.raises(ValueError, match="fidelity loss"):
        peer_spec(fitted)
