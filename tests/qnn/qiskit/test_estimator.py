"""`qnn.qiskit.Estimator` agrees with Qiskit's `StatevectorEstimator` and trains inside Qiskit Machine Learning."""

import numpy as np
import pytest
import torch
from qiskit import QuantumCircuit
from qiskit.circuit.library import efficient_su2, n_local, real_amplitudes, zz_feature_map
from qiskit.circuit.random import random_circuit
from qiskit.primitives import StatevectorEstimator
from qiskit.quantum_info import SparsePauliOp

from qnn.qiskit import Estimator


def random_observables(rng, n_qubits: int, count: int) -> list[SparsePauliOp]:
    def word():
        return "".join(rng.choice(list("IXYZ"), n_qubits))

    return [SparsePauliOp([word() for _ in range(3)], rng.normal(size=3)) for _ in range(count)]


def evs(estimator, pub) -> np.ndarray:
    return estimator.run([pub]).result()[0].data.evs


LIBRARY = {
    "real_amplitudes": lambda: real_amplitudes(4, reps=2),
    "efficient_su2": lambda: efficient_su2(3, reps=2),
    "zz_feature_map+real_amplitudes": lambda: zz_feature_map(3, reps=2).compose(real_amplitudes(3, reps=1)),
    "n_local_cp": lambda: n_local(3, ["ry", "sx"], "cp", reps=2),  # cp's halved angle is fine as an input
}


@pytest.mark.parametrize("name", LIBRARY)
def test_library_circuits_agree_over_a_parameter_array(name, rng):
    qc = LIBRARY[name]()
    values = rng.uniform(-np.pi, np.pi, (4, 1, qc.num_parameters))
    observables = random_observables(rng, qc.num_qubits, 3)  # broadcast against the values: shape (4, 3)
    pub = (qc, observables, values)
    ours = evs(Estimator(), pub)
    assert ours.shape == (4, 3)
    np.testing.assert_allclose(ours, evs(StatevectorEstimator(), pub), atol=1e-10)


@pytest.mark.parametrize("seed", range(6))
def test_random_circuits_agree(seed):
    rng = np.random.default_rng(seed)
    qc = random_circuit(4, depth=6, max_operands=3, seed=seed)
    pub = (qc, random_observables(rng, 4, 2))
    np.testing.assert_allclose(evs(Estimator(), pub), evs(StatevectorEstimator(), pub), atol=1e-10)


def test_precision_adds_noise_of_that_size():
    qc = QuantumCircuit(1)
    exact = evs(Estimator(), (qc, "Z", None))
    noisy = Estimator(default_precision=0.1, seed=3).run([(qc, ["Z"] * 2000)]).result()[0]
    assert float(exact) == 1.0
    assert noisy.data.stds[0] == 0.1
    assert abs(noisy.data.evs.std() - 0.1) < 0.01 and abs(noisy.data.evs.mean() - 1.0) < 0.01


def test_each_pub_keeps_its_own_shape(rng):
    qc = real_amplitudes(2, reps=1)
    pubs = [(qc, "ZZ", rng.uniform(size=(2, 3, 4))), (qc, ["XI", "IX"], rng.uniform(size=(2, 4)))]
    result = Estimator().run(pubs).result()
    assert [r.data.evs.shape for r in result] == [(2, 3), (2,)]


def test_measurements_and_bad_observables_are_refused():
    qc = QuantumCircuit(1, 1)
    qc.measure(0, 0)
    with pytest.raises(ValueError, match="remove_final_measurements"):
        evs(Estimator(), (qc, "Z"))
    with pytest.raises(ValueError, match="default_precision must be a non-negative number"):
        Estimator(default_precision=-1)


def qnn_model(estimator, n_qubits: int = 2):
    from qiskit_machine_learning.connectors import TorchConnector
    from qiskit_machine_learning.neural_networks import EstimatorQNN

    encoding, ansatz = zz_feature_map(n_qubits, reps=1), real_amplitudes(n_qubits, reps=1)
    network = EstimatorQNN(
        circuit=encoding.compose(ansatz),
        estimator=estimator,
        observables=SparsePauliOp("Z" * n_qubits),
        input_params=list(encoding.parameters),
        weight_params=list(ansatz.parameters),
        input_gradients=True,
        default_precision=0.0,
    )
    return TorchConnector(network, initial_weights=np.linspace(-1, 1, ansatz.num_parameters))


def test_estimator_qnn_gives_statevector_values_and_gradients(rng):
    x = torch.tensor(rng.uniform(-1, 1, (5, 2)), requires_grad=True)
    results = []
    for estimator in (Estimator(), StatevectorEstimator()):
        model = qnn_model(estimator)
        out = model(x)
        results.append([out, *torch.autograd.grad(out.sum(), [x, model.weight])])
    for ours, theirs in zip(*results, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)


def test_estimator_qnn_trains_with_torch_connector(rng):
    x = torch.tensor(rng.uniform(-1, 1, (16, 2)))
    y = torch.sign(x[:, :1] * x[:, 1:])  # parity of the signs, in {-1, 1}
    model = qnn_model(Estimator())
    optimiser = torch.optim.Adam(model.parameters(), lr=0.1)
    losses = []
    for _ in range(15):
        optimiser.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0]
