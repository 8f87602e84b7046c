"""IBM Quantum backends: a real device through qiskit-ibm-runtime's Estimator, or a fake one run locally.

Both transpile once per circuit structure, run a forward pass as one PUB and a backward pass
(parameter shift or SPSA) as one more, and record jobs in a `JobJournal`. `IBMBackend` connects on
first use with the saved account (`QiskitRuntimeService.save_account`) or the `QISKIT_IBM_TOKEN` /
`QISKIT_IBM_INSTANCE` environment variables; credentials stay inside qiskit-ibm-runtime.
"""

from __future__ import annotations

from qnn.hardware.executors import (
    FakeExecutor,
    IBMExecutor,
    RuntimeApi,
    check_runnable,
    default_runtime_api,
    fake_device_class,
)
from qnn.hardware.function import counts_on_hardware, run_on_hardware
from qnn.hardware.journal import JobJournal
from qnn.hardware.options import RuntimeOptions
from qnn.hardware.runner import HardwareRunner


class FakeBackend:
    """A qiskit-ibm-runtime fake device (`"torino"`, `"fez"`, ...) in local testing mode, with its noise.

    The same path as real hardware (the whole device as the transpiler's target, ISA circuits, the
    client-side Estimator and Sampler, PUBs, the cost guard), simulated on this machine on the qubits the
    transpiled circuit touches, with those qubits' noise (see `qnn.hardware.region`). Shots default to
    `options.shots`. Error mitigation runs here too, and costs simulated circuits (readout learning, noise
    amplification), so the default options switch it off: `resilience_level=0`. The cost guard applies
    the hardware's estimate, so a QPU budget (`max_qpu_seconds`, `budget`) can be rehearsed before paying.

    Example:
        >>> import circuits, torch
        >>> from qnn import QuantumLayer
        >>> layer = QuantumLayer(circuits.angle_encoding(2), backend=FakeBackend("manila"), shots=100)
        >>> layer(torch.zeros(3, 2)).shape
        torch.Size([3, 2])
    """

    def __init__(self, device: str, options: RuntimeOptions | None = None, gradient=None, journal=None):
        fake_device_class(device)  # an unknown name fails here, listing the fake devices
        check_runnable(device)
        self.device = device
        self.options = options or RuntimeOptions(resilience_level=0)
        self.gradient = gradient
        self.journal: JobJournal | None = journal
        self._runner: HardwareRunner | None = None
        self.name = f"fake:{device}"

    @property
    def runner(self) -> HardwareRunner:
        if self._runner is None:
            self._runner = HardwareRunner(FakeExecutor(self.device, self.options), self.options, self.journal)
        return self._runner

    @property
    def n_jobs(self) -> int:
        """Jobs run so far (one per forward pass, one per backward pass)."""
        return 0 if self._runner is None else self._runner.n_jobs

    def run(self, circuit, observables, inputs, weights, shots=None, generator=None):
        shots = self.options.shots if shots is None else shots
        return run_on_hardware(self.runner, circuit, observables, inputs, weights, shots, generator, self.gradient)

    def counts(self, circuit, inputs, weights, shots=None, generator=None):
        """(batch, 2**n_qubits) int64 counts from one sampler job."""
        shots = self.options.shots if shots is None else shots
        return counts_on_hardware(self.runner, circuit, inputs, weights, shots, generator)

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_runner": None}


class IBMBackend:
    """An IBM Quantum device through qiskit-ibm-runtime's Estimator (`"least_busy"`: the least busy that fits).

    Args:
        device: a device name such as ``"ibm_torino"``, or ``"least_busy"`` (chosen at the first job; the
            journal keys jobs by ``"ibm:least_busy"`` and records the device each went to, so a re-run finds
            and awaits its jobs wherever they went).
        options: `RuntimeOptions`: mode (``"job"`` by default, which the Open plan allows), shots, resilience
            level, twirling, dynamical decoupling, ZNE, job tags, ``max_execution_time``, a batch's or
            session's ``session_max_time``, and the cost guard's ``max_qpu_seconds`` (per backend object, or
            for a named ``budget`` shared across processes through the journal).
        gradient: `ParameterShift()` (default) or `SPSA(epsilon)`, which needs far fewer circuits.
        journal: the `JobJournal` (default: the one in the user's data directory, or `$QNN_JOB_JOURNAL`).
        service: a `QiskitRuntimeService` you connected yourself; otherwise one is connected on first use
            from the saved account (or ``QISKIT_IBM_TOKEN``), with `channel` and `instance` if given.
        channel, instance: passed to `QiskitRuntimeService` (e.g. ``"ibm_quantum_platform"``, an instance CRN).
        api: the qiskit-ibm-runtime entry points (default: the real ones; tests stand in for them).
        progress: show each job's status on a progress bar while waiting for it (False silences it).

    Use it as a context manager, or call `close()`, to close a batch or session when you are done; one
    still open is closed when the interpreter exits, so a paid session is never left running.

    Example:
        >>> backend = IBMBackend("least_busy", RuntimeOptions(shots=2000, max_qpu_seconds=120))
        >>> backend.name
        'ibm:least_busy'
        >>> with IBMBackend("ibm_torino", RuntimeOptions(mode="batch")) as backend:  # doctest: +SKIP
        ...     predictions = QuantumLayer(circuit, backend=backend)(x)
    """

    def __init__(
        self,
        device: str = "least_busy",
        options: RuntimeOptions | None = None,
        gradient=None,
        journal: JobJournal | None = None,
        *,
        service=None,
        channel: str | None = None,
        instance: str | None = None,
        api: RuntimeApi | None = None,
        progress: bool = True,
    ):
        if service is not None and (channel is not None or instance is not None):
            raise ValueError("pass either service or channel/instance, not both: the service already has them")
        self.device = device
        self.options = options or RuntimeOptions()
        self.gradient = gradient
        self.journal = journal
        self.service = service
        self.channel = channel
        self.instance = instance
        self.api = api
        self.progress = progress
        self._runner: HardwareRunner | None = None
        self.name = f"ibm:{device}"

    def runner_for(self, n_qubits: int) -> HardwareRunner:
        """The runner, connecting to the service on first use."""
        if self._runner is None:
            api = self.api or default_runtime_api(self.service, self.channel, self.instance)
            executor = IBMExecutor(self.device, self.options, api, n_qubits)
            journal = self.journal or JobJournal()
            self._runner = HardwareRunner(executor, self.options, journal, progress=self.progress)
        return self._runner

    @property
    def n_jobs(self) -> int:
        """Jobs submitted so far (results reused from the journal are not counted)."""
        return 0 if self._runner is None else self._runner.n_jobs

    def run(self, circuit, observables, inputs, weights, shots=None, generator=None):
        runner = self.runner_for(circuit.n_qubits)
        return run_on_hardware(runner, circuit, observables, inputs, weights, shots, generator, self.gradient)

    def counts(self, circuit, inputs, weights, shots=None, generator=None):
        """(batch, 2**n_qubits) int64 counts from one sampler job (shots default to `options.shots`)."""
        runner = self.runner_for(circuit.n_qubits)
        shots = self.options.shots if shots is None else shots
        return counts_on_hardware(runner, circuit, inputs, weights, shots, generator)

    def close(self) -> None:
        """Close the batch or session, if one was opened."""
        if self._runner is not None:
            self._runner.executor.close()

    def __enter__(self) -> IBMBackend:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def __getstate__(self) -> dict:
        # Never pickle the service connection or its entry points: they hold credentials. A loaded
        # backend connects again with the saved account or the environment.
        return {**self.__dict__, "_runner": None, "api": None, "service": None}
