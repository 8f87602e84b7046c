"""The simulator's algorithm, plainly: start in |0…0⟩, apply each step of a compiled program, measure.

Read this first; every other module of `qnn.simulator` runs this same loop faster (see the package
docstring). It is batched over samples and differentiable by autograd, but slow: one matrix product
and one autograd node per gate, a state per gate kept for the backward pass. The tests use it as a
reference for the fast paths.

Example:
    >>> import circuits, torch
    >>> from qnn.observables import PauliSum
    >>> from qnn.simulator import compile_circuit
    >>> program = compile_circuit(circuits.angle_encoding(2))
    >>> run(program, torch.zeros(1, 2), torch.zeros(0), (PauliSum(((1.0, "ZI"),)),))
    tensor([[1.]])
"""

import torch

from circuits.gates import STATE_PREP
from qnn.observables import PauliSum
from qnn.simulator.matrices import gate_matrix
from qnn.simulator.program import Program, Step

PAULI_MATRICES = {"X": [[0, 1], [1, 0]], "Y": [[0, -1j], [1j, 0]], "Z": [[1, 0], [0, -1]]}


def run(program: Program, inputs, weights, observables) -> torch.Tensor:
    """(batch, n_outputs) real: `observables` (a tuple of `PauliSum`s, or `Probabilities`) measured on
    the final states for `inputs` (batch, n_inputs) and `weights` (n_weights,), real tensors of one dtype."""
    return measure(final_state(program, inputs, weights), observables)


def final_state(program: Program, inputs, weights) -> torch.Tensor:
    """(batch, 2, …, 2) complex states (complex128 for float64 weights), wire 0 the first axis after the batch."""
    dtype = weights.dtype.to_complex()
    angles = program.angles(inputs, weights)
    shared, joined = angles.shared, angles.joined  # common to all samples; (batch, …) with inputs
    state = torch.zeros(inputs.shape[0], 2**program.n_qubits, dtype=dtype, device=weights.device)
    state[:, 0] = 1
    state = state.view(-1, *[2] * program.n_qubits)
    for step in program.steps:
        step_angles = joined[:, list(step.columns)] if step.batched else shared[list(step.columns)]
        state = apply_step(state, step, step_angles)
    return state


def apply_step(state: torch.Tensor, step: Step, angles: torch.Tensor) -> torch.Tensor:
    """One step on (batch, 2, …, 2) states; `angles` (n_params,) for every sample or (batch, n_params)."""
    if step.gate == STATE_PREP:
        return prepare_state(state, angles, step.wires)
    return apply_matrix(state, gate_matrix(step.gate, angles, len(step.wires), state.dtype), step.wires)


def apply_matrix(state: torch.Tensor, matrix: torch.Tensor, wires: tuple[int, ...]) -> torch.Tensor:
    """A (2^k, 2^k) or (batch, 2^k, 2^k) `matrix` on the k `wires` of (batch, 2, …, 2) states."""
    axes, front = [1 + w for w in wires], list(range(1, len(wires) + 1))
    moved = state.movedim(axes, front)  # (batch, the gate's wires, the other wires)
    product = matrix @ moved.reshape(moved.shape[0], 2 ** len(wires), -1)
    return product.reshape(moved.shape).movedim(front, axes)


def prepare_state(state: torch.Tensor, amplitudes: torch.Tensor, wires: tuple[int, ...]) -> torch.Tensor:
    """StatePrep: `wires` are still |0…0⟩, so each state is |0…0⟩ ⊗ |rest⟩; it becomes |a⟩ ⊗ |rest⟩,
    |a⟩ the normalised `amplitudes` (2^k,) or (batch, 2^k)."""
    axes, front = [1 + w for w in wires], list(range(1, len(wires) + 1))
    moved = state.movedim(axes, front)
    rest = moved.reshape(moved.shape[0], 2 ** len(wires), -1)[:, :1]  # (batch, 1, other wires)
    a = (amplitudes / amplitudes.norm(dim=-1, keepdim=True)).to(state.dtype).reshape(-1, 2 ** len(wires), 1)
    return (a * rest).reshape(moved.shape).movedim(front, axes)


def measure(state: torch.Tensor, observables) -> torch.Tensor:
    """(batch, n_outputs) real: Σ c ⟨ψ|P|ψ⟩ for each `PauliSum`, or the basis-state probabilities."""
    if not isinstance(observables, tuple):  # Probabilities
        return state.abs().square().reshape(state.shape[0], -1)
    return torch.stack([_expectation(state, o) for o in observables], dim=1)


def _expectation(state: torch.Tensor, observable: PauliSum) -> torch.Tensor:
    total = 0
    for coefficient, word in observable.terms:
        flipped = state
        for wire, letter in enumerate(word):
            if letter != "I":
                pauli = torch.tensor(PAULI_MATRICES[letter], dtype=state.dtype, device=state.device)
                flipped = apply_matrix(flipped, pauli, (wire,))
        total = total + coefficient * (state.conj() * flipped).real.flatten(1).sum(1)
    return total
