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
        """PUBs of one circuit and one set of observables (as gradients send them) run as one batch."""
        prepared = [self._prepare(pub) for pub in pubs]
        groups: dict[tuple, list[int]] = {}
        for k, (circuit, sums, _) in enumerate(prepared):
            groups.setdefault((id(circuit), sums), []).append(k)
        tables = {}
        for members in groups.values():
            circuit, sums, _ = prepared[members[0]]
            values = np.concatenate([prepared[k][2] for k in members])
            table = run_batch(self._backend, circuit, sums, values, self._device)  # (bindings, observables)
            ends = np.cumsum([len(prepared[k][2]) for k in members])
            tables.update(zip(members, np.split(table, ends[:-1]), strict=True))
        return PrimitiveResult([self._result(pub, tables[k]) for k, pub in enumerate(pubs)], metadata={"version": 2})

    def _prepare(self, pub: EstimatorPub) -> tuple:
        """(circuit, observables as PauliSums, parameter rows) of a PUB."""
        circuit = self._circuits.get(pub.circuit)
        observables = pub.observables.tolist()
        flat = np.ravel(np.asarray(observables, dtype=object)) if pub.observables.ndim else [observables]
        sums = tuple(_pauli_sum(o, circuit.n_qubits) for o in flat)
        return circuit, sums, binding_values(pub.circuit, pub.parameter_values)

    def _result(self, pub: EstimatorPub, table: np.ndarray) -> PubResult:
        """The PUB's result from its (n_bindings, n_observables) table, broadcast to the PUB's shape."""
        rows = np.arange(table.shape[0]).reshape(pub.parameter_values.shape)
        columns = np.arange(table.shape[1]).reshape(pub.observables.shape)
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
