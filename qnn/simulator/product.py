"""Circuits without multi-qubit gates: the loop, made faster by never building the 2^n state.

When every gate acts on one wire the state stays a product ⊗_w (a_w, b_w), so every wire is simulated
apart, all wires at once: every gate's 2×2 matrix is built in one call per gate type, and moment k applies the
k-th gate of each wire as one batched 2×2 product.
A Pauli word's expectation is then the product of its letters' one-wire values

    ⟨X⟩ = 2 Re(ā b),   ⟨Y⟩ = 2 Im(ā b),   ⟨Z⟩ = |a|² − |b|²,

so n qubits cost O(n) per sample instead of O(2^n), in a few dozen tensor operations: autograd differentiates
the gate matrices and the Pauli sums, and from the gate types' matrices to the one-wire values (their table, the
chain of moments) is one node whose backward is written out. This is the separable model and every model's
ablation without entanglement.

Example:
    >>> import circuits, torch
    >>> from qnn.observables import z_on_each_wire
    >>> from qnn.simulator import compile_circuit
    >>> program = compile_circuit(circuits.angle_encoding(3))
    >>> shared, batched = program.split_angles(torch.zeros(2, 3), torch.zeros(0))
    >>> product_expectations(product_recipe(program), z_on_each_wire(3), shared, batched, 2, torch.complex64)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
from torch.autograd.function import once_differentiable

from circuits.gates import STATE_PREP
from qnn.observables import PauliSum
from qnn.simulator.blocks import angle_columns
from qnn.simulator.constants import constant
from qnn.simulator.matrices import gate_matrix
from qnn.simulator.program import Program, join_angles

_LETTERS = "IXYZ"


@dataclass(frozen=True)
class GateGroup:
    """Steps of one gate type, all reading inputs or none: their angle columns, one tuple per step."""

    gate: str
    columns: tuple[tuple[int, ...], ...]  # into the angles of `source`
    source: str  # "shared" (no inputs), "batched" (inputs only: no join needed) or "joined" (shared | batched)


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
    groups = tuple(_group(gate, steps, batched, program.n_shared) for (gate, batched), steps in by_gate.items())
    row = {id(s): i for i, s in enumerate(s for steps in by_gate.values() for s in steps)}
    identity = len(row)
    per_wire = [[row[id(s)] for s in program.steps if s.wires[0] == w] for w in range(program.n_qubits)]
    depth = max(map(len, per_wire), default=0)
    moments = tuple(tuple(rows[k] if k < len(rows) else identity for rows in per_wire) for k in range(depth))
    return ProductRecipe(program.n_qubits, groups, moments)


def _group(gate: str, steps: list, batched: bool, n_shared: int) -> GateGroup:
    """The steps' group, reading the batched angles alone where none of its columns is shared."""
    columns = tuple(s.columns for s in steps)
    if not batched:
        return GateGroup(gate, columns, "shared")
    if all(c >= n_shared for step in columns for c in step):
        return GateGroup(gate, tuple(tuple(c - n_shared for c in step) for step in columns), "batched")
    return GateGroup(gate, columns, "joined")


def product_expectations(
    recipe: ProductRecipe,
    observables: tuple[PauliSum, ...],
    shared: torch.Tensor,
    batched: torch.Tensor | None,
    batch: int,
    dtype: torch.dtype,
) -> torch.Tensor:
    """(batch, len(observables)) real expectation values; `shared`, `batched` from `Program.split_angles`."""
    n, device = recipe.n_qubits, shared.device
    if not recipe.moments:
        state = torch.zeros(1, n, 2, dtype=dtype, device=device)
        state[..., 0] = 1
        return _pauli_values(_one_wire_values(state), observables, n).expand(batch, -1)
    matrices = _group_matrices(recipe, shared, batched, dtype)  # (m, 2, 2) shared, (batch, m, 2, 2) batched
    one_wire = _OneWireValues.apply(constant(recipe.moments, torch.long, device), *matrices)  # (…, n, 4): I X Y Z
    values = _pauli_values(one_wire, observables, n)
    return values if values.shape[0] == batch else values.expand(batch, -1)  # shared gates only: one row


def _group_matrices(recipe: ProductRecipe, shared, batched, dtype) -> list[torch.Tensor]:
    """Each group's matrices: (m, 2, 2) from the shared angles, (batch, m, 2, 2) from the batched or joined ones."""
    sources = {"shared": shared, "batched": batched}
    if any(group.source == "joined" for group in recipe.groups):
        sources["joined"] = join_angles(shared, batched)
    out = []
    for group in recipe.groups:
        matrices = gate_matrix(group.gate, angle_columns(group.columns, sources[group.source]), 1, dtype)
        if matrices.dim() == 2:  # a gate without parameters
            matrices = matrices.expand(len(group.columns), 2, 2)
        out.append(matrices)
    return out


class _OneWireValues(torch.autograd.Function):
    """Each moment's table rows (n_moments, n) and the gate groups' matrices, (m, 2, 2) shared or (batch, m, 2, 2)
    per sample → every wire's ⟨I⟩ ⟨X⟩ ⟨Y⟩ ⟨Z⟩ (1 or batch, n, 4) from |0⟩, as one autograd node. Recorded op by op,
    the table's join, the chain's selects, broadcast products and one-wire values cost several times its few
    batched 2×2 products; here each moment is one `bmm` over contiguous (wire, sample) rows. The backward walks
    the moments in reverse with torch's conventions for complex gradients (those of `torch.matmul`): for
    s' = M s, ∂M = g s^H and ∂s = M^H g; for the last state as reals v = (Re a, Im a, Re b, Im b), each value
    is vᵀQv (`_FORMS`), so ∂v = 2 Σ_k g_k Q_k v; each table row's gradient is then summed over its uses (and
    over the batch for shared rows)."""

    @staticmethod
    def forward(ctx, moments, *groups):
        rows = max((g.shape[0] for g in groups if g.dim() == 4), default=1)  # 1 or batch
        n_moments, n = moments.shape
        eye = constant(((1, 0), (0, 1)), groups[0].dtype, groups[0].device)
        # (n_rows, rows, 2, 2): each group's matrices for every row, then the identity.
        parts = [g.transpose(0, 1) if g.dim() == 4 else g[:, None].expand(-1, rows, 2, 2) for g in groups]
        table = torch.cat([*parts, eye.expand(1, rows, 2, 2)])
        # (n_moments, n · rows, 2, 2), wire-major, so that every moment is a contiguous block of 2×2 matrices.
        matrices = table.index_select(0, moments.flatten()).view(n_moments, n * rows, 2, 2)
        states = matrices.new_empty(n_moments, n * rows, 2, 1)  # each moment's output
        outputs, later = states.unbind(0), matrices.unbind(0)
        outputs[0].copy_(later[0][:, :, :1])  # the first moment applied to |0⟩: its first column
        for k in range(1, n_moments):
            torch.bmm(later[k], outputs[k - 1], out=outputs[k])
        ctx.save_for_backward(matrices, states, moments)
        ctx.table_shape, ctx.group_shapes = table.shape, [g.shape for g in groups]
        return _one_wire_values(states[-1].view(n, rows, 2).transpose(0, 1))

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        matrices, states, moments = ctx.saved_tensors
        n_moments, n = moments.shape
        rows = ctx.table_shape[1]
        grad = grad.transpose(0, 1).reshape(n * rows, 4)
        last = torch.view_as_real(states[-1]).view(n * rows, 4, 1)
        forms = (grad @ _quadratic(grad.dtype, grad.device).view(4, 16)).view(n * rows, 4, 4)  # Σ_k g_k Q_k
        grads = torch.empty_like(states)  # ∂ each moment's output
        torch.bmm(forms, last, out=torch.view_as_real(grads[-1]).view(n * rows, 4, 1)).mul_(2)
        adjoints = matrices[1:].conj().transpose(-1, -2).resolve_conj().unbind(0)
        steps = grads.unbind(0)
        for k in range(n_moments - 1, 0, -1):
            torch.bmm(adjoints[k - 1], steps[k], out=steps[k - 1])
        grad_matrices = torch.zeros_like(matrices)
        later = grad_matrices[1:].view(-1, 2, 2)
        torch.bmm(grads[1:].view(-1, 2, 1), states[:-1].view(-1, 2, 1).conj().transpose(-1, -2), out=later)
        grad_matrices[0, :, :, :1] = grads[0]
        grad_table = grad_matrices.new_zeros(ctx.table_shape)
        grad_table.index_add_(0, moments.flatten(), grad_matrices.view(n_moments * n, rows, 2, 2))
        out, start = [], 0
        for shape, wanted in zip(ctx.group_shapes, ctx.needs_input_grad[1:], strict=True):
            m = shape[1] if len(shape) == 4 else shape[0]
            part = grad_table[start : start + m]
            start += m
            if not wanted:  # constant gates, or gates of inputs that need no gradient
                out.append(None)
            else:
                out.append(part.transpose(0, 1) if len(shape) == 4 else part.sum(1))
        return None, *out


# ⟨X⟩ = 2(pr + qs), ⟨Y⟩ = 2(ps − qr), ⟨Z⟩ = p² + q² − r² − s² for a = p + iq, b = r + is: each vᵀ Q v with
# v = (p, q, r, s) and Q symmetric; ⟨I⟩'s form is zero (its value is set to 1).
_FORMS = (
    ((0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0)),
    ((0, 0, 1, 0), (0, 0, 0, 1), (1, 0, 0, 0), (0, 1, 0, 0)),
    ((0, 0, 0, 1), (0, 0, -1, 0), (0, -1, 0, 0), (1, 0, 0, 0)),
    ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, -1, 0), (0, 0, 0, -1)),
)


def _quadratic(dtype: torch.dtype, device) -> torch.Tensor:
    """The forms of I, X, Y, Z as a (4, 4, 4) real tensor: [letter, i, j]."""
    return constant(_FORMS, dtype, device)


def _one_wire_values(state: torch.Tensor) -> torch.Tensor:
    """(…, n, 2) per-wire states (a, b) → (…, n, 4) real: 1, ⟨X⟩, ⟨Y⟩, ⟨Z⟩ as quadratic forms of (Re a, Im a,
    Re b, Im b): one outer product and one matrix product."""
    v = torch.view_as_real(state).flatten(-2)  # (…, n, 4)
    forms = _quadratic(v.dtype, v.device).view(4, 16)
    values = (v[..., :, None] * v[..., None, :]).flatten(-2) @ forms.T
    values[..., 0] = 1
    return values


def _pauli_values(one_wire: torch.Tensor, observables: tuple[PauliSum, ...], n: int) -> torch.Tensor:
    """Σ_terms c · Π_w ⟨letter_w⟩ from the one-wire values (…, n, 4): (…, len(observables)) real."""
    device, real = one_wire.device, one_wire.dtype
    linear = _linear_map(observables, n)
    if linear is not None:  # every term one letter or none (⟨Z_i⟩, their mean): a linear map of the values
        return one_wire.flatten(-2) @ constant(linear, real, device)
    letters, coefficients = _term_tables(observables, n)
    # Each term's letter on each wire, picked by a one-hot product (a gather's backward costs more).
    picked = torch.einsum("...wl,wtl->...wt", one_wire, constant(letters, real, device))  # (…, n, n_terms)
    return picked.prod(-2) @ constant(coefficients, real, device)


@lru_cache(maxsize=256)
def _linear_map(observables: tuple[PauliSum, ...], n: int) -> tuple | None:
    """(n · 4, n_observables) as nested tuples: where every term has at most one letter, each observable is
    Σ c · (wire w's value of that letter), the identity's being 1 on any wire. None where a term has more."""
    table = [[0.0] * len(observables) for _ in range(4 * n)]
    for k, observable in enumerate(observables):
        for c, word in observable.terms:
            letters = [(w, letter) for w, letter in enumerate(word) if letter != "I"]
            if len(letters) > 1:
                return None
            w, letter = letters[0] if letters else (0, "I")
            table[4 * w + _LETTERS.index(letter)][k] += c
    return tuple(map(tuple, table))


@lru_cache(maxsize=256)
def _term_tables(observables: tuple[PauliSum, ...], n: int) -> tuple[tuple, tuple]:
    """(letters (n, n_terms, 4) one-hot, coefficients (n_terms, n_observables)) as nested tuples."""
    terms = [(k, c, word.ljust(n, "I")) for k, o in enumerate(observables) for c, word in o.terms]
    letters = tuple(
        tuple(tuple(float(word[w] == letter) for letter in _LETTERS) for _, _, word in terms) for w in range(n)
    )
    coefficients = tuple(tuple(c if k == j else 0.0 for j in range(len(observables))) for k, c, _ in terms)
    return letters, coefficients
