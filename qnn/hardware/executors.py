"""Executors: where a PUB goes. Aer's estimator (exact or noisy), qiskit-ibm-runtime's client-side
`executor_estimator.Estimator` on a fake backend in local testing mode, or on IBM Quantum hardware
through `QiskitRuntimeService`.

Each executor names the backend the user asked for (`requested`, which keys the journal) and the one
it resolved to (`name`), exposes the qiskit backend the transpiler targets, submits one estimator PUB
(`submit`) or one sampler PUB (`sample`) as one job, and says whether the cost guard applies to it
(`guarded`), whether its jobs cost QPU time (`is_real`) and whether they can be retrieved by id from
another process (`recoverable`).
"""

from __future__ import annotations

import atexit
import math
import weakref
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
    guarded = False

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
        self.requested = self.name

    def options_record(self, shots: int | None, seed: int | None, sampler: bool = False) -> dict:
        return {"shots": shots, "seed": seed, **({"primitive": "sampler"} if sampler else {})}

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

    def sample(self, pub: tuple, shots: int, seed: int | None):
        from qiskit_aer.primitives import SamplerV2

        backend_options = {}
        noise = self.target.options.noise_model
        if noise is not None:
            backend_options = {"noise_model": noise, "method": "density_matrix"}
        options = {"default_shots": shots, "backend_options": backend_options, "run_options": {"seed_simulator": seed}}
        return SamplerV2(options=options).run([pub])


class FakeExecutor:
    """A qiskit-ibm-runtime fake device in local testing mode: the client-side Estimator and Sampler, with its noise.

    The circuit is transpiled for the whole device, as for the hardware; each job then runs the runtime's
    primitive on a `DeviceRegion` of the qubits the circuit touches, whose noise is the device's noise on
    those qubits. Untouched qubits stay in |0⟩ and would change no result, so a 156-qubit device is
    rehearsed in the time its few active qubits take.
    """

    is_real = False
    recoverable = False
    guarded = True  # the cost guard runs as for the hardware, so that a budget can be rehearsed

    def __init__(self, device_name: str, options: RuntimeOptions):
        check_runnable(device_name)
        self.target = fake_device(device_name)
        self.name = f"fake:{fake_name(self.target)}"
        self.requested = self.name
        self.options = options

    def options_record(self, shots: int | None, seed: int | None, sampler: bool = False) -> dict:
        return effective_options(self.options, shots, seed, sampler)

    def submit(self, pub: tuple, shots: int | None, seed: int | None):
        from qiskit_ibm_runtime.executor_estimator import Estimator

        from qnn.hardware.region import localize_estimator_pub

        region, local_pub = localize_estimator_pub(self.target, pub)
        return Estimator(mode=region, options=self.options.estimator_options(shots, seed)).run([local_pub])

    def sample(self, pub: tuple, shots: int, seed: int | None):
        from qiskit_ibm_runtime.executor_sampler import Sampler

        from qnn.hardware.region import localize_sampler_pub

        region, local_pub = localize_sampler_pub(self.target, pub)
        return Sampler(mode=region, options=self.options.sampler_options(shots, seed)).run([local_pub])


@dataclass(frozen=True)
class RuntimeApi:
    """The parts of qiskit-ibm-runtime that the IBM executor calls, so that tests can stand in for the service."""

    service: Callable[[], object]  # () -> QiskitRuntimeService (saved account or QISKIT_IBM_* variables)
    estimator: Callable[..., object]  # executor_estimator.Estimator(mode=..., options=...)
    batch: Callable[..., object]  # Batch(backend=..., max_time=...)
    session: Callable[..., object]  # Session(backend=..., max_time=...)
    sampler: Callable[..., object] | None = None  # executor_sampler.Sampler(mode=..., options=...)


def default_runtime_api(service=None, channel: str | None = None, instance: str | None = None) -> RuntimeApi:
    """qiskit-ibm-runtime's entry points; the service is `service`, or one connected on first use.

    channel, instance: passed to `QiskitRuntimeService` (None: the saved account's, or the environment's).
    Credentials are read by `QiskitRuntimeService` itself from the saved account or `QISKIT_IBM_TOKEN`.
    """
    from qiskit_ibm_runtime import Batch, QiskitRuntimeService, Session
    from qiskit_ibm_runtime.executor_estimator import Estimator
    from qiskit_ibm_runtime.executor_sampler import Sampler

    if service is None:
        connection = {k: v for k, v in (("channel", channel), ("instance", instance)) if v is not None}

        def connect():
            return QiskitRuntimeService(**connection)
    else:

        def connect():
            return service

    return RuntimeApi(connect, Estimator, Batch, Session, Sampler)


class NoAccountError(RuntimeError):
    """No IBM Quantum account is saved or set in the environment."""


def connect(api: RuntimeApi):
    """The service from `api`; a missing account is one clear error saying how to add one."""
    from qiskit_ibm_runtime.accounts import AccountNotFoundError

    try:
        return api.service()
    except AccountNotFoundError as error:
        raise NoAccountError(
            f"no IBM Quantum account ({error}); save one with QiskitRuntimeService.save_account(token=..., "
            "instance=...), set QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE, or pass service= to IBMBackend"
        ) from None


class IBMExecutor:
    """IBM Quantum hardware through the client-side Estimator and Sampler, in job, batch or session mode.

    backend_name: a device name, or "least_busy" (the least busy operational device with at least
    `min_qubits` qubits), resolved on the first submission, not before: a re-run that finds its jobs in
    the journal awaits them on the device they went to. Credentials are read by `QiskitRuntimeService`
    itself; this class never sees them.
    """

    is_real = True
    recoverable = True
    guarded = True

    def __init__(self, backend_name: str, options: RuntimeOptions, api: RuntimeApi, min_qubits: int = 1):
        self.requested = f"ibm:{backend_name}"
        self.backend_name = backend_name
        self.options = options
        self.api = api
        self.min_qubits = min_qubits
        self._service = None
        self._target = None
        self._mode = None

    @property
    def service(self):
        if self._service is None:
            self._service = connect(self.api)
        return self._service

    @property
    def target(self):
        """The device, looked up (or chosen, for "least_busy") on first use."""
        if self._target is None:
            if self.backend_name == "least_busy":
                service = self.service
                self._target = service.least_busy(operational=True, simulator=False, min_num_qubits=self.min_qubits)
            else:
                self._target = self.service.backend(self.backend_name)
        return self._target

    @property
    def name(self) -> str:
        return f"ibm:{self.target.name}"

    def options_record(self, shots: int | None, seed: int | None, sampler: bool = False) -> dict:
        return {"mode": self.options.mode, **effective_options(self.options, shots, None, sampler)}

    def mode(self):
        """The backend in job mode; one Batch or Session, opened on first use, otherwise."""
        if self.options.mode == "job":
            return self.target
        if self._mode is None:
            opener = self.api.batch if self.options.mode == "batch" else self.api.session
            self._mode = opener(backend=self.target, max_time=self.options.session_max_time)
            _open_modes.add(self)
        return self._mode

    def submit(self, pub: tuple, shots: int | None, seed: int | None):
        estimator = self.api.estimator(mode=self.mode(), options=self.options.estimator_options(shots))
        return estimator.run([pub])

    def sample(self, pub: tuple, shots: int, seed: int | None):
        if self.api.sampler is None:
            raise NotImplementedError("this RuntimeApi has no sampler")
        sampler = self.api.sampler(mode=self.mode(), options=self.options.sampler_options(shots))
        return sampler.run([pub])

    def retrieve(self, job_id: str):
        return self.service.job(job_id)

    def close(self) -> None:
        """Close the batch or session, if one is open (a closed one accepts no more jobs and stops billing)."""
        if self._mode is not None:
            mode, self._mode = self._mode, None
            _open_modes.discard(self)
            mode.close()


# Executors with an open batch or session; closed at interpreter exit so that none is left running.
_open_modes: weakref.WeakSet[IBMExecutor] = weakref.WeakSet()


@atexit.register
def _close_open_modes() -> None:
    for executor in list(_open_modes):
        try:
            executor.close()
        except Exception as error:  # at exit, say so and go on closing the others
            print(f"qnn: could not close the {executor.options.mode} on {executor.requested}: {error}")


def effective_options(options: RuntimeOptions, shots: int | None, seed: int | None, sampler: bool) -> dict:
    """The primitive options a job runs with: ours, with the runtime's level defaults and rules applied."""
    if sampler:
        from qiskit_ibm_runtime.executor_sampler.finalize_options import finalize_sampler_options
        from qiskit_ibm_runtime.options_models.sampler import SamplerOptions

        final = finalize_sampler_options(SamplerOptions(**options.sampler_options(shots, seed)))
        return {"primitive": "sampler", **final.model_dump(mode="json")}
    from qiskit_ibm_runtime.executor_estimator.finalize_options import finalize_estimator_options
    from qiskit_ibm_runtime.options_models.estimator import EstimatorOptions

    final = finalize_estimator_options(EstimatorOptions(**options.estimator_options(shots, seed)))
    return final.model_dump(mode="json")


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


# Retired devices whose gates are u1, u2 and u3 (no "sx"): the runtime's client-side primitives cannot
# build their ISA circuits (samplomatic fails on the constant angles of u2), so they are refused up front.
RETIRED_FAKE_DEVICES = ("almaden", "boeblingen", "burlington", "cambridge", "essex", "johannesburg", "london",
                        "poughkeepsie", "rochester", "singapore")  # fmt: skip


def check_runnable(name: str) -> None:
    """Raise ValueError, with the reason and the devices to use instead, for a fake device that cannot run."""
    key = fake_key(name)
    if key in RETIRED_FAKE_DEVICES:
        raise ValueError(
            f"fake:{key} is a retired device whose gates (u1, u2, u3) the runtime's primitives cannot run; "
            "use a current device such as fake:torino, fake:fez or fake:sherbrooke"
        )


def runnable_fake_devices() -> list[str]:
    """The fake devices `FakeBackend` runs (every one but the retired u1/u2/u3 devices), by short name."""
    return sorted(name for name in fake_devices() if name not in RETIRED_FAKE_DEVICES)


def fake_key(name: str) -> str:
    """The short name of a fake device: "manila" for "manila", "fake_manila" or "FakeManilaV2"."""
    return name.lower().removeprefix("fake").removesuffix("v2").strip("_")


def fake_device_class(name: str) -> type:
    """The fake backend class for "manila", "fake_manila" or "FakeManilaV2"; ValueError listing them otherwise."""
    key = fake_key(name)
    devices = fake_devices()
    if key not in devices:
        raise ValueError(f"unknown fake backend {name!r}; available: {', '.join(sorted(devices))}")
    return devices[key]


def fake_device(name: str):
    """A fake backend (a qiskit `BackendV2` with the device's noise) from its name, as `fake_device_class`."""
    return fake_device_class(name)()


def fake_name(device) -> str:
    return device.name.removeprefix("fake_")
