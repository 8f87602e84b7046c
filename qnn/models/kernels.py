"""Quantum kernels computed batched on the simulator: the states (or Pauli expectation values) of all
samples in one call, then every Gram entry at once by matrix products, with no loop over pairs.

- IQP fidelity kernel (Havlíček et al. 2019): k(x, x') = |⟨ψ(x')|ψ(x)⟩|², ψ(x) = U_IQP(x)|0⟩.
- Projected quantum kernel (Huang et al. 2021): k(x, x') = exp(-γ Σ_q Σ_{P∈{X,Y,Z}} (⟨P_q⟩_x - ⟨P_q⟩_x')²),
  from each qubit's one-qubit reduced state.

Example:
    >>> import torch
    >>> states = embedding_states(circuits.iqp_encoding(3), torch.rand(5, 3))
    >>> fidelity_kernel(states, states).diagonal().round(decimals=6).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

import numpy as np
import torch

import circuits
from circuits.circuit import Circuit, Const, Input, Operation
from qnn.observables import PauliSum
from qnn.simulator import expectations, simulate


def embedding_states(circuit: Circuit, X, dtype: torch.dtype = torch.complex128) -> torch.Tensor:
    """States (n_samples, 2**n_qubits) of an input-only `circuit` for every row of X (n_samples, n_inputs)."""
    if circuit.n_weights:
        raise ValueError(f"an embedding circuit must have no weights, got {circuit.n_weights}")
    return simulate(circuit, torch.as_tensor(np.asarray(X, dtype=np.float64)), dtype=dtype)


def fidelity_kernel(states_a: torch.Tensor, states_b: torch.Tensor) -> torch.Tensor:
    """|⟨b_j|a_i⟩|² for states (n_a, 2**n) and (n_b, 2**n) → (n_a, n_b) real."""
    return (states_a @ states_b.conj().T).abs().square()


def one_qubit_paulis(states: torch.Tensor, n_qubits: int) -> torch.Tensor:
    """⟨X_q⟩, ⟨Y_q⟩, ⟨Z_q⟩ for every qubit q: states (n, 2**n_qubits) → (n, 3, n_qubits) real."""
    words = [
        PauliSum(((1.0, "I" * q + letter + "I" * (n_qubits - q - 1)),)) for letter in "XYZ" for q in range(n_qubits)
    ]
    values = expectations(states.reshape((-1,) + (2,) * n_qubits), tuple(words))
    return values.reshape(-1, 3, n_qubits)


def projected_kernel(paulis_a: torch.Tensor, paulis_b: torch.Tensor, gamma: float) -> torch.Tensor:
    """exp(-γ ‖a_i - b_j‖²) over the one-qubit Pauli values (n_a, 3, n) and (n_b, 3, n) → (n_a, n_b)."""
    a, b = paulis_a.flatten(1), paulis_b.flatten(1)
    squared = (a.square().sum(1)[:, None] + b.square().sum(1)[None, :] - 2 * a @ b.T).clamp_min(0)
    return torch.exp(-gamma * squared)


def hamiltonian_embedding(
    n_features: int, rotation_angles: np.ndarray, t: float = 1 / 3, trotter_steps: int = 5
) -> Circuit:
    """Huang et al.'s embedding on n_features + 1 qubits, as qml-benchmarks builds it.

    Fixed Rot(rotation_angles[q]) on each qubit (angles (n_features + 1, 3)), then `trotter_steps`
    Trotter steps of a Heisenberg chain: RXX, RYY, RZZ(x_j · τ) on (j, j + 1) for each feature j,
    with τ = t · n_features / trotter_steps.
    """
    n_qubits = n_features + 1
    tau = t * n_features / trotter_steps
    ops = [Operation("Rot", (q,), tuple(Const(float(a)) for a in rotation_angles[q])) for q in range(n_qubits)]
    for _ in range(trotter_steps):
        for j in range(n_features):
            ops += [Operation(g, (j, j + 1), (Input(j, scale=tau),)) for g in ("RXX", "RYY", "RZZ")]
    return Circuit.of(n_qubits, ops, n_inputs=n_features)


def iqp_embedding(n_features: int, repeats: int = 2) -> Circuit:
    """PennyLane's `IQPEmbedding` on one qubit per feature, `repeats` times (qml-benchmarks' default 2)."""
    return circuits.iqp_encoding(n_features, n_repeats=repeats)


def default_gamma(paulis: torch.Tensor, n_features: int) -> float:
    """qml-benchmarks' scale of the projected kernel: 1 / (variance of all Pauli values · n_features)."""
    variance = paulis.var(unbiased=False).item()
    return 1.0 / (max(variance, 1e-12) * n_features)


__all__ = [
    "default_gamma",
    "embedding_states",
    "fidelity_kernel",
    "hamiltonian_embedding",
    "iqp_embedding",
    "one_qubit_paulis",
    "projected_kernel",
]
