"""Measure angle arrays with qnn's own simulator: the exact reference for hardware-shaped code paths."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from circuits.circuit import Circuit, Input, Weight
from qnn.backends import SimulatorBackend
from qnn.hardware import angle_circuit


def angles_as_inputs(circuit: Circuit) -> Circuit:
    """The angle circuit with angle k read from input k, so that a batch of angle sets is a batch of inputs."""
    angled = angle_circuit(circuit)
    operations = tuple(
        replace(op, params=tuple(Input(p.index) if isinstance(p, Weight) else p for p in op.params))
        for op in angled.operations
    )
    return Circuit(circuit.n_qubits, operations, angled.n_weights, ())


def measure_angles(circuit: Circuit, observables, angles: np.ndarray) -> np.ndarray:
    """(n_sets, n_angles) → (n_sets, n_outputs), exact, float64."""
    inputs = torch.as_tensor(angles, dtype=torch.float64)
    values = SimulatorBackend().run(angles_as_inputs(circuit), observables, inputs, torch.zeros(0, dtype=torch.float64))
    return values.numpy()
