"""How close applying one gate comes to the memory bandwidth of a plain copy of the same state."""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass

import torch

from qnn.simulator import apply_block


@dataclass(frozen=True)
class BandwidthResult:
    n_qubits: int
    device: str
    dtype: str
    state_bytes: int
    copy_seconds: float  # median time of `out.copy_(state)`
    gate_seconds: float  # median time of a one-qubit gate from `state` into `out`

    @property
    def copy_gb_per_s(self) -> float:
        """Bytes read and written per second by the copy, in GB/s."""
        return 2 * self.state_bytes / self.copy_seconds / 1e9

    @property
    def gate_gb_per_s(self) -> float:
        return 2 * self.state_bytes / self.gate_seconds / 1e9

    @property
    def fraction_of_copy(self) -> float:
        """The gate's bandwidth as a share of the copy's (1.0: as fast as a copy)."""
        return self.copy_seconds / self.gate_seconds


def measure_bandwidth(
    n_qubits: int = 24, device: str = "cpu", dtype: torch.dtype = torch.complex64, repeats: int = 5
) -> BandwidthResult:
    """Time a Hadamard on the middle wire of one 2**n_qubits state against a copy of that state.

    Both write into a preallocated state, as the simulator's forward pass does.

    Example:
        >>> measure_bandwidth(10, repeats=1).state_bytes
        8192
    """
    state = torch.randn(1, 2**n_qubits, dtype=dtype, device=device)
    out = torch.empty_like(state)
    hadamard = torch.tensor([[1, 1], [1, -1]], dtype=dtype, device=device) / math.sqrt(2)
    wire = n_qubits // 2
    copy = _median_seconds(lambda: out.copy_(state), device, repeats)
    gate = _median_seconds(lambda: apply_block(state, hadamard, wire, 1, out=out), device, repeats)
    size = state.numel() * state.element_size()
    return BandwidthResult(n_qubits, device, str(dtype).removeprefix("torch."), size, copy, gate)


def _median_seconds(action, device: str, repeats: int) -> float:
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    action()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
