"""Run a plan on a batch: build the initial state, apply every operation, return the state."""

from __future__ import annotations

import torch

from qnn.simulator import kernels
from qnn.simulator.blocks import permutation_index, plan_matrices, slice_batch
from qnn.simulator.fusion import Block, Diagonal, Permutation, PhaseRun, Plan, StatePrep, make_plan
from qnn.simulator.phases import phase_diagonal
from qnn.simulator.program import Angles, Program, Step
from qnn.simulator.settings import DEFAULT_SETTINGS, SimulatorSettings
from qnn.simulator.workspace import ADJOINT, STATE, reused, scratch

REAL_DTYPE = {torch.complex64: torch.float32, torch.complex128: torch.float64}
COMPLEX_DTYPE = {real: complex_ for complex_, real in REAL_DTYPE.items()}


def run_program(
    program: Program,
    inputs: torch.Tensor,
    weights: torch.Tensor,
    dtype: torch.dtype,
    *,
    fuse: int = 4,
    product_state: bool = True,
    settings: SimulatorSettings = DEFAULT_SETTINGS,
) -> torch.Tensor:
    """Final states (batch, 2, …, 2) of `dtype` for `inputs` (batch, n_inputs) and `weights` (n_weights,).

    `inputs` and `weights` must be real tensors of `REAL_DTYPE[dtype]` on one device; `fuse` and
    `product_state` choose the fast paths (see `qnn.simulator.fusion`). Differentiable by autograd.
    """
    plan = make_plan(program, fuse, product_state)
    state = run_plan(plan, program.angles(inputs, weights), inputs.shape[0], dtype, settings)
    return state.view(inputs.shape[0], *[2] * program.n_qubits)


def run_plan(plan: Plan, angles: Angles, batch: int, dtype: torch.dtype, settings: SimulatorSettings) -> torch.Tensor:
    """Final flat states (batch, 2**n_qubits), autograd recording every operation (differentiable to any order)."""
    factors, matrices = plan_matrices(plan, angles, dtype, any_order=True)
    shared, batched = angles.shared, angles.batched
    recording = torch.is_grad_enabled() and (shared.requires_grad or (batched is not None and batched.requires_grad))
    buffers = None if recording else state_buffers(plan, batch, dtype, shared.device)
    return run_ops(plan, factors, matrices, batch, dtype, shared.device, settings, buffers)


def state_buffers(plan: Plan, batch: int, dtype: torch.dtype, device) -> list[torch.Tensor]:
    """The two buffers of `run_ops`: the caller's tensor where the final state lands (`workspace.reused`),
    and a scratch one."""
    shape = (batch, 2**plan.n_qubits)
    buffers = [reused(shape, dtype, device), scratch(STATE, shape, dtype, device)]
    # run_ops starts in the first buffer and every operation moves the state to the other one.
    return buffers if len(plan.ops) % 2 == 0 else buffers[::-1]


def slice_rows(n_qubits: int, dtype: torch.dtype, device: torch.device, settings: SimulatorSettings) -> int:
    """Samples per slice of the batch: states of about `settings.slice_bytes` (`gpu_slice_bytes` off the CPU),
    at least one."""
    target = settings.slice_bytes if device.type == "cpu" else settings.gpu_slice_bytes
    return max(1, target // (2**n_qubits * dtype.itemsize))


def batch_slices(n_qubits: int, batch: int, dtype: torch.dtype, device, settings: SimulatorSettings) -> list[slice]:
    """Consecutive slices of the batch of `slice_rows` samples each (the last may be shorter)."""
    rows = slice_rows(n_qubits, dtype, device, settings)
    return [slice(start, min(start + rows, batch)) for start in range(0, batch, rows)]


def measure_in_slices(
    plan: Plan, angles: Angles, batch: int, dtype: torch.dtype, measure, keep_state: bool, settings: SimulatorSettings
):
    """(measure(final states) for the whole batch, the final states if `keep_state` else None), a slice at a time.

    For forward passes without gradients; `measure` maps (rows, 2**n) states to (rows, …) values.
    """
    factors, matrices = plan_matrices(plan, angles, dtype)
    device = angles.shared.device
    slices = batch_slices(plan.n_qubits, batch, dtype, device, settings)
    size = 2**plan.n_qubits
    buffers = [scratch(name, (slices[0].stop, size), dtype, device) for name in (STATE, ADJOINT)]
    kept = torch.empty(batch, size, dtype=dtype, device=device) if keep_state else None
    values = []
    for part in slices:
        rows = part.stop - part.start
        part_factors, part_matrices = slice_batch(plan, factors, matrices, part)
        part_buffers = [b[:rows] for b in buffers]
        state = run_ops(plan, part_factors, part_matrices, rows, dtype, device, settings, part_buffers)
        values.append(measure(state))
        if keep_state:
            kept[part] = state
    return (values[0] if len(values) == 1 else torch.cat(values)), kept


def run_ops(plan: Plan, factors, matrices: list, batch: int, dtype, device, settings, buffers=None, copies=None):
    """The plan's operations, from its product state or |0…0⟩, with the tensors of `plan_matrices`.

    `buffers`: two (batch, 2**n) tensors to alternate between instead of allocating a state per
    operation (when no graph is recorded); the final state is then one of them.
    `copies`: {operation index: tensor} to copy the state into just before that operation.
    """
    out = None if buffers is None else buffers[0]
    state = initial_state(plan, factors, batch, dtype, device, settings.split_product_above_bytes, out)
    current = 0  # which buffer holds the state
    phase = (None, None)  # the last phase run's step and diagonal, kept for its repeats (an IQP encoding's)
    for i, (op, matrix) in enumerate(zip(plan.ops, matrices, strict=True)):
        if copies and i in copies:
            copies[i].copy_(state)
        if isinstance(op, PhaseRun):
            if phase[0] is not op.step:  # another run: its diagonal replaces the last, which is freed first
                phase = (None, None)
                phase = (op.step, phase_diagonal(matrix, len(op.step.wires), state.dtype))
            op, matrix = Diagonal(op.step), phase[1]
        spare = None if buffers is None else buffers[1 - current]
        state = apply_op(state, op, plan.n_qubits, matrix, settings.gather_above, out=spare)
        if spare is not None:
            if state.data_ptr() != spare.data_ptr():  # an operation without an `out` path
                state = spare.copy_(state)
            current = 1 - current
    return state


def initial_state(plan: Plan, factors, batch: int, dtype, device, split_above_bytes: int, out=None) -> torch.Tensor:
    """|0…0⟩, or the plan's product state (`split_above_bytes`: see `kernels.product_state`): (batch, 2**n)."""
    if factors is None:
        state = kernels.zero_state(plan.n_qubits, batch, dtype, device).view(batch, -1)
        return state if out is None else out.copy_(state)
    return kernels.product_state(factors, batch, out=out, split_above_bytes=split_above_bytes)


def apply_op(state: torch.Tensor, op, n_qubits: int, matrix, gather_above: int, out=None) -> torch.Tensor:
    """One operation (its matrix, diagonal or phase coefficients from `plan_matrices`) on a flat state.

    Blocks, diagonals and permutations write into `out` when it is given; permutations of more than
    `gather_above` gates are one gather, shorter ones a strided copy per gate.
    """
    if isinstance(op, Block):
        return kernels.apply_block(state, matrix, op.lo, op.width, out=out)
    if isinstance(op, Permutation) and len(op.steps) <= gather_above:
        for step in op.steps:
            state = permute(state.view(state.shape[0], *[2] * n_qubits), step).reshape(state.shape[0], -1)
        return state
    if isinstance(op, Permutation):
        index = permutation_index(op.steps, n_qubits, state.device, False)
        return kernels.apply_permutation(state, index, out=out)
    batch = state.shape[0]
    shaped = state.view(batch, *[2] * n_qubits)
    if isinstance(op, PhaseRun):  # its tensor is the coefficients: the diagonal exists only while applied
        matrix = phase_diagonal(matrix, len(op.step.wires), state.dtype)
    if isinstance(op, Diagonal):
        return kernels.apply_diagonal(shaped, matrix, op.step.wires, out=out).reshape(batch, -1)
    if isinstance(op, StatePrep):  # its tensor is the amplitudes
        return prepare(shaped, op.step, matrix).reshape(batch, -1)
    return kernels.apply_matrix(shaped, matrix, op.step.wires).reshape(batch, -1)


def permute(state: torch.Tensor, step: Step) -> torch.Tensor:
    """An X, CNOT or SWAP step on a (batch, 2, …, 2) state, as a strided copy."""
    if step.gate == "X":
        return kernels.apply_x(state, step.wires[0])
    if step.gate == "CNOT":
        return kernels.apply_cnot(state, *step.wires)
    return kernels.apply_swap(state, *step.wires)


def prepare(state: torch.Tensor, step: Step, amplitudes: torch.Tensor) -> torch.Tensor:
    """A StatePrep step on a (batch, 2, …, 2) state; `amplitudes` (2^k,) or (batch, 2^k), not yet normalised."""
    amplitudes = amplitudes if amplitudes.dim() == 2 else amplitudes.expand(state.shape[0], -1)
    if (amplitudes.abs().sum(-1) == 0).any():
        raise ValueError("amplitude encoding needs a non-zero feature vector for every sample, got all zeros")
    return kernels.prepare_amplitudes(state, amplitudes, step.wires)
