"""Executors: where a PUB goes. Aer's estimator (exact or noisy), qiskit-ibm-runtime's client-side
`executor_estimator.Estimator` on a fake backend in local testing mode, or on IBM Quantum hardware
through `QiskitRuntimeService`.

Each executor names its backend, exposes the qiskit backend the transpiler targets, submits one PUB
as one job, and says whether its jobs cost QPU time (the cost guard) and can be retrieved by id from
another process (the journal).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from qnn.hardware.options import RuntimeOptions

# Aer's parameter binding ignores the angles of controlled rotations (CRX, CRY, CRZ are run as if the
# angle were zero), so circuits for the ideal simulator are transpiled to gates without them.
AER_BASIS_GATES = ("h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "p", "u", "cx", "cz", "swap",
                   "rxx", "ryy", "rzz")  # fmt: skip


class AerExecutor:
    """Qiskit Aer: exact expectation values, or Gaussian shot noise of the right width when `shots` is set.

    noise_model_from: a fake device's name (`"manila"`, `"fake_manila"`); its noise model and coupling map
    are simulated exactly with density matrices.
    """

    is_real = False
    recoverable = False

    def __init__(self, noise_model_from: str | None = None):
        from qiskit_aer import AerSimulator

        if noise_model_from is None:
            self.target = AerSimulator()
            self.name = "aer"
            self.basis_gates = AER_BASIS_GATES
        else:
            device = fake_device(noise_model_from)
            self.target = AerSimulator.from_backend(device)
            self.basis_gates = None  # the device's own basis has no controlled rotations
            self.name = f"aer+noise:{fake_name(device)}"

    def options_record(self, shots: int | None, seed: int | None) -> dict:
        return {"shots": shots, "seed": seed}

    def submit(self, pub: tuple, shots: int | None, seed: int | None):
        from qiskit_aer.primitives import EstimatorV2

        backend_options = {}
        noise = self.target.options.noise_model
        if noise is not None:
            backend_options = {"noise_model": noise, "method": "density_matrix"}
        precision = 0.0 if shots is None else 1 / math.sqrt(shots)
        run_options = {} if seed is None else {"seed_simulator": seed}
        options = {"default_precision": precision, "backend_options": backend_options, "run_options": run_options}
        return EstimatorV2(options=options).run([pub])


class FakeExecutor:
    """A qiskit-ibm-runtime fake backend in local testing mode: `Estimator(mode=fake_backend)`, with its noise."""

    is_real = False
    recoverable = False

    def __init__(self, device_name: str, options: RuntimeOptions):
        self.target = fake_device(device_name)
        self.name = f"fake:{fake_name(self.target)}"
        self.options = options

    def options_record(self, shots: int | None, seed: int | None) -> dict:
        return self.options.estimator_options(shots, seed)

    def submit(self, pub: tuple, shots: int | None, seed: int | None):
        from qiskit_ibm_runtime.executor_estimator import Estimator

        return Estimator(mode=self.target, options=self.options.estimator_options(shots, seed)).run([pub])


@dataclass(frozen=True)
class RuntimeApi:
    """The parts of qiskit-ibm-runtime that the IBM executor calls, so that tests can stand in for the service."""

    service: Callable[[], object]  # () -> QiskitRuntimeService (saved account or QISKIT_IBM_* variables)
    estimator: Callable[..., object]  # executor_estimator.Estimator(mode=..., options=...)
    batch: Callable[..., object]  # Batch(backend=...)
    session: Callable[..., object]  # Session(backend=...)


def default_runtime_api() -> RuntimeApi:
    from qiskit_ibm_runtime import Batch, QiskitRuntimeService, Session
    from qiskit_ibm_runtime.executor_estimator import Estimator

    return RuntimeApi(QiskitRuntimeService, Estimator, Batch, Session)


class IBMExecutor:
    """IBM Quantum hardware through the client-side Estimator, in job, batch or session mode (`RuntimeOptions.mode`).

    backend_name: a device name, or "least_busy" (the least busy operational device with at least
    `min_qubits` qubits). Credentials are read by `QiskitRuntimeService` itself; this class never sees them.
    """

    is_real = True
    recoverable = True

    def __init__(self, backend_name: str, options: RuntimeOptions, api: RuntimeApi, min_qubits: int = 1):
        self.service = api.service()
        if backend_name == "least_busy":
            self.target = self.service.least_busy(operational=True, simulator=False, min_num_qubits=min_qubits)
        else:
            self.target = self.service.backend(backend_name)
        self.name = f"ibm:{self.target.name}"
        self.options = options
        self.api = api
        self._mode = None

    def options_record(self, shots: int | None, seed: int | None) -> dict:
        return {"mode": self.options.mode, **self.options.estimator_options(shots)}

    def mode(self):
        """The backend in job mode; one Batch or Session, opened on first use, otherwise."""
        if self.options.mode == "job":
            return self.target
        if self._mode is None:
            opener = self.api.batch if self.options.mode == "batch" else self.api.session
            self._mode = opener(backend=self.target)
        return self._mode

    def submit(self, pub: tuple, shots: int | None, seed: int | None):
        estimator = self.api.estimator(mode=self.mode(), options=self.options.estimator_options(shots))
        return estimator.run([pub])

    def retrieve(self, job_id: str):
        return self.service.job(job_id)

    def close(self) -> None:
        if self._mode is not None:
            self._mode.close()
            self._mode = None


def fake_devices() -> dict[str, type]:
    """Every fake backend of qiskit-ibm-runtime by short name: {"manila": FakeManilaV2, "sherbrooke": ...}."""
    from qiskit.providers import BackendV2
    from qiskit_ibm_runtime import fake_provider

    devices = {}
    for name in dir(fake_provider):
        cls = getattr(fake_provider, name)
        short = name.removeprefix("Fake").removesuffix("V2").lower()
        if (
            name.startswith("Fake")
            and isinstance(cls, type)
            and issubclass(cls, BackendV2)
            and short.isalpha()
            and "provider" not in short
            and "fractional" not in short
        ):
            devices[short] = cls
    return devices


def fake_device_class(name: str) -> type:
    """The fake backend class for "manila", "fake_manila" or "FakeManilaV2"; ValueError listing them otherwise."""
    key = name.lower().removeprefix("fake").removesuffix("v2").strip("_")
    devices = fake_devices()
    if key not in devices:
        raise ValueError(f"unknown fake backend {name!r}; available: {', '.join(sorted(devices))}")
    return devices[key]


def fake_device(name: str):
    """A fake backend (a qiskit `BackendV2` with the device's noise) from its name, as `fake_device_class`."""
    return fake_device_class(name)()


def fake_name(device) -> str:
    return device.name.removeprefix("fake_")
