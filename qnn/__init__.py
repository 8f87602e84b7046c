"""qnn: quantum neural networks as PyTorch layers.

Example:
    >>> import torch.nn as nn
    >>> import circuits
    >>> from qnn import QuantumLayer
    >>> circuit = circuits.angle_encoding(4) + circuits.strongly_entangling(4, n_layers=3)
    >>> model = nn.Sequential(nn.Linear(16, 4), QuantumLayer(circuit), nn.Linear(4, 2))
"""

from qnn.backends import Backend, SimulatorBackend, get_backend
from qnn.layer import QuantumLayer
from qnn.observables import PauliSum, Probabilities
from qnn.simulator import SimulatorMemoryError, simulate

__version__ = "0.1.0"

__all__ = [
    "Backend",
    "PauliSum",
    "Probabilities",
    "QuantumLayer",
    "SimulatorBackend",
    "SimulatorMemoryError",
    "get_backend",
    "simulate",
]
