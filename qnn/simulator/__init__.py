"""qnn's batched state-vector simulator, written on torch tensors.

Functions over tensors: compile a circuit (`compile_circuit`), run it on a batch (`run_program`),
measure (`expectations`, `probabilities`, and their sampled forms). `simulate` is the short form.
"""

import torch

from circuits.circuit import Circuit
from qnn.simulator.engine import REAL_DTYPE, run_program
from qnn.simulator.measure import expectations, probabilities, sampled_expectations, sampled_probabilities
from qnn.simulator.memory import SimulatorMemoryError, check_memory, estimate_bytes
from qnn.simulator.program import Program, compile_circuit

__all__ = [
    "REAL_DTYPE",
    "Program",
    "SimulatorMemoryError",
    "check_memory",
    "compile_circuit",
    "estimate_bytes",
    "expectations",
    "probabilities",
    "run_program",
    "sampled_expectations",
    "sampled_probabilities",
    "simulate",
]


def simulate(
    circuit: Circuit,
    inputs=None,
    weights=None,
    *,
    dtype: torch.dtype = torch.complex64,
    fuse: int = 4,
    product_state: bool = True,
) -> torch.Tensor:
    """Final state vectors (batch, 2**n_qubits) of `dtype`, wire 0 the most significant bit.

    `inputs`: (batch, n_inputs) or None for a circuit without inputs; `weights`: (n_weights,).
    `fuse` (widest fused block, 0 for none) and `product_state` choose the fast paths.

    Example:
        >>> import circuits
        >>> simulate(circuits.angle_encoding(2), torch.zeros(1, 2)).abs()
        tensor([[1., 0., 0., 0.]])
    """
    real = REAL_DTYPE[dtype]
    inputs = torch.zeros(1, 0, dtype=real) if inputs is None else torch.as_tensor(inputs, dtype=real)
    weights = torch.zeros(0, dtype=real) if weights is None else torch.as_tensor(weights, dtype=real)
    program = compile_circuit(circuit)
    state = run_program(program, inputs.to(weights.device), weights, dtype, fuse=fuse, product_state=product_state)
    return state.reshape(state.shape[0], -1)
