"""Adjoint differentiation: expectation values whose backward pass holds a few states, not one per gate.

The small tensors of the plan (block matrices, diagonals, product-state factors) are built by
autograd outside, and are this function's inputs. Forward: run the plan without recording a graph
and keep the final state |ψ⟩ (and, where memory allows, copies of earlier states: `checkpoints`).
Backward, for the loss L = Σ_bk g_bk ⟨ψ_b|O_k|ψ_b⟩ (g the incoming gradient): start from
|λ⟩ = Σ_k g_k O_k |ψ⟩ and walk the operations backwards, undoing each one on |ψ⟩ and on |λ⟩.
For an operation U between |ψ_in⟩ and |λ_out⟩, dL/dU_ac = 2 conj(R_ac) (PyTorch's convention for
complex inputs of a real loss) with R_ac = Σ conj(λ_out)_a (ψ_in)_c summed over the other wires:
a (d, d) or (batch, d, d) tensor. The product-state factors get theirs from 2 Re ⟨λ_0|ψ_0⟩.
Autograd then carries these on to the angles, and so to weights and inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from qnn.simulator import kernels
from qnn.simulator.blocks import permutation_index, plan_matrices, slice_batch
from qnn.simulator.checkpoints import Checkpoint
from qnn.simulator.engine import apply_op, batch_slices, run_ops, state_buffers
from qnn.simulator.fusion import Block, Diagonal, Permutation, PhaseRun, Plan
from qnn.simulator.measure import adjoint_start, measure_exact
from qnn.simulator.phases import coefficient_gradient, constant_run_diagonal, phase_diagonal
from qnn.simulator.program import PHASE_RUN, Angles
from qnn.simulator.settings import DEFAULT_SETTINGS, SimulatorSettings
from qnn.simulator.workspace import ADJOINT, STATE, recycle, reused, scratch


@dataclass(frozen=True)
class AdjointRun:
    plan: Plan
    observables: object  # tuple of PauliSum, or Probabilities
    batch: int
    dtype: torch.dtype
    checkpoints: tuple[Checkpoint, ...] = ()  # copies of the state the forward pass keeps (`checkpoints`)
    settings: SimulatorSettings = DEFAULT_SETTINGS  # slices of the batch, chunks of the sweep
    input_gradients: bool = True  # whether the inputs need a gradient (else an encoding's tensors need none)


def adjoint_measure(run: AdjointRun, angles: Angles, keep_state: bool = False):
    """Exact measurements (batch, n_outputs), differentiable by the adjoint method, and the final state.

    The batch runs in slices (`engine.batch_slices`), each its own forward and backward pass, so that
    one slice's states stay in the CPU's cache and the backward pass needs one slice's worth of memory
    beyond the kept final states and copies (`run.checkpoints`). The final state (batch, 2**n) is
    returned, detached, for sampling when `keep_state`, else None.
    """
    if run.plan.has_state_prep:
        raise ValueError("the adjoint method does not differentiate StatePrep; use method='backprop'")
    tensors = plan_matrices(run.plan, angles, run.dtype, input_gradients=run.input_gradients)
    device = angles.shared.device
    factors, matrices = _untrained_detached(run, *tensors)
    where = tuple(i for i, m in enumerate(matrices) if m is not None)  # the operations with a tensor
    values, states = [], []
    for k, part in enumerate(batch_slices(run.plan.n_qubits, run.batch, run.dtype, device, run.settings)):
        part_factors, part_matrices = slice_batch(run.plan, factors, matrices, part)
        tensors = [part_matrices[i] for i in where] + ([part_factors] if part_factors is not None else [])
        chunk = replace(run, batch=part.stop - part.start)
        kept = tuple(c.op for c in run.checkpoints if k < c.slices)  # this slice's copies
        part_values, part_state = _AdjointMeasure.apply(chunk, where, kept, device, *tensors)
        values.append(part_values)
        if keep_state:
            states.append(part_state)
    values = values[0] if len(values) == 1 else torch.cat(values)
    return values, (torch.cat(states) if keep_state else None)


def _untrained_detached(run: AdjointRun, factors, matrices: list) -> tuple[torch.Tensor | None, list]:
    """The tensors that no gradient flows to (`Plan.trained`), detached: an encoding's while the inputs need
    none, constant gates'. Their operations are then neither differentiated nor, before the first trained
    one, undone by the backward pass (an IQP encoding's ten layers, say)."""
    trained, prefix_trained = run.plan.trained(run.input_gradients)
    if not trained and not prefix_trained:  # as any torch operation, the values keep a (zero) gradient
        return factors, matrices
    matrices = [m if m is None or i in trained else m.detach() for i, m in enumerate(matrices)]
    return (factors if factors is None or prefix_trained else factors.detach()), matrices


def _unpack(run: AdjointRun, where: tuple[int, ...], tensors) -> tuple[torch.Tensor | None, list]:
    matrices = [None] * len(run.plan.ops)
    for i, tensor in zip(where, tensors, strict=False):
        matrices[i] = tensor
    factors = tensors[len(where)] if len(tensors) > len(where) else None
    return factors, matrices


class _AdjointMeasure(torch.autograd.Function):
    @staticmethod
    def forward(ctx, run: AdjointRun, where, copies, device, *tensors):
        factors, matrices = _unpack(run, where, tensors)
        state, kept = _final_state(run, factors, matrices, copies, device)
        # The adjoint state's scratch tensor is free until the backward pass: no third buffer.
        values = measure_exact(state, run.observables, scratch_name=ADJOINT)
        ctx.run, ctx.where, ctx.copies, ctx.device = run, where, copies, device
        ctx.state, ctx.kept = state, kept
        ctx.save_for_backward(*tensors)
        ctx.mark_non_differentiable(state)
        ctx.set_materialize_grads(False)  # or autograd would pass a state-sized zero gradient for `state`
        return values, state

    @staticmethod
    def backward(ctx, grad_values, _grad_state):
        run, tensors = ctx.run, ctx.saved_tensors
        if grad_values is None:  # only the (non-differentiable) state was used
            return None, None, None, None, *[None] * len(tensors)
        factors, matrices = _unpack(run, ctx.where, tensors)
        # The sweep rewinds the state and hands the copies back; a second backward runs the circuit again.
        (state, ctx.state), (kept, ctx.kept) = (ctx.state, None), (ctx.kept, None)
        if state is None:
            state, kept = _final_state(run, factors, matrices, ctx.copies, ctx.device)
        needed = ctx.needs_input_grad[4:]  # per tensor: constant gates' matrices need no gradient
        wanted = {i for i, need in zip(ctx.where, needed, strict=False) if need}
        to_start = factors is not None and needed[-1]  # the factors' gradient needs the adjoint state at the start
        bra, grads = _sweep(run, state, grad_values, matrices, kept, wanted, to_start)
        grads = [grads[i] for i in ctx.where]
        if factors is not None:
            grads.append(_factor_gradient(bra, factors, run.settings) if needed[-1] else None)
        recycle(state)  # its memory (rewound states, maybe `bra`) is read by nothing now
        return None, None, None, None, *grads


def _final_state(run: AdjointRun, factors, matrices, copies, device) -> tuple[torch.Tensor, dict[int, torch.Tensor]]:
    """The final state, and the copies of the state before each operation in `copies`."""
    with torch.no_grad():
        buffers = state_buffers(run.plan, run.batch, run.dtype, device)
        shape = buffers[0].shape
        kept = {i: reused(shape, run.dtype, device) for i in copies}
        return run_ops(run.plan, factors, matrices, run.batch, run.dtype, device, run.settings, buffers, kept), kept


def _factor_gradient(bra: torch.Tensor, factors: torch.Tensor, settings: SimulatorSettings) -> torch.Tensor:
    """The gradient of 2 Re ⟨λ|ψ0⟩ = 2 Re Σ μ ψ0 (μ = conj(λ): `bra`) for the factors of ψ0 = ⊗ factors.

    For wire w it is 2 conj(E_w), E_w[s] = Σ over basis states with wire w in s of μ times the other
    wires' factors. ψ0 is the product of the states `high` of the first h = n // 2 wires and `low`
    of the others, so μ is contracted with each of them in one pass over the state; the wires'
    environments are then worked out on those short vectors. A slice of the batch at a time.
    """
    n = factors.shape[-2]
    h = n // 2
    grad = torch.zeros_like(factors)
    for rows in _row_slices(bra, settings):
        mu = bra[rows]
        batch = mu.shape[0]
        per_sample = factors.expand(bra.shape[0], n, 2)[rows]
        if h == 0:
            environments = _environments(mu, per_sample)
        else:
            high, low = per_sample[:, :h], per_sample[:, h:]
            pairs = mu.view(batch, 2**h, -1)
            split = settings.split_product_above_bytes
            over_low = torch.bmm(pairs, kernels.product_state(low, batch, split_above_bytes=split)[:, :, None])[:, :, 0]
            over_high = torch.bmm(kernels.product_state(high, batch, split_above_bytes=split)[:, None, :], pairs)[:, 0]
            environments = torch.cat([_environments(over_low, high), _environments(over_high, low)], dim=1)
        part = 2 * environments.conj()  # (batch, n, 2)
        if factors.dim() == 2:
            grad += part.sum(0)
        else:
            grad[rows] = part
    return grad


def _environments(mu: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
    """(batch, k, 2): E_w of `_factor_gradient` for the (batch, 2**k) vector `mu` and factors (batch, k, 2).

    μ contracted with the factors left of w (wire by wire, from the first) and with the product
    state of those right of w.
    """
    batch, k = factors.shape[:2]
    rights = _right_products(factors)
    environments = []
    for w in range(k):
        pairs = mu.view(batch, 2, -1)  # (batch, wire w, right wires) after contracting the left wires
        environments.append(torch.bmm(pairs, rights[w][:, :, None])[:, :, 0])
        f = factors[:, w, :, None]
        mu = pairs[:, 0] * f[:, 0] + pairs[:, 1] * f[:, 1]
    return torch.stack(environments, dim=1)


def _right_products(factors: torch.Tensor) -> list[torch.Tensor]:
    """For each wire w, the (batch, 2**(k-1-w)) product state of the wires after it, built from the last."""
    batch, k = factors.shape[:2]
    products = [torch.ones(batch, 1, dtype=factors.dtype, device=factors.device)]
    for w in reversed(range(1, k)):  # not w = 0: the whole product state is not needed
        products.append((factors[:, w, :, None] * products[-1][:, None, :]).view(batch, -1))
    return products[::-1]


def _sweep(
    run: AdjointRun, state, grad_values, matrices, kept: dict[int, torch.Tensor], wanted: set[int], to_start: bool
):
    """Walk back through the plan, undoing each operation on |ψ⟩ and on conj(|λ⟩); the R of each operation.

    The adjoint state is kept conjugated, μ = conj(λ): then R = Σ μ_a ψ_c is a plain product and
    undoing U on μ is applying U^T, so no state-sized conjugate copy is ever made.
    The operations of a commuting run (`Plan.commuting_runs`, e.g. a layer of blocks) get their R
    from the states after the run, each taken as the run's last operation: R = S conj(U), S the
    overlap after it (`_gradient`). |ψ⟩ is then rewound past the run only when an earlier operation
    needs it: not past the first run with wanted tensors (4 of 47 block products fewer per slice for the
    standard workload at 16 qubits), and not where the forward pass `kept` a copy of it (which is
    recycled once read). Nor is the adjoint state undone past the first run with wanted tensors unless
    `to_start` (for the product state's factors).
    Returns the conjugated adjoint state where the walk stopped (at the start where `to_start`) and the
    gradient of each operation's tensor in `wanted` (None for the others: constant gates, and operations
    without a tensor).
    """
    plan, n, settings = run.plan, run.plan.n_qubits, run.settings
    slices = _row_slices(state, settings)
    if len(slices) == 1:
        bra = adjoint_start(
            state, run.observables, grad_values, out=scratch(ADJOINT, state.shape, state.dtype, state.device)
        )
        spare = scratch(STATE, state.shape, state.dtype, state.device)
    else:
        bra, spare = torch.empty_like(state), None
        for rows in slices:  # into bra's rows: a fresh state-sized temporary for each costs its page faults
            adjoint_start(state[rows], run.observables, grad_values[rows], out=bra[rows])
    first = min(wanted, default=len(plan.ops))
    terms = [None] * len(plan.ops)
    shared_blocks = {}  # by operation: S, a (d, d) overlap, turned into gradients together after the sweep
    for ops in reversed(plan.commuting_runs):
        for i in ops:
            if i in wanted:
                op, overlap = plan.ops[i], _overlap(plan.ops[i], bra, state, n, spare, settings)
                if isinstance(op, Block) and not op.batched:
                    shared_blocks[i] = overlap
                else:  # per sample, or a diagonal's: as large as the batch or the state, so not kept
                    terms[i] = _gradient(op, overlap, matrices[i])
        if ops.start <= first and not to_start:  # no earlier operation has a gradient
            break
        copy = kept.pop(ops.start, None)
        for i in reversed(ops):
            op, m = plan.ops[i], matrices[i]
            if isinstance(op, PhaseRun):  # its diagonal made once, to undo it on both states
                op, m = Diagonal(op.step), phase_diagonal(m, len(op.step.wires), state.dtype)
            if ops.start > first and copy is None:  # an earlier operation needs the state before this run
                state, spare = _undo(state, spare, op, _inverse(op, m, conjugated=False), n, settings)
            bra, spare = _undo(bra, spare, op, _inverse(op, m, conjugated=True), n, settings)
        if copy is not None:
            state.copy_(copy)
            recycle(copy)
    for copy in kept.values():  # copies before the first wanted tensor, not read
        recycle(copy)
    _block_gradients(shared_blocks, matrices, terms)
    return bra, terms


def _gradient(op, after, matrix):
    """The gradient of `op`'s tensor from S = `after`, its overlap taken with the state after it.

    The state before is U^† ψ, so R = S conj(U) (S conj(D) for a diagonal), and the gradient is 2 conj(R).
    A phase run's tensor is its coefficients: with D = exp(iφ), dL/dφ = 2 Re(i S) = −2 Im S, carried
    back through φ's linear map.
    """
    if isinstance(op, PhaseRun):
        return coefficient_gradient(-2 * after.imag, len(op.step.wires))
    before = after * matrix.conj() if isinstance(op, Diagonal) else after @ matrix.conj()
    return 2 * before.conj()


def _block_gradients(overlaps: dict[int, torch.Tensor], matrices: list, terms: list) -> None:
    """`_gradient` for blocks of shared matrices, into `terms`: those of one width together, a few tensor
    operations in all where each block took four of its own (45 blocks a step of a 10-qubit IQP circuit)."""
    alike: dict[tuple, list[int]] = {}
    for i, after in overlaps.items():
        alike.setdefault(after.shape, []).append(i)
    for members in alike.values():
        after = torch.stack([overlaps[i] for i in members])
        matrix = torch.stack([matrices[i] for i in members])
        for i, term in zip(members, (2 * (after @ matrix.conj()).conj()).unbind(0), strict=True):
            terms[i] = term


def _inverse(op, matrix, conjugated: bool):
    """What undoes `op` on a state (U^†, or conj(D) for a diagonal) or on a conjugated one (U^T, or D)."""
    if matrix is None:
        return None
    if isinstance(op, Diagonal):
        if conjugated:
            return matrix
        if op.step.gate == PHASE_RUN and not op.step.columns:  # a constant run's conjugate is made once
            return constant_run_diagonal(op.step, matrix.dtype, matrix.device, conjugate=True)
        return matrix.conj().resolve_conj()
    return matrix.transpose(-1, -2) if conjugated else matrix.mH.resolve_conj()


def _undo(state: torch.Tensor, spare, op, inverse, n: int, settings: SimulatorSettings):
    """(state with `op` undone by `inverse`, the new spare): into `spare` if there is one, else in place by slices."""
    if spare is not None:
        result = _undo_op(state, slice(None), op, inverse, n, settings.gather_above, out=spare)
        if result.data_ptr() != spare.data_ptr():  # no `out` path for this operation
            return result, spare
        return result, state
    for rows in _row_slices(state, settings):
        state[rows] = _undo_op(state[rows], rows, op, inverse, n, settings.gather_above)
    return state, None


def _undo_op(state, rows, op, inverse, n: int, gather_above: int, out=None):
    if isinstance(op, Permutation) and len(op.steps) <= gather_above:  # each gate is its own inverse
        return apply_op(state, Permutation(op.steps[::-1]), n, None, gather_above)
    if isinstance(op, Permutation):
        return kernels.apply_permutation(state, permutation_index(op.steps, n, state.device, True), out=out)
    batched = inverse.dim() == (2 if isinstance(op, Diagonal) else 3)
    return apply_op(state, op, n, inverse[rows] if batched else inverse, gather_above, out=out)


def _overlap(op, bra, ket, n: int, spare, settings: SimulatorSettings):
    """R for one operation, from the conjugated adjoint state `bra` (None for a permutation).

    `spare`: the sweep's spare state, free at this point, for the temporaries (or None).
    """
    if isinstance(op, Permutation):
        return None
    # A slice of the batch at a time, so that temporaries stay small.
    batched = op.batched if isinstance(op, Block) else op.step.batched
    parts, slices = [], _row_slices(bra, settings)
    for rows in slices:
        b, k = (bra, ket) if len(slices) == 1 else (bra[rows], ket[rows])
        if isinstance(op, Block):
            part = kernels.block_overlap(b, k, op.lo, op.width, batched, spare)
        else:
            b, k = b.view(-1, *[2] * n), k.view(-1, *[2] * n)
            part = _wire_overlap(b, k, op.step.wires, n, diagonal=isinstance(op, Diagonal))
            part = part if batched else part.sum(0)
        parts.append(part)
    return torch.cat(parts) if batched else sum(parts[1:], parts[0])


def _row_slices(state: torch.Tensor, settings: SimulatorSettings) -> list[slice]:
    """The whole batch, or `settings.chunks` slices of it for a state above `settings.chunk_above_bytes`."""
    batch = state.shape[0]
    if state.numel() * state.element_size() <= settings.chunk_above_bytes:
        return [slice(0, batch)]
    step = max(1, -(-batch // settings.chunks))
    return [slice(s, min(s + step, batch)) for s in range(0, batch, step)]


def _wire_overlap(bra, ket, wires, n: int, diagonal: bool) -> torch.Tensor:
    """Per sample Σ over the other wires of bra ket (`bra` conjugated already): (rows, 2**k) or (rows, 2**k, 2**k)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    idx = [letters[w] for w in range(n)]
    gate = "".join(idx[w] for w in wires)
    if diagonal:
        out = torch.einsum(f"...{''.join(idx)},...{''.join(idx)}->...{gate}", bra, ket)
        return out.reshape(out.shape[0], -1)
    ket_idx = list(idx)
    for w in wires:
        ket_idx[w] = letters[w].upper()
    spec = f"...{''.join(idx)},...{''.join(ket_idx)}->...{gate}{''.join(letters[w].upper() for w in wires)}"
    out = torch.einsum(spec, bra, ket)
    d = 2 ** len(wires)
    return out.reshape(out.shape[0], d, d)
