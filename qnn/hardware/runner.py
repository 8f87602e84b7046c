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
from qnn.hardware.cost import check_budget, estimate_cost
from qnn.hardware.journal import JobJournal
from qnn.hardware.options import RuntimeOptions
from qnn.hardware.transpile import TranspileCache


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
        basis_gates = getattr(executor, "basis_gates", None)
        self.cache = TranspileCache(executor.target, self.options.optimization_level, basis_gates=basis_gates)
        self.retries = retries
        self.sleep = sleep
        self.progress = progress  # show a job's status while waiting for it (a tqdm bar)
        self.poll_seconds = poll_seconds
        self.n_jobs = 0  # jobs submitted (journal hits are not counted)
        self.n_circuits = 0  # parameter sets submitted
        self.spent_qpu_seconds = 0.0  # estimated, for the cost guard

    @property
    def n_qubits(self) -> int:
        return self.executor.target.num_qubits

    def evaluate(self, circuit: Circuit, observables, angles: np.ndarray, shots: int | None, seed: int | None):
        """(n_sets, n_angles) float → (n_sets, n_outputs) expectation values, from one job (or the journal)."""
        if circuit.n_qubits > self.n_qubits:
            raise ValueError(
                f"the circuit has {circuit.n_qubits} qubits but {self.executor.name} has {self.n_qubits}; "
                "use a smaller circuit or a larger backend"
            )
        transpiled = self.cache.get(circuit, observables)
        # Identical parameter sets (repeated samples, a circuit without parameters) are run once.
        values, inverse = np.unique(angles[:, transpiled.angle_index].astype(np.float64), axis=0, return_inverse=True)
        values = np.ascontiguousarray(values)
        if shots is None and self.executor.is_real:
            shots = self.options.shots
        record = self.executor.options_record(shots, seed)
        key = _job_key(self.executor.name, transpiled.circuit_hash, values, shots, record)
        result = self._from_journal(key)
        if result is None:
            result = self._submit(transpiled, values, shots, seed, key, record)
        return result.T[inverse.reshape(-1)]

    def _submit(self, transpiled, values: np.ndarray, shots, seed, key: str, record: dict) -> np.ndarray:
        """Run one PUB as one job, after the cost guard for real hardware; (n_outputs, n_sets)."""
        if self.executor.is_real:
            estimate = estimate_cost(len(values) * transpiled.n_groups, shots, self.options)
            check_budget(estimate, self.spent_qpu_seconds, self.options)
            self.spent_qpu_seconds += estimate.qpu_seconds
        pub = (transpiled.circuit, transpiled.observables, values)
        job = self._retry(lambda: self.executor.submit(pub, shots, seed), "submitting")
        self.n_jobs += 1
        self.n_circuits += len(values)
        job_id = str(job.job_id())
        if self.journal is not None:
            name, circuit_hash = self.executor.name, transpiled.circuit_hash
            self.journal.record_submitted(job_id, key, name, circuit_hash, values, shots, record)
        return self._wait(job, job_id)

    def _from_journal(self, key: str) -> np.ndarray | None:
        """A finished result for `key`, or the result of an unfinished job that can still be retrieved."""
        found = None if self.journal is None else self.journal.find(key)
        if found is None:
            return None
        if found.result is not None:
            return found.result
        if not self.executor.recoverable:
            return None
        job = self._retry(lambda: self.executor.retrieve(found.job_id), "retrieving")
        return self._wait(job, found.job_id)

    def _wait(self, job, job_id: str) -> np.ndarray:
        """(n_outputs, n_sets) expectation values of a finished job, recorded in the journal."""
        if self.progress:
            self._show_progress(job, job_id)
        try:
            result = self._retry(job.result, f"waiting for job {job_id}")
        except Exception as error:
            if self.journal is not None:
                self.journal.record_status(job_id, "ERROR", _reason(job, error))
            raise HardwareJobError(f"job {job_id} on {self.executor.name} failed: {_reason(job, error)}") from error
        evs = np.asarray(result[0].data.evs, dtype=np.float64)
        if self.journal is not None:
            self.journal.record_result(job_id, evs, qpu_seconds(job))
        return evs

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
    try:
        usage = job.usage()
    except Exception:  # local jobs have no usage, and a service may not have computed it yet
        return None
    return float(usage) if isinstance(usage, int | float) else None


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
