"""The variational models against PennyLane QNodes written from their papers (and qml-benchmarks'
definitions), the no-entanglement ablation, and the amplitude input map."""

import math

import numpy as np
import pennylane as qml
import pytest
import torch

from qnn.layer import QuantumLayer
from qnn.models.circuit_tools import entangling_operations
from qnn.models.variational import (
    AmplitudeInputs,
    circuit_centric,
    dressed_quantum_circuit,
    iqp_variational,
    separable_variational,
)


def quantum_of(model) -> QuantumLayer:
    return next(m for m in model.modules() if isinstance(m, QuantumLayer))


def double(model):
    return model.double()


def test_dressed_circuit_matches_mari_et_al(generator):
    n, layers = 3, 2
    model = double(dressed_quantum_circuit(4, 2, n_qubits=n, n_layers=layers, generator=generator))
    x = torch.randn(3, 4, dtype=torch.float64, generator=generator)
    w = quantum_of(model).weights.detach().numpy().reshape(layers, n)

    @qml.qnode(qml.device("default.qubit", wires=n))
    def node(angles):
        for i in range(n):
            qml.Hadamard(i)
            qml.RY(angles[i], wires=i)
        qml.BasicEntanglerLayers(w, wires=range(n), rotation=qml.RY)
        return [qml.expval(qml.PauliZ(i)) for i in range(n)]

    with torch.no_grad():
        angles = torch.tanh(model[0](x)) * math.pi / 2
        got = model(x)
    expected = torch.tensor(np.array([node(a.numpy()) for a in angles]), dtype=torch.float64)
    torch.testing.assert_close(got, model[-1](expected))


def test_iqp_variational_matches_havlicek_et_al(generator):
    n, layers = 3, 2
    model = double(iqp_variational(n, 2, n_layers=layers, repeats=2, generator=generator))
    x = torch.rand(4, n, dtype=torch.float64, generator=generator)
    w = quantum_of(model).weights.detach().numpy().reshape(layers, n, 3)

    @qml.qnode(qml.device("default.qubit", wires=n))
    def node(features):
        qml.IQPEmbedding(features, wires=range(n), n_repeats=2)
        qml.StronglyEntanglingLayers(w, wires=range(n), imprimitive=qml.CZ)
        return qml.expval(qml.PauliZ(0) @ qml.PauliZ(1))

    expected = torch.tensor([float(node(row.numpy())) for row in x], dtype=torch.float64)
    with torch.no_grad():
        logits = model(x)
    # Binary readout: logits (-3f, 3f), so P(second class) = sigmoid(6 f).
    torch.testing.assert_close(logits, torch.stack([-3 * expected, 3 * expected], dim=1))


def test_separable_model_is_a_mean_of_one_qubit_circuits(generator):
    n, layers = 3, 2
    model = double(separable_variational(n, 2, n_layers=layers, generator=generator))
    x = torch.rand(4, n, dtype=torch.float64, generator=generator)
    w = quantum_of(model).weights.detach().numpy().reshape(layers + 1, n, 3)

    @qml.qnode(qml.device("default.qubit", wires=1))
    def one_qubit(weights, feature):
        for l in range(layers):
            qml.Rot(*weights[l], wires=0)
            qml.RY(feature, wires=0)
        qml.Rot(*weights[layers], wires=0)
        return qml.expval(qml.PauliZ(0))

    expected = [np.mean([one_qubit(w[:, i], row[i].item()) for i in range(n)]) for row in x]
    with torch.no_grad():
        logits = model(x)
    torch.testing.assert_close(logits[:, 1] / 3, torch.tensor(expected, dtype=torch.float64))
    assert entangling_operations(quantum_of(model).circuit) == []


def test_circuit_centric_matches_schuld_et_al(generator):
    d, layers = 5, 2
    model = double(circuit_centric(d, 2, n_layers=layers, generator=generator))
    n = 3  # ceil(log2 5)
    x = torch.randn(4, d, dtype=torch.float64, generator=generator)
    w = quantum_of(model).weights.detach().numpy().reshape(layers, n, 3)

    @qml.qnode(qml.device("default.qubit", wires=n))
    def node(features):
        padded = np.concatenate([features, np.full(8 - d, 1 / 8)])
        qml.AmplitudeEmbedding(padded, wires=range(n), normalize=True)
        qml.StronglyEntanglingLayers(w, wires=range(n))
        return qml.expval(qml.PauliZ(0))

    bias = model[-1].bias.item()
    expected = torch.tensor([float(node(row.numpy())) + bias for row in x], dtype=torch.float64)
    with torch.no_grad():
        logits = model(x)
    torch.testing.assert_close(logits[:, 1], 3 * expected)


def test_amplitude_inputs_pad_normalise_and_copy():
    x = torch.tensor([[3.0, 4.0, 0.0]], dtype=torch.float64)
    single = np.array([3.0, 4.0, 0.0, 0.25])
    single /= np.linalg.norm(single)
    torch.testing.assert_close(AmplitudeInputs(3)(x)[0], torch.tensor(single))
    torch.testing.assert_close(AmplitudeInputs(3, n_copies=2)(x)[0], torch.tensor(np.kron(single, single)))
    assert AmplitudeInputs(1)(torch.ones(2, 1)).shape == (2, 2)


BUILDERS = {
    "dressed": lambda g, e: dressed_quantum_circuit(4, 2, 4, 2, entangling=e, generator=g),
    "iqp": lambda g, e: iqp_variational(4, 2, 2, entangling=e, generator=g),
    "circuit_centric": lambda g, e: circuit_centric(6, 3, 2, n_copies=2, entangling=e, generator=g),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_entangling_false_leaves_no_gate_on_two_or_more_wires(name, generator):
    assert entangling_operations(quantum_of(BUILDERS[name](generator, True)).circuit)
    remaining = entangling_operations(quantum_of(BUILDERS[name](generator, False)).circuit)
    # The circuit-centric model keeps its amplitude encoding: the data's state, not an entangling gate.
    assert [op.gate for op in remaining] == (["StatePrep"] if name == "circuit_centric" else [])


@pytest.mark.parametrize("n_classes", [2, 3, 5])
@pytest.mark.parametrize("name", BUILDERS)
def test_logit_shapes_for_any_number_of_classes(name, n_classes, generator):
    build = {
        "dressed": lambda: dressed_quantum_circuit(4, n_classes, 4, 1, generator=generator),
        "iqp": lambda: iqp_variational(4, n_classes, 1, generator=generator),
        "circuit_centric": lambda: circuit_centric(4, n_classes, 1, generator=generator),
    }[name]
    model = build()
    assert model(torch.rand(6, 4)).shape == (6, n_classes)
