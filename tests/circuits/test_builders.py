"""Every builder keeps the contract and equals its reference template, gate for gate and state for state."""

from functools import partial

import numpy as np
import pennylane as qml
import pytest
from qiskit.circuit.library import efficient_su2, n_local
from qiskit.circuit.library import zz_feature_map as qiskit_zz_feature_map
from qiskit.quantum_info import Statevector

from circuits import (
    Circuit,
    Input,
    InputProduct,
    Operation,
    Weight,
    amplitude_encoding,
    angle_encoding,
    basic_entangler,
    hardware_efficient,
    iqp_encoding,
    reupload,
    strongly_entangling,
    to_pennylane,
    to_qiskit,
    tree_tensor,
    zz_feature_map,
)
from tests.circuits.contract import assert_valid_circuit, pennylane_state, qiskit_state


def template_state(n_qubits: int, template) -> np.ndarray:
    """The state PennyLane's `default.qubit` prepares by running `template()` on |0…0⟩."""

    @qml.qnode(qml.device("default.qubit", wires=n_qubits))
    def state():
        template()
        return qml.state()

    return state()


def assert_same_pennylane_gates(circuit: Circuit, x, w, template) -> None:
    """`to_pennylane(circuit)` queues exactly the operations of `template`'s decomposition."""
    ours = qml.tape.make_qscript(to_pennylane(circuit))(x, w).operations
    theirs = template.decomposition()
    assert [(op.name, op.wires.tolist()) for op in ours] == [(op.name, op.wires.tolist()) for op in theirs]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(np.array(a.parameters, dtype=float), np.array(b.parameters, dtype=float))


def qiskit_gates(qc) -> list:
    """(name, qubits, numeric params) of each instruction of a bound Qiskit circuit."""
    return [
        (i.operation.name, tuple(qc.find_bit(q).index for q in i.qubits), [float(p) for p in i.operation.params])
        for i in qc.data
    ]


def assert_matches_template(circuit: Circuit, x, w, make_template) -> None:
    """`circuit` keeps the contract, and equals the template `make_template()` builds, gate for gate and in state."""
    assert_valid_circuit(circuit)
    assert_same_pennylane_gates(circuit, x, w, make_template())
    expected = template_state(circuit.n_qubits, make_template)
    np.testing.assert_allclose(pennylane_state(circuit, x, w), expected, atol=1e-10)
    np.testing.assert_allclose(qiskit_state(circuit, x, w), expected, atol=1e-10)


@pytest.mark.parametrize("n_qubits", [1, 3, 5])
@pytest.mark.parametrize("rotation", ["X", "Y", "Z"])
def test_angle_encoding_is_angle_embedding(n_qubits, rotation, rng):
    x = rng.uniform(-np.pi, np.pi, n_qubits)
    template = partial(qml.AngleEmbedding, x, wires=range(n_qubits), rotation=rotation)
    assert_matches_template(angle_encoding(n_qubits, rotation), x, [], template)


@pytest.mark.parametrize(("n_qubits", "n_repeats"), [(1, 1), (2, 2), (4, 1), (4, 3)])
def test_iqp_encoding_is_iqp_embedding(n_qubits, n_repeats, rng):
    x = rng.uniform(-np.pi, np.pi, n_qubits)
    template = partial(qml.IQPEmbedding, x, wires=range(n_qubits), n_repeats=n_repeats)
    assert_matches_template(iqp_encoding(n_qubits, n_repeats), x, [], template)


@pytest.mark.parametrize(("n_qubits", "n_features"), [(1, 2), (1, 1), (2, 3), (3, 8), (3, 5)])
def test_amplitude_encoding_is_amplitude_embedding(n_qubits, n_features, rng):
    x = rng.normal(size=n_features)
    circuit = amplitude_encoding(n_qubits, n_features)
    assert_valid_circuit(circuit)
    expected = template_state(
        n_qubits, lambda: qml.AmplitudeEmbedding(x, wires=range(n_qubits), normalize=True, pad_with=0.0)
    )
    np.testing.assert_allclose(expected[:n_features], x / np.linalg.norm(x), atol=1e-12)  # wire 0 most significant
    np.testing.assert_allclose(pennylane_state(circuit, x, []), expected, atol=1e-10)
    np.testing.assert_allclose(qiskit_state(circuit, x, []), expected, atol=1e-10)


@pytest.mark.parametrize(("n_qubits", "reps"), [(2, 1), (3, 2), (4, 2)])
def test_zz_feature_map_is_qiskits(n_qubits, reps, rng):
    x = rng.uniform(-np.pi, np.pi, n_qubits)
    circuit = zz_feature_map(n_qubits, reps)
    assert_valid_circuit(circuit)
    reference = qiskit_zz_feature_map(n_qubits, reps=reps)
    reference = reference.assign_parameters(dict(zip(reference.parameters, x, strict=True)))
    ours = to_qiskit(circuit, inputs=x)
    assert [g[:2] for g in qiskit_gates(ours)] == [g[:2] for g in qiskit_gates(reference)]
    for a, b in zip(qiskit_gates(ours), qiskit_gates(reference), strict=True):
        np.testing.assert_allclose(a[2], b[2], atol=1e-12)
    np.testing.assert_allclose(Statevector(ours).data, Statevector(reference).data, atol=1e-10)
    np.testing.assert_allclose(pennylane_state(circuit, x, []), qiskit_state(circuit, x, []), atol=1e-10)


@pytest.mark.parametrize(("n_qubits", "n_layers", "ranges"), [(1, 2, None), (2, 3, None), (3, 4, None), (4, 2, (3, 2))])
def test_strongly_entangling_is_strongly_entangling_layers(n_qubits, n_layers, ranges, rng):
    w = rng.uniform(-np.pi, np.pi, n_layers * n_qubits * 3)
    circuit = strongly_entangling(n_qubits, n_layers, ranges)
    assert circuit.weight_shapes == ((n_layers, n_qubits, 3),)
    shaped = w.reshape(n_layers, n_qubits, 3)
    template = partial(qml.StronglyEntanglingLayers, shaped, wires=range(n_qubits), ranges=ranges)
    assert_matches_template(circuit, [], w, template)


@pytest.mark.parametrize("n_qubits", [1, 2, 3, 4])
@pytest.mark.parametrize("rotation", ["X", "Y", "Z"])
def test_basic_entangler_is_basic_entangler_layers(n_qubits, rotation, rng):
    n_layers = 2
    w = rng.uniform(-np.pi, np.pi, n_layers * n_qubits)
    circuit = basic_entangler(n_qubits, n_layers, rotation)
    assert circuit.weight_shapes == ((n_layers, n_qubits),)
    gate = {"X": qml.RX, "Y": qml.RY, "Z": qml.RZ}[rotation]
    template = partial(qml.BasicEntanglerLayers, w.reshape(n_layers, n_qubits), wires=range(n_qubits), rotation=gate)
    assert_matches_template(circuit, [], w, template)


@pytest.mark.parametrize(("n_qubits", "n_layers"), [(1, 2), (2, 1), (3, 2), (4, 3)])
def test_hardware_efficient_is_qiskits_n_local(n_qubits, n_layers, rng):
    circuit = hardware_efficient(n_qubits, n_layers)
    assert_valid_circuit(circuit)
    assert circuit.weight_shapes == ((n_layers + 1, 2, n_qubits),)
    w = rng.uniform(-np.pi, np.pi, circuit.n_weights)
    if n_qubits == 1:  # n_local refuses a two-qubit entangler on one qubit; efficient_su2 has no entangler there
        reference = efficient_su2(1, reps=n_layers)
    else:
        reference = n_local(n_qubits, ["ry", "rz"], "cz", entanglement="linear", reps=n_layers)
    reference = reference.assign_parameters(dict(zip(reference.parameters, w, strict=True)))
    ours = to_qiskit(circuit, weights=w)
    assert qiskit_gates(ours) == qiskit_gates(reference)
    np.testing.assert_allclose(Statevector(ours).data, Statevector(reference).data, atol=1e-10)


def test_tree_tensor_pairs_active_wires_level_by_level():
    w = [Weight(i) for i in range(6)]
    expected = [
        Operation("RY", (0,), (w[0],)), Operation("RY", (1,), (w[1],)), Operation("CNOT", (0, 1)),
        Operation("RY", (2,), (w[2],)), Operation("RY", (3,), (w[3],)), Operation("CNOT", (2, 3)),
        Operation("RY", (1,), (w[4],)), Operation("RY", (3,), (w[5],)), Operation("CNOT", (1, 3)),
    ]  # fmt: skip
    assert tree_tensor(4).operations == tuple(expected)
    cnots = [op.wires for op in tree_tensor(8).operations if op.gate == "CNOT"]
    assert cnots == [(0, 1), (2, 3), (4, 5), (6, 7), (1, 3), (5, 7), (3, 7)]


@pytest.mark.parametrize("n_qubits", [2, 4, 8])
def test_tree_tensor_keeps_the_contract(n_qubits):
    circuit = tree_tensor(n_qubits)
    assert circuit.weight_shapes == ((n_qubits - 1, 2),)
    assert_valid_circuit(circuit)


def test_reupload_repeats_the_encoding_and_gives_each_ansatz_its_own_weights(rng):
    n_qubits, n_layers = 3, 3
    encoding, ansatz = angle_encoding(n_qubits, "Y"), strongly_entangling(n_qubits, 2)
    circuit = reupload(encoding, ansatz, n_layers)
    assert_valid_circuit(circuit)
    assert circuit.n_inputs == n_qubits and circuit.weight_shapes == ((2, n_qubits, 3),) * n_layers
    x, w = rng.uniform(-np.pi, np.pi, n_qubits), rng.uniform(-np.pi, np.pi, circuit.n_weights)

    def template():
        for block in circuit.split_weights(w):
            qml.AngleEmbedding(x, wires=range(n_qubits), rotation="Y")
            qml.StronglyEntanglingLayers(block, wires=range(n_qubits))

    np.testing.assert_allclose(pennylane_state(circuit, x, w), template_state(n_qubits, template), atol=1e-10)


def test_reupload_spans_the_wider_circuit():
    circuit = reupload(angle_encoding(2), basic_entangler(4, 1), n_layers=2)
    assert (circuit.n_qubits, circuit.n_inputs, circuit.n_weights) == (4, 2, 8)
    assert_valid_circuit(circuit)


def test_every_builder_keeps_the_contract_on_composition():
    for circuit in (
        zz_feature_map(3) + hardware_efficient(3, 2),
        amplitude_encoding(2) + strongly_entangling(3, 1),
        iqp_encoding(2) + tree_tensor(4),
    ):
        assert_valid_circuit(circuit)


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: angle_encoding(0), ValueError, "n_qubits must be a positive integer, got 0"),
        (lambda: angle_encoding(2.0), ValueError, "n_qubits must be a positive integer, got 2.0"),
        (lambda: angle_encoding(True), ValueError, "n_qubits must be a positive integer, got True"),
        (lambda: angle_encoding(2, rotation="W"), ValueError, "rotation must be one of 'X', 'Y', 'Z', got 'W'"),
        (lambda: iqp_encoding(2, n_repeats=0), ValueError, "n_repeats must be a positive integer, got 0"),
        (lambda: zz_feature_map(1), ValueError, "n_qubits must be an integer >= 2, got 1"),
        (lambda: zz_feature_map(2, reps=-1), ValueError, "reps must be a positive integer, got -1"),
        (
            lambda: amplitude_encoding(2, n_features=5),
            ValueError,
            "n_features must be an integer from 1 to .* 4, got 5",
        ),
        (lambda: amplitude_encoding(2, n_features=0), ValueError, "n_features must be an integer from 1"),
        (lambda: strongly_entangling(3, 0), ValueError, "n_layers must be a positive integer, got 0"),
        (lambda: strongly_entangling(3, 2, ranges=(1,)), ValueError, r"one range per layer \(2\), got 1"),
        (lambda: strongly_entangling(3, 1, ranges=(3,)), ValueError, "must not be a multiple of n_qubits = 3"),
        (lambda: strongly_entangling(1, 1, ranges=(1,)), ValueError, "must not be a multiple of n_qubits = 1"),
        (lambda: basic_entangler(2, 1, rotation="RX"), ValueError, "rotation must be one of"),
        (lambda: hardware_efficient(2, 0), ValueError, "n_layers must be a positive integer, got 0"),
        (lambda: tree_tensor(6), ValueError, "n_qubits must be a power of two, got 6"),
        (lambda: tree_tensor(1), ValueError, "n_qubits must be an integer >= 2, got 1"),
        (lambda: reupload("RX", basic_entangler(2, 1), 1), TypeError, "encoding must be a Circuit, got str"),
        (lambda: reupload(angle_encoding(2), None, 1), TypeError, "ansatz must be a Circuit, got NoneType"),
        (lambda: reupload(angle_encoding(2), basic_entangler(2, 1), 0), ValueError, "n_layers must be a positive"),
        (
            lambda: reupload(basic_entangler(2, 1), basic_entangler(2, 1), 2),
            ValueError,
            "encoding must have no weights",
        ),
        (lambda: reupload(angle_encoding(2), angle_encoding(2), 2), ValueError, "ansatz must read no inputs"),
        (
            lambda: reupload(amplitude_encoding(2), basic_entangler(2, 1), 2),
            ValueError,
            "encoding must not use StatePrep",
        ),
    ],
)
def test_builders_reject_bad_arguments_with_a_message(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_builders_expose_reference_shapes():
    assert strongly_entangling(4, 3).weight_shapes == (qml.StronglyEntanglingLayers.shape(3, 4),)
    assert basic_entangler(4, 3).weight_shapes == (qml.BasicEntanglerLayers.shape(3, 4),)
    assert hardware_efficient(4, 3).n_weights == n_local(4, ["ry", "rz"], "cz", reps=3).num_parameters
    assert iqp_encoding(3).operations[-1] == Operation("MultiRZ", (1, 2), (InputProduct((Input(1), Input(2))),))
