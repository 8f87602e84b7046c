"""Adjoint differentiation: expectation values whose backward pass holds three states, not one per gate.

Forward: run the plan without recording a graph and keep only the final state |ψ⟩. Backward, for
the loss L = Σ_bk g_bk ⟨ψ_b|O_k|ψ_b⟩ (g the incoming gradient): start from |λ⟩ = Σ_k g_k O_k |ψ⟩ and
walk the operations backwards, undoing each one on |ψ⟩ and on |λ⟩ in place. For an operation U
between |ψ_in⟩ and |λ_out⟩, dL/dθ = 2 Re ⟨λ_out| ∂U/∂θ |ψ_in⟩ = 2 Re Σ_ac ∂U_ac/∂θ R_ac with
R_ac = Σ conj(λ_out)_a (ψ_in)_c summed over the other wires: a (d, d) or (batch, d, d) tensor.
The sweep keeps only these small R; then one autograd call differentiates the surrogate
S = Σ_ops 2 Re Σ U ⊙ R (plus the product-state term 2 Re ⟨λ_0|ψ_0⟩) with respect to every angle,
shared or per sample, so that autograd carries the gradient on to weights and inputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from qnn.simulator import kernels
from qnn.simulator.blocks import permutation_index, plan_matrices
from qnn.simulator.engine import GATHER_ABOVE, apply_op, run_plan
from qnn.simulator.fusion import Block, Diagonal, Permutation, Plan
from qnn.simulator.measure import expectations, observable_times_state, probabilities

# States larger than this are rewound in place CHUNKS slices of the batch at a time, each slice
# needing a temporary of its own size; smaller ones in one go (the temporary does not matter then).
CHUNKS = 16
CHUNK_ABOVE_BYTES = 32 * 2**20


@dataclass(frozen=True)
class AdjointRun:
    plan: Plan
    observables: object  # tuple of PauliSum, or Probabilities
    batch: int
    dtype: torch.dtype


def adjoint_measure(run: AdjointRun, shared: torch.Tensor, joined: torch.Tensor | None):
    """Exact measurements (batch, n_outputs), differentiable by the adjoint method, and the final state.

    The state (batch, 2**n) is returned detached, for sampling; it is the one the backward pass
    rewinds in place, so it must not be used after backward.
    """
    if run.plan.has_state_prep:
        raise ValueError("the adjoint method does not differentiate StatePrep; use method='backprop'")
    return _AdjointMeasure.apply(run, shared, joined)


class _AdjointMeasure(torch.autograd.Function):
    @staticmethod
    def forward(ctx, run: AdjointRun, shared, joined):
        with torch.no_grad():
            state = run_plan(run.plan, shared, joined, run.batch, run.dtype)
            values = _measure(state, run.observables)
        ctx.run, ctx.state = run, state
        ctx.save_for_backward(shared, joined)
        ctx.mark_non_differentiable(state)
        return values, state

    @staticmethod
    def backward(ctx, grad_values, _grad_state):
        run = ctx.run
        shared, joined = ctx.saved_tensors
        state, ctx.state = ctx.state, None  # the sweep rewinds it; a second backward runs the circuit again
        if state is None:
            with torch.no_grad():
                state = run_plan(run.plan, shared, joined, run.batch, run.dtype)
        with torch.enable_grad():
            leaves = [shared.detach().requires_grad_(True)]
            if joined is not None:
                leaves.append(joined.detach().requires_grad_(True))
            joined_leaf = leaves[1] if joined is not None else None
            factors, matrices = plan_matrices(run.plan, leaves[0], joined_leaf, run.dtype)
        bra, terms = _sweep(run, state, grad_values, matrices)
        del state  # only |λ⟩ is needed from here on
        with torch.enable_grad():
            grads = [torch.zeros_like(leaf) for leaf in leaves]
            _accumulate(grads, _surrogate(terms, matrices), leaves)
            if factors is not None:
                # The product-state term 2 Re ⟨λ|ψ0⟩, a slice of the batch at a time to keep temporaries small.
                for rows in _row_slices(bra):
                    sliced = [f if f.dim() == 1 else f[rows] for f in factors]
                    _accumulate(grads, 2 * _contract_product(bra[rows], sliced).real.sum(), leaves)
        return None, grads[0], (grads[1] if joined is not None else None)


def _accumulate(grads: list, surrogate: torch.Tensor, leaves: list) -> None:
    if not surrogate.requires_grad:
        return
    parts = torch.autograd.grad(surrogate, leaves, allow_unused=True, materialize_grads=True, retain_graph=True)
    for total, part in zip(grads, parts, strict=True):
        total += part


def _measure(state: torch.Tensor, observables) -> torch.Tensor:
    if isinstance(observables, tuple):
        return expectations(state, observables)
    return probabilities(state)


def _sweep(run: AdjointRun, state, grad_values, matrices):
    """Walk back through the plan, undoing each operation on state and bra; the R of each operation."""
    plan, n = run.plan, run.plan.n_qubits
    bra = torch.empty_like(state)
    for rows in _row_slices(state):
        bra[rows] = observable_times_state(state[rows], run.observables, grad_values[rows])
    terms = [None] * len(plan.ops)
    for i in reversed(range(len(plan.ops))):
        op, m = plan.ops[i], matrices[i]
        m = None if m is None else m.detach()
        state = _in_place(state, lambda s, rows, op=op, m=m: _undo_op(s, rows, op, m, n))
        terms[i] = _overlap(op, bra, state, n)
        bra = _in_place(bra, lambda s, rows, op=op, m=m: _undo_op(s, rows, op, m, n))
    return bra, terms


def _in_place(state: torch.Tensor, apply) -> torch.Tensor:
    """apply(state) for a (batch, 2**n) state: a large one is overwritten a slice of rows at a time."""
    slices = _row_slices(state)
    if len(slices) == 1:  # small enough that a temporary state costs nothing: skip the copy back
        return apply(state, slices[0])
    for rows in slices:
        state[rows] = apply(state[rows], rows)
    return state


def _undo_op(state, rows, op, matrix, n: int):
    if isinstance(op, Permutation) and len(op.steps) <= GATHER_ABOVE:  # each gate is its own inverse
        return apply_op(state, Permutation(op.steps[::-1]), n, None, None, None)
    if isinstance(op, Permutation):
        return kernels.apply_permutation(state, permutation_index(op.steps, n, state.device, True))
    if isinstance(op, Block):
        m = matrix[rows] if matrix.dim() == 3 else matrix
        return kernels.apply_block(state, m.mH, op.lo, op.width)
    batch = state.shape[0]
    if isinstance(op, Diagonal):
        d = matrix[rows] if matrix.dim() == 2 else matrix
        return kernels.apply_diagonal(state.view(batch, *[2] * n), d.conj(), op.step.wires).reshape(batch, -1)
    m = matrix[rows] if matrix.dim() == 3 else matrix
    return kernels.apply_matrix(state.view(batch, *[2] * n), m.mH, op.step.wires).reshape(batch, -1)


def _overlap(op, bra, ket, n: int):
    """R for one operation (None for a permutation, which has no parameters)."""
    if isinstance(op, Permutation):
        return None
    # A slice of the batch at a time, so that temporaries (a conjugate, a transpose) stay small.
    batched = op.batched if isinstance(op, Block) else op.step.batched
    parts = []
    for rows in _row_slices(bra):
        if isinstance(op, Block):
            part = kernels.block_overlap(bra[rows], ket[rows], op.lo, op.width, batched)
        else:
            b, k = bra[rows].view(-1, *[2] * n), ket[rows].view(-1, *[2] * n)
            part = _wire_overlap(b, k, op.step.wires, n, diagonal=isinstance(op, Diagonal))
            part = part if batched else part.sum(0)
        parts.append(part)
    return torch.cat(parts) if batched else sum(parts[1:], parts[0])


def _row_slices(state: torch.Tensor) -> list[slice]:
    batch = state.shape[0]
    if state.numel() * state.element_size() <= CHUNK_ABOVE_BYTES:
        return [slice(0, batch)]
    step = max(1, -(-batch // CHUNKS))
    return [slice(s, min(s + step, batch)) for s in range(0, batch, step)]


def _wire_overlap(bra, ket, wires, n: int, diagonal: bool) -> torch.Tensor:
    """Per sample Σ over the other wires of conj(bra) ket: (rows, 2**k) diagonal part or (rows, 2**k, 2**k)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    idx = [letters[w] for w in range(n)]
    gate = "".join(idx[w] for w in wires)
    if diagonal:
        out = torch.einsum(f"...{''.join(idx)},...{''.join(idx)}->...{gate}", bra.conj(), ket)
        return out.reshape(out.shape[0], -1)
    ket_idx = list(idx)
    for w in wires:
        ket_idx[w] = letters[w].upper()
    spec = f"...{''.join(idx)},...{''.join(ket_idx)}->...{gate}{''.join(letters[w].upper() for w in wires)}"
    out = torch.einsum(spec, bra.conj(), ket)
    d = 2 ** len(wires)
    return out.reshape(out.shape[0], d, d)


def _surrogate(terms, matrices) -> torch.Tensor:
    """The operations' part of S, whose gradient with respect to the angles is theirs of dL (module docstring)."""
    total = torch.zeros(())
    for term, matrix in zip(terms, matrices, strict=True):
        if term is not None:
            total = total + 2 * (matrix * term).real.sum()
    return total


def _contract_product(bra: torch.Tensor, factors: list[torch.Tensor]) -> torch.Tensor:
    """(batch,) Σ_i bra_i conj(ψ0_i) for the product state ψ0 = ⊗ factors, wire by wire from the last."""
    batch = bra.shape[0]
    t = bra
    for vector in reversed(factors):
        v = vector.conj().expand(batch, 2)
        t = torch.matmul(t.view(batch, -1, 2), v[:, :, None])[..., 0]
    return t[:, 0]
