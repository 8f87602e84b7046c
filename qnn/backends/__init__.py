"""Engines that run a circuit for a `QuantumLayer`; `get_backend` turns a name into one."""

from qnn.backends.base import Backend
from qnn.backends.simulator import SimulatorBackend

__all__ = ["Backend", "SimulatorBackend", "get_backend"]


def get_backend(spec) -> Backend:
    """A backend object from a backend or its name (`"simulator"`)."""
    if isinstance(spec, Backend):
        return spec
    if spec == "simulator":
        return SimulatorBackend()
    if isinstance(spec, str):
        raise ValueError(f"unknown backend {spec!r}; available: 'simulator'")
    raise TypeError(f"backend must be a name or a Backend object, got {type(spec).__name__}")
