"""The simulator's tuning settings: sizes and thresholds that change speed and memory, never results.

`SimulatorBackend(settings=SimulatorSettings(...))` hands them to `qnn.simulator.execute.execute`, which
passes them down; the defaults were measured on the CPU (figures beside each).

Example:
    >>> SimulatorSettings(slice_bytes=2 * 2**20).step_states
    3
"""

from __future__ import annotations

from dataclasses import dataclass, fields

MiB = 2**20


@dataclass(frozen=True)
class SimulatorSettings:
    # Without a graph to record, the batch is simulated in slices whose states take about this much: on
    # the CPU, small enough that a slice's states stay in the cache (training at batch 256: 1.4x faster
    # than the whole batch at once at 12 qubits, 1.5x at 14; 2 MiB was as fast, 8 MiB as slow as no
    # slices), on a GPU large enough to keep it busy.
    slice_bytes: int = 4 * MiB
    gpu_slice_bytes: int = 512 * MiB
    # An adjoint training step keeps copies of earlier states (`checkpoints`) only while its estimated
    # peak stays within this many batched states (the simulator's memory target).
    step_states: float = 3
    # ... or within this many bytes, where that is more: copies replace rewinding, so small states keep
    # every copy they can use (measured on one core, training steps 4-13% faster at 6-14 qubits, batch 256).
    step_floor_bytes: int = 256 * MiB
    # States larger than this are rewound in place `chunks` slices of the batch at a time in the adjoint
    # sweep, each slice needing a temporary of its own size; smaller ones alternate with a spare state.
    chunk_above_bytes: int = 32 * MiB
    chunks: int = 16
    # A permutation of more gates than this is applied as one gather, fewer as one strided copy per gate.
    gather_above: int = 1
    # Product states larger than this are built from their two halves of wires (`kernels.product_state`).
    split_product_above_bytes: int = MiB
    # Calls estimated to need at most this much are not checked against the device's free memory
    # (asking the system costs a file read per call, more than a small simulation's work).
    unchecked_bytes: int = 16 * MiB

    def __post_init__(self):
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"SimulatorSettings.{field.name} must be a non-negative number, got {value!r}")
        if self.chunks < 1:
            raise ValueError(f"SimulatorSettings.chunks must be at least 1, got {self.chunks!r}")


DEFAULT_SETTINGS = SimulatorSettings()
