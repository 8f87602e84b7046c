"""Circuits without multi-qubit gates: the loop, made faster by never building the 2^n state.

When every gate acts on one wire the state stays a product ⊗_w (a_w, b_w), so every wire is simulated
apart, all wires at once: every gate's 2×2 matrix is built in one call per gate type, and moment k applies the
k-th gate of each wire as one batched 2×2 product.
A Pauli word's expectation is then the product of its letters' one-wire values

    ⟨X⟩ = 2 Re(ā b),   ⟨Y⟩ = 2 Im(ā b),   ⟨Z⟩ = |a|² − |b|²,

so n qubits cost O(n) per sample instead of O(2^n), in a few dozen tensor operations that autograd
differentiates. This is the separable model and every model's ablation without entanglement.

Example:
    >>> import circuits, torch
    >>> from qnn.observables import z_on_each_wire
    >>> from qnn.simulator import compile_circuit
    >>> program = compile_circuit(circuits.angle_encoding(3))
    >>> shared, joined = program.angles(torch.zeros(2, 3), torch.zeros(0))
    >>> product_expectations(product_recipe(program), z_on_each_wire(3), shared, joined, 2, torch.complex64)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch

from circuits.gates import STATE_PREP
from qnn.observables import PauliSum
from qnn.simulator.constants import constant
from qnn.simulator.matrices import gate_matrix
from qnn.simulator.program import Program

_LETTERS = "IXYZ"


@dataclass(frozen=True)
class GateGroup:
    """Steps of one gate type, all reading inputs or none: their angle columns, one tuple per step."""

    gate: str
    columns: tuple[tuple[int, ...], ...]
    batched: bool  # whether they read inputs (then `columns` index the joined angles, else the shared ones)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one recipe per program
class ProductRecipe:
    n_qubits: int
    groups: tuple[GateGroup, ...]  # their matrices, in order, then the identity, are the rows of one table
    moments: tuple[tuple[int, ...], ...]  # (n_moments, n_qubits): the table row of each wire's k-th gate


def supports(program: Program) -> bool:
    """Whether `product_expectations` runs this program: one-wire gates only, StatePrep excepted (it may entangle).
    Its observables must be Pauli sums."""
    return all(len(step.wires) == 1 and step.gate != STATE_PREP for step in program.steps)


def product_recipe(program: Program) -> ProductRecipe:
    """Group the steps by gate type (one matrix call each) and cut them into moments (the k-th gate of each wire)."""
    by_gate: dict[tuple[str, bool], list] = {}
    for step in program.steps:
        by_gate.setdefault((step.gate, step.batched), []).append(step)
    groups = tuple(
        GateGroup(gate, tuple(s.columns for s in steps), batched) for (gate, batched), steps in by_gate.items()
    )
    row = {id(s): i for i, s in enumerate(s for steps in by_gate.values() for s in steps)}
    identity = len(row)
    per_wire = [[row[id(s)] for s in program.steps if s.wires[0] == w] for w in range(program.n_qubits)]
    depth = max(map(len, per_wire), default=0)
    moments = tuple(tuple(rows[k] if k < len(rows) else identity for rows in per_wire) for k in range(depth))
    return ProductRecipe(program.n_qubits, groups, moments)


def product_expectations(
    recipe: ProductRecipe,
    observables: tuple[PauliSum, ...],
    shared: torch.Tensor,
    joined: torch.Tensor | None,
    batch: int,
    dtype: torch.dtype,
) -> torch.Tensor:
    """(batch, len(observables)) real expectation values; `shared`, `joined` from `Program.angles`."""
    n, device = recipe.n_qubits, shared.device
    if not recipe.moments:
        state = torch.zeros(1, n, 2, dtype=dtype, device=device)
        state[..., 0] = 1
        return _pauli_values(state, observables, n).expand(batch, -1)
    table = _matrix_table(recipe, shared, joined, dtype)  # (1 or batch, n_rows, 2, 2)
    matrices = table[:, constant(recipe.moments, torch.long, device)]  # (1 or batch, n_moments, n, 2, 2)
    state = matrices[:, 0, :, :, 0]  # the first moment applied to |0⟩: its first column
    for k in range(1, len(recipe.moments)):
        state = (matrices[:, k] @ state.unsqueeze(-1)).squeeze(-1)
    return _pauli_values(state, observables, n).expand(batch, -1)


def _matrix_table(recipe: ProductRecipe, shared, joined, dtype) -> torch.Tensor:
    """Every step's 2×2 matrix, group by group, then the identity: (1 or batch, n_steps + 1, 2, 2)."""
    pieces = []
    for group in recipe.groups:
        angles = joined if group.batched else shared
        index = constant(group.columns, torch.long, shared.device)  # (n_steps, n_params)
        matrices = gate_matrix(group.gate, angles[..., index], 1, dtype)  # (…, n_steps, 2, 2), or (2, 2) without angles
        matrices = matrices.expand(len(group.columns), 2, 2) if matrices.dim() == 2 else matrices
        pieces.append(matrices if matrices.dim() == 4 else matrices.unsqueeze(0))
    pieces.append(torch.eye(2, dtype=dtype, device=shared.device).expand(1, 1, 2, 2))
    batch = max(p.shape[0] for p in pieces)
    return torch.cat([p.expand(batch, -1, -1, -1) for p in pieces], dim=1)


def _pauli_values(state: torch.Tensor, observables: tuple[PauliSum, ...], n: int) -> torch.Tensor:
    """Σ_terms c · Π_w ⟨letter_w⟩ from the per-wire states (…, n, 2): (…, len(observables)) real."""
    a, b = state[..., 0], state[..., 1]
    overlap = a.conj() * b
    z = a.real**2 + a.imag**2 - b.real**2 - b.imag**2
    one_wire = torch.stack([torch.ones_like(z), 2 * overlap.real, 2 * overlap.imag, z], -1)  # (…, n, 4): I X Y Z
    letters, coefficients = _term_tables(observables, n)
    device, real = state.device, one_wire.dtype
    # Each term's letter on each wire, picked by a one-hot product (a gather's backward costs more).
    picked = torch.einsum("...wl,wtl->...wt", one_wire, constant(letters, real, device))  # (…, n, n_terms)
    return picked.prod(-2) @ constant(coefficients, real, device)


@lru_cache(maxsize=256)
def _term_tables(observables: tuple[PauliSum, ...], n: int) -> tuple[tuple, tuple]:
    """(letters (n, n_terms, 4) one-hot, coefficients (n_terms, n_observables)) as nested tuples."""
    terms = [(k, c, word.ljust(n, "I")) for k, o in enumerate(observables) for c, word in o.terms]
    letters = tuple(
        tuple(tuple(float(word[w] == letter) for letter in _LETTERS) for _, _, word in terms) for w in range(n)
    )
    coefficients = tuple(tuple(c if k == j else 0.0 for j in range(len(observables))) for k, c, _ in terms)
    return letters, coefficients
