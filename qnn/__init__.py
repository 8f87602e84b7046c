"""qnn: quantum neural networks as PyTorch layers.

Example:
    >>> import torch.nn as nn
    >>> import circuits
    >>> from qnn import QuantumLayer
    >>> circuit = circuits.angle_encoding(4) + circuits.strongly_entangling(4, n_layers=3)
    >>> model = nn.Sequential(nn.Linear(16, 4), QuantumLayer(circuit), nn.Linear(4, 2))

Models live in `qnn.models`, benchmarks in `qnn.bench`, attributions in `qnn.explain`.
"""

from qnn.backends import AerBackend, Backend, FakeBackend, IBMBackend, PennyLaneBackend, SimulatorBackend, get_backend
from qnn.energy import EnergyMeasurement, measure_energy
from qnn.hardware import SPSA, CostLimitError, HardwareJobError, JobJournal, ParameterShift, RuntimeOptions
from qnn.layer import QuantumLayer
from qnn.observables import PauliSum, Probabilities
from qnn.simulator import SimulatorMemoryError, simulate
from qnn.training import TrainConfig, train

__version__ = "0.1.0"

__all__ = [
    "SPSA",
    "AerBackend",
    "Backend",
    "CostLimitError",
    "EnergyMeasurement",
    "FakeBackend",
    "HardwareJobError",
    "IBMBackend",
    "JobJournal",
    "ParameterShift",
    "PauliSum",
    "PennyLaneBackend",
    "Probabilities",
    "QuantumLayer",
    "RuntimeOptions",
    "SimulatorBackend",
    "SimulatorMemoryError",
    "TrainConfig",
    "get_backend",
    "measure_energy",
    "simulate",
    "train",
]
