"""Parameter-shift rules on gate angles, and SPSA, packed so that one gradient is one batch of circuits.

For a gate exp(-iθG) whose generator G has eigenvalues ±1/2 (RX, RY, RZ, PhaseShift up to a global
phase, RXX, RYY, RZZ, MultiRZ, and each parameter of Rot and U3, which are products of such
rotations), ∂f/∂θ = [f(θ + π/2) − f(θ − π/2)] / 2 exactly. A controlled rotation has eigenvalues
0, ±1/2 (frequencies 1/2 and 1), and needs four terms (Anderson, Wierichs et al. 2022):
∂f/∂θ = c₊[f(θ + π/2) − f(θ − π/2)] − c₋[f(θ + 3π/2) − f(θ − 3π/2)], c± = (√2 ± 1) / (4√2).

`plan` stacks every shifted copy of a batch of angles into one array (one job); `combine` turns the
measured values back into the Jacobian (batch, n_slots, n_outputs). With `in_forward_job=True` (the
default) the shifted copies travel in the forward pass's job, so a training step costs one job; set it
False to measure them in a job of their own when `backward` runs (then evaluation under grad mode
pays nothing extra; with the default, evaluate under `torch.no_grad()`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from qnn.hardware.angles import AngleSlot

HALF_PI = math.pi / 2
TWO_TERM = ((0.5, HALF_PI), (-0.5, -HALF_PI))
_C_PLUS = (math.sqrt(2) + 1) / (4 * math.sqrt(2))
_C_MINUS = (math.sqrt(2) - 1) / (4 * math.sqrt(2))
FOUR_TERM = ((_C_PLUS, HALF_PI), (-_C_PLUS, -HALF_PI), (-_C_MINUS, 3 * HALF_PI), (_C_MINUS, -3 * HALF_PI))

# (coefficient, shift) terms of ∂f/∂θ for each gate's parameters.
SHIFT_RULES: dict[str, tuple[tuple[float, float], ...]] = {
    **dict.fromkeys(["RX", "RY", "RZ", "PhaseShift", "Rot", "U3", "RXX", "RYY", "RZZ", "MultiRZ"], TWO_TERM),
    **dict.fromkeys(["CRX", "CRY", "CRZ"], FOUR_TERM),
}


def rule_for(slot: AngleSlot) -> tuple[tuple[float, float], ...]:
    if slot.gate not in SHIFT_RULES:
        raise ValueError(f"no parameter-shift rule for gate {slot.gate!r}; known: {sorted(SHIFT_RULES)}")
    return SHIFT_RULES[slot.gate]


@dataclass(frozen=True)
class ParameterShift:
    """Exact gradients: 2 circuits per sample and angle (4 for controlled rotations)."""

    in_forward_job: bool = True
    name: str = "parameter-shift"

    def plan(self, slots: tuple[AngleSlot, ...], needed: np.ndarray, angles: np.ndarray, rng) -> tuple:
        """Shifted copies (n_terms * batch, n_slots) and what `combine` needs to undo the packing."""
        terms = [(s, c, shift) for s in np.flatnonzero(needed) for c, shift in rule_for(slots[s])]
        shifted = np.repeat(angles[None], len(terms), axis=0)
        for m, (s, _, shift) in enumerate(terms):
            shifted[m, :, s] += shift
        return shifted.reshape(len(terms) * angles.shape[0], angles.shape[1]), terms

    def combine(self, values: np.ndarray, terms, angles: np.ndarray) -> np.ndarray:
        """values (n_terms * batch, n_outputs) → Jacobian (batch, n_slots, n_outputs)."""
        batch, n_slots = angles.shape
        values = values.reshape(len(terms), batch, -1)
        jacobian = np.zeros((batch, n_slots, values.shape[-1]))
        for m, (s, c, _) in enumerate(terms):
            jacobian[:, s] += c * values[m]
        return jacobian


@dataclass(frozen=True)
class SPSA:
    """Simultaneous perturbation: 2 circuits per sample whatever the number of angles, an unbiased estimate
    for small `epsilon` (Spall 1992). Each sample gets its own random ±1 direction, drawn from the generator.
    """

    epsilon: float = 0.1
    in_forward_job: bool = True
    name: str = "spsa"

    def plan(self, slots, needed: np.ndarray, angles: np.ndarray, rng) -> tuple:
        direction = rng.choice([-1.0, 1.0], size=angles.shape) * needed
        shifted = np.stack([angles + self.epsilon * direction, angles - self.epsilon * direction])
        return shifted.reshape(2 * angles.shape[0], angles.shape[1]), direction

    def combine(self, values: np.ndarray, direction, angles: np.ndarray) -> np.ndarray:
        plus, minus = values.reshape(2, angles.shape[0], -1)
        slope = (plus - minus) / (2 * self.epsilon)  # (batch, n_outputs)
        return direction[:, :, None] * slope[:, None, :]
