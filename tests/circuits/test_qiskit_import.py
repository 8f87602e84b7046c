"""`from_qiskit` inverts `to_qiskit` (import, export: the same state) and reads Qiskit's own circuits."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter, ParameterVector
from qiskit.circuit.library import efficient_su2, n_local, pauli_feature_map, real_amplitudes
from qiskit.circuit.library import zz_feature_map as qiskit_zz_feature_map
from qiskit.quantum_info import Statevector

import circuits
from circuits import from_qiskit, to_qiskit
from circuits.circuit import uses_state_prep
from qnn import simulate
from tests.circuits.contract import qiskit_state
from tests.strategies import circuit_with_values

BUILDERS = {
    "angle_encoding": circuits.angle_encoding(3, rotation="Y"),
    "iqp_encoding": circuits.iqp_encoding(3, n_repeats=2),
    "zz_feature_map": circuits.zz_feature_map(3, reps=2),
    "strongly_entangling": circuits.strongly_entangling(3, n_layers=2),
    "basic_entangler": circuits.basic_entangler(3, n_layers=2, rotation="Z"),
    "hardware_efficient": circuits.hardware_efficient(3, n_layers=2),
    "tree_tensor": circuits.tree_tensor(4),
    "reupload": circuits.reupload(circuits.angle_encoding(2), circuits.strongly_entangling(2, 1), n_layers=2),
}


def exported_vectors(qc: QuantumCircuit, circuit: circuits.Circuit) -> tuple:
    """The input and weight ParameterVectors `to_qiskit` made (new ones when no gate reads them)."""
    vectors = {p.vector.name: p.vector for p in qc.parameters}
    return vectors.get("x", ParameterVector("x", circuit.n_inputs)), vectors.get("w", ParameterVector("w", 0))


def round_trip(circuit: circuits.Circuit) -> circuits.Circuit:
    qc = to_qiskit(circuit)
    x, w = exported_vectors(qc, circuit)
    if len(w) < circuit.n_weights:  # no gate reads the weights: keep their count for the comparison
        w = ParameterVector("w", circuit.n_weights)
    return from_qiskit(qc, inputs=x, weights=w)


def ours(circuit: circuits.Circuit, x, w) -> np.ndarray:
    return simulate(circuit, torch.tensor(x)[None], torch.tensor(w), dtype=torch.complex128)[0].numpy()


def assert_same_up_to_phase(a, b) -> None:
    assert abs(abs(np.vdot(a, b)) - 1) < 1e-9, f"overlap {abs(np.vdot(a, b))}"


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
    expected = qiskit_state(circuit, x, w)
    np.testing.assert_allclose(qiskit_state(imported, x, w), expected, atol=1e-10)
    np.testing.assert_allclose(ours(imported, x, w), expected, atol=1e-10)


def test_amplitude_encoding_round_trips_with_bound_amplitudes(rng):
    circuit = circuits.amplitude_encoding(3, n_features=6)
    x = rng.normal(size=6)
    imported = from_qiskit(to_qiskit(circuit, inputs=x))
    assert imported.gate_counts == {"StatePrep": 1}
    np.testing.assert_allclose(ours(imported, [], []), qiskit_state(circuit, x, []), atol=1e-10)
    with pytest.raises(ValueError, match="export it with numeric inputs"):
        from_qiskit(to_qiskit(circuit), inputs=ParameterVector("x", 6))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(circuit_with_values(max_qubits=4, max_ops=10, max_batch=1))
def test_random_circuits_round_trip(case):
    circuit, x, w = case
    x = x[0]
    expected = qiskit_state(circuit, x, w)
    if uses_state_prep(circuit):  # an unbound StatePrep exports as an opaque gate: bind, then import numbers
        imported = from_qiskit(to_qiskit(circuit, inputs=x, weights=w))
        np.testing.assert_allclose(ours(imported, [], []), expected, atol=1e-9)
        return
    imported = round_trip(circuit)
    np.testing.assert_allclose(qiskit_state(imported, x, w), expected, atol=1e-9)
    np.testing.assert_allclose(ours(imported, x, w), expected, atol=1e-9)


LIBRARY = {
    "real_amplitudes": lambda: real_amplitudes(3, reps=2),
    "efficient_su2": lambda: efficient_su2(3, reps=1),
    "n_local_sx_cy": lambda: n_local(3, ["sx", "ry"], "cy", reps=1),
    "n_local_crx_ccx": lambda: n_local(3, ["rx", "t"], ["crx", "ccx"], reps=1),
}


@pytest.mark.parametrize("name", LIBRARY)
def test_circuit_library_ansatze_match_statevector(name, rng):
    qc = LIBRARY[name]()
    imported = from_qiskit(qc)
    assert imported.n_inputs == 0 and imported.n_weights == qc.num_parameters
    w = rng.uniform(-np.pi, np.pi, qc.num_parameters)
    expected = Statevector(qc.assign_parameters(w)).reverse_qargs().data
    assert_same_up_to_phase(ours(imported, [], w), expected)  # Qiskit's definitions carry global phases


@pytest.mark.parametrize("feature_map", [qiskit_zz_feature_map, pauli_feature_map])
def test_feature_map_and_ansatz_split_into_inputs_and_weights(feature_map, rng):
    encoding, ansatz = feature_map(3, reps=2), real_amplitudes(3, reps=1)
    qc = encoding.compose(ansatz)
    imported = from_qiskit(qc, inputs=encoding.parameters)
    assert (imported.n_inputs, imported.n_weights) == (3, ansatz.num_parameters)
    x, w = rng.uniform(-np.pi, np.pi, 3), rng.uniform(-np.pi, np.pi, ansatz.num_parameters)
    values = [*zip(encoding.parameters, x, strict=True), *zip(ansatz.parameters, w, strict=True)]
    bound = qc.assign_parameters(dict(values))
    assert_same_up_to_phase(ours(imported, x, w), Statevector(bound).reverse_qargs().data)


def test_named_parameters_become_inputs_or_weights_as_given():
    a, b = Parameter("a"), Parameter("b")
    qc = QuantumCircuit(1)
    qc.rx(a, 0)
    qc.ry(b, 0)
    qc.rz(0.5 * b - 1.0, 0)
    imported = from_qiskit(qc, inputs=[b], weights=[a])
    params = [op.params[0] for op in imported.operations]
    assert params[:2] == [circuits.Weight(0), circuits.Input(0)]
    assert isinstance(params[2], circuits.Input) and params[2].index == 0
    np.testing.assert_allclose([params[2].scale, params[2].shift], [0.5, -1.0], atol=1e-12)


def test_scaled_weights_import_as_weights_with_their_factor(rng):
    # QAOA's rzz(2γ) and the θ/2 that definitions such as cp's apply: a weight times a number.
    gamma, theta = Parameter("γ"), Parameter("θ")
    qc = QuantumCircuit(2)
    qc.h([0, 1])
    qc.rzz(2 * gamma, 0, 1)
    qc.rx(-theta / 2, 1)
    imported = from_qiskit(qc, weights=[gamma, theta])
    assert imported.operations[2].params == (circuits.Weight(0, 2.0),)
    assert imported.operations[3].params == (circuits.Weight(1, -0.5),)
    w = rng.uniform(-np.pi, np.pi, 2)
    expected = Statevector(qc.assign_parameters(dict(zip([gamma, theta], w, strict=True)))).reverse_qargs().data
    assert_same_up_to_phase(ours(imported, [], w), expected)


def test_a_definition_that_halves_a_weight_imports(rng):
    qc = n_local(2, "ry", "cp", reps=1)  # cp's definition applies p(θ/2)
    imported = from_qiskit(qc)
    w = rng.uniform(-np.pi, np.pi, qc.num_parameters)
    expected = Statevector(qc.assign_parameters(w)).reverse_qargs().data
    assert_same_up_to_phase(ours(imported, [], w), expected)


def test_a_shifted_weight_is_refused_naming_the_gate():
    a = Parameter("a")
    qc = QuantumCircuit(1)
    qc.rx(a + 1, 0)
    with pytest.raises(ValueError, match=r"gate 0 \(RX on wires \(0,\)\)"):
        from_qiskit(qc, weights=[a])


def test_bad_arguments_are_named():
    a, b = Parameter("a"), Parameter("b")
    qc = QuantumCircuit(1)
    qc.rx(a, 0)
    qc.ry(b, 0)
    with pytest.raises(ValueError, match=r"\['b'\] are neither inputs nor weights"):
        from_qiskit(qc, inputs=[a], weights=[])
    with pytest.raises(ValueError, match="both inputs and weights"):
        from_qiskit(qc, inputs=[a], weights=[a, b])
    with pytest.raises(TypeError, match="inputs must hold qiskit Parameters"):
        from_qiskit(qc, inputs=["a"])
    with pytest.raises(TypeError, match="quantum_circuit must be a qiskit QuantumCircuit"):
        from_qiskit("qc")


def test_measurements_are_refused_with_the_way_out():
    qc = QuantumCircuit(1, 1)
    qc.h(0)
    qc.measure(0, 0)
    with pytest.raises(ValueError, match="remove_final_measurements"):
        from_qiskit(qc)
    assert from_qiskit(qc.remove_final_measurements(inplace=False)).gate_counts == {"H": 1}
