"""Measure Z-only observables before a plan's final permutation instead of after it.

A final run P of X, CNOT and SWAP gates maps every Z-only Pauli word to another one with a sign
(CNOT(c, t) Z_t CNOT(c, t) = Z_c Z_t, X Z X = -Z, a SWAP exchanges two wires), so ⟨ψ|P† O P|ψ⟩
is ⟨ψ|O'|ψ⟩ with O' = P† O P: one pass over the state fewer forward, and two fewer backward (the
strongly entangling layers end with a ring of CNOTs).
"""

from __future__ import annotations

from dataclasses import replace

from qnn.observables import PauliSum
from qnn.simulator.fusion import Permutation, Plan


def fold_final_permutation(plan: Plan, observables) -> tuple[Plan, object]:
    """(`plan` without its final permutations, `observables` conjugated by them), when every
    observable is a sum of Z-only words; else (`plan`, `observables`) unchanged."""
    if not isinstance(observables, tuple) or not all(o.is_diagonal for o in observables):
        return plan, observables
    ops = list(plan.ops)
    steps = []
    while ops and isinstance(ops[-1], Permutation):
        steps = [*ops.pop().steps, *steps]
    if not steps:
        return plan, observables
    folded = tuple(PauliSum(tuple(_conjugated(c, word, steps) for c, word in o.terms)) for o in observables)
    return replace(plan, ops=tuple(ops)), folded


def _conjugated(coefficient: float, word: str, steps) -> tuple[float, str]:
    """P† (coefficient · word) P for P the product of `steps`, the first applied first."""
    letters = list(word)
    for step in reversed(steps):  # P† O P = g_1† … g_k† O g_k … g_1: the last gate conjugates first
        if step.gate == "X":
            coefficient = -coefficient if letters[step.wires[0]] == "Z" else coefficient
        elif step.gate == "SWAP":
            a, b = step.wires
            letters[a], letters[b] = letters[b], letters[a]
        elif step.gate == "CNOT":
            control, target = step.wires
            if letters[target] == "Z":
                letters[control] = "I" if letters[control] == "Z" else "Z"
        else:
            raise ValueError(f"a permutation holds X, CNOT and SWAP gates only, got {step.gate!r}")
    return coefficient, "".join(letters)
