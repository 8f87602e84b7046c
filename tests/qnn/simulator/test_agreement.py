"""The simulator against independent references: the naive dense simulator in the tests, PennyLane's
`default.qubit`, Qiskit's `Statevector`, and the plain loop of `qnn.simulator.core`, itself checked
against the naive one here."""

import numpy as np
import pennylane as qml
import pytest
import torch
from hypothesis import given, settings
from qiskit.quantum_info import Statevector

import circuits
from qnn.simulator import compile_circuit, core, simulate
from tests.reference import reference_state
from tests.strategies import circuit_with_values

TOLERANCE = {torch.complex64: 1e-5, torch.complex128: 1e-10}

# Every way the simulator can run a circuit, forced explicitly: (fuse, product_state).
PATHS = {
    "plain": (0, False),
    "product_state": (0, True),
    "fuse1": (1, False),
    "fuse2_product": (2, True),
    "fuse4": (4, False),
    "fuse4_product": (4, True),
}

BUILDERS = {
    "angle_X": lambda: circuits.angle_encoding(3, rotation="X"),
    "angle_Y": lambda: circuits.angle_encoding(4, rotation="Y"),
    "angle_Z": lambda: circuits.angle_encoding(2, rotation="Z"),
    "iqp": lambda: circuits.iqp_encoding(3, n_repeats=2),
    "zz_feature_map": lambda: circuits.zz_feature_map(3, reps=2),
    "amplitude": lambda: circuits.amplitude_encoding(3, n_features=6),
    "strongly_entangling": lambda: circuits.strongly_entangling(4, n_layers=3),
    "strongly_entangling_ranges": lambda: circuits.strongly_entangling(4, n_layers=2, ranges=(2, 3)),
    "basic_entangler": lambda: circuits.basic_entangler(3, n_layers=2, rotation="Y"),
    "hardware_efficient": lambda: circuits.hardware_efficient(3, n_layers=2),
    "tree_tensor": lambda: circuits.tree_tensor(4),
    "reupload": lambda: circuits.reupload(circuits.angle_encoding(2), circuits.strongly_entangling(2, 1), n_layers=3),
    "encoding_plus_ansatz": lambda: circuits.iqp_encoding(3) + circuits.basic_entangler(3, 2),
}


def values_for(circuit, batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-np.pi, np.pi, (batch, circuit.n_inputs))
    w = rng.uniform(-np.pi, np.pi, circuit.n_weights)
    return x, w


def pennylane_state(circuit, x, w):
    apply = circuits.to_pennylane(circuit)

    @qml.qnode(qml.device("default.qubit", wires=circuit.n_qubits))
    def node():
        apply(x, w)
        return qml.state()

    return np.asarray(node())


def qiskit_state(circuit, x, w):
    bound = _exact_state_preparations(circuits.to_qiskit(circuit, inputs=x, weights=w))
    return Statevector(bound).reverse_qargs().data  # Qiskit is little-endian; we are big-endian


def _exact_state_preparations(qc):
    """`qc` with each StatePreparation (which acts on |0…0⟩) replaced by a unitary whose first column is
    its amplitudes. Qiskit's own synthesis of StatePreparation loses about 1e-9 on amplitudes near 1e-8,
    and can fail with "Input matrix is not unitary", which would make it a poor reference."""
    from qiskit.circuit.library import StatePreparation, UnitaryGate

    out = qc.copy_empty_like()
    for instruction in qc.data:
        operation = instruction.operation
        if isinstance(operation, StatePreparation):
            amplitudes = np.asarray(operation.params, dtype=complex)
            # A Householder reflection takes |0⟩ to -a' = -(amplitudes / phase) exactly, up to rounding
            # (v = |0⟩ + a' has no cancellation, as a'_0 = |a_0| ≥ 0).
            phase = amplitudes[0] / abs(amplitudes[0]) if abs(amplitudes[0]) > 0 else 1
            v = amplitudes / phase
            v[0] += 1
            reflect = np.eye(len(amplitudes)) - 2 * np.outer(v, v.conj()) / np.vdot(v, v).real
            operation = UnitaryGate(-phase * reflect, check_input=False)
        out.append(operation, instruction.qubits, instruction.clbits)
    return out


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
@pytest.mark.parametrize("name", BUILDERS)
def test_builders_agree_with_pennylane_qiskit_and_reference(name, dtype, path):
    circuit = BUILDERS[name]()
    x, w = values_for(circuit, batch=3)
    fuse, product_state = PATHS[path]
    ours = simulate(
        circuit, torch.tensor(x), torch.tensor(w), dtype=dtype, fuse=fuse, product_state=product_state
    ).numpy()
    assert ours.dtype == (np.complex64 if dtype == torch.complex64 else np.complex128)
    tol = TOLERANCE[dtype]
    for b in range(len(x)):
        np.testing.assert_allclose(ours[b], reference_state(circuit, x[b], w), atol=tol, rtol=0)
        np.testing.assert_allclose(ours[b], pennylane_state(circuit, x[b], w), atol=tol, rtol=0)
        np.testing.assert_allclose(ours[b], qiskit_state(circuit, x[b], w), atol=tol, rtol=0)


@settings(max_examples=60, deadline=None)
@given(circuit_with_values())
def test_random_circuits_agree_with_reference(case):
    circuit, x, w = case
    for dtype, tol in TOLERANCE.items():
        for fuse, product_state in PATHS.values():
            ours = simulate(
                circuit, torch.tensor(x), torch.tensor(w), dtype=dtype, fuse=fuse, product_state=product_state
            ).numpy()
            for b in range(len(x)):
                np.testing.assert_allclose(ours[b], reference_state(circuit, x[b], w), atol=tol, rtol=0)


@settings(max_examples=60, deadline=None)
@given(circuit_with_values())
def test_the_plain_core_agrees_with_the_reference_on_random_circuits(case):
    circuit, x, w = case
    states = core.final_state(compile_circuit(circuit), torch.tensor(x), torch.tensor(w))
    for b in range(len(x)):
        np.testing.assert_allclose(states[b].reshape(-1), reference_state(circuit, x[b], w), atol=1e-10, rtol=0)


@settings(max_examples=15, deadline=None)
@given(circuit_with_values())
def test_random_circuits_agree_with_pennylane_and_qiskit(case):
    circuit, x, w = case
    ours = simulate(circuit, torch.tensor(x), torch.tensor(w), dtype=torch.complex128).numpy()
    b = 0
    # PennyLane decomposes a StatePrep that follows other operations (Mottonen), which loses about 1e-9
    # on tiny amplitudes; the naive reference checks those circuits to 1e-10 (test above).
    has_state_prep = any(op.gate == "StatePrep" for op in circuit.operations)
    pennylane_tol = 1e-8 if has_state_prep else 1e-10
    np.testing.assert_allclose(ours[b], pennylane_state(circuit, x[b], w), atol=pennylane_tol, rtol=0)
    np.testing.assert_allclose(ours[b], qiskit_state(circuit, x[b], w), atol=1e-10, rtol=0)


def test_a_batch_is_the_same_as_one_sample_at_a_time():
    circuit = circuits.iqp_encoding(4) + circuits.strongly_entangling(4, n_layers=2)
    x, w = values_for(circuit, batch=7)
    batched = simulate(circuit, torch.tensor(x), torch.tensor(w), dtype=torch.complex128)
    singles = torch.cat(
        [simulate(circuit, torch.tensor(x[b : b + 1]), torch.tensor(w), dtype=torch.complex128) for b in range(7)]
    )
    torch.testing.assert_close(batched, singles, atol=1e-12, rtol=0)


def test_state_prep_after_other_gates_on_its_wires_is_refused():
    with pytest.raises(ValueError, match="StatePrep on wires .* must come before"):
        circuits.angle_encoding(3) + circuits.amplitude_encoding(3)


def test_amplitude_encoding_of_zero_vector_is_refused():
    with pytest.raises(ValueError, match="non-zero feature vector"):
        simulate(circuits.amplitude_encoding(2), torch.zeros(1, 4))


@pytest.mark.cuda
@pytest.mark.parametrize("name", BUILDERS)
def test_cuda_agrees_with_cpu(name):
    circuit = BUILDERS[name]()
    x, w = values_for(circuit, batch=4)
    cpu = simulate(circuit, torch.tensor(x), torch.tensor(w), dtype=torch.complex128)
    gpu = simulate(circuit, torch.tensor(x).cuda(), torch.tensor(w).cuda(), dtype=torch.complex128)
    assert gpu.device.type == "cuda"
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-10, rtol=0)
