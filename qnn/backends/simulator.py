"""qnn's own simulator as a backend (the default): its options, handed to `qnn.simulator.execute`."""

from __future__ import annotations

from dataclasses import dataclass, field

from qnn.simulator.dense_recipe import DENSE_MAX_QUBITS
from qnn.simulator.execute import METHODS, CompiledCircuit, choose_path, execute
from qnn.simulator.settings import SimulatorSettings
from qnn.validation import check_int


@dataclass(frozen=True)
class SimulatorBackend:
    """Exact state-vector simulation on the device and precision of the layer's weights.

    Args:
        max_memory: bytes a call may use; None means the device's free memory.
        method: how gradients are computed. ``"adjoint"`` keeps one state from the forward pass and
            walks the circuit backwards, a cache-sized slice of the batch at a time (the final states
            plus a few slices of memory, whatever the depth, and copies of earlier states that save
            work where they fit within 3 batched states and ``max_memory``);
            ``"backprop"`` lets autograd record every operation (one state per operation, the only
            choice for circuits with StatePrep); ``"auto"`` (default) takes adjoint where it applies.
        fuse: widest block, in neighbouring qubits, that runs of gates are multiplied into before
            touching the state (default 4); 0 applies every gate on its own.
        product_state: compute the one-qubit gates that act before any entangling gate as a product
            state (default True).
        dense_max_qubits: circuits of at most this many qubits run as a few batched unitaries
            (`qnn.simulator.dense`: a training step is a few dozen tensor operations, whatever the depth)
            when ``method="auto"`` and their shape measured faster there (`DenseRecipe.max_qubits`: 5, 6
            or 8 qubits); 0 turns the path off.
        settings: the tuning settings (`qnn.simulator.SimulatorSettings`: slice sizes, memory target,
            thresholds), which change speed and memory, never results.

    Example:
        >>> import circuits, torch
        >>> from qnn import QuantumLayer
        >>> layer = QuantumLayer(circuits.angle_encoding(2), backend=SimulatorBackend(method="backprop", fuse=0))
        >>> layer(torch.zeros(1, 2)).shape
        torch.Size([1, 2])
    """

    max_memory: int | None = None
    method: str = "auto"
    fuse: int = 4
    product_state: bool = True
    dense_max_qubits: int = DENSE_MAX_QUBITS
    name: str = "simulator"
    settings: SimulatorSettings = field(default_factory=SimulatorSettings)

    def __post_init__(self):
        if self.max_memory is not None:  # "1GB" would fail deep inside the memory check, naming nothing
            check_int("max_memory (bytes)", self.max_memory, minimum=1)
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, got {self.method!r}")
        if isinstance(self.fuse, bool) or not isinstance(self.fuse, int) or self.fuse < 0:
            raise ValueError(f"fuse must be a non-negative integer (qubits), got {self.fuse!r}")
        dense = self.dense_max_qubits
        if isinstance(dense, bool) or not isinstance(dense, int) or dense < 0:
            raise ValueError(f"dense_max_qubits must be a non-negative integer, got {self.dense_max_qubits!r}")
        if not isinstance(self.settings, SimulatorSettings):
            raise TypeError(f"settings must be a qnn.simulator.SimulatorSettings, got {self.settings!r}")

    def run(self, circuit, observables, inputs, weights, shots=None, generator=None):
        """(batch, n_outputs): see `qnn.simulator.execute.execute`."""
        return execute(
            circuit,
            observables,
            inputs,
            weights,
            method=self.method,
            fuse=self.fuse,
            product_state=self.product_state,
            dense_max_qubits=self.dense_max_qubits,
            max_memory=self.max_memory,
            shots=shots,
            generator=generator,
            settings=self.settings,
        )

    def path(self, program, plan, differentiable: bool, observables=None, keep_state: bool = False) -> str:
        """How this backend runs `plan` (of `program`) measuring `observables`: one of
        `qnn.simulator.execute.PATHS`."""
        compiled = CompiledCircuit(program, plan)
        return choose_path(compiled, self.method, self.dense_max_qubits, differentiable, observables, keep_state)
