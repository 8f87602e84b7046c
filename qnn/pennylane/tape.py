"""A PennyLane tape's gates as a qnn `Circuit`, and the tape's angles as its inputs and weights.

Each broadcast gate angle (or StatePrep amplitude) of the tape becomes an `Input`, each other one a
`Weight`, so that the circuit depends on the gates alone and is compiled once per structure; the
angles form the (batch, n_inputs) inputs and (n_weights,) weights. Global phases are gathered apart:
the simulator has no such gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from circuits.circuit import Circuit, Input, Operation, Weight
from circuits.export import _PENNYLANE_GATES
from circuits.gates import STATE_PREP

GATES = {name: gate for gate, name in _PENNYLANE_GATES.items()}
SKIPPED = {"Identity", "Snapshot", "Barrier"}


def supported(op) -> bool:
    """Whether the simulator runs `op` as it is (the rest PennyLane decomposes)."""
    if op.name in GATES or op.name in SKIPPED or op.name == "GlobalPhase":
        return True
    if op.name == "StatePrep":  # real amplitudes only; complex ones are decomposed into rotations
        amplitudes = to_numpy(op.data[0])
        return not np.iscomplexobj(amplitudes) or bool(np.all(np.imag(amplitudes) == 0))
    return False


def decomposition(op) -> list:
    """`op`'s own decomposition, or for an operator known only by its matrix, that matrix as a
    `QubitUnitary` (which PennyLane decomposes into rotations and CNOTs)."""
    import pennylane as qml

    if op.has_decomposition or not op.has_matrix:
        return op.decomposition()
    return [qml.QubitUnitary(op.matrix(), wires=op.wires)]


def to_numpy(value) -> np.ndarray:
    """A number, array, autograd box or tensor (detached) as numpy."""
    import pennylane as qml

    return qml.math.to_numpy(value) if not isinstance(value, torch.Tensor) else value.detach().cpu().numpy()


@dataclass(frozen=True)
class TapeCircuit:
    """A tape as a qnn circuit: its broadcast angles are inputs, its other angles weights.

    `batched` holds the values of the circuit's inputs (each of shape (batch,)), `shared` those of its
    weights (scalars), `phases` the global phases; all as the tape holds them (numbers, arrays, tensors).
    Shared angles as weights let the simulator build each of their gates once for the whole batch.
    """

    circuit: Circuit
    batched: list
    shared: list
    phases: list

    @property
    def batch_size(self) -> int | None:
        """The tape's broadcast size (its `batch_size`, found from the angles already sorted here), or None."""
        return len(self.batched[0]) if self.batched else None


def to_circuit(operations, n_qubits: int) -> TapeCircuit:
    """The `TapeCircuit` of `operations` on standard wires 0…n_qubits-1 (StatePrep: one angle per amplitude)."""
    layout, batched, shared, phases = [], [], [], []

    def is_batched(value) -> bool:
        ndim = getattr(value, "ndim", None)  # tensors and arrays; PennyLane's dispatch costs more than the rest
        if (qml_ndim(value) if ndim is None else ndim) > 0:
            batched.append(value)
            return True
        shared.append(value)
        return False

    for op in operations:
        if op.name in SKIPPED:
            continue
        if op.name == "GlobalPhase":
            phases.append(op.data[0])
            continue
        wires = tuple(int(w) for w in op.wires)
        if op.name == "StatePrep":
            amplitudes = op.data[0]
            layout.append((STATE_PREP, wires, tuple(is_batched(amplitudes[..., i]) for i in range(2 ** len(wires)))))
        else:
            layout.append((GATES[op.name], wires, tuple(is_batched(v) for v in op.data)))
    return TapeCircuit(_circuit(tuple(layout), max(n_qubits, 1)), batched, shared, phases)


@lru_cache(maxsize=256)
def _circuit(layout: tuple, n_qubits: int) -> Circuit:
    """The circuit of a tape's gates, each (gate, wires, which angles are broadcast): inputs and weights
    numbered in order. Cached, so a tape of a known structure costs no circuit building or hashing."""
    gates, n_inputs, n_weights = [], 0, 0
    for gate, wires, broadcast in layout:
        params = []
        for batched in broadcast:
            params.append(Input(n_inputs) if batched else Weight(n_weights))
            n_inputs, n_weights = n_inputs + batched, n_weights + (not batched)
        gates.append(Operation(gate, wires, tuple(params)))
    return Circuit(n_qubits, tuple(gates), n_inputs, ((n_weights,),) if n_weights else ())


def qml_ndim(value) -> int:
    import pennylane as qml

    return qml.math.ndim(value)


def angle_batch(values: list, batch: int | None, dtype: torch.dtype, device) -> torch.Tensor:
    """Broadcast angles as one (batch or 1, n_angles) real tensor, keeping torch tensors' gradients."""
    rows = 1 if batch is None else batch
    columns = [_as_tensor(v, dtype, device).real.expand(rows) for v in values]
    if not columns:
        return torch.zeros(rows, 0, dtype=dtype, device=device)
    return torch.stack(columns, dim=1)


def shared_angles(values: list, dtype: torch.dtype, device) -> torch.Tensor:
    """Scalar angles as one (n_angles,) real tensor, keeping torch tensors' gradients."""
    if not values:
        return torch.zeros(0, dtype=dtype, device=device)
    return torch.cat([_as_tensor(v, dtype, device).real for v in values])


def _as_tensor(value, dtype: torch.dtype, device) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value.to(device=device, dtype=dtype if not value.is_complex() else value.dtype).reshape(-1)
    array = np.asarray(to_numpy(value))
    return torch.as_tensor(array.real if np.iscomplexobj(array) else array, dtype=dtype, device=device).reshape(-1)
