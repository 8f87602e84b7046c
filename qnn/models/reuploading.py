"""Data re-uploading (Pérez-Salinas et al. 2020, the multi-qubit classifier) with trainable input scaling.

Three features per qubit: in each of `n_layers` layers, wire i applies Rot(ω ⊙ x[3i:3i+3]) and then a
trainable Rot(θ), followed by CZs on pairs (0,1), (2,3), … in even layers and (1,2), (3,4), … in odd
ones; a last layer applies Rot(ω ⊙ x + θ) without CZs (qml-benchmarks' `DataReuploadingClassifier`).
The input scalings ω live in the torch module, since a circuit's input scales are fixed numbers: the
module computes every angle that depends on x and feeds them to the circuit as inputs.

Example:
    >>> import torch
    >>> model = DataReuploading(7, n_classes=2, n_layers=2, generator=torch.Generator().manual_seed(0))
    >>> model.n_qubits, model(torch.zeros(5, 7)).shape, model.alphas.shape
    (3, torch.Size([5, 1]), torch.Size([2, 1]))
"""

from __future__ import annotations

import math

import torch
from torch import nn

from circuits.circuit import Circuit, Input, Operation, Weight
from qnn.models.circuit_tools import without_entanglement
from qnn.models.layers import quantum_layer
from qnn.models.layers import readout as make_readout
from qnn.models.losses import check_choice
from qnn.models.variational import z_each
from qnn.validation import check_int


def reuploading_circuit(n_qubits: int, n_layers: int, entangling: bool = True) -> Circuit:
    """Inputs: (n_layers + 1) × n_qubits × 3 angles, layer by layer; weights: θ of shape (n_layers, n_qubits, 3).

    The last layer's angles already hold its θ (added by the module), so it has no weights here.
    """
    ops, n = [], n_qubits
    for l in range(n_layers + 1):
        for i in range(n):
            first = 3 * (l * n + i)
            ops.append(Operation("Rot", (i,), tuple(Input(first + k) for k in range(3))))
            if l < n_layers:
                ops.append(Operation("Rot", (i,), tuple(Weight(first + k) for k in range(3))))
        if l < n_layers:
            ops += [Operation("CZ", (i, i + 1)) for i in range(l % 2, n - 1, 2)]
    circuit = Circuit.of(n, ops, n_inputs=3 * n * (n_layers + 1), weight_shapes=[(n_layers, n, 3)])
    return circuit if entangling else without_entanglement(circuit)


OBSERVABLE_TYPES = ("single", "half", "full")
READOUTS = ("expectations", "logits")


def observable_weight(observable_type: str, n_qubits: int) -> int:
    """How many qubits (the first w) the readout uses: "single" 1, "half" ⌊n/2⌋ (at least 1), "full" n."""
    return {"single": 1, "half": max(1, n_qubits // 2), "full": n_qubits}[observable_type]


class DataReuploading(nn.Module):
    """(batch, n_features) scaled features → (batch, w) expectation values or (batch, n_classes) logits.

    `readout="expectations"` (the paper's): ⟨Z⟩ of the first w qubits (w from `observable_type`), trained with
    `qnn.models.losses.squared_fidelity_loss` and the class weights `alphas` (2, w, initially ones); two classes
    only. `readout="logits"`: two classes, P(second) = σ(6·mean of those ⟨Z⟩); more, ⟨Z⟩ on each wire and a linear
    map. `n_qubits=None` uses ⌈n_features / 3⌉ wires; more wires repeat the features cyclically, fewer are an error.
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        n_layers: int = 4,
        n_qubits: int | None = None,
        entangling: bool = True,
        backend="simulator",
        generator: torch.Generator | None = None,
        observable_type: str = "single",
        readout: str = "expectations",
    ):
        super().__init__()
        check_int("n_layers", n_layers, minimum=1)  # zero layers would silently train only the final rotations
        check_choice("observable_type", observable_type, OBSERVABLE_TYPES)
        check_choice("readout", readout, READOUTS)
        if readout == "expectations" and n_classes != 2:
            raise ValueError(f"readout 'expectations' (the paper's loss) needs two classes, got {n_classes}")
        needed = math.ceil(n_features / 3)
        self.n_qubits = needed if n_qubits is None else n_qubits
        if self.n_qubits < needed:
            raise ValueError(f"n_qubits must be at least ceil(n_features / 3) = {needed}, got {n_qubits}")
        self.n_features, self.n_layers = n_features, n_layers
        slots = 3 * self.n_qubits
        # Which feature feeds each of the 3·n_qubits angle slots; -1 is zero padding.
        index = torch.arange(slots) % n_features if self.n_qubits > needed else torch.arange(slots)
        index = torch.where(index < n_features, index, -1)
        self.register_buffer("feature_index", index)
        self.omegas = nn.Parameter(torch.rand(n_layers + 1, slots, generator=generator))
        self.final_thetas = nn.Parameter(torch.rand(slots, generator=generator))
        circuit = reuploading_circuit(self.n_qubits, n_layers, entangling)
        w = observable_weight(observable_type, self.n_qubits)
        if readout == "expectations":
            observables = z_each(self.n_qubits)[:w]
            self.alphas = nn.Parameter(torch.ones(2, w))
            self.readout = nn.Identity()
        else:
            observables = [{z: 1.0 / w for z in z_each(self.n_qubits)[:w]}] if n_classes == 2 else z_each(self.n_qubits)
            self.readout = make_readout(len(observables), n_classes)
        # The paper's initial θ are uniform on [0, 1), as are ω.
        self.quantum = quantum_layer(circuit, observables, backend, generator, init=(0.0, 1.0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded = torch.cat([x, x.new_zeros(x.shape[0], 1)], dim=1)[:, self.feature_index]
        # ω·x in every layer, plus θ in the last: one fused product for autograd rather than slices and a join.
        final = torch.cat(
            [self.final_thetas.new_zeros(self.n_layers, self.final_thetas.shape[0]), self.final_thetas[None]]
        )
        angles = torch.addcmul(final, self.omegas, padded[:, None, :])
        return self.readout(self.quantum(angles.reshape(x.shape[0], -1)))
