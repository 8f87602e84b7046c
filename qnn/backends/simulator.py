"""qnn's own simulator as a backend (the default)."""

from dataclasses import dataclass

import torch

from qnn.observables import Probabilities
from qnn.simulator import (
    check_memory,
    compile_circuit,
    expectations,
    probabilities,
    run_program,
    sampled_expectations,
    sampled_probabilities,
)

COMPLEX_DTYPE = {torch.float32: torch.complex64, torch.float64: torch.complex128}


@dataclass(frozen=True)
class SimulatorBackend:
    """Exact state-vector simulation on the device and precision of the layer's weights.

    max_memory: bytes a call may use; None means the device's free memory.
    """

    max_memory: int | None = None
    name: str = "simulator"

    def run(self, circuit, observables, inputs, weights, shots=None, generator=None):
        if weights.dtype not in COMPLEX_DTYPE:
            raise TypeError(f"the simulator runs in float32 or float64 weights, got {weights.dtype}")
        program = compile_circuit(circuit)
        dtype = COMPLEX_DTYPE[weights.dtype]
        differentiable = torch.is_grad_enabled() and (weights.requires_grad or inputs.requires_grad)
        check_memory(program, inputs.shape[0], dtype, weights.device, differentiable, self.max_memory)
        state = run_program(program, inputs, weights, dtype)
        if isinstance(observables, Probabilities):
            exact = probabilities(state)
            if shots is None:
                return exact
            estimate = sampled_probabilities(exact, shots, generator)
        else:
            exact = expectations(state, observables)
            if shots is None:
                return exact
            estimate = sampled_expectations(state, observables, shots, generator)
        # Sampled values forward; the exact expectation's gradient backward (a straight-through estimator).
        return exact + (estimate - exact).detach()
