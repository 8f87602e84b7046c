"""The qubits of a device that a transpiled circuit touches, as a small device of their own.

A local rehearsal of a 133-qubit device cannot simulate 133 qubits, and need not: qubits that no gate
and no observable touches stay in |0⟩ and change nothing. `DeviceRegion` is a qiskit `BackendV2` made of
the touched qubits only, renumbered 0…k−1, with their calibration data (gate errors and durations,
readout errors, T1/T2) copied from the device's `Target`, so that Aer's noise model built from it is the
device's noise on those qubits. `localize` moves an ISA circuit and its observables onto the region.

Example:
    >>> from qiskit_ibm_runtime.fake_provider import FakeManilaV2
    >>> DeviceRegion(FakeManilaV2(), (1, 2)).num_qubits
    2
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit import QuantumCircuit, QuantumRegister
from qiskit.primitives.containers import ObservablesArray
from qiskit.providers import BackendV2, Options
from qiskit.quantum_info import SparseObservable
from qiskit.transpiler import Target

# Instructions that act on qubits without changing their state: they never make a qubit "touched".
_PASSIVE = frozenset({"barrier", "delay"})


def touched_qubits(circuit, observables=()) -> tuple[int, ...]:
    """Sorted device qubits that a gate or measurement of `circuit`, or a term of `observables`, acts on.

    observables: qiskit `SparseObservable`s (or anything with `to_sparse_list()`) on the device's qubits.
    """
    touched = set()
    for instruction in circuit.data:
        if instruction.operation.name not in _PASSIVE:
            touched.update(circuit.find_bit(q).index for q in instruction.qubits)
    for observable in observables:
        for _, indices, _ in observable.to_sparse_list():
            touched.update(indices)
    return tuple(sorted(touched)) or (0,)


def restricted_target(target, qubits: Sequence[int]):
    """`target` cut down to `qubits`, renumbered in the order given; instructions on other qubits dropped."""
    index = {q: i for i, q in enumerate(qubits)}
    properties = None if target.qubit_properties is None else [target.qubit_properties[q] for q in qubits]
    small = Target(
        description=f"{target.description or 'device'} on qubits {list(qubits)}",
        num_qubits=len(qubits),
        dt=target.dt,
        granularity=target.granularity,
        min_length=target.min_length,
        pulse_alignment=target.pulse_alignment,
        acquire_alignment=target.acquire_alignment,
        qubit_properties=properties,
        concurrent_measurements=None,
    )
    for name in target.operation_names:
        by_qargs = target[name]
        if by_qargs is None or None in by_qargs:  # a global instruction: valid on any qubits
            small.add_instruction(target.operation_from_name(name), None, name=name)
            continue
        kept = {
            tuple(index[q] for q in qargs): props for qargs, props in by_qargs.items() if all(q in index for q in qargs)
        }
        if kept:
            small.add_instruction(target.operation_from_name(name), kept, name=name)
    return small


class DeviceRegion(BackendV2):
    """Qubits `qubits` of `device` as a device of their own (qubit i here is `qubits[i]` there)."""

    def __init__(self, device, qubits: Sequence[int]):
        super().__init__(name=f"{device.name}{list(qubits)}", backend_version=getattr(device, "backend_version", ""))
        self.device_name = device.name
        self.qubits = tuple(qubits)
        self._target = restricted_target(device.target, self.qubits)

    @property
    def target(self) -> Target:
        return self._target

    @property
    def max_circuits(self) -> None:
        return None

    @classmethod
    def _default_options(cls) -> Options:
        return Options()

    def run(self, run_input, **options):
        raise NotImplementedError("a DeviceRegion only describes qubits; run it through a primitive")


def localize_circuit(circuit, qubits: Sequence[int]):
    """An ISA circuit on the device, moved onto the region `qubits` (same parameters, same order).

    Barriers and delays that reach qubits outside the region are dropped; any other instruction there
    raises ValueError (the region must hold every touched qubit).
    """
    index = {q: i for i, q in enumerate(qubits)}
    # The classical registers are kept by name: a sampler's results are keyed by them ("meas").
    small = QuantumCircuit(QuantumRegister(len(qubits), "q"), *circuit.cregs, global_phase=circuit.global_phase)
    for instruction in circuit.data:
        positions = [circuit.find_bit(q).index for q in instruction.qubits]
        if not all(p in index for p in positions):
            if instruction.operation.name in _PASSIVE:
                continue
            raise ValueError(f"{instruction.operation.name} on qubits {positions} reaches outside the region {qubits}")
        clbits = [small.clbits[circuit.find_bit(c).index] for c in instruction.clbits]
        small.append(instruction.operation, [small.qubits[index[p]] for p in positions], clbits)
    return small


def localize_observable(observable, qubits: Sequence[int]):
    """A `SparseObservable` on the device's qubits, renumbered onto the region `qubits`."""
    index = {q: i for i, q in enumerate(qubits)}
    terms = [(paulis, [index[q] for q in indices], coeff) for paulis, indices, coeff in observable.to_sparse_list()]
    return SparseObservable.from_sparse_list(terms, num_qubits=len(qubits))


def localize_estimator_pub(device, pub: tuple) -> tuple[DeviceRegion, tuple]:
    """An estimator PUB `(isa_circuit, observables, values)` on `device`, moved onto the qubits it touches."""
    circuit, observables, *rest = pub
    array = ObservablesArray(observables).sparse_observables_array()
    qubits = touched_qubits(circuit, array.reshape(-1))
    local = np.empty(array.shape, dtype=object)
    for position, observable in np.ndenumerate(array):
        local[position] = localize_observable(observable, qubits)
    return DeviceRegion(device, qubits), (localize_circuit(circuit, qubits), ObservablesArray(local), *rest)


def localize_sampler_pub(device, pub: tuple) -> tuple[DeviceRegion, tuple]:
    """A sampler PUB `(isa_circuit, values, ...)` on `device`, moved onto the qubits it touches."""
    circuit, *rest = pub
    qubits = touched_qubits(circuit)
    return DeviceRegion(device, qubits), (localize_circuit(circuit, qubits), *rest)
