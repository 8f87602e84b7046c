"""Compile a `Circuit` once into a `Program`: the gate steps and how to assemble their angles.

Angles come in two groups: shared ones (constants and weights, identical for every sample) and
batched ones (read from the inputs). A step whose parameters are all shared builds one matrix for
the whole batch; a step with any input-dependent parameter builds one matrix per sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property, lru_cache

import torch

from circuits.circuit import Circuit, Const, Input, InputProduct, Weight
from circuits.gates import STATE_PREP
from qnn.simulator.constants import constant
from qnn.simulator.matrices import DIAGONAL, PERMUTATION

# A run of diagonal gates applied as one phase per sample (`qnn.simulator.phases`); made by the planner.
PHASE_RUN = "PhaseRun"


@dataclass(frozen=True)
class Step:
    gate: str
    wires: tuple[int, ...]
    columns: tuple[int, ...]  # into the shared angles, or into the joined (shared | batched) angles
    batched: bool
    parts: tuple[Step, ...] = ()  # the gates of a PHASE_RUN step


@dataclass(frozen=True)
class Program:
    n_qubits: int
    n_inputs: int
    n_weights: int
    steps: tuple[Step, ...]
    const_values: tuple[float, ...]  # shared columns [0, n_const)
    weight_indices: tuple[int, ...]  # shared columns [n_const, n_shared)
    weight_scales: tuple[float, ...]  # each shared weight column's factor
    # batched columns: value = scale · Π_f (factor_scale[f] · x[factor_index[f]] + factor_shift[f])
    input_scales: tuple[float, ...]
    factor_indices: tuple[tuple[int, ...], ...]
    factor_scales: tuple[tuple[float, ...], ...]
    factor_shifts: tuple[tuple[float, ...], ...]

    @cached_property  # read on every call
    def plain_inputs(self) -> bool:
        """Whether every batched angle is one input as it is (scale 1, shift 0)."""
        return all(
            scale == 1 and fs == (1,) and sh == (0,)
            for scale, fs, sh in zip(self.input_scales, self.factor_scales, self.factor_shifts, strict=True)
        )

    @cached_property  # read on every call
    def scaled_weights(self) -> bool:
        return any(scale != 1 for scale in self.weight_scales)

    @cached_property  # read on every call
    def weights_as_they_are(self) -> bool:
        """Whether the shared angles are the weights themselves: no constants, each weight once, in order, unscaled."""
        return not self.const_values and self.weight_indices == tuple(range(self.n_weights)) and not self.scaled_weights

    @cached_property  # read on every call
    def inputs_as_they_are(self) -> bool:
        """Whether the batched angles are the inputs themselves: each input once, in order, as it is."""
        return self.plain_inputs and self.factor_indices == tuple((i,) for i in range(self.n_inputs))

    @property
    def n_shared(self) -> int:
        return len(self.const_values) + len(self.weight_indices)

    @property
    def weight_columns(self) -> range:
        """The angle columns that hold weights: shared, after the constants. Those after them are inputs."""
        return range(len(self.const_values), self.n_shared)

    def angles(self, inputs: torch.Tensor | None, weights: torch.Tensor) -> Angles:
        """The call's `Angles`. `inputs`: (batch, n_inputs) real; `weights`: (n_weights,) real of the same dtype."""
        return Angles(*self.split_angles(inputs, weights))

    def split_angles(
        self, inputs: torch.Tensor | None, weights: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Shared angles (n_shared,) and batched angles (batch, n_batched) or None: `angles` before joining them."""
        # Where angles are the weights or inputs as they are, no index is taken: its backward pass (a
        # scatter into zeros) cost more than the rest of a small circuit's angles.
        shared = self.shared_angles(weights)
        if not self.input_scales:
            return shared, None
        if self.inputs_as_they_are:
            return shared, inputs
        dev, dt = weights.device, weights.dtype
        idx = constant(self.factor_indices, torch.long, dev)  # (n_batched, n_factors)
        scale = constant(self.factor_scales, dt, dev)
        shift = constant(self.factor_shifts, dt, dev)
        outer = constant(self.input_scales, dt, dev)
        if idx.shape[1] == 1:  # one input per angle (the common case): one affine map, fewer autograd steps
            batched = inputs[:, idx[:, 0]]
            if not self.plain_inputs:
                batched = batched * (scale[:, 0] * outer) + shift[:, 0] * outer
            return shared, batched
        factors = inputs[:, idx] * scale + shift  # (batch, n_batched, n_factors)
        return shared, factors.prod(-1) * outer

    def shared_angles(self, weights: torch.Tensor) -> torch.Tensor:
        """The shared angles (n_shared,): the constants, then the weights as the gates read them (picked,
        repeated, scaled); the weights themselves where that is what they are."""
        return weights if self.weights_as_they_are else self._shared_angles(weights)

    def _shared_angles(self, weights: torch.Tensor) -> torch.Tensor:
        consts = constant(self.const_values, weights.dtype, weights.device)
        picked = weights[constant(self.weight_indices, torch.long, weights.device)]
        if self.scaled_weights:
            picked = picked * constant(self.weight_scales, weights.dtype, weights.device)
        return torch.cat([consts, picked])


@dataclass(frozen=True, eq=False)
class Angles:
    """One call's angles: `shared` (n_shared,) for every sample, `batched` (batch, n_batched) from the inputs or
    None. Batched steps' columns count the shared angles first, as in `joined`, which is made only where a path
    reads it: the one-qubit table reads the two apart, and joining them cost a copy and its backward each call."""

    shared: torch.Tensor
    batched: torch.Tensor | None

    @cached_property
    def joined(self) -> torch.Tensor | None:
        """(batch, n_shared + n_batched), or None without inputs."""
        return None if self.batched is None else join_angles(self.shared, self.batched)


def join_angles(shared: torch.Tensor, batched: torch.Tensor) -> torch.Tensor:
    """The joined angles (batch, n_shared + n_batched) that batched steps' columns index: the shared ones for
    every sample, then the batched ones."""
    return torch.cat([shared.expand(batched.shape[0], -1), batched], dim=1)


@lru_cache(maxsize=256)
def compile_circuit(circuit: Circuit) -> Program:
    consts, weight_idx, weight_scales, batched = [], [], [], []

    def shared_column(p) -> int:
        if isinstance(p, Const):
            consts.append(p.value)
            return ("const", len(consts) - 1)
        weight_idx.append(p.index)
        weight_scales.append(p.scale)
        return ("weight", len(weight_idx) - 1)

    raw_steps = []
    for op in circuit.operations:
        cols = []
        for p in op.params:
            if isinstance(p, Const | Weight):
                cols.append(shared_column(p))
            else:
                batched.append(p if isinstance(p, InputProduct) else InputProduct((p,)))
                cols.append(("input", len(batched) - 1))
        raw_steps.append((op.gate, op.wires, cols))

    n_const, n_shared = len(consts), len(consts) + len(weight_idx)
    offset = {"const": 0, "weight": n_const, "input": n_shared}
    steps = tuple(
        Step(gate, wires, tuple(offset[kind] + i for kind, i in cols), any(kind == "input" for kind, _ in cols))
        for gate, wires, cols in raw_steps
    )
    width = max((len(p.factors) for p in batched), default=0)
    pad = Input(0, scale=0.0, shift=1.0)  # a factor that is always 1
    padded = [p.factors + (pad,) * (width - len(p.factors)) for p in batched]
    return Program(
        n_qubits=circuit.n_qubits,
        n_inputs=circuit.n_inputs,
        n_weights=circuit.n_weights,
        steps=steps,
        const_values=tuple(consts),
        weight_indices=tuple(weight_idx),
        weight_scales=tuple(weight_scales),
        input_scales=tuple(p.scale for p in batched),
        factor_indices=tuple(tuple(f.index for f in fs) for fs in padded),
        factor_scales=tuple(tuple(f.scale for f in fs) for fs in padded),
        factor_shifts=tuple(tuple(f.shift for f in fs) for fs in padded),
    )


def step_kind(gate: str) -> str:
    if gate == STATE_PREP:
        return "state_prep"
    if gate == PHASE_RUN:
        return "diagonal"
    if gate in PERMUTATION:
        return "permutation"
    if gate in DIAGONAL:
        return "diagonal"
    return "dense"
