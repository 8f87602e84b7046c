"""Engines that run a circuit for a `QuantumLayer`; `get_backend` turns a name into one.

Names (the short form; inside the library, pass the objects):

- ``"simulator"``: qnn's own simulator (`SimulatorBackend`);
- ``"pennylane:<device>"``: a PennyLane device, e.g. ``"pennylane:default.qubit"`` (`PennyLaneBackend`);
- ``"aer"``: Qiskit Aer, exact (`AerBackend`);
- ``"fake:<device>"``: a qiskit-ibm-runtime fake device in local testing mode, e.g. ``"fake:manila"`` (`FakeBackend`);
- ``"ibm:<device>"`` or ``"ibm:least_busy"``: IBM Quantum hardware (`IBMBackend`).
"""

from qnn.backends.aer import AerBackend
from qnn.backends.base import Backend
from qnn.backends.ibm import FakeBackend, IBMBackend
from qnn.backends.pennylane import PennyLaneBackend
from qnn.backends.simulator import SimulatorBackend

__all__ = [
    "AerBackend",
    "Backend",
    "FakeBackend",
    "IBMBackend",
    "PennyLaneBackend",
    "SimulatorBackend",
    "available_backends",
    "get_backend",
]

_PREFIXES = ("pennylane:", "fake:", "ibm:")


def available_backends() -> list[str]:
    """Every name `get_backend` accepts (IBM device names depend on the account, so one entry stands for them)."""
    from qnn.hardware.executors import runnable_fake_devices

    pennylane = ["pennylane:default.qubit", "pennylane:default.mixed", "pennylane:lightning.qubit"]
    return ["simulator", *pennylane, "aer", *(f"fake:{name}" for name in runnable_fake_devices()), "ibm:<device>",
            "ibm:least_busy"]  # fmt: skip


def get_backend(spec) -> Backend:
    """A backend object from a backend or its name (`"simulator"`, `"aer"`, `"fake:manila"`, ...).

    Example:
        >>> get_backend("pennylane:default.qubit").name
        'pennylane:default.qubit'
    """
    if isinstance(spec, Backend):
        return spec
    if not isinstance(spec, str):
        raise TypeError(f"backend must be a name or a Backend object, got {type(spec).__name__}")
    if spec == "simulator":
        return SimulatorBackend()
    if spec == "aer":
        return AerBackend()
    kind, _, rest = spec.partition(":")
    if f"{kind}:" in _PREFIXES and rest:
        if kind == "pennylane":
            return PennyLaneBackend(rest)
        if kind == "fake":
            return FakeBackend(rest)  # an unknown or retired device fails here, saying why
        return IBMBackend(rest)
    raise ValueError(f"unknown backend {spec!r}; available: {', '.join(available_backends())}")
