"""Qiskit Aer as a backend: hardware-shaped execution (transpile once, one job per pass) on a local simulator."""

from __future__ import annotations

from qnn.hardware.executors import AerExecutor
from qnn.hardware.function import counts_on_hardware, run_on_hardware
from qnn.hardware.journal import JobJournal
from qnn.hardware.options import RuntimeOptions
from qnn.hardware.runner import HardwareRunner


class AerBackend:
    """Qiskit Aer: exact expectation values (`shots=None`), or shot noise of width 1/√shots.

    Args:
        shots: default shots when the layer sets none; None means exact.
        noise_model_from: a fake IBM device (`"manila"`, `"fake_manila"`) whose noise model and coupling map
            are simulated (exactly, with density matrices: keep the device small).
        gradient: `ParameterShift()` (default) or `SPSA(epsilon)`, see `qnn.hardware`.
        optimization_level: of the transpiler, which runs once per circuit structure.
        journal: a `JobJournal` to record jobs in (default: none; local jobs cannot be recovered anyway).

    Example:
        >>> import circuits, torch
        >>> from qnn import QuantumLayer
        >>> layer = QuantumLayer(circuits.angle_encoding(2), backend=AerBackend())
        >>> layer(torch.zeros(3, 2)).shape
        torch.Size([3, 2])
    """

    def __init__(self, shots=None, noise_model_from=None, gradient=None, optimization_level=1, journal=None):
        self.shots = shots
        self.noise_model_from = noise_model_from
        self.gradient = gradient
        self.optimization_level = optimization_level
        self.journal: JobJournal | None = journal
        self._runner: HardwareRunner | None = None
        self.name = "aer" if noise_model_from is None else f"aer+noise:{noise_model_from}"

    @property
    def runner(self) -> HardwareRunner:
        if self._runner is None:
            options = RuntimeOptions(optimization_level=self.optimization_level)
            self._runner = HardwareRunner(AerExecutor(self.noise_model_from), options, self.journal)
        return self._runner

    @property
    def n_jobs(self) -> int:
        """Jobs run so far (one per forward pass, one per backward pass)."""
        return 0 if self._runner is None else self._runner.n_jobs

    def run(self, circuit, observables, inputs, weights, shots=None, generator=None):
        shots = self.shots if shots is None else shots
        return run_on_hardware(self.runner, circuit, observables, inputs, weights, shots, generator, self.gradient)

    def counts(self, circuit, inputs, weights, shots=None, generator=None):
        """(batch, 2**n_qubits) int64 counts from one sampler job (shots default to the backend's, else 1024)."""
        shots = shots or self.shots or 1024
        return counts_on_hardware(self.runner, circuit, inputs, weights, shots, generator)

    def __getstate__(self) -> dict:
        # The runner (simulator, transpiled circuits) is rebuilt after loading rather than pickled.
        return {**self.__dict__, "_runner": None}
