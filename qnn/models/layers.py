"""Small classical pieces the hybrid models are built from: fixed feature scaling, readouts, and
quantum layers initialised from a generator.

Example:
    >>> import torch
    >>> FeatureScaling(torch.tensor([2.0]), torch.tensor([1.0]))(torch.ones(3, 1)).flatten().tolist()
    [3.0, 3.0, 3.0]
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch
from torch import nn

from circuits.circuit import Circuit
from qnn.layer import QuantumLayer


class FeatureScaling(nn.Module):
    """`x * scale + offset` with fixed (non-trainable) per-feature `scale` and `offset`: (batch, d) → (batch, d).

    Holds a scikit-learn scaler's effect inside the model, so that the model maps raw features.
    """

    def __init__(self, scale: torch.Tensor, offset: torch.Tensor):
        super().__init__()
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32))
        self.register_buffer("offset", torch.as_tensor(offset, dtype=torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale + self.offset


def standard_scaling(x: np.ndarray) -> FeatureScaling:
    """Zero mean and unit variance on `x` (n_samples, d), as scikit-learn's `StandardScaler`."""
    std = x.std(axis=0)
    scale = 1.0 / np.where(std > 0, std, 1.0)
    return FeatureScaling(torch.tensor(scale), torch.tensor(-x.mean(axis=0) * scale))


def min_max_scaling(x: np.ndarray, low: float = -math.pi / 2, high: float = math.pi / 2) -> FeatureScaling:
    """Each feature of `x` (n_samples, d) mapped onto [low, high], as scikit-learn's `MinMaxScaler`."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    scale = (high - low) / span
    return FeatureScaling(torch.tensor(scale), torch.tensor(low - lo * scale))


class Scale(nn.Module):
    """Multiply by a fixed number (e.g. tanh(x)·π/2 in the dressed circuit)."""

    def __init__(self, factor: float):
        super().__init__()
        self.factor = float(factor)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor

    def extra_repr(self) -> str:
        return f"factor={self.factor:g}"


class BinaryReadout(nn.Module):
    """One expectation value f ∈ [-1, 1] → two logits `(-s·(f + b), s·(f + b))`: (batch, 1) → (batch, 2).

    So P(second class) = σ(2s·(f + b)); with s = 3 this is σ(6⟨O⟩), the readout of qml-benchmarks'
    separable classifier. `bias=True` adds a trainable b (Schuld et al.'s circuit-centric classifier).
    """

    def __init__(self, scale: float = 3.0, bias: bool = False):
        super().__init__()
        self.scale = float(scale)
        self.bias = nn.Parameter(torch.full((1,), 0.01)) if bias else None
        # (−s, s): both logits in one broadcast product, one step for autograd where a join of two took three.
        self.register_buffer("signs", torch.tensor([-self.scale, self.scale]), persistent=False)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        if self.bias is not None:
            f = f + self.bias
        return f * self.signs.to(f.dtype)


def readout(n_outputs: int, n_classes: int, bias: bool = False) -> nn.Module:
    """Logits from measured values: the fixed binary readout for one value and two classes,
    otherwise a trainable linear map (batch, n_outputs) → (batch, n_classes)."""
    if n_outputs == 1 and n_classes == 2:
        return BinaryReadout(bias=bias)
    return nn.Linear(n_outputs, n_classes)


def _uniform(weights: torch.Tensor, generator: torch.Generator, low: float, high: float) -> None:
    weights.uniform_(low, high, generator=generator)


def quantum_layer(
    circuit: Circuit,
    observables=None,
    backend="simulator",
    generator: torch.Generator | None = None,
    init: tuple[float, float] = (0.0, 2 * math.pi),
) -> QuantumLayer:
    """A `QuantumLayer` whose weights are drawn from `generator`, which the layer does not keep
    (so the model pickles and deep-copies without a generator inside)."""
    return QuantumLayer(
        circuit, observables, backend=backend, init=partial(_uniform, generator=generator, low=init[0], high=init[1])
    )


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable) scalar parameters of `module`."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
