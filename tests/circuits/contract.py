"""The contract every circuit builder's output must keep (after PennyLane's `ops/functions/assert_valid.py`).

Example:
    >>> from circuits import strongly_entangling
    >>> assert_valid_circuit(strongly_entangling(3, n_layers=2))
"""

import dataclasses
import math

import numpy as np
import pennylane as qml
import pytest
from qiskit.quantum_info import Statevector

from circuits import Circuit, Input, InputProduct, Operation, Weight, to_pennylane, to_qasm3, to_qiskit
from circuits.circuit import input_indices, uses_state_prep
from circuits.gates import STATE_PREP


def assert_valid_circuit(circuit: Circuit, seed: int = 0) -> None:
    """Check `circuit` against the data model and every export; `seed` draws the values it runs with."""
    assert isinstance(circuit, Circuit)
    _assert_counts(circuit)
    _assert_frozen(circuit)
    _assert_composes(circuit)
    _assert_split_weights(circuit)
    _assert_qiskit_parameters(circuit)
    assert isinstance(circuit.draw(), str) and circuit.draw().strip()
    rng = np.random.default_rng(seed)
    x, w = rng.uniform(-np.pi, np.pi, circuit.n_inputs), rng.uniform(-np.pi, np.pi, circuit.n_weights)
    assert "OPENQASM 3" in to_qasm3(circuit, inputs=x, weights=w)
    if not uses_state_prep(circuit):
        assert "OPENQASM 3" in to_qasm3(circuit)
    np.testing.assert_allclose(pennylane_state(circuit, x, w), qiskit_state(circuit, x, w), atol=1e-10)


def pennylane_state(circuit: Circuit, inputs, weights):
    """The state of `to_pennylane(circuit)` on `default.qubit`: `(2**n_qubits,)`, or `(batch, 2**n_qubits)`."""

    @qml.qnode(qml.device("default.qubit", wires=circuit.n_qubits))
    def state(x, w):
        to_pennylane(circuit)(x, w)
        return qml.state()

    return state(inputs, weights)


def qiskit_state(circuit: Circuit, inputs, weights) -> np.ndarray:
    """The state of the bound `to_qiskit(circuit)`, in PennyLane's wire order (wire 0 most significant)."""
    return Statevector(to_qiskit(circuit, inputs, weights)).reverse_qargs().data


def _assert_counts(circuit: Circuit) -> None:
    read_inputs = {i for op in circuit.operations for p in op.params for i in input_indices(p)}
    read_weights = {p.index for op in circuit.operations for p in op.params if isinstance(p, Weight)}
    # Builders waste nothing: every input and every weight is read by some gate.
    assert read_inputs == set(range(circuit.n_inputs))
    assert read_weights == set(range(circuit.n_weights))
    assert circuit.n_weights == sum(math.prod(s) for s in circuit.weight_shapes)
    assert all(max(op.wires) < circuit.n_qubits for op in circuit.operations)
    assert sum(circuit.gate_counts.values()) == len(circuit.operations)
    assert 0 < circuit.depth <= len(circuit.operations)


def _assert_frozen(circuit: Circuit) -> None:
    assert isinstance(circuit.operations, tuple)
    assert hash(circuit) == hash(dataclasses.replace(circuit))
    with pytest.raises(dataclasses.FrozenInstanceError):
        circuit.n_qubits = circuit.n_qubits + 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        circuit.operations[0].wires = (0,)


def _assert_composes(circuit: Circuit) -> None:
    tail = Circuit.of(1, [Operation("RX", (0,), (Input(0),)), Operation("RY", (0,), (Weight(0),))])
    both = circuit + tail
    assert both.n_qubits == circuit.n_qubits
    assert (both.n_inputs, both.n_weights) == (circuit.n_inputs + 1, circuit.n_weights + 1)
    assert both.weight_shapes == circuit.weight_shapes + ((1,),)
    assert both.operations[: len(circuit.operations)] == circuit.operations
    rx, ry = both.operations[len(circuit.operations) :]
    assert rx.params == (Input(circuit.n_inputs),) and ry.params == (Weight(circuit.n_weights),)
    if not uses_state_prep(circuit):  # a StatePrep may not follow gates on its wires
        twice = circuit + circuit
        assert (twice.n_inputs, twice.n_weights) == (2 * circuit.n_inputs, 2 * circuit.n_weights)
        second = [op.params for op in twice.operations[len(circuit.operations) :]]
        assert second == [_shifted(op, circuit.n_inputs, circuit.n_weights) for op in circuit.operations]


def _shifted(op: Operation, n_inputs: int, n_weights: int) -> tuple:
    def shift(p):
        if isinstance(p, Weight):
            return Weight(p.index + n_weights)
        if isinstance(p, Input):
            return dataclasses.replace(p, index=p.index + n_inputs)
        if isinstance(p, InputProduct):
            return dataclasses.replace(p, factors=tuple(shift(f) for f in p.factors))
        return p

    return tuple(shift(p) for p in op.params)


def _assert_split_weights(circuit: Circuit) -> None:
    flat = np.arange(circuit.n_weights, dtype=float)
    blocks = circuit.split_weights(flat)
    assert [b.shape for b in blocks] == [tuple(s) for s in circuit.weight_shapes]
    assert np.array_equal(np.concatenate([b.ravel() for b in blocks] or [np.zeros(0)]), flat)


def _assert_qiskit_parameters(circuit: Circuit) -> None:
    # Inputs and weights read only by a StatePrep vanish into its opaque placeholder gate.
    outside = [op for op in circuit.operations if op.gate != STATE_PREP]
    expected = {f"x[{i}]" for op in outside for p in op.params for i in input_indices(p)}
    expected |= {f"w[{p.index}]" for op in outside for p in op.params if isinstance(p, Weight)}
    if not uses_state_prep(circuit):
        assert len(expected) == circuit.n_inputs + circuit.n_weights
    assert {p.name for p in to_qiskit(circuit).parameters} == expected
    x, w = np.zeros(circuit.n_inputs) + 0.5, np.zeros(circuit.n_weights)
    assert to_qiskit(circuit, inputs=x, weights=w).num_parameters == 0
