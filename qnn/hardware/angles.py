"""Gate angles: the numbers a hardware circuit is bound with, one per gate parameter that is not constant.

Hardware-shaped backends transpile a circuit once and bind it many times, so the transpiled circuit
is parametrised by its *gate angles* rather than by the features and weights: gate parameter k of
the circuit (each `Input`, `InputProduct` or `Weight` source, in operation order) becomes angle k.
Torch computes the angles from (inputs, weights), so autograd applies the chain rule through scales,
shifts and products; the parameter-shift rules act on the angles, gate by gate.

Example:
    >>> import circuits, torch
    >>> c = circuits.angle_encoding(2) + circuits.basic_entangler(2, n_layers=1)
    >>> gate_angles(c, torch.zeros(3, 2), torch.ones(2)).shape
    torch.Size([3, 4])
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

from circuits.circuit import Circuit, Const, Param, Weight, input_indices
from circuits.export import evaluate
from circuits.gates import STATE_PREP


@dataclass(frozen=True)
class AngleSlot:
    """One variable gate parameter: its gate and whether it reads inputs and/or weights."""

    gate: str
    reads_inputs: bool
    reads_weights: bool


def slots(circuit: Circuit) -> tuple[AngleSlot, ...]:
    """The variable gate parameters of `circuit`, in the order of `angle_circuit`'s weights."""
    found = []
    for op in circuit.operations:
        for p in op.params:
            if isinstance(p, Const):
                continue
            _check_supported(op.gate)
            found.append(AngleSlot(op.gate, bool(input_indices(p)), isinstance(p, Weight)))
    return tuple(found)


def _check_supported(gate: str) -> None:
    if gate == STATE_PREP:
        raise ValueError(
            "StatePrep (amplitude encoding) with input or weight amplitudes cannot run on a hardware-shaped "
            "backend: it has no fixed gate sequence to transpile once; use an angle encoding, or the simulator"
        )


def angle_circuit(circuit: Circuit) -> Circuit:
    """`circuit` with variable parameter k replaced by `Weight(k)` and no inputs (constants kept)."""
    n = len(slots(circuit))
    counter = iter(range(n))
    operations = tuple(
        replace(op, params=tuple(p if isinstance(p, Const) else Weight(next(counter)) for p in op.params))
        for op in circuit.operations
    )
    return Circuit(circuit.n_qubits, operations, 0, ((n,),) if n else ())


def gate_angles(circuit: Circuit, inputs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """(batch, n_inputs), (n_weights,) → (batch, n_slots) angles, differentiable in both."""
    batch = inputs.shape[0]
    columns = [
        _as_column(evaluate(p, lambda i: inputs[:, i], lambda j: weights[j]), batch, weights)
        for op in circuit.operations
        for p in op.params
        if not isinstance(p, Const)
    ]
    if not columns:
        return torch.zeros(batch, 0, dtype=weights.dtype, device=weights.device)
    return torch.stack(columns, dim=1)


def _as_column(value: Param | torch.Tensor, batch: int, like: torch.Tensor) -> torch.Tensor:
    value = torch.as_tensor(value, dtype=like.dtype, device=like.device)
    return value.expand(batch) if value.dim() == 0 else value
