"""The exports agree with each other: PennyLane and Qiskit prepare the same state for every gate."""

import numpy as np
import pytest
import torch
from qiskit.quantum_info import Statevector

from circuits import (
    GATES,
    STATE_PREP,
    Circuit,
    Const,
    Input,
    InputProduct,
    Operation,
    Weight,
    amplitude_encoding,
    angle_encoding,
    strongly_entangling,
    to_qasm3,
    to_qiskit,
)
from tests.circuits.contract import pennylane_state, qiskit_state


def random_source(rng, n_inputs: int, n_weights: int):
    kind = rng.integers(4)
    if kind == 0:
        return Const(rng.uniform(-np.pi, np.pi))
    if kind == 3:
        return Weight(int(rng.integers(n_weights)))
    factors = [Input(int(rng.integers(n_inputs)), rng.uniform(-2, 2), rng.uniform(-1, 1)) for _ in range(3)]
    return factors[0] if kind == 1 else InputProduct(tuple(factors[: rng.integers(1, 4)]), rng.uniform(-2, 2))


def random_operation(rng, gate: str, n_qubits: int, n_inputs: int, n_weights: int) -> Operation:
    n_wires = GATES[gate].n_wires or int(rng.integers(1, n_qubits + 1))
    wires = tuple(int(w) for w in rng.permutation(n_qubits)[:n_wires])
    params = tuple(random_source(rng, n_inputs, n_weights) for _ in range(GATES[gate].n_params))
    return Operation(gate, wires, params)


def random_circuit(rng, n_qubits: int = 4, prep_wires: tuple[int, ...] = (), n_inputs: int = 3, n_weights: int = 5):
    """Every gate in GATES twice, in random order, on random wires; optionally a StatePrep first."""
    gates = [*GATES, *GATES]
    rng.shuffle(gates)
    ops = [random_operation(rng, g, n_qubits, n_inputs, n_weights) for g in gates]
    if prep_wires:
        amplitudes = [random_source(rng, n_inputs, n_weights) for _ in range(2 ** len(prep_wires))]
        ops.insert(0, Operation(STATE_PREP, prep_wires, amplitudes))
    return Circuit.of(n_qubits, ops, n_inputs=n_inputs, weight_shapes=[(n_weights,)])


def random_values(rng, circuit: Circuit, batch: tuple[int, ...] = ()):
    return rng.uniform(-np.pi, np.pi, (*batch, circuit.n_inputs)), rng.uniform(-np.pi, np.pi, circuit.n_weights)


GATE_CASES = [(g, n) for g, spec in GATES.items() for n in (1, 2, 3) if spec.n_wires in (None, n)]


@pytest.mark.parametrize(("gate", "n_wires"), GATE_CASES + [(STATE_PREP, n) for n in (1, 2, 3)])
def test_each_gate_is_the_same_in_pennylane_and_qiskit(gate, n_wires, rng):
    n_params = GATES[gate].n_params if gate in GATES else 2**n_wires
    # A generic product state first (so that no gate acts on a basis state), the gate on reversed wires.
    prepare = [Operation("U3", (i,), tuple(Const(a) for a in rng.uniform(-np.pi, np.pi, 3))) for i in range(3)]
    wires = tuple(range(n_wires))[::-1]
    params = tuple(Input(i) if i % 2 else Weight(i) for i in range(n_params))
    ops = (
        [Operation(gate, wires, params), *prepare] if gate == STATE_PREP else [*prepare, Operation(gate, wires, params)]
    )
    circuit = Circuit.of(3, ops)
    x, w = random_values(rng, circuit)
    state = qiskit_state(circuit, x, w)
    np.testing.assert_allclose(pennylane_state(circuit, x, w), state, atol=1e-10)
    assert abs(np.vdot(state, qiskit_state(Circuit.of(3, prepare), [], [])) - 1) > 1e-3  # the gate did something


@pytest.mark.parametrize(("seed", "prep_wires"), [(0, ()), (1, ()), (2, (3, 1)), (3, (0, 2, 1))])
def test_random_circuits_with_every_gate_agree(seed, prep_wires):
    rng = np.random.default_rng(seed)
    circuit = random_circuit(rng, prep_wires=prep_wires)
    assert set(circuit.gate_counts) >= set(GATES)
    x, w = random_values(rng, circuit)
    np.testing.assert_allclose(pennylane_state(circuit, x, w), qiskit_state(circuit, x, w), atol=1e-10)


@pytest.mark.parametrize(
    "circuit",
    [random_circuit(np.random.default_rng(5)), amplitude_encoding(2, 3) + strongly_entangling(3, 2)],
    ids=["every-gate", "amplitude"],
)
def test_pennylane_broadcasts_a_batch_of_torch_inputs(circuit, rng):
    x, w = random_values(rng, circuit, batch=(4,))
    x, w = torch.tensor(x), torch.tensor(w, requires_grad=True)
    batched = pennylane_state(circuit, x, w)
    assert batched.shape == (4, 2**circuit.n_qubits) and batched.dtype == torch.complex128
    for b in range(4):
        expected = qiskit_state(circuit, x[b].numpy(), w.detach().numpy())
        np.testing.assert_allclose(batched[b].detach().numpy(), expected, atol=1e-10)
        np.testing.assert_allclose(pennylane_state(circuit, x[b], w).detach().numpy(), expected, atol=1e-10)
    (grad,) = torch.autograd.grad(batched.abs().square()[:, 0].sum(), w)
    assert grad.shape == w.shape and torch.isfinite(grad).all() and grad.abs().max() > 1e-6


def test_pennylane_rejects_inputs_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"inputs must end in an axis of length 2, got shape \(3,\)"):
        pennylane_state(angle_encoding(2), np.zeros(3), [])


def test_symbolic_qiskit_circuits_bind_to_the_numeric_ones(rng):
    circuit = random_circuit(rng)
    x, w = random_values(rng, circuit)
    symbolic = to_qiskit(circuit)
    values = {"x": x, "w": w}
    bound = symbolic.assign_parameters({p: values[p.vector.name][p.index] for p in symbolic.parameters})
    np.testing.assert_allclose(Statevector(bound).data, Statevector(to_qiskit(circuit, x, w)).data, atol=1e-10)
    partly = to_qiskit(circuit, inputs=x)
    assert {p.vector.name for p in partly.parameters} == {"w"}


def test_qiskit_maps_composite_gates_to_the_expected_instructions():
    ops = [
        Operation("Rot", (0,), (Const(0.1), Const(0.2), Const(0.3))),
        Operation("MultiRZ", (1,), (Const(0.4),)),
        Operation("MultiRZ", (2, 0), (Const(0.5),)),
        Operation("MultiRZ", (0, 1, 2), (Const(0.6),)),
    ]
    qc = to_qiskit(Circuit.of(3, ops))
    names = [(i.operation.name, [qc.find_bit(q).index for q in i.qubits]) for i in qc.data]
    assert names == [
        ("rz", [0]), ("ry", [0]), ("rz", [0]),
        ("rz", [1]),
        ("rzz", [2, 0]),
        ("cx", [0, 1]), ("cx", [1, 2]), ("rz", [2]), ("cx", [1, 2]), ("cx", [0, 1]),
    ]  # fmt: skip
    assert [float(i.operation.params[0]) for i in qc.data[:3]] == [0.1, 0.2, 0.3]


def test_symbolic_state_prep_is_a_drawable_placeholder():
    circuit = amplitude_encoding(2, 3) + angle_encoding(1)
    qc = to_qiskit(circuit)
    assert qc.data[0].operation.name == STATE_PREP and [p.name for p in qc.parameters] == ["x[3]"]
    assert "StatePrep(x[0:3])" in circuit.draw()
    with pytest.raises(ValueError, match="needs numeric inputs"):
        to_qasm3(circuit)


def test_qiskit_rejects_values_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"weights must have shape \(6,\), got \(5,\)"):
        to_qiskit(strongly_entangling(2, 1), weights=np.zeros(5))
    with pytest.raises(ValueError, match=r"inputs must have shape \(2,\), got \(1, 2\)"):
        to_qiskit(angle_encoding(2), inputs=np.zeros((1, 2)))


def test_qasm3_declares_unbound_parameters_as_inputs(rng):
    circuit = angle_encoding(2) + strongly_entangling(2, 1)
    text = to_qasm3(circuit)
    assert text.startswith("OPENQASM 3.0;")
    assert text.count("input float[64]") == circuit.n_inputs + circuit.n_weights
    x, w = random_values(rng, circuit)
    bound = to_qasm3(circuit, x, w)
    assert "input" not in bound and f"rx({x[0]}) q[0];" in bound
    assert "state_preparation" in to_qasm3(amplitude_encoding(2), inputs=[1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize("amplitudes", [(-0.99999, 0.0), (0.6, 0.799995), (3.0, 4.0)])
def test_pennylane_normalises_state_prep_amplitudes_exactly(amplitudes):
    """PennyLane leaves a norm within about 1e-5 of 1 as it is; the export divides by it first."""
    circuit = Circuit.of(1, [Operation(STATE_PREP, (0,), tuple(Const(a) for a in amplitudes))])
    expected = np.array(amplitudes) / np.linalg.norm(amplitudes)
    np.testing.assert_allclose(pennylane_state(circuit, np.zeros(0), np.zeros(0)), expected, atol=1e-14)
    np.testing.assert_allclose(qiskit_state(circuit, [], []), expected, atol=1e-14)
