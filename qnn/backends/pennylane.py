"""Any installed PennyLane device as a backend, through a QNode with the torch interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points

import torch

from circuits.circuit import input_indices
from circuits.export import to_pennylane
from qnn.observables import PauliSum, Probabilities


@dataclass(frozen=True)
class PennyLaneBackend:
    """Run the circuit on `qml.device(device, wires=n_qubits, **device_options)`, batched by broadcasting.

    Args:
        device: a PennyLane device name: ``"default.qubit"``, ``"lightning.qubit"``, ``"default.mixed"``, ...
        diff_method: the QNode's differentiation method (``"best"``, ``"backprop"``, ``"parameter-shift"``, ...).
        noise_model: a PennyLane `NoiseModel` added to the QNode with `qml.add_noise` (use a mixed-state device).
        device_options: further keyword arguments of `qml.device`, as a tuple of pairs.

    Shots come from the layer; the device's seed is drawn from the layer's generator.

    Example:
        >>> import circuits
        >>> from qnn import QuantumLayer
        >>> layer = QuantumLayer(circuits.angle_encoding(2), backend=PennyLaneBackend("default.qubit"))
        >>> layer(torch.zeros(3, 2)).shape
        torch.Size([3, 2])
    """

    device: str = "default.qubit"
    diff_method: str = "best"
    noise_model: object = None
    device_options: tuple[tuple[str, object], ...] = field(default=())

    def __post_init__(self):
        # Checked here, from the installed plugins' entry points (no PennyLane import), not at the first forward pass.
        installed = sorted(e.name for e in entry_points(group="pennylane.plugins"))
        if self.device not in installed:
            raise ValueError(f"unknown PennyLane device {self.device!r}; installed: {', '.join(installed)}")

    @property
    def name(self) -> str:
        return f"pennylane:{self.device}"

    def run(self, circuit, observables, inputs, weights, shots=None, generator=None):
        import pennylane as qml

        seed = None if generator is None else int(torch.randint(2**31 - 1, (1,), generator=generator))
        options = dict(self.device_options)
        if seed is not None and "seed" not in options:
            options["seed"] = seed
        dev = qml.device(self.device, wires=circuit.n_qubits, **options)
        apply = to_pennylane(circuit)

        def measure():
            if isinstance(observables, Probabilities):
                return qml.probs(wires=range(circuit.n_qubits))
            return [qml.expval(_hamiltonian(obs)) for obs in observables]

        @qml.qnode(dev, interface="torch", diff_method=self.diff_method)
        def node(x, w):
            apply(x, w)
            return measure()

        if self.noise_model is not None:
            node = qml.add_noise(node, self.noise_model)
        if shots is not None:
            node = qml.set_shots(node, shots)
        reads_inputs = any(input_indices(p) for op in circuit.operations for p in op.params)
        outputs = node(inputs if reads_inputs else None, weights)
        outputs = outputs if isinstance(outputs, torch.Tensor) else torch.stack(list(outputs), dim=-1)
        return _batched(outputs, inputs.shape[0], reads_inputs).to(weights.dtype)


def _hamiltonian(obs: PauliSum):
    import pennylane as qml

    n = len(obs.terms[0][1])
    wire_map = {w: w for w in range(n)}
    words = [qml.pauli.string_to_pauli_word(word, wire_map) for _, word in obs.terms]
    return qml.dot([c for c, _ in obs.terms], words)


def _batched(outputs: torch.Tensor, batch: int, reads_inputs: bool) -> torch.Tensor:
    """PennyLane returns (n_outputs,) without broadcasting and (batch, n_outputs) with it."""
    if not reads_inputs or outputs.dim() == 1:
        return outputs.reshape(1, -1).expand(batch, -1)
    return outputs
