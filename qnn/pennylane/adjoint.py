"""Vector-Jacobian products of a tape's expectation values and probabilities with qnn's adjoint method.

The tape's trainable parameters become torch leaves; `qnn.pennylane.measure.measure` runs the circuit
through `SimulatorBackend`, which differentiates by the adjoint method, and torch carries the products
back to the leaves.
"""

from __future__ import annotations

import numpy as np
import torch

from qnn.backends.simulator import SimulatorBackend
from qnn.pennylane.measure import measure
from qnn.pennylane.tape import angle_batch, shared_angles, to_circuit, to_numpy


def vjp(tape, cotangents, dtype: torch.dtype, device) -> tuple:
    """Σ_m cotangent_m · ∂measurement_m / ∂(trainable parameter), one entry per trainable parameter."""
    tape = tape.map_to_standard_wires()
    params = tape.get_parameters(trainable_only=True)
    leaves = [torch.tensor(np.asarray(to_numpy(p), dtype=float), dtype=dtype, requires_grad=True) for p in params]
    tape = tape.bind_new_parameters(leaves, tape.trainable_params)
    translated = to_circuit(tape.operations, tape.num_wires)
    cotangents = [cotangents] if len(tape.measurements) == 1 else list(cotangents)
    with torch.enable_grad():
        inputs = angle_batch(translated.batched, None, dtype, device)
        weights = shared_angles(translated.shared, dtype, device)
        values = measure(SimulatorBackend(), translated.circuit, tape.measurements, inputs, weights)
        total = sum(
            (value[0] * torch.as_tensor(to_numpy(dy), dtype=dtype, device=device)).sum()
            for value, dy in zip(values, cotangents, strict=True)
        )
        grads = torch.autograd.grad(total, leaves, allow_unused=True) if leaves else ()
    return tuple(np.zeros(()) if g is None else g.detach().cpu().numpy() for g in grads)
