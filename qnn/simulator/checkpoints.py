"""Copies of the state that an adjoint forward pass keeps for its backward pass, within the memory target.

The backward pass needs the state before each commuting run of operations (`Plan.commuting_runs`)
that an earlier operation depends on, and rewinds the final state to get it: a matrix product per
block. A copy kept by the forward pass replaces that rewinding. Copies are made per slice of the
batch (`engine.batch_slices`), so they come in slice-sized pieces: as many as fit in the room the
memory target (3 batched states, or 256 MiB where that is more) leaves beside the final states and the
working slices: every copy a step can use where states are small, almost two batched states at
16 qubits.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from qnn.simulator.engine import slice_rows
from qnn.simulator.fusion import Plan
from qnn.simulator.memory import available_bytes, estimate_bytes, state_bytes
from qnn.simulator.settings import SimulatorSettings


@dataclass(frozen=True)
class Checkpoint:
    """A copy of the state before operation `op`, kept in the first `slices` slices of the batch."""

    op: int
    slices: int


def checkpoints(
    plan: Plan,
    batch: int,
    dtype: torch.dtype,
    device,
    limit: int | None,
    settings: SimulatorSettings,
    input_gradients: bool = True,
) -> tuple[Checkpoint, ...]:
    """The copies to keep: the costliest runs to rewind first, each in as many slices as the room allows.

    The room is what keeps the step's estimate (`memory.estimate_bytes`, adjoint) within
    `settings.step_states` batched states or `settings.step_floor_bytes`, whichever is more, and within
    `limit` (None: the device's free memory). `input_gradients`: whether the inputs need a gradient
    (`Plan.rewound_runs`).
    """
    device = torch.device(device)
    rows = min(batch, slice_rows(plan.n_qubits, dtype, device, settings))
    copy = state_bytes(plan.n_qubits, rows, dtype)  # one slice's (the last may be smaller)
    base = estimate_bytes(plan, batch, dtype, "adjoint", device, settings)
    target = max(settings.step_states * state_bytes(plan.n_qubits, batch, dtype), settings.step_floor_bytes)
    room = target - base
    runs = plan.rewound_runs(input_gradients) if room >= copy else ()
    if not runs:
        return ()
    n_slices = -(-batch // rows)  # as `engine.batch_slices` cuts the batch
    wanted = min(room, len(runs) * n_slices * copy)
    if limit is None and base + wanted > settings.unchecked_bytes:
        limit = available_bytes(device)
    if limit is not None:
        room = min(room, limit - base)
    copies, kept = int(room // copy), []
    for run in runs:
        if copies <= 0:
            break
        kept.append(Checkpoint(run.start, min(copies, n_slices)))
        copies -= kept[-1].slices
    return tuple(kept)
