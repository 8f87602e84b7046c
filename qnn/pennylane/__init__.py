"""qnn's simulator as a PennyLane device: ``qml.device("qnn.simulator", wires=n)``.

Registered through the ``pennylane.plugins`` entry point; `QnnSimulator` is the device class.
"""

from qnn.pennylane.device import QnnSimulator

__all__ = ["QnnSimulator"]
