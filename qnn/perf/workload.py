"""The standard benchmark workload: what is simulated, at which size, precision and device."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

import circuits
from circuits.circuit import Circuit

REAL_OF = {torch.complex64: torch.float32, torch.complex128: torch.float64}


@dataclass(frozen=True)
class Workload:
    """`angle_encoding(n_qubits) + strongly_entangling(n_qubits, n_layers)`, ⟨Z⟩ on every wire.

    One step is a forward pass on `batch` samples and a backward pass of the sum of the outputs to
    the weights and the inputs.

    Example:
        >>> Workload(4).circuit.n_weights
        48
    """

    n_qubits: int
    n_layers: int = 4
    batch: int = 256
    dtype: torch.dtype = torch.complex64  # precision of the state
    device: str = "cpu"
    seed: int = 0

    def __post_init__(self):
        for name in ("n_qubits", "n_layers", "batch"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.dtype not in REAL_OF:
            raise ValueError(f"dtype must be torch.complex64 or torch.complex128, got {self.dtype}")

    @property
    def circuit(self) -> Circuit:
        return circuits.angle_encoding(self.n_qubits) + circuits.strongly_entangling(self.n_qubits, self.n_layers)

    @property
    def dtype_name(self) -> str:
        """ "complex64" or "complex128", as measurements name their precision."""
        return str(self.dtype).removeprefix("torch.")

    @property
    def real_dtype(self) -> torch.dtype:
        return REAL_OF[self.dtype]

    def inputs(self, batch: int | None = None) -> torch.Tensor:
        """(batch, n_qubits) angles in [0, π), on the workload's device, requiring gradients."""
        generator = torch.Generator().manual_seed(self.seed)
        x = torch.rand(batch or self.batch, self.n_qubits, generator=generator, dtype=self.real_dtype) * math.pi
        return x.to(self.device).requires_grad_(True)

    def weights(self) -> torch.Tensor:
        """(n_weights,) initial weights in [0, 2π)."""
        generator = torch.Generator().manual_seed(self.seed + 1)
        w = torch.rand(self.circuit.n_weights, generator=generator, dtype=self.real_dtype) * 2 * math.pi
        return w.to(self.device)

    def with_batch(self, batch: int) -> Workload:
        return Workload(self.n_qubits, self.n_layers, batch, self.dtype, self.device, self.seed)
