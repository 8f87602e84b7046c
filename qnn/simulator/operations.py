"""The kinds of operation a plan is made of (`qnn.simulator.fusion` groups a program's steps into them)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from qnn.simulator.program import Step


@dataclass(frozen=True)
class Block:
    """Steps whose product is one dense matrix on wires `lo .. lo + width - 1`."""

    lo: int
    width: int
    steps: tuple[Step, ...]

    @cached_property  # read several times per operation on every call
    def batched(self) -> bool:
        return any(s.batched for s in self.steps)


@dataclass(frozen=True)
class Permutation:
    """Steps (X, CNOT, SWAP) that together permute the basis states."""

    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Diagonal:
    """One diagonal gate on wires too far apart for a block."""

    step: Step


@dataclass(frozen=True)
class PhaseRun(Diagonal):
    """A run of diagonal gates reading inputs (`qnn.simulator.phases`), whose tensor is its phase's coefficients,
    (batch, 1 + k + k²); a run without inputs is a `Diagonal`, one (2^k,) diagonal for the whole batch.

    The (…, 2^k) diagonal is computed from them where it is applied, a slice of the batch at a time: an IQP
    encoding's ten repeats at 20 qubits would otherwise hold ten diagonals as large as the state per sample.
    """


@dataclass(frozen=True)
class Single:
    """One dense gate on wires too far apart for a block, applied by the general kernels."""

    step: Step


@dataclass(frozen=True)
class StatePrep:
    """Amplitude encoding: the step's wires, still |0…0⟩, take its normalised amplitudes (its parameters)."""

    step: Step


Operation = Block | Permutation | Diagonal | PhaseRun | Single | StatePrep


def operation_wires(op: Operation) -> set[int]:
    if isinstance(op, Block):
        return set(range(op.lo, op.lo + op.width))
    steps = op.steps if isinstance(op, Permutation) else (op.step,)
    return {w for step in steps for w in step.wires}
