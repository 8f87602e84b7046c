"""A deliberately naive dense-matrix simulator, the reference every fast path is checked against.

Nothing here is clever. Every gate is written as a short sum of terms, each a coefficient times a
tensor product of textbook 2×2 matrices on the gate's wires (a controlled gate is
|0⟩⟨0| ⊗ I + |1⟩⟨1| ⊗ U, RXX(φ) is cos(φ/2) I⊗I − i sin(φ/2) X⊗X, SWAP is (II + XX + YY + ZZ)/2).
The full 2**n × 2**n matrix of a term is the `np.kron` over all n wires, in wire order, of the
term's factor on that wire or I; so gates on non-adjacent or reversed wires need no permutation.
The state is then multiplied by that matrix. complex128 throughout.

Conventions are PennyLane's, and so is the state ordering: wire 0 is the most significant bit.

`StatePrep` (amplitude encoding) is supported anywhere in a circuit as long as its wires are in
|0…0⟩ when it runs, whatever happened before (untouched, or returned there; `Circuit` itself only
admits the first case, StatePrep before any other gate on its wires). The state is then
|rest⟩ ⊗ |0…0⟩ on those wires, and StatePrep replaces the |0…0⟩ factor by its normalised
amplitude vector (the first amplitude goes with |0…0⟩, wire order as listed, first wire most
significant). Any unitary whose first column is that vector does the same. If the wires are not in
|0…0⟩ the reference raises ValueError rather than guess.

Example:
    >>> from circuits.circuit import Circuit, Operation
    >>> c = Circuit.of(2, [Operation("H", (0,)), Operation("CNOT", (0, 1))])
    >>> reference_state(c, np.zeros(0), np.zeros(0)).round(3)
    array([0.707+0.j, 0.   +0.j, 0.   +0.j, 0.707+0.j])
"""

from __future__ import annotations

import math
from functools import reduce

import numpy as np

from circuits.circuit import Circuit, Const, Input, InputProduct, Operation, Param, Weight
from circuits.gates import GATES, STATE_PREP

I2 = np.eye(2, dtype=np.complex128)
X = np.array([[0, 1], [1, 0]], dtype=np.complex128)
Y = np.array([[0, -1j], [1j, 0]], dtype=np.complex128)
Z = np.array([[1, 0], [0, -1]], dtype=np.complex128)
H = np.array([[1, 1], [1, -1]], dtype=np.complex128) / math.sqrt(2)
S = np.array([[1, 0], [0, 1j]], dtype=np.complex128)
T = np.array([[1, 0], [0, np.exp(1j * math.pi / 4)]], dtype=np.complex128)
P0 = np.array([[1, 0], [0, 0]], dtype=np.complex128)  # |0⟩⟨0|
P1 = np.array([[0, 0], [0, 1]], dtype=np.complex128)  # |1⟩⟨1|
PAULIS = {"I": I2, "X": X, "Y": Y, "Z": Z}

# A gate as a sum of terms: (coefficient, one 2×2 factor per wire of the gate).
Terms = list[tuple[complex, tuple[np.ndarray, ...]]]


def rx(theta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -1j * s], [-1j * s, c]], dtype=np.complex128)


def ry(theta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array([[c, -s], [s, c]], dtype=np.complex128)


def rz(theta: float) -> np.ndarray:
    return np.array([[np.exp(-0.5j * theta), 0], [0, np.exp(0.5j * theta)]], dtype=np.complex128)


def phase_shift(phi: float) -> np.ndarray:
    return np.array([[1, 0], [0, np.exp(1j * phi)]], dtype=np.complex128)


def rot(phi: float, theta: float, omega: float) -> np.ndarray:
    return rz(omega) @ ry(theta) @ rz(phi)


def u3(theta: float, phi: float, delta: float) -> np.ndarray:
    c, s = math.cos(theta / 2), math.sin(theta / 2)
    return np.array(
        [[c, -np.exp(1j * delta) * s], [np.exp(1j * phi) * s, np.exp(1j * (phi + delta)) * c]], dtype=np.complex128
    )


FIXED_1Q = {"H": H, "X": X, "Y": Y, "Z": Z, "S": S, "T": T}
ROTATIONS_1Q = {"RX": rx, "RY": ry, "RZ": rz, "PhaseShift": phase_shift, "Rot": rot, "U3": u3}
CONTROLLED = {"CNOT": lambda: X, "CZ": lambda: Z, "CRX": rx, "CRY": ry, "CRZ": rz}
PAULI_ROTATIONS = {"RXX": X, "RYY": Y, "RZZ": Z}


def gate_terms(gate: str, angles, n_wires: int) -> Terms:
    """The gate `gate` on `n_wires` wires with parameters `angles`, as a sum of tensor-product terms."""
    if gate not in GATES:
        raise ValueError(f"unknown gate {gate!r}")
    if len(angles) != GATES[gate].n_params:
        raise ValueError(f"gate {gate} takes {GATES[gate].n_params} parameter(s), got {len(angles)}")
    if gate in FIXED_1Q:
        return [(1.0, (FIXED_1Q[gate],))]
    if gate in ROTATIONS_1Q:
        return [(1.0, (ROTATIONS_1Q[gate](*angles),))]
    if gate in CONTROLLED:
        return [(1.0, (P0, I2)), (1.0, (P1, CONTROLLED[gate](*angles)))]
    if gate == "SWAP":
        return [(0.5, (P, P)) for P in (I2, X, Y, Z)]
    if gate in PAULI_ROTATIONS:
        (phi,) = angles
        P = PAULI_ROTATIONS[gate]
        return [(math.cos(phi / 2), (I2, I2)), (-1j * math.sin(phi / 2), (P, P))]
    if gate == "MultiRZ":
        (theta,) = angles
        return [(math.cos(theta / 2), (I2,) * n_wires), (-1j * math.sin(theta / 2), (Z,) * n_wires)]
    raise AssertionError(f"gate {gate} is in GATES but has no reference matrix")


def full_matrix(op_gate: str, wires, angles, n_qubits: int) -> np.ndarray:
    """The (2**n_qubits, 2**n_qubits) complex128 matrix of gate `op_gate` acting on `wires` (in any order)."""
    wires = tuple(wires)
    terms = gate_terms(op_gate, angles, len(wires))
    matrix = np.zeros((2**n_qubits, 2**n_qubits), dtype=np.complex128)
    for coeff, factors in terms:
        on_wire = dict(zip(wires, factors, strict=True))
        matrix += coeff * reduce(np.kron, [on_wire.get(w, I2) for w in range(n_qubits)])
    return matrix


def gate_matrix(gate: str, angles, n_wires: int | None = None) -> np.ndarray:
    """The (2**k, 2**k) complex128 matrix of `gate` on its own k wires (first wire most significant).

    `n_wires` is needed only for `MultiRZ`, which acts on any number of wires.
    """
    if n_wires is None:
        n_wires = GATES[gate].n_wires
        if n_wires is None:
            raise ValueError(f"gate {gate} acts on any number of wires: pass n_wires")
    return full_matrix(gate, range(n_wires), angles, n_wires)


def param_values(param: Param, x, w) -> float:
    """The value of one parameter source for inputs `x` (n_inputs,) and flat weights `w` (n_weights,)."""
    if isinstance(param, Const):
        return float(param.value)
    if isinstance(param, Input):
        return float(param.scale * x[param.index] + param.shift)
    if isinstance(param, InputProduct):
        return float(param.scale * math.prod(param_values(f, x, w) for f in param.factors))
    if isinstance(param, Weight):
        return float(param.scale * w[param.index])
    raise TypeError(f"not a parameter source: {param!r}")


def bit(index: int, wire: int, n_qubits: int) -> int:
    """The value of `wire` in basis state `index` (wire 0 is the most significant bit)."""
    return (index >> (n_qubits - 1 - wire)) & 1


def apply_state_prep(state: np.ndarray, wires, amplitudes, n_qubits: int) -> np.ndarray:
    """Replace the |0…0⟩ factor on `wires` of `state` by the normalised `amplitudes` (2**len(wires),)."""
    amplitudes = np.asarray(amplitudes, dtype=np.complex128)
    norm = np.linalg.norm(amplitudes)
    if norm == 0:
        raise ValueError("StatePrep amplitudes are all zero")
    amplitudes = amplitudes / norm
    k = len(wires)
    mask = sum(1 << (n_qubits - 1 - w) for w in wires)
    outside = sum(abs(state[i]) ** 2 for i in range(2**n_qubits) if i & mask)
    if outside > 1e-20:
        raise ValueError(f"StatePrep on wires {tuple(wires)}: those wires are not in |0…0⟩")
    new = np.zeros_like(state)
    for i in range(2**n_qubits):
        local = sum(bit(i, w, n_qubits) << (k - 1 - j) for j, w in enumerate(wires))
        new[i] = state[i & ~mask] * amplitudes[local]
    return new


def apply_operation(state: np.ndarray, op: Operation, x, w, n_qubits: int) -> np.ndarray:
    values = [param_values(p, x, w) for p in op.params]
    if op.gate == STATE_PREP:
        return apply_state_prep(state, op.wires, values, n_qubits)
    return full_matrix(op.gate, op.wires, values, n_qubits) @ state


def reference_state(circuit: Circuit, x, w) -> np.ndarray:
    """The final state (2**n_qubits,) complex128 for one sample: inputs `x` (n_inputs,), weights `w` (n_weights,)."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    if x.shape != (circuit.n_inputs,) or w.shape != (circuit.n_weights,):
        raise ValueError(
            f"expected x of shape ({circuit.n_inputs},) and w of shape ({circuit.n_weights},), got {x.shape}, {w.shape}"
        )
    n = circuit.n_qubits
    state = np.zeros(2**n, dtype=np.complex128)
    state[0] = 1.0
    for op in circuit.operations:
        state = apply_operation(state, op, x, w, n)
    return state


def pauli_matrix(pauli_string: str) -> np.ndarray:
    """The (2**n, 2**n) matrix of a Pauli word like "ZIXY" (character i acts on wire i)."""
    return reduce(np.kron, [PAULIS[c] for c in pauli_string.upper()])


def reference_expval(state: np.ndarray, pauli_string: str) -> float:
    """⟨state| P |state⟩ for the Pauli word `pauli_string`, one character per wire."""
    if 2 ** len(pauli_string) != state.shape[0]:
        raise ValueError(f"Pauli word {pauli_string!r} does not match a state of {state.shape[0]} amplitudes")
    return float(np.real(np.vdot(state, pauli_matrix(pauli_string) @ state)))


def reference_probs(state: np.ndarray) -> np.ndarray:
    """The (2**n,) float64 probabilities of the computational basis states."""
    return np.abs(state) ** 2
