"""`Estimator`: Qiskit's BaseEstimatorV2 on qnn's simulator."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from qiskit.primitives import BaseEstimatorV2, DataBin, PrimitiveJob, PrimitiveResult, PubResult
from qiskit.primitives.containers.estimator_pub import EstimatorPub

from qnn.backends.simulator import SimulatorBackend
from qnn.observables import PauliSum
from qnn.qiskit.batch import CircuitCache, binding_values, run_batch


class Estimator(BaseEstimatorV2):
    """Exact expectation values, as `qiskit.primitives.StatevectorEstimator`, one batch per PUB.

    Args:
        default_precision: standard deviation of Gaussian noise added to each value when a PUB asks for
            no precision of its own (0, the default: exact values).
        seed: seed or `numpy.random.Generator` of that noise.
        backend: the `SimulatorBackend` that runs the circuits (its fusion and memory settings).
        device: torch device of the simulation (``"cpu"``, ``"cuda"``).

    The whole `(*shape, n_parameters)` parameter array of a PUB is one batch of the simulator; observables
    are Pauli sums (Qiskit labels, the last letter on qubit 0). Measurements in the circuit are refused.

    Example:
        >>> from qiskit import QuantumCircuit
        >>> qc = QuantumCircuit(1)
        >>> _ = qc.x(0)
        >>> float(Estimator().run([(qc, "Z")]).result()[0].data.evs)
        -1.0
    """

    def __init__(
        self,
        *,
        default_precision: float = 0.0,
        seed: np.random.Generator | int | None = None,
        backend: SimulatorBackend | None = None,
        device: str = "cpu",
    ):
        if not isinstance(default_precision, int | float) or default_precision < 0:
            raise ValueError(f"default_precision must be a non-negative number, got {default_precision!r}")
        self._default_precision = float(default_precision)
        self._seed = seed
        self._backend = backend or SimulatorBackend()
        self._device = device
        self._circuits = CircuitCache()

    @property
    def default_precision(self) -> float:
        return self._default_precision

    def run(self, pubs: Iterable, *, precision: float | None = None) -> PrimitiveJob:
        precision = self._default_precision if precision is None else precision
        coerced = [EstimatorPub.coerce(pub, precision) for pub in pubs]
        job = PrimitiveJob(self._run, coerced)
        job._submit()  # as Qiskit's own StatevectorEstimator: the job runs in a thread pool
        return job

    def _run(self, pubs: list[EstimatorPub]) -> PrimitiveResult:
        return PrimitiveResult([self._run_pub(pub) for pub in pubs], metadata={"version": 2})

    def _run_pub(self, pub: EstimatorPub) -> PubResult:
        circuit = self._circuits.get(pub.circuit)
        observables = pub.observables.tolist()
        flat = np.ravel(np.asarray(observables, dtype=object)) if pub.observables.ndim else [observables]
        sums = tuple(_pauli_sum(o, circuit.n_qubits) for o in flat)
        bindings = pub.parameter_values
        values = binding_values(pub.circuit, bindings)
        table = run_batch(self._backend, circuit, sums, values, self._device)  # (n_bindings, n_observables)
        rows = np.arange(table.shape[0]).reshape(bindings.shape)
        columns = np.arange(len(sums)).reshape(pub.observables.shape)
        rows, columns = np.broadcast_arrays(rows, columns)
        evs = table[rows, columns]
        if pub.precision:
            evs = np.random.default_rng(self._seed).normal(evs, pub.precision)
        data = DataBin(evs=evs, stds=np.full(evs.shape, pub.precision), shape=evs.shape)
        return PubResult(data, metadata={"target_precision": pub.precision, "circuit_metadata": pub.circuit.metadata})


def _pauli_sum(observable: dict[str, complex], n_qubits: int) -> PauliSum:
    """Qiskit's `{label: coefficient}` (last letter on qubit 0) as a `PauliSum` (letter i on wire i)."""
    terms = []
    for label, coefficient in observable.items():
        if abs(np.imag(coefficient)) > 1e-12:
            raise ValueError(f"observable term {label!r} has complex coefficient {coefficient}; it is not Hermitian")
        terms.append((float(np.real(coefficient)), label[::-1].ljust(n_qubits, "I")))
    return PauliSum(tuple(terms))
