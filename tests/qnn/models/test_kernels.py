"""Batched quantum kernels against kernel values computed pair by pair from PennyLane and Qiskit states."""

import numpy as np
import pennylane as qml
import pytest
import torch
from qiskit.quantum_info import Statevector

import circuits
from qnn.models.kernels import (
    default_gamma,
    embedding_states,
    fidelity_kernel,
    hamiltonian_embedding,
    iqp_embedding,
    one_qubit_paulis,
    projected_kernel,
)


def pennylane_iqp_state(x, repeats):
    @qml.qnode(qml.device("default.qubit", wires=len(x)))
    def node():
        qml.IQPEmbedding(x, wires=range(len(x)), n_repeats=repeats)
        return qml.state()

    return np.asarray(node())


def test_iqp_fidelity_kernel_matches_pennylane_pair_by_pair(rng):
    a, b = rng.uniform(-np.pi / 2, np.pi / 2, (4, 3)), rng.uniform(-np.pi / 2, np.pi / 2, (3, 3))
    gram = fidelity_kernel(embedding_states(iqp_embedding(3, 2), a), embedding_states(iqp_embedding(3, 2), b))
    expected = np.array(
        [[abs(np.vdot(pennylane_iqp_state(y, 2), pennylane_iqp_state(x, 2))) ** 2 for y in b] for x in a]
    )
    np.testing.assert_allclose(gram.numpy(), expected, atol=1e-10)


def test_iqp_fidelity_kernel_matches_pennylane_adjoint_circuit(rng):
    # qml-benchmarks' definition: the probability of |0…0⟩ after U(x) then U(x')†.
    x, y = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3)

    @qml.qnode(qml.device("default.qubit", wires=3))
    def node():
        qml.IQPEmbedding(x, wires=range(3), n_repeats=2)
        qml.adjoint(qml.IQPEmbedding(y, wires=range(3), n_repeats=2))
        return qml.probs()

    states = embedding_states(iqp_embedding(3, 2), np.stack([x, y]))
    assert fidelity_kernel(states[:1], states[1:]).item() == pytest.approx(float(node()[0]), abs=1e-10)


def qiskit_paulis(circuit, x):
    state = Statevector(circuits.to_qiskit(circuit, inputs=x))
    n = circuit.n_qubits
    # Qiskit labels wire 0 rightmost.
    return np.array([[state.expectation_value(_label(letter, q, n)).real for q in range(n)] for letter in "XYZ"])


def _label(letter, q, n):
    from qiskit.quantum_info import Pauli

    chars = ["I"] * n
    chars[n - 1 - q] = letter
    return Pauli("".join(chars))


def test_projected_kernel_matches_qiskit_pair_by_pair(rng):
    angles = rng.uniform(0, 2 * np.pi, (4, 3))
    circuit = hamiltonian_embedding(3, angles, t=0.7, trotter_steps=2)
    a, b = rng.uniform(-np.pi / 2, np.pi / 2, (3, 3)), rng.uniform(-np.pi / 2, np.pi / 2, (2, 3))
    pa = one_qubit_paulis(embedding_states(circuit, a), 4)
    pb = one_qubit_paulis(embedding_states(circuit, b), 4)
    ref_a = np.array([qiskit_paulis(circuit, x) for x in a])
    ref_b = np.array([qiskit_paulis(circuit, x) for x in b])
    np.testing.assert_allclose(pa.numpy(), ref_a, atol=1e-10)
    gamma = 0.3
    expected = np.array([[np.exp(-gamma * np.sum((p - q) ** 2)) for q in ref_b] for p in ref_a])
    np.testing.assert_allclose(projected_kernel(pa, pb, gamma).numpy(), expected, atol=1e-10)


def test_hamiltonian_embedding_matches_pennylane(rng):
    angles = rng.uniform(0, 2 * np.pi, (3, 3))
    x = rng.uniform(-1, 1, 2)
    t, steps = 1 / 3, 3
    tau = t * 2 / steps

    @qml.qnode(qml.device("default.qubit", wires=3))
    def node():
        for q in range(3):
            qml.Rot(*angles[q], wires=q)
        for _ in range(steps):
            for j in range(2):
                qml.IsingXX(x[j] * tau, wires=[j, j + 1])
                qml.IsingYY(x[j] * tau, wires=[j, j + 1])
                qml.IsingZZ(x[j] * tau, wires=[j, j + 1])
        return qml.state()

    state = embedding_states(hamiltonian_embedding(2, angles, t, steps), x[None])[0].numpy()
    assert abs(np.vdot(state, np.asarray(node()))) == pytest.approx(1.0, abs=1e-10)


def test_default_gamma_is_inverse_variance_over_features():
    paulis = torch.tensor([[[0.0, 1.0]], [[1.0, 0.0]]], dtype=torch.float64)
    assert default_gamma(paulis, n_features=2) == pytest.approx(1 / (0.25 * 2))


def test_embedding_with_weights_is_refused():
    with pytest.raises(ValueError, match="no weights"):
        embedding_states(circuits.strongly_entangling(2, 1), np.zeros((1, 0)))


def test_gram_matrix_is_symmetric_positive_semidefinite(rng):
    X = rng.uniform(-1, 1, (12, 3))
    states = embedding_states(iqp_embedding(3), X)
    gram = fidelity_kernel(states, states).numpy()
    np.testing.assert_allclose(gram, gram.T, atol=1e-12)
    assert np.linalg.eigvalsh(gram).min() > -1e-10
    paulis = one_qubit_paulis(states, 3)
    projected = projected_kernel(paulis, paulis, 1.0).numpy()
    np.testing.assert_allclose(np.diag(projected), 1.0, atol=1e-12)
    assert np.linalg.eigvalsh(projected).min() > -1e-10
