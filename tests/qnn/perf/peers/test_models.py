import importlib.util
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_classification

from qnn.models import (
    DataReuploadingClassifier,
    DressedQuantumCircuitClassifier,
    IQPVariationalClassifier,
    SeparableVariationalClassifier,
)
from qnn.perf.peers.from_qnn import peer_spec

if importlib.util.find_spec("jax") is None or importlib.util.find_spec("pennylane") is None:
    pytest.skip("the peers need jax and pennylane", allow_module_level=True)

# Small cases of each bench model (5 features: 2 re-uploading wires with one zero-padded slot).
CASES = [
    DataReuploadingClassifier(n_layers=2),
    DressedQuantumCircuitClassifier(n_layers=2),
    IQPVariationalClassifier(n_layers=2, repeats=2),
    SeparableVariationalClassifier(n_layers=2),
]


# The peers run in a fresh process, in float64: switching JAX's x64 mode inside this one, after other tests
# ran JAX in float32, can meet constants JAX cached in float32 (a RuntimeProgramInputMismatch).
PEER_OUTPUTS = """
import pickle, sys
import jax
jax.config.update("jax_enable_x64", True)
import numpy as np
cases = pickle.load(sys.stdin.buffer)
out = []
for spec, x, labels in cases:
    model = spec.build()
    out.append((np.array(model.forward(spec.params, x)), float(model.loss(spec.params, x, labels))))
pickle.dump(out, sys.stdout.buffer)
"""


@pytest.fixture(scope="module")
def data():
    return make_classification(40, n_features=5, n_informative=3, random_state=0)


@pytest.fixture(scope="module")
def fitted(data):
    """Each case after 3 training steps (so its parameters are no longer the initial ones), in float64, with
    its peer's outputs and loss on 8 samples."""
    X, y = data
    models = [clone(e).set_params(max_steps=3, random_state=0).fit(X, y) for e in CASES]
    cases = [(peer_spec(m), X[:8], (y[:8] == m.classes_[1]).astype(np.int32)) for m in models]
    run = subprocess.run(
        [sys.executable, "-c", PEER_OUTPUTS], input=pickle.dumps(cases), capture_output=True, timeout=600
    )  # fmt: skip
    assert run.returncode == 0, run.stderr.decode()[-3000:]
    peers = pickle.loads(run.stdout)
    for m in models:
        m.model_.double()
    return {type(m).__name__: (m, case, peer) for m, case, peer in zip(models, cases, peers, strict=True)}


@pytest.mark.parametrize("name", [type(e).__name__ for e in CASES])
def test_the_peer_gives_qnn_models_outputs_and_loss(name, fitted):
    estimator, (_, x, labels), (outputs, loss) = fitted[name]
    with torch.no_grad():
        expected = estimator.model_(torch.tensor(x))
        loss_fn = estimator._loss_fn() or torch.nn.functional.cross_entropy
        expected_loss = loss_fn(expected, torch.as_tensor(labels, dtype=torch.long)).item()
    torch.testing.assert_close(torch.from_numpy(outputs), expected, atol=1e-10, rtol=0)
    assert loss == pytest.approx(expected_loss, abs=1e-10)


def test_a_mismatched_model_is_refused(data):
    fitted = DataReuploadingClassifier(n_layers=1, loss="cross_entropy", max_steps=1).fit(*data)
    with pytest.raises(ValueError, match="fidelity loss"):
        peer_spec(fitted)
