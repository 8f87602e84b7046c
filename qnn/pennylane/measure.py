"""Expectation values of Pauli sums and probabilities measured by qnn itself, differentiated by its adjoint method.

For these measurements (the ones a `TorchLayer` usually returns) the device skips PennyLane's
measurement of the state: `SimulatorBackend.run` measures inside the simulator and differentiates by
the adjoint method (backprop for circuits with StatePrep) instead of recording every gate for autograd.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from qnn.observables import PauliSum, Probabilities
from qnn.pennylane.tape import to_numpy
from qnn.threads import run_sized


def qnn_measurable(mp) -> bool:
    """Whether qnn measures and differentiates `mp`: ⟨Pauli sum⟩ with fixed coefficients, or
    probabilities of computational-basis states."""
    import pennylane as qml
    from pennylane.measurements import ExpectationMP, ProbabilityMP

    if isinstance(mp, ProbabilityMP):
        return mp.obs is None and mp.mv is None
    if isinstance(mp, ExpectationMP) and mp.obs is not None and mp.obs.pauli_rep is not None:
        return not any(qml.math.requires_grad(d) for d in mp.obs.data)
    return False


def measure(backend, circuit, measurements, inputs: torch.Tensor, weights: torch.Tensor) -> list[torch.Tensor]:
    """One (rows, …) tensor per measurement; the expectation values come from one simulator call."""
    from pennylane.measurements import ProbabilityMP

    n = circuit.n_qubits
    sums = tuple(_pauli_sum(mp.obs.pauli_rep, n) for mp in measurements if not isinstance(mp, ProbabilityMP))

    def run(observables):  # with the threads a layer of this size would take
        return run_sized(inputs.shape[0] * 2**n, partial(backend.run, circuit, observables), inputs, weights)

    columns = iter(run(sums).unbind(dim=1) if sums else ())
    probabilities = None
    values = []
    for mp in measurements:
        if isinstance(mp, ProbabilityMP):
            if probabilities is None:
                probabilities = run(Probabilities())
            values.append(_marginal(probabilities, [int(w) for w in mp.wires] or list(range(n)), n))
        else:
            values.append(next(columns))
    return values


def _marginal(probabilities: torch.Tensor, wires: list[int], n: int) -> torch.Tensor:
    """(rows, 2**len(wires)) probabilities of `wires`, in the order the measurement lists them."""
    shaped = probabilities.reshape(-1, *[2] * n)
    others = [1 + w for w in range(n) if w not in wires]
    marginal = shaped.sum(dim=others) if others else shaped
    kept = sorted(wires)
    return marginal.permute(0, *[1 + kept.index(w) for w in wires]).reshape(shaped.shape[0], -1)


def _pauli_sum(sentence, n: int) -> PauliSum:
    terms = []
    for word, coefficient in sentence.items():
        letters = ["I"] * n
        for wire, letter in word.items():
            letters[int(wire)] = letter
        terms.append((float(np.real(to_numpy(coefficient))), "".join(letters)))
    return PauliSum(tuple(terms) or ((0.0, "I" * n),))
