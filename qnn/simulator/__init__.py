"""qnn's batched state-vector simulator, written on torch tensors.

The algorithm is one loop, `qnn.simulator.core.run`: start every sample in |0…0⟩, apply each step of the
compiled circuit (`compile_circuit`: the gates, and where each angle comes from) as a matrix on its wires,
then measure Pauli expectation values or probabilities. Read it first. What a layer runs
(`qnn.simulator.execute.execute`, behind `SimulatorBackend`) is that loop, made faster by:

- for circuits without any gate on two wires, simulating each wire apart and never the 2^n state (`product`);
- computing the one-qubit gates before any entangling gate as a product state (`fusion`, `kernels.product_state`);
- multiplying runs of gates on neighbouring wires into one small matrix each, built for all blocks at
  once (`fusion`, `blocks`), and applying each to a view of the state without copies (`kernels`);
- applying runs of X, CNOT and SWAP as one index permutation, and a final one not at all: Z-only
  observables are conjugated through it instead (`heisenberg`);
- merging runs of diagonal gates with two-wire ones among them into one phase per sample (`phases`);
- for circuits of a few qubits that read inputs in several layers, multiplying the gates into a few
  batched unitaries instead (`dense`);
- without gradients, running the batch in cache-sized slices into buffers kept between calls
  (`engine.measure_in_slices`, `workspace`);
- with gradients, the adjoint method in place of autograd's record of every state: keep the final state
  and walk the circuit backwards (`adjoint`), with copies of earlier states where memory allows
  (`checkpoints`);
- refusing, before allocating, a call that would not fit in memory (`memory`).

`execute.choose_path` is the one place that picks among these paths. The short forms here:
`simulate` (final states), `run_program`, `expectations`, `probabilities` and their sampled forms; for
measuring the simulator, `apply_block` (one gate on neighbouring wires), `state_bytes` and
`release_workspace` (frees the buffers kept between calls).
"""

import torch

from circuits.circuit import Circuit
from qnn.simulator.engine import REAL_DTYPE, run_program
from qnn.simulator.kernels import apply_block
from qnn.simulator.measure import expectations, probabilities, sampled_expectations, sampled_probabilities
from qnn.simulator.memory import SimulatorMemoryError, check_memory, estimate_bytes, state_bytes
from qnn.simulator.program import Program, compile_circuit
from qnn.simulator.settings import SimulatorSettings
from qnn.simulator.workspace import release as release_workspace

__all__ = [
    "REAL_DTYPE",
    "Program",
    "SimulatorMemoryError",
    "SimulatorSettings",
    "apply_block",
    "check_memory",
    "compile_circuit",
    "estimate_bytes",
    "expectations",
    "probabilities",
    "release_workspace",
    "run_program",
    "sampled_expectations",
    "sampled_probabilities",
    "simulate",
    "state_bytes",
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
