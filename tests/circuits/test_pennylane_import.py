"""`from_pennylane` inverts `to_pennylane` (import, export: the same state) and reads PennyLane's templates."""

import numpy as np
import pennylane as qml
import pytest
import torch
from hypothesis import given, settings

import circuits
from circuits import from_pennylane, to_pennylane
from circuits.circuit import uses_state_prep
from tests.circuits.contract import pennylane_state
from tests.circuits.test_qiskit_import import BUILDERS, assert_same_up_to_phase, ours
from tests.strategies import circuit_with_values


def round_trip(circuit: circuits.Circuit) -> circuits.Circuit:
    shapes = {"weights": (circuit.n_weights,)}
    return from_pennylane(to_pennylane(circuit), circuit.n_inputs, shapes, wires=range(circuit.n_qubits))


@pytest.mark.parametrize("name", BUILDERS)
def test_every_builder_round_trips(name, rng):
    circuit = BUILDERS[name]
    imported = round_trip(circuit)
    assert (imported.n_qubits, imported.n_inputs, imported.n_weights) == (
        circuit.n_qubits,
        circuit.n_inputs,
        circuit.n_weights,
    )
    x, w = rng.uniform(-np.pi, np.pi, circuit.n_inputs), rng.uniform(-np.pi, np.pi, circuit.n_weights)
    expected = pennylane_state(circuit, x, w)
    np.testing.assert_allclose(pennylane_state(imported, x, w), expected, atol=1e-10)
    np.testing.assert_allclose(ours(imported, x, w), expected, atol=1e-10)


def test_amplitude_encoding_round_trips_with_bound_amplitudes(rng):
    circuit = circuits.amplitude_encoding(3, n_features=6)
    x = rng.normal(size=6)
    imported = from_pennylane(lambda: to_pennylane(circuit)(x))
    assert imported.gate_counts == {"StatePrep": 1}
    np.testing.assert_allclose(ours(imported, [], []), pennylane_state(circuit, x, []), atol=1e-10)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(circuit_with_values(max_qubits=4, max_ops=10, max_batch=1))
def test_random_circuits_round_trip(case):
    circuit, x, w = case
    x = x[0]
    expected = pennylane_state(circuit, x, w)
    if uses_state_prep(circuit):  # normalised amplitudes are no product of affine factors: import them bound
        imported = from_pennylane(lambda: to_pennylane(circuit)(x, w), wires=range(circuit.n_qubits))
        np.testing.assert_allclose(ours(imported, [], []), expected, atol=1e-9)
        return
    imported = round_trip(circuit)
    np.testing.assert_allclose(pennylane_state(imported, x, w), expected, atol=1e-9)
    np.testing.assert_allclose(ours(imported, x, w), expected, atol=1e-9)


def test_templates_with_inputs_and_weights_match_default_qubit(rng):
    def qfunc(inputs, entangling, rotations):
        qml.IQPEmbedding(inputs, wires=range(3))
        qml.StronglyEntanglingLayers(entangling, wires=range(3))
        qml.BasicEntanglerLayers(rotations, wires=range(3), rotation=qml.RY)
        qml.Toffoli(wires=[0, 1, 2])  # not in the gate set: decomposed by PennyLane
        qml.CPhase(0.3, wires=[0, 2])

    shapes = {"entangling": (2, 3, 3), "rotations": (1, 3)}
    imported = from_pennylane(qfunc, n_inputs=3, weight_shapes=shapes)
    assert imported.weight_shapes == ((2, 3, 3), (1, 3))
    x, w = rng.uniform(-np.pi, np.pi, 3), rng.uniform(-np.pi, np.pi, imported.n_weights)

    @qml.qnode(qml.device("default.qubit", wires=3))
    def reference():
        qfunc(x, *imported.split_weights(w))
        return qml.state()

    assert_same_up_to_phase(ours(imported, x, w), reference())


def test_a_qnode_and_a_tape_import_and_wire_labels_map_in_order():
    @qml.qnode(qml.device("default.qubit", wires=["a", "b"]))
    def node(inputs):
        qml.RX(inputs[0], wires="b")
        qml.CNOT(wires=["b", "a"])
        return qml.expval(qml.Z("a"))

    imported = from_pennylane(node, n_inputs=1, wires=["a", "b"])
    assert [(op.gate, op.wires) for op in imported.operations] == [("RX", (1,)), ("CNOT", (1, 0))]
    tape = qml.tape.QuantumScript([qml.RY(0.25, wires=3)])
    assert from_pennylane(tape).n_qubits == 4  # integer wires keep their place
    assert from_pennylane(tape).operations[0].params == (circuits.Const(0.25),)


def test_a_scaled_weight_imports_with_its_factor(rng):
    def qfunc(inputs, weights):
        qml.RY(inputs[0], wires=0)
        qml.IsingZZ(2 * weights[0], wires=[0, 1])
        qml.RX(weights[1] / 2, wires=1)

    imported = from_pennylane(qfunc, n_inputs=1, weight_shapes={"weights": (2,)})
    assert imported.operations[1].params == (circuits.Weight(0, 2.0),)
    assert imported.operations[2].params == (circuits.Weight(1, 0.5),)
    x, w = rng.uniform(-np.pi, np.pi, 1), rng.uniform(-np.pi, np.pi, 2)
    expected = qml.matrix(qfunc, wire_order=[0, 1])(x, w)[:, 0]
    assert_same_up_to_phase(ours(imported, x, w), expected)


def test_unsupported_angles_and_changing_structure_are_refused():
    with pytest.raises(ValueError, match=r"gate 0 \(RX on wires \(0,\)\)"):
        from_pennylane(lambda inputs: qml.RX(torch.sin(inputs[0]), wires=0), n_inputs=1)

    def branching(inputs):
        if inputs[0] > 0.5:
            qml.Hadamard(wires=0)
        qml.RX(inputs[0], wires=0)

    with pytest.raises(ValueError, match="different gates for different inputs"):
        from_pennylane(branching, n_inputs=1)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="n_inputs must be a non-negative integer"):
        from_pennylane(lambda inputs: None, n_inputs=-1)
    with pytest.raises(TypeError, match="weight_shapes must map argument names to shapes"):
        from_pennylane(lambda weights: None, weight_shapes=[3])
    with pytest.raises(ValueError, match="a tape holds numbers only"):
        from_pennylane(qml.tape.QuantumScript([qml.RX(0.1, 0)]), n_inputs=1)
    with pytest.raises(ValueError, match=r"missing \['1'\]"):
        from_pennylane(qml.tape.QuantumScript([qml.CNOT([0, 1])]), wires=[0])
