"""Transpile once per (circuit structure, target): ISA circuits and observables mapped to their layout.

The cache is keyed by the angle circuit (which does not change as inputs and weights change), its
observables and whether it ends in measurements (for a sampler); each hardware backend owns one cache
for its own target, so the key need not name the backend. Observables stay sparse at every device size.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from circuits.circuit import Circuit
from circuits.export import to_qiskit
from qnn.hardware.angles import angle_circuit
from qnn.observables import Observable, PauliSum, Probabilities


@dataclass(frozen=True)
class Transpiled:
    """An ISA circuit, the angle index bound to each of its parameters, and its observables (n_outputs, 1)."""

    circuit: object  # qiskit.QuantumCircuit
    angle_index: np.ndarray  # (n_parameters,) int: column of the angle array bound to each parameter
    observables: object  # (n_outputs, 1) qiskit ObservablesArray, broadcast against the parameters
    circuit_hash: str
    n_groups: int  # measurement settings per parameter set (qubit-wise commuting groups of all Pauli terms)
    n_qubits: int  # of the logical circuit


def circuit_hash(circuit: Circuit, observables) -> str:
    """A stable digest of a circuit's structure and observables (not of its inputs or weights)."""
    text = repr((angle_circuit(circuit).operations, circuit.n_qubits, observables))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class TranspileCache:
    """ISA circuits for one qiskit backend, transpiled on first use.

    target_backend: the backend, or a function returning it (called at the first transpile, so that a
    device chosen at run time, such as the least busy one, is chosen only when a job is to be sent).
    """

    def __init__(self, target_backend, optimization_level: int = 2, seed: int = 0, basis_gates=None):
        self._target_backend = target_backend
        self.basis_gates = basis_gates
        self.optimization_level = optimization_level
        self.seed = seed
        self._entries: dict[str, Transpiled] = {}
        self.n_transpiled = 0

    @property
    def target_backend(self):
        if callable(self._target_backend):
            self._target_backend = self._target_backend()
        return self._target_backend

    def get(self, circuit: Circuit, observables: tuple[PauliSum, ...] | Probabilities, measured=False) -> Transpiled:
        """The transpiled circuit; `measured=True` ends it with measurements of every wire (for a sampler),
        clbit w measuring wire w, and maps no observables."""
        key = circuit_hash(circuit, observables)
        if (key, measured) not in self._entries:
            self._entries[key, measured] = self._transpile(circuit, observables, key, measured)
        return self._entries[key, measured]

    def _transpile(self, circuit: Circuit, observables, key: str, measured: bool) -> Transpiled:
        from qiskit.primitives.containers import ObservablesArray
        from qiskit.transpiler import TranspilerError, generate_preset_pass_manager

        logical = to_qiskit(angle_circuit(circuit))
        if measured:
            logical.measure_all()  # a register "meas": clbit w measures wire w
        if self.basis_gates is None:
            target = {"backend": self.target_backend}
        else:
            target = {"basis_gates": list(self.basis_gates)}
        manager = generate_preset_pass_manager(
            optimization_level=self.optimization_level, seed_transpiler=self.seed, **target
        )
        try:
            isa = manager.run(logical)
        except TranspilerError as error:
            name = getattr(self.target_backend, "name", "the backend")
            raise ValueError(
                f"qiskit cannot transpile this circuit for {name} at optimization_level={self.optimization_level}: "
                f"{error}; try another optimization_level in RuntimeOptions, or another device"
            ) from error
        self.n_transpiled += 1
        index = np.array([p.index for p in isa.parameters], dtype=int)
        if measured:
            return Transpiled(isa, index, None, key, 1, circuit.n_qubits)
        mapped = [op.apply_layout(isa.layout) for op in pauli_operators(observables, circuit.n_qubits)]
        # ObservablesArray keeps each operator sparse; a numpy object array would call the operator's
        # `__array__`, a dense 2^n × 2^n matrix of the whole device (it fails from 14 qubits).
        column = ObservablesArray([[op] for op in mapped])
        return Transpiled(isa, index, column, key, measurement_groups(mapped), circuit.n_qubits)


def measurement_groups(operators: list) -> int:
    """How many measurement settings the estimator needs: qubit-wise commuting groups of all the terms."""
    from qiskit.quantum_info import SparsePauliOp

    return len(SparsePauliOp.sum(operators).simplify().group_commuting(qubit_wise=True))


def pauli_operators(observables: tuple[PauliSum, ...] | Observable, n_qubits: int) -> list:
    """Our observables as qiskit `SparsePauliOp`s on `n_qubits` (qiskit labels read qubit 0 rightmost)."""
    from qiskit.quantum_info import SparsePauliOp

    if isinstance(observables, Probabilities):
        return [_projector(b, n_qubits) for b in range(2**n_qubits)]
    return [
        SparsePauliOp([word.ljust(n_qubits, "I")[::-1] for _, word in obs.terms], [c for c, _ in obs.terms])
        for obs in observables
    ]


def _projector(basis_state: int, n_qubits: int):
    """|b⟩⟨b| = ⊗_w (I ± Z_w)/2, with wire 0 the most significant bit of b (as `Probabilities`)."""
    from qiskit.quantum_info import SparsePauliOp

    operator = SparsePauliOp("")
    for wire in range(n_qubits):
        bit = (basis_state >> (n_qubits - 1 - wire)) & 1
        factor = SparsePauliOp(["I", "Z"], [0.5, -0.5 if bit else 0.5])
        operator = factor.tensor(operator)  # wire w becomes qubit w: later factors sit on higher qubits
    return operator.simplify()
