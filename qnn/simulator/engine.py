"""Run a compiled program on a batch: create the state, apply every step, return the state."""

import torch

from qnn.simulator import kernels
from qnn.simulator.matrices import constant_diagonal, constant_matrix, rotation_diagonal, rotation_matrix
from qnn.simulator.program import Program, Step, step_kind

REAL_DTYPE = {torch.complex64: torch.float32, torch.complex128: torch.float64}


def run_program(program: Program, inputs: torch.Tensor, weights: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Final states (batch, 2, …, 2) of `dtype` for `inputs` (batch, n_inputs) and `weights` (n_weights,).

    `inputs` and `weights` must be real tensors of `REAL_DTYPE[dtype]` on one device.
    """
    shared, joined = program.angles(inputs, weights)
    state = kernels.zero_state(program.n_qubits, inputs.shape[0], dtype, weights.device)
    for step in program.steps:
        angles = joined[:, step.columns] if step.batched else shared[list(step.columns)]
        state = apply_step(state, step, angles)
    return state


def apply_step(state: torch.Tensor, step: Step, angles: torch.Tensor) -> torch.Tensor:
    kind, gate, wires = step_kind(step.gate), step.gate, step.wires
    if kind == "permutation":
        if gate == "X":
            return kernels.apply_x(state, wires[0])
        if gate == "CNOT":
            return kernels.apply_cnot(state, *wires)
        return kernels.apply_swap(state, *wires)
    if kind == "state_prep":
        amplitudes = angles if angles.dim() == 2 else angles.expand(state.shape[0], -1)
        if (amplitudes.abs().sum(-1) == 0).any():
            raise ValueError("amplitude encoding needs a non-zero feature vector for every sample, got all zeros")
        return kernels.prepare_amplitudes(state, amplitudes, wires)
    if kind == "diagonal":
        if angles.shape[-1] == 0:
            diagonal = constant_diagonal(gate, len(wires), state.dtype, state.device)
        else:
            diagonal = rotation_diagonal(gate, angles, len(wires)).to(state.dtype)
        return kernels.apply_diagonal(state, diagonal, wires)
    if angles.shape[-1] == 0:
        matrix = constant_matrix(gate, state.dtype, state.device)
    else:
        matrix = rotation_matrix(gate, angles).to(state.dtype)
    return kernels.apply_matrix(state, matrix, wires)
