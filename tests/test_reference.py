"""The naive reference simulator, checked against PennyLane (`default.qubit`) and Qiskit (`Statevector`).

Both are driven directly from the `Operation` records by small gate tables written here, not by
`circuits.export`, so that a mistake there cannot hide one here.
"""

from __future__ import annotations

import math

import numpy as np
import pennylane as qml
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit import QuantumCircuit
from qiskit.circuit.library import StatePreparation
from qiskit.quantum_info import Pauli, Statevector

from circuits.circuit import Circuit, Const, Input, InputProduct, Operation, Weight
from circuits.gates import GATES, STATE_PREP
from tests.reference import (
    apply_state_prep,
    full_matrix,
    gate_matrix,
    param_values,
    reference_expval,
    reference_probs,
    reference_state,
)
from tests.strategies import circuit_with_values

ATOL = 1e-10
SEED = 20240611

PENNYLANE_OPS = {
    "H": qml.Hadamard,
    "X": qml.PauliX,
    "Y": qml.PauliY,
    "Z": qml.PauliZ,
    "S": qml.S,
    "T": qml.T,
    "RX": qml.RX,
    "RY": qml.RY,
    "RZ": qml.RZ,
    "PhaseShift": qml.PhaseShift,
    "Rot": qml.Rot,
    "U3": qml.U3,
    "CNOT": qml.CNOT,
    "CZ": qml.CZ,
    "CRX": qml.CRX,
    "CRY": qml.CRY,
    "CRZ": qml.CRZ,
    "SWAP": qml.SWAP,
    "RXX": qml.IsingXX,
    "RYY": qml.IsingYY,
    "RZZ": qml.IsingZZ,
    "MultiRZ": qml.MultiRZ,
}


def _qiskit_multi_rz(qc: QuantumCircuit, theta: float, *wires: int) -> None:
    # exp(-iθ/2 Z⊗…⊗Z): a CNOT ladder collects the parity on the last wire, RZ there, then uncompute.
    for a, b in zip(wires, wires[1:], strict=False):
        qc.cx(a, b)
    qc.rz(theta, wires[-1])
    for a, b in reversed(list(zip(wires, wires[1:], strict=False))):
        qc.cx(a, b)


def _qiskit_rot(qc: QuantumCircuit, phi: float, theta: float, omega: float, wire: int) -> None:
    qc.rz(phi, wire)
    qc.ry(theta, wire)
    qc.rz(omega, wire)


# gate name -> f(qc, *angles, *wires); Qiskit's gates share PennyLane's angle conventions.
QISKIT_OPS = {
    "H": QuantumCircuit.h,
    "X": QuantumCircuit.x,
    "Y": QuantumCircuit.y,
    "Z": QuantumCircuit.z,
    "S": QuantumCircuit.s,
    "T": QuantumCircuit.t,
    "RX": QuantumCircuit.rx,
    "RY": QuantumCircuit.ry,
    "RZ": QuantumCircuit.rz,
    "PhaseShift": QuantumCircuit.p,
    "Rot": _qiskit_rot,
    "U3": QuantumCircuit.u,
    "CNOT": QuantumCircuit.cx,
    "CZ": QuantumCircuit.cz,
    "CRX": QuantumCircuit.crx,
    "CRY": QuantumCircuit.cry,
    "CRZ": QuantumCircuit.crz,
    "SWAP": QuantumCircuit.swap,
    "RXX": QuantumCircuit.rxx,
    "RYY": QuantumCircuit.ryy,
    "RZZ": QuantumCircuit.rzz,
    "MultiRZ": _qiskit_multi_rz,
}


def random_angles(gate: str, n_sets: int = 3) -> list[tuple[float, ...]]:
    """A few angle tuples for `gate`: zeros, π's, and random values from a fixed seed."""
    k = GATES[gate].n_params
    rng = np.random.default_rng([SEED, list(GATES).index(gate)])
    fixed = [(0.0,) * k, (math.pi,) * k] if k else [()]
    return fixed + [tuple(rng.uniform(-2 * math.pi, 2 * math.pi, k)) for _ in range(n_sets if k else 0)]


def apply_pennylane(circuit: Circuit, x, w) -> None:
    for op in circuit.operations:
        values = [param_values(p, x, w) for p in op.params]
        if op.gate == STATE_PREP:
            # Normalised here: StatePrep(normalize=True) leaves a norm within rtol=1e-5 of 1 as it is
            # (its allclose check uses numpy's default rtol), which is off by up to 1e-5.
            qml.StatePrep(np.array(values) / np.linalg.norm(values), wires=op.wires)
        else:
            PENNYLANE_OPS[op.gate](*values, wires=op.wires)


def pennylane_state(circuit: Circuit, x, w) -> np.ndarray:
    @qml.qnode(qml.device("default.qubit", wires=circuit.n_qubits))
    def state():
        apply_pennylane(circuit, x, w)
        return qml.state()

    return np.asarray(state())


def qiskit_state(circuit: Circuit, x, w) -> np.ndarray:
    qc = QuantumCircuit(circuit.n_qubits)
    for op in circuit.operations:
        values = [param_values(p, x, w) for p in op.params]
        if op.gate == STATE_PREP:
            amplitudes = np.array(values) / np.linalg.norm(values)
            if len(op.wires) == 1:
                # Qiskit's one-qubit StatePreparation drops a global sign: (-1, 0) gives |0⟩, not -|0⟩.
                qc.ry(2 * np.arctan2(amplitudes[1], amplitudes[0]), op.wires[0])
            else:
                # Qiskit reads an amplitude index little-endian: its first qubit is the least significant bit.
                qc.append(StatePreparation(amplitudes), list(reversed(op.wires)))
        else:
            QISKIT_OPS[op.gate](qc, *values, *op.wires)
    return Statevector(qc).reverse_qargs().data


def pauli_observable(word: str):
    factors = [{"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ}[c](i) for i, c in enumerate(word) if c != "I"]
    return qml.prod(*factors) if factors else qml.Identity(0)


def test_gate_tables_cover_the_catalogue():
    assert set(PENNYLANE_OPS) == set(GATES)
    assert set(QISKIT_OPS) == set(GATES)


@pytest.mark.parametrize("gate", [g for g in GATES if g != "MultiRZ"])
def test_gate_matrix_matches_pennylane(gate):
    wires = range(GATES[gate].n_wires)
    for angles in random_angles(gate):
        expected = qml.matrix(PENNYLANE_OPS[gate](*angles, wires=wires))
        np.testing.assert_allclose(gate_matrix(gate, angles), expected, atol=ATOL, rtol=0)


@pytest.mark.parametrize("n_wires", [1, 2, 3, 4])
def test_multi_rz_matrix_matches_pennylane(n_wires):
    for angles in random_angles("MultiRZ"):
        expected = qml.MultiRZ(*angles, wires=range(n_wires)).matrix()
        np.testing.assert_allclose(gate_matrix("MultiRZ", angles, n_wires), expected, atol=ATOL, rtol=0)


def test_multi_rz_needs_its_wire_count():
    with pytest.raises(ValueError, match="n_wires"):
        gate_matrix("MultiRZ", (0.1,))


SCATTERED_WIRES = {1: [(0,), (2,), (3,)], 2: [(3, 0), (0, 2), (2, 1), (1, 3)], 3: [(3, 0, 2), (1, 3, 0)]}


@pytest.mark.parametrize("gate", GATES)
def test_full_matrix_on_scattered_wires_matches_pennylane(gate):
    n_qubits = 4
    placements = SCATTERED_WIRES[GATES[gate].n_wires or 1] + (SCATTERED_WIRES[3] if gate == "MultiRZ" else [])
    for wires in placements:
        for angles in random_angles(gate, n_sets=1):
            expected = qml.matrix(PENNYLANE_OPS[gate](*angles, wires=wires), wire_order=range(n_qubits))
            np.testing.assert_allclose(full_matrix(gate, wires, angles, n_qubits), expected, atol=ATOL, rtol=0)


@pytest.mark.parametrize("gate", GATES)
def test_full_matrix_is_unitary(gate):
    wires = SCATTERED_WIRES[GATES[gate].n_wires or 3][0]
    for angles in random_angles(gate):
        u = full_matrix(gate, wires, angles, 4)
        np.testing.assert_allclose(u.conj().T @ u, np.eye(16), atol=ATOL, rtol=0)


def test_param_values_of_every_source():
    x, w = np.array([0.5, -2.0, 3.0]), np.array([0.25, -1.5])
    assert param_values(Const(0.7), x, w) == 0.7
    assert param_values(Input(1), x, w) == -2.0
    assert param_values(Input(2, scale=0.5, shift=1.0), x, w) == 0.5 * 3.0 + 1.0
    product = InputProduct((Input(0, shift=1.0), Input(1, scale=-1.0)), scale=2.0)
    assert param_values(product, x, w) == 2.0 * (0.5 + 1.0) * 2.0
    assert param_values(Weight(1), x, w) == -1.5


def test_reference_state_of_a_bell_circuit():
    bell = Circuit.of(2, [Operation("H", (0,)), Operation("CNOT", (0, 1))])
    expected = np.array([1, 0, 0, 1]) / math.sqrt(2)
    np.testing.assert_allclose(reference_state(bell, [], []), expected, atol=ATOL, rtol=0)


def test_wire_zero_is_the_most_significant_bit():
    flip_first = Circuit.of(3, [Operation("X", (0,))])
    assert np.argmax(np.abs(reference_state(flip_first, [], []))) == 0b100


def test_state_prep_follows_gates_on_other_wires():
    ops = [Operation("H", (0,)), Operation(STATE_PREP, (1,), (3.0, -4.0)), Operation("CNOT", (1, 0))]
    state = reference_state(Circuit.of(2, ops), [], [])
    expected = full_matrix("CNOT", (1, 0), (), 2) @ np.kron(np.array([1, 1]) / math.sqrt(2), np.array([3, -4]) / 5)
    np.testing.assert_allclose(state, expected, atol=ATOL, rtol=0)


def test_state_prep_on_wires_returned_to_zero():
    # Circuit forbids this placement; the reference allows it, since wire 1 is |0⟩ again.
    before = reference_state(Circuit.of(2, [Operation("H", (0,)), Operation("X", (1,)), Operation("X", (1,))]), [], [])
    state = apply_state_prep(before, (1,), (3.0, -4.0), 2)
    expected = np.kron(np.array([1, 1]) / math.sqrt(2), np.array([3, -4]) / 5)
    np.testing.assert_allclose(state, expected, atol=ATOL, rtol=0)


def test_state_prep_amplitude_order_follows_its_wires():
    # On wires (2, 0) the first listed wire is the more significant bit of the amplitude index.
    ops = [Operation(STATE_PREP, (2, 0), (0.0, 1.0, 0.0, 0.0))]  # |01⟩ on (2, 0): wire 2 = 0, wire 0 = 1
    state = reference_state(Circuit.of(3, ops), [], [])
    assert np.argmax(np.abs(state)) == 0b100


def test_state_prep_on_a_busy_wire_is_refused():
    plus = reference_state(Circuit.of(1, [Operation("H", (0,))]), [], [])
    with pytest.raises(ValueError, match="not in"):
        apply_state_prep(plus, (0,), (1.0, 0.0), 1)


def test_state_prep_of_zeros_is_refused():
    with pytest.raises(ValueError, match="zero"):
        reference_state(Circuit.of(1, [Operation(STATE_PREP, (0,), (0.0, 0.0))]), [], [])


@settings(max_examples=100, deadline=None)
@given(circuit_with_values(allow_state_prep=False))
def test_reference_state_matches_pennylane(case):
    circuit, x, w = case
    for sample in x:
        np.testing.assert_allclose(
            reference_state(circuit, sample, w), pennylane_state(circuit, sample, w), atol=ATOL, rtol=0
        )


@settings(max_examples=100, deadline=None)
@given(circuit_with_values(allow_state_prep=True))
def test_reference_state_with_state_prep_matches_pennylane(case):
    circuit, x, w = case
    # PennyLane decomposes a StatePrep that follows other operations (Mottonen), which loses about 3e-9
    # on amplitudes near 3e-8; elsewhere it agrees to ATOL.
    tol = 1e-8 if any(op.gate == "StatePrep" for op in circuit.operations) else ATOL
    for sample in x:
        np.testing.assert_allclose(
            reference_state(circuit, sample, w), pennylane_state(circuit, sample, w), atol=tol, rtol=0
        )


@pytest.mark.parametrize("gate", GATES)
@settings(max_examples=4, deadline=None, derandomize=True)
@given(data=st.data())
def test_reference_state_matches_qiskit_per_gate(gate, data):
    circuit, x, w = data.draw(circuit_with_values(max_qubits=4, max_ops=6, allow_state_prep=False, gates=(gate,)))
    for sample in x:
        np.testing.assert_allclose(
            reference_state(circuit, sample, w), qiskit_state(circuit, sample, w), atol=ATOL, rtol=0
        )


@settings(max_examples=50, deadline=None, derandomize=True)
@given(circuit_with_values(max_batch=1))
def test_reference_state_matches_qiskit(case):
    circuit, x, w = case
    np.testing.assert_allclose(reference_state(circuit, x[0], w), qiskit_state(circuit, x[0], w), atol=ATOL, rtol=0)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=st.data())
def test_reference_expval_and_probs_match_pennylane_and_qiskit(data):
    circuit, x, w = data.draw(circuit_with_values(max_batch=1))
    word = data.draw(st.text(alphabet="IXYZ", min_size=circuit.n_qubits, max_size=circuit.n_qubits))
    # PennyLane decomposes a StatePrep that follows other operations (Mottonen), which loses about 1e-9 on
    # values near 1e-7 (seen: 1.28e-7 against 1.29e-7); Qiskit, given our state, is held to ATOL.
    tol = 1e-8 if any(op.gate == "StatePrep" for op in circuit.operations) else ATOL

    @qml.qnode(qml.device("default.qubit", wires=circuit.n_qubits))
    def measure():
        apply_pennylane(circuit, x[0], w)
        return qml.expval(pauli_observable(word)), qml.probs(wires=range(circuit.n_qubits))

    expval, probs = measure()
    state = reference_state(circuit, x[0], w)
    assert reference_expval(state, word) == pytest.approx(float(expval), abs=tol)
    np.testing.assert_allclose(reference_probs(state), probs, atol=tol, rtol=0)
    # Qiskit's Pauli labels are little-endian too: the last character acts on qubit 0.
    qiskit_expval = Statevector(state).reverse_qargs().expectation_value(Pauli(word[::-1]))
    assert reference_expval(state, word) == pytest.approx(float(np.real(qiskit_expval)), abs=ATOL)
