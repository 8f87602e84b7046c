"""Hardware execution as a `torch.autograd.Function`: one job per training step.

Torch computes the gate angles from inputs and weights (so the chain rule through `Input` scales and
shifts and `InputProduct`s is autograd's); this function measures the angles on hardware. For the
gradient, every shifted angle set of the batch is packed into one array: with the gradient's
`in_forward_job=True` (default) it travels in the forward pass's job, so forward and backward of a
training step are one job; otherwise `backward` submits it as one job of its own. Angles that only
read inputs needing no gradient are not shifted.
"""

from __future__ import annotations

import numpy as np
import torch

from circuits.circuit import Circuit
from qnn.hardware.angles import gate_angles, slots
from qnn.hardware.runner import HardwareRunner
from qnn.hardware.shift_rules import ParameterShift


def run_on_hardware(
    runner: HardwareRunner,
    circuit: Circuit,
    observables,
    inputs: torch.Tensor,
    weights: torch.Tensor,
    shots: int | None = None,
    generator: torch.Generator | None = None,
    gradient=None,
) -> torch.Tensor:
    """(batch, n_inputs), (n_weights,) → (batch, n_outputs) of the weights' dtype, differentiable.

    gradient: `ParameterShift()` (default, exact) or `SPSA(epsilon)` (two circuits per sample).

    Example:
        >>> import circuits, torch
        >>> from qnn.hardware import AerExecutor, HardwareRunner
        >>> from qnn.observables import parse_observables
        >>> c, w = circuits.basic_entangler(2, n_layers=1), torch.zeros(2, requires_grad=True)
        >>> runner = HardwareRunner(AerExecutor())
        >>> run_on_hardware(runner, c, parse_observables(None, 2), torch.zeros(1, 0), w).shape
        torch.Size([1, 2])
    """
    context = _Context(runner, circuit, observables, shots, _seed(generator), gradient or ParameterShift())
    context.needed = np.array(
        [
            (s.reads_weights and weights.requires_grad) or (s.reads_inputs and inputs.requires_grad)
            for s in context.slots
        ],
        dtype=bool,
    )
    # inputs and weights ride along so that the output requires grad whenever they do, as on the simulator,
    # even if no gate reads them; their gradients flow through the angles.
    return _HardwareExpectation.apply(gate_angles(circuit, inputs, weights), inputs, weights, context)


class _Context:
    def __init__(self, runner, circuit, observables, shots, seed, gradient):
        self.runner, self.circuit, self.observables = runner, circuit, observables
        self.shots, self.seed, self.gradient = shots, seed, gradient
        self.slots = slots(circuit)
        self.needed = np.zeros(len(self.slots), dtype=bool)

    def measure(self, angles: np.ndarray) -> np.ndarray:
        return self.runner.evaluate(self.circuit, self.observables, angles, self.shots, self.seed)

    def plan(self, angles: np.ndarray):
        seed = None if self.seed is None else self.seed + 1
        return self.gradient.plan(self.slots, self.needed, angles, np.random.default_rng(seed))


def _seed(generator: torch.Generator | None) -> int | None:
    if generator is None:
        return None
    return int(torch.randint(2**30, (1,), generator=generator))


class _HardwareExpectation(torch.autograd.Function):
    @staticmethod
    def forward(ctx, angles: torch.Tensor, inputs, weights, context: _Context) -> torch.Tensor:
        ctx.context = context
        ctx.save_for_backward(angles)
        ctx.jacobian = None
        values = _numpy(angles)
        wants_gradient = ctx.needs_input_grad[0] and context.needed.any()
        if wants_gradient and context.gradient.in_forward_job:
            shifted, plan = context.plan(values)
            measured = context.measure(np.concatenate([values, shifted]))
            outputs, measured = measured[: len(values)], measured[len(values) :]
            ctx.jacobian = context.gradient.combine(measured, plan, values)
        else:
            outputs = context.measure(values)
        return torch.as_tensor(outputs, dtype=angles.dtype, device=angles.device)

    @staticmethod
    def backward(ctx, grad_output: torch.Tensor):
        (angles,) = ctx.saved_tensors
        context: _Context = ctx.context
        if not context.needed.any():
            return torch.zeros_like(angles), None, None, None
        jacobian = ctx.jacobian
        if jacobian is None:
            values = _numpy(angles)
            shifted, plan = context.plan(values)
            jacobian = context.gradient.combine(context.measure(shifted), plan, values)
        jacobian = torch.as_tensor(jacobian, dtype=angles.dtype, device=angles.device)
        return torch.einsum("bo,bso->bs", grad_output, jacobian), None, None, None


def _numpy(angles: torch.Tensor) -> np.ndarray:
    return angles.detach().to("cpu", torch.float64).numpy()


def counts_on_hardware(
    runner: HardwareRunner,
    circuit: Circuit,
    inputs: torch.Tensor,
    weights: torch.Tensor,
    shots: int,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """(batch, n_inputs), (n_weights,) → (batch, 2**n_qubits) int64 counts of each basis state over `shots`
    (wire 0 the most significant bit), from one sampler job (or the journal)."""
    angles = _numpy(gate_angles(circuit, inputs.detach(), weights.detach()))
    counts = runner.counts(circuit, angles, shots, _seed(generator))
    return torch.as_tensor(np.rint(counts), dtype=torch.int64)
