"""Run a batch of angle sets on one executor as one job: transpile (cached), cost guard, journal, retries.

`HardwareRunner.evaluate` is the single place where circuits leave the process. It transpiles the
circuit once, refuses circuits wider than the backend before anything is submitted, looks the job up
in the journal (a finished job is reused, an unfinished one is awaited instead of paid for again),
checks the QPU budget for real hardware, submits one PUB, waits with retries, and records the result.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable

import numpy as np

from circuits.circuit import Circuit
from qnn.hardware.cost import CostEstimate, check_budget, estimate_cost
from qnn.hardware.journal import JobJournal
from qnn.hardware.options import RuntimeOptions
from qnn.hardware.transpile import TranspileCache, circuit_hash
from qnn.observables import Probabilities


class HardwareJobError(RuntimeError):
    """A job failed on the service; the message carries the service's reason."""


class HardwareRunner:
    """Evaluates `(n_sets, n_angles)` angle arrays of a circuit on `executor`, counting jobs in `n_jobs`."""

    def __init__(
        self,
        executor,
        options: RuntimeOptions | None = None,
        journal: JobJournal | None = None,
        retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        progress: bool = False,
        poll_seconds: float = 5.0,
    ):
        self.executor = executor
        self.options = options or RuntimeOptions()
        self.journal = journal
        if self.options.budget is not None and journal is None:
            raise ValueError(
                f"RuntimeOptions(budget={self.options.budget!r}) needs a job journal, which holds the budget's record"
            )
        basis_gates = getattr(executor, "basis_gates", None)
        # The target is looked up on first transpile: "least_busy" is chosen only when a job is to be sent.
        self.cache = TranspileCache(lambda: executor.target, self.options.optimization_level, basis_gates=basis_gates)
        self.retries = retries
        self.sleep = sleep
        self.progress = progress  # show a job's status while waiting for it (a tqdm bar)
        self.poll_seconds = poll_seconds
        self.n_jobs = 0  # jobs submitted (journal hits are not counted)
        self.n_circuits = 0  # parameter sets submitted
        self.spent_qpu_seconds = 0.0  # estimated, for the cost guard

    @property
    def requested(self) -> str:
        """The backend the user asked for, which keys the journal ("ibm:least_busy"); jobs go to `executor.name`."""
        requested = getattr(self.executor, "requested", None)
        return self.executor.name if requested is None else requested

    @property
    def n_qubits(self) -> int:
        return self.executor.target.num_qubits

    def evaluate(self, circuit: Circuit, observables, angles: np.ndarray, shots: int | None, seed: int | None):
        """(n_sets, n_angles) float → (n_sets, n_outputs) expectation values, from one job (or the journal).

        `Probabilities()` with shots are sampled (SamplerV2: counts over shots); without shots (exact
        simulators only) they are measured as projectors.
        """
        if shots is None and self.executor.is_real:
            shots = self.options.shots
        if isinstance(observables, Probabilities) and shots is not None:
            return self.counts(circuit, angles, shots, seed) / shots
        values, inverse = np.unique(angles.astype(np.float64), axis=0, return_inverse=True)
        result = self._run(circuit, observables, np.ascontiguousarray(values), shots, seed, sampled=False)
        return result.T[inverse.reshape(-1)]

    def counts(self, circuit: Circuit, angles: np.ndarray, shots: int, seed: int | None) -> np.ndarray:
        """(n_sets, n_angles) float → (n_sets, 2**n_qubits) counts of each basis state (wire 0 the most
        significant bit) over `shots`, from one sampler job (or the journal)."""
        values, inverse = np.unique(angles.astype(np.float64), axis=0, return_inverse=True)
        result = self._run(circuit, Probabilities(), np.ascontiguousarray(values), shots, seed, sampled=True)
        return result.T[inverse.reshape(-1)]

    def _run(self, circuit, observables, values: np.ndarray, shots, seed, sampled: bool) -> np.ndarray:
        """(n_outputs, n_sets) results for distinct angle sets: from the journal, else from a new job.

        The journal is keyed by the backend the user asked for and the logical circuit, so a re-run finds
        its jobs before anything is transpiled or any device is chosen (a least-busy device may differ now).
        """
        if sampled:
            record = self.executor.options_record(shots, seed, sampler=True)
        else:
            record = self.executor.options_record(shots, seed)
        key = _job_key(self.requested, circuit_hash(circuit, observables), values, shots, record)
        found = self._from_journal(key)
        if found is not None:
            return found
        if circuit.n_qubits > self.n_qubits:
            raise ValueError(
                f"the circuit has {circuit.n_qubits} qubits but {self.executor.name} has {self.n_qubits}; "
                "use a smaller circuit or a larger backend"
            )
        transpiled = self.cache.get(circuit, observables, measured=sampled)
        return self._submit(transpiled, values, shots, seed, key, record, sampled)

    def _submit(self, transpiled, values, shots, seed, key: str, record: dict, sampled: bool) -> np.ndarray:
        """Run one PUB as one job, after the cost guard; (n_outputs, n_sets)."""
        parameters = np.ascontiguousarray(values[:, transpiled.angle_index])
        estimate = None
        if getattr(self.executor, "guarded", self.executor.is_real):
            n_circuits = len(values) * (1 if sampled else transpiled.n_groups)
            estimate = estimate_cost(n_circuits, shots or self.options.shots, self.options)
        reservation = self._reserve(estimate, key)
        try:
            if sampled:
                pub = (transpiled.circuit, parameters)
                job = self._retry(lambda: self.executor.sample(pub, shots, seed), "submitting")
            else:
                pub = (transpiled.circuit, transpiled.observables, parameters)
                job = self._retry(lambda: self.executor.submit(pub, shots, seed), "submitting")
        except BaseException:
            if reservation is not None:
                self.journal.release(reservation)
            raise
        self.n_jobs += 1
        self.n_circuits += len(values)
        job_id = str(job.job_id())
        if self.journal is not None:
            self.journal.record_submitted(
                job_id, key, self.executor.name, transpiled.circuit_hash, parameters, shots, record,
                requested=self.requested, budget=self.options.budget,
                estimated_seconds=None if estimate is None else estimate.qpu_seconds,
                local=not self.executor.recoverable, reservation=reservation,
            )  # fmt: skip
        return self._wait(job, job_id, sampled)

    def _reserve(self, estimate: CostEstimate | None, key: str) -> str | None:
        """Apply the cost guard: the named budget in the journal, or this runner's own; a reservation id or None."""
        if estimate is None:
            return None
        if self.options.budget is None:
            check_budget(estimate, self.spent_qpu_seconds, self.options)
            self.spent_qpu_seconds += estimate.qpu_seconds
            return None
        reservation = self.journal.reserve(
            self.options.budget, key, self.requested, estimate.qpu_seconds, self.options.max_qpu_seconds
        )
        self.spent_qpu_seconds += estimate.qpu_seconds
        return reservation

    def _from_journal(self, key: str) -> np.ndarray | None:
        """A finished result for `key`, or the result of an unfinished job that can still be retrieved."""
        found = None if self.journal is None else self.journal.find(key)
        if found is None:
            return None
        if found.result is not None:
            if found.qpu_seconds is None and self.executor.recoverable:
                refresh_usage(self.journal, found.job_id, self.executor.retrieve)
            return found.result
        if not self.executor.recoverable:
            return None
        job = self._retry(lambda: self.executor.retrieve(found.job_id), "retrieving")
        return self._wait(job, found.job_id, is_sampler_job(found.options))

    def _wait(self, job, job_id: str, sampled: bool) -> np.ndarray:
        """(n_outputs, n_sets) of a finished job, recorded in the journal: expectation values, or for a
        sampler job the counts of each basis state."""
        if self.progress:
            self._show_progress(job, job_id)
        try:
            result = self._retry(job.result, f"waiting for job {job_id}")
        except Exception as error:
            if self.journal is not None:
                self.journal.record_status(job_id, "ERROR", _reason(job, error))
            raise HardwareJobError(f"job {job_id} on {self.executor.name} failed: {_reason(job, error)}") from error
        values = job_values(result, sampled)
        if self.journal is not None:
            self.journal.record_result(job_id, values, qpu_seconds(job))
        return values

    def _show_progress(self, job, job_id: str) -> None:
        """Poll the job's status until it is final, shown on a tqdm bar (queue waits can take hours)."""
        from tqdm.auto import tqdm

        with tqdm(desc=f"job {job_id}", bar_format="{desc}: {postfix} [{elapsed}]") as bar:
            while True:
                status = status_name(self._retry(job.status, "polling"))
                bar.set_postfix_str(status)
                if status in ("DONE", "ERROR", "CANCELLED"):
                    return
                self.sleep(self.poll_seconds)

    def _retry(self, call: Callable, doing: str):
        """`call()`, retried with exponential backoff on network errors, then reported."""
        for attempt in range(self.retries + 1):
            try:
                return call()
            except Exception as error:
                if not is_transient(error) or attempt == self.retries:
                    if is_transient(error):
                        raise ConnectionError(f"{doing} failed after {attempt + 1} attempts: {error}") from error
                    raise
                self.sleep(2.0**attempt)
        raise AssertionError("unreachable")


def is_transient(error: Exception) -> bool:
    """Network trouble worth retrying: OS-level errors (requests' errors are OSErrors) and API request errors."""
    return isinstance(error, OSError | TimeoutError) or type(error).__name__ == "RequestsApiError"


def status_name(status) -> str:
    """A job status as an upper-case string, whether the service returns a string or an enum."""
    return str(getattr(status, "name", status)).upper()


def qpu_seconds(job) -> float | None:
    """IBM's QPU seconds for a job, or None while unknown (it reports 0 until it has computed them)."""
    try:
        usage = job.usage()
    except Exception:  # local jobs have no usage, and a service may not have computed it yet
        return None
    if isinstance(usage, bool) or not isinstance(usage, int | float) or usage <= 0:
        return None
    return float(usage)


def refresh_usage(journal: JobJournal, job_id: str, retrieve: Callable[[str], object]) -> float | None:
    """Ask the service for a finished job's QPU seconds and record them once known; the figure or None."""
    try:
        seconds = qpu_seconds(retrieve(job_id))
    except Exception:  # the figure is bookkeeping: never fail a run over it
        return None
    if seconds is not None:
        journal.record_usage(job_id, seconds)
    return seconds


def job_values(result, sampled: bool) -> np.ndarray:
    """(n_outputs, n_sets) from a primitive's result: expectation values, or a sampler's basis counts."""
    if sampled:
        return basis_counts(result[0].data.meas)
    return np.asarray(result[0].data.evs, dtype=np.float64)


def is_sampler_job(options: dict) -> bool:
    return options.get("primitive") == "sampler"


def basis_counts(bits) -> np.ndarray:
    """A sampler's `BitArray` of shape (n_sets,), clbit w measuring wire w → (2**n, n_sets) counts,
    indexed with wire 0 the most significant bit (as `Probabilities`)."""
    n_qubits = bits.num_bits
    flags = bits.to_bool_array(order="little")  # (n_sets, shots, n_clbits), clbit w at index w
    weights = 1 << np.arange(n_qubits - 1, -1, -1)
    outcomes = flags[..., :n_qubits].astype(np.int64) @ weights  # (n_sets, shots)
    counts = np.stack([np.bincount(row, minlength=2**n_qubits) for row in outcomes.reshape(len(outcomes), -1)])
    return counts.T.astype(np.float64)


def _reason(job, error: Exception) -> str:
    try:
        message = job.error_message()
    except Exception:
        message = None
    return message or f"{type(error).__name__}: {error}"


def _job_key(backend: str, circuit_hash: str, values: np.ndarray, shots, options: dict) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps([backend, circuit_hash, shots, options, values.shape], sort_keys=True).encode())
    digest.update(values.tobytes())
    return digest.hexdigest()
