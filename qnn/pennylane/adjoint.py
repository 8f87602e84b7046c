"""Vector-Jacobian products of a tape's expectation values and probabilities with qnn's adjoint method.

The tape's trainable parameters become torch leaves; the circuit runs through `SimulatorBackend`,
which differentiates by the adjoint method (backprop for circuits with StatePrep), and torch carries
the products back to the leaves.
"""

from __future__ import annotations

import numpy as np
import torch

from qnn.backends.simulator import SimulatorBackend
from qnn.observables import PauliSum, Probabilities
from qnn.pennylane.tape import angle_batch, shared_angles, to_circuit


def adjoint_measurement(mp) -> bool:
    """Whether qnn's adjoint method differentiates this measurement: ⟨Pauli sum⟩ with fixed
    coefficients, or probabilities of computational-basis states."""
    import pennylane as qml
    from pennylane.measurements import ExpectationMP, ProbabilityMP

    if isinstance(mp, ProbabilityMP):
        return mp.obs is None and mp.mv is None
    if isinstance(mp, ExpectationMP) and mp.obs is not None and mp.obs.pauli_rep is not None:
        return not any(qml.math.requires_grad(d) for d in mp.obs.data)
    return False


def vjp(tape, cotangents, dtype: torch.dtype, device) -> tuple:
    """Σ_m cotangent_m · ∂measurement_m / ∂(trainable parameter), one entry per trainable parameter."""
    tape = tape.map_to_standard_wires()
    params = tape.get_parameters(trainable_only=True)
    leaves = [torch.tensor(np.asarray(_plain(p), dtype=float), dtype=dtype, requires_grad=True) for p in params]
    tape = tape.bind_new_parameters(leaves, tape.trainable_params)
    translated = to_circuit(tape.operations, tape.num_wires)
    n = translated.circuit.n_qubits
    cotangents = [cotangents] if len(tape.measurements) == 1 else list(cotangents)
    backend = SimulatorBackend()
    with torch.enable_grad():
        inputs = angle_batch(translated.batched, None, dtype, device)
        weights = shared_angles(translated.shared, dtype, device)
        total = torch.zeros((), dtype=dtype, device=device)
        for mp, cotangent in zip(tape.measurements, cotangents, strict=True):
            value = _measure(backend, translated.circuit, mp, n, inputs, weights)
            total = total + (value * torch.as_tensor(_plain(cotangent), dtype=dtype, device=device)).sum()
        grads = torch.autograd.grad(total, leaves, allow_unused=True) if leaves else ()
    return tuple(np.zeros(()) if g is None else g.detach().cpu().numpy() for g in grads)


def _measure(backend, circuit, mp, n: int, inputs, weights) -> torch.Tensor:
    from pennylane.measurements import ProbabilityMP

    if isinstance(mp, ProbabilityMP):
        probabilities = backend.run(circuit, Probabilities(), inputs, weights)[0].reshape([2] * n)
        wires = [int(w) for w in mp.wires] or list(range(n))
        others = [w for w in range(n) if w not in wires]
        marginal = probabilities.sum(dim=others) if others else probabilities
        kept = sorted(wires)  # axes left after the sum, in wire order; reorder them as the measurement lists them
        return marginal.permute([kept.index(w) for w in wires]).reshape(-1)
    return backend.run(circuit, (_pauli_sum(mp.obs.pauli_rep, n),), inputs, weights)[0, 0]


def _pauli_sum(sentence, n: int) -> PauliSum:
    terms = []
    for word, coefficient in sentence.items():
        letters = ["I"] * n
        for wire, letter in word.items():
            letters[int(wire)] = letter
        terms.append((float(np.real(_plain(coefficient))), "".join(letters)))
    return PauliSum(tuple(terms) or ((0.0, "I" * n),))


def _plain(value):
    import pennylane as qml

    return qml.math.to_numpy(value) if not isinstance(value, torch.Tensor) else value.detach().cpu().numpy()
