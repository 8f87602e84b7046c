"""How fast a state-vector simulator could run one IQP variational training step at best, on this machine.

A step (forward, ⟨Z₀Z₁⟩, linear loss, backward to the weights, which is what a fit needs) is counted
in passes over the batched state (batch × 2ⁿ amplitudes), each with its operations per amplitude:

- the encoding: the state H^⊗n|0⟩ written once; per repeat one diagonal phase (every RZ and ZZ rotation
  in one pass, as `qnn.simulator.phases` does: a complex multiply, 6 flops; the phase itself not counted);
  before each further repeat a layer of Hadamards;
- per strongly entangling layer: its n Rot gates and its CZs (one diagonal pass);
- backward (adjoint): the co-state O|ψ⟩, then per layer the layer undone on the state and on the co-state,
  and one pass reading both states per group of wires for the gradients of their Rot angles.

A layer of one-qubit gates can be applied k wires at a time (one 2ᵏ × 2ᵏ matrix per pass: ⌈n/k⌉ passes
of 8·2ᵏ flops per amplitude): fewer passes, more flops. At each k a pass costs the larger of its bytes
over the measured bandwidth (a copy's) and its flops over the measured flop rate (a complex matrix
product's); the bound is the best k. It counts no overhead at all, so a real step is slower.

Example:
    >>> bound = iqp_step_bound(20, 15, 10, 32, gb_per_s=20.0, gflop_per_s=40.0)
    >>> 1 <= bound.fusion_width <= 6 and bound.seconds > 0
    True
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass

import torch

WIDTHS = range(1, 7)  # fusion widths tried


@dataclass(frozen=True)
class Passes:
    """Passes over the state of one kind: how many, flops per amplitude, and states read + written per pass."""

    count: int
    flops: float
    states_moved: float


@dataclass(frozen=True)
class StepBound:
    n_qubits: int
    batch: int
    fusion_width: int  # the k of the bound
    passes: int  # passes over the state at that k
    state_bytes: int  # one batched complex64 state
    memory_seconds: float
    compute_seconds: float
    gb_per_s: float
    gflop_per_s: float

    @property
    def seconds(self) -> float:
        return max(self.memory_seconds, self.compute_seconds)


def iqp_step_passes(n_qubits: int, n_layers: int, repeats: int, width: int) -> list[Passes]:
    """The passes of one training step, gates applied `width` wires at a time (see the module docstring)."""
    groups, block = math.ceil(n_qubits / width), 8 * 2**width
    one_layer = [Passes(groups, block, 2), Passes(1, 6, 2)]  # Rot gates; CZs as one diagonal
    return [
        Passes(1, 0, 1),  # H^⊗n|0⟩ written
        Passes(repeats, 6, 2),  # the encoding's diagonals
        Passes((repeats - 1) * groups, block, 2),  # Hadamard layers between repeats
        *(Passes(p.count * n_layers, p.flops, p.states_moved) for p in one_layer),  # forward
        Passes(1, 6, 2),  # the co-state Z₀Z₁|ψ⟩
        *(Passes(2 * p.count * n_layers, p.flops, p.states_moved) for p in one_layer),  # undone on both
        Passes(groups * n_layers, block, 2),  # gradient reads of both states
    ]


def iqp_step_bound(
    n_qubits: int, n_layers: int, repeats: int, batch: int, gb_per_s: float, gflop_per_s: float
) -> StepBound:
    """The lowest time over the fusion widths of the step's passes at `gb_per_s` and `gflop_per_s`."""
    amplitudes = batch * 2**n_qubits
    state = amplitudes * 8  # complex64
    best = None
    for k in WIDTHS:
        passes = iqp_step_passes(n_qubits, n_layers, repeats, k)
        memory = sum(p.count * p.states_moved for p in passes) * state / (gb_per_s * 1e9)
        compute = sum(p.count * p.flops for p in passes) * amplitudes / (gflop_per_s * 1e9)
        bound = StepBound(
            n_qubits, batch, k, sum(p.count for p in passes), state, memory, compute, gb_per_s, gflop_per_s
        )  # fmt: skip
        if best is None or bound.seconds < best.seconds:
            best = bound
    return best


def measure_gflops(size: int = 512, repeats: int = 5) -> float:
    """GFLOP/s of a complex64 (size × size) matrix product on the CPU (8·size³ flops), median of `repeats`."""
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(size, size, dtype=torch.complex64, generator=generator)
    b = torch.randn(size, size, dtype=torch.complex64, generator=generator)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 8 * size**3 / statistics.median(times) / 1e9


def time_iqp_step(
    n_qubits: int, n_layers: int, repeats: int, batch: int, steps: int = 2, longest: float = 120.0, seed: int = 0
) -> list[float]:
    """Seconds of each of up to `steps` training steps of qnn's IQP variational model (forward, linear loss,
    backward, Adam) on `batch` random inputs in [−π/2, π/2), stopping after a step longer than `longest`
    seconds; the first includes the simulator's planning."""
    from qnn.models.losses import linear_loss
    from qnn.models.variational import iqp_variational

    generator = torch.Generator().manual_seed(seed)
    model = iqp_variational(n_qubits, 2, n_layers, repeats, generator=generator, readout="expectations")
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    x = (torch.rand(batch, n_qubits, generator=generator) - 0.5) * math.pi
    y = torch.randint(0, 2, (batch,), generator=generator)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        optimiser.zero_grad()
        linear_loss(model(x), y).backward()
        optimiser.step()
        times.append(time.perf_counter() - start)
        if times[-1] > longest:
            break
    return times
