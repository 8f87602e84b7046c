"""A PUB's circuit as a qnn `Circuit` whose inputs are all its parameters, run on a batch of bindings.

Every Qiskit parameter becomes an input (inputs may enter gates through affine functions and
products, weights only as they are), so one simulator call evaluates a whole parameter array.
"""

from __future__ import annotations

from functools import partial

import numpy as np
import torch

from circuits.circuit import Circuit
from circuits.qiskit_import import from_qiskit
from qnn.backends.simulator import SimulatorBackend
from qnn.threads import run_sized

_CACHE_SIZE = 32


class CircuitCache:
    """Imported circuits by the instructions of the Qiskit circuit (Qiskit circuits are mutable, so
    their identity is no key); the oldest is dropped past `_CACHE_SIZE` entries."""

    def __init__(self):
        self._circuits: dict[tuple, Circuit] = {}

    def get(self, quantum_circuit) -> Circuit:
        key = _structure(quantum_circuit)
        if key not in self._circuits:
            if len(self._circuits) >= _CACHE_SIZE:
                self._circuits.pop(next(iter(self._circuits)))
            self._circuits[key] = from_qiskit(quantum_circuit, inputs=quantum_circuit.parameters, weights=[])
        return self._circuits[key]


def _structure(quantum_circuit) -> tuple:
    return (
        quantum_circuit.num_qubits,
        tuple(str(p) for p in quantum_circuit.parameters),
        tuple(
            (
                i.operation.name,
                tuple(quantum_circuit.find_bit(q).index for q in i.qubits),
                tuple(str(p) for p in i.operation.params),
            )
            for i in quantum_circuit.data
        ),
    )


def binding_values(quantum_circuit, bindings) -> np.ndarray:
    """A PUB's parameter values as rows: (prod(bindings.shape), n_parameters), in `parameters` order."""
    values = bindings.as_array(quantum_circuit.parameters)
    return values.reshape(int(np.prod(bindings.shape, dtype=int)), quantum_circuit.num_parameters)


def run_batch(backend: SimulatorBackend, circuit: Circuit, observables, values: np.ndarray, device) -> np.ndarray:
    """`backend`'s measurements of `circuit` for each row of `values` (batch, n_parameters) float64."""
    inputs = torch.as_tensor(values, dtype=torch.float64, device=device)
    weights = torch.zeros(0, dtype=torch.float64, device=device)
    with torch.no_grad():
        run = partial(backend.run, circuit, observables)
        return run_sized(len(values) * 2**circuit.n_qubits, run, inputs, weights).cpu().numpy()
