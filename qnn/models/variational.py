"""Variational classifiers as torch modules, each following its paper (and qml-benchmarks' choices).

Every builder maps scaled features (batch, n_features) → logits (batch, n_classes); the estimators
in `qnn.models.classifiers` put the feature scaling in front. `entangling=False` removes every gate on
two or more wires (the ablation asking whether entanglement matters).

Example:
    >>> import torch
    >>> model = dressed_quantum_circuit(5, 3, n_qubits=4, n_layers=2, generator=torch.Generator().manual_seed(0))
    >>> model(torch.zeros(7, 5)).shape
    torch.Size([7, 3])
"""

from __future__ import annotations

import math

import torch
from torch import nn

import circuits
from circuits.circuit import Circuit, Input, Operation, Weight
from qnn.models.circuit_tools import prefix_hadamards, replace_gate, without_entanglement
from qnn.models.layers import Scale, quantum_layer
from qnn.models.layers import readout as make_readout
from qnn.models.losses import check_choice


def _ablate(circuit: Circuit, entangling: bool, keep_state_prep: bool = False) -> Circuit:
    return circuit if entangling else without_entanglement(circuit, keep_state_prep)


def z_each(n_qubits: int) -> list[str]:
    return ["I" * w + "Z" + "I" * (n_qubits - w - 1) for w in range(n_qubits)]


def dressed_quantum_circuit(
    n_features: int,
    n_classes: int,
    n_qubits: int,
    n_layers: int = 3,
    entangling: bool = True,
    dropout: float = 0.0,
    backend="simulator",
    generator: torch.Generator | None = None,
    linear_layers: str = "torch",
) -> nn.Sequential:
    """Mari et al. 2019: Linear → tanh·π/2 → [H, RY(x) encoding; RY layers with a CNOT ring] → ⟨Z⟩ each → Linear.

    (batch, n_features) → (batch, n_classes). Dropout acts on the quantum layer's classical input.
    `linear_layers="paper"`: both linear maps without bias, weights drawn from N(0, 1)/n_features with
    `generator` (qml-benchmarks); `"torch"`: `nn.Linear`'s own initialisation, with biases.
    """
    check_choice("linear_layers", linear_layers, ("paper", "torch"))
    circuit = prefix_hadamards(n_qubits) + circuits.angle_encoding(n_qubits, rotation="Y")
    circuit = _ablate(circuit + circuits.basic_entangler(n_qubits, n_layers, rotation="Y"), entangling)
    paper = linear_layers == "paper"
    into, out = nn.Linear(n_features, n_qubits, bias=not paper), nn.Linear(n_qubits, n_classes, bias=not paper)
    if paper:
        with torch.no_grad():
            for linear in (into, out):
                linear.weight.normal_(generator=generator).div_(n_features)
    layer = quantum_layer(circuit, z_each(n_qubits), backend, generator)
    return nn.Sequential(into, nn.Tanh(), Scale(math.pi / 2), nn.Dropout(dropout), layer, out)


def iqp_variational(
    n_features: int,
    n_classes: int,
    n_layers: int = 3,
    repeats: int = 1,
    entangling: bool = True,
    backend="simulator",
    generator: torch.Generator | None = None,
    readout: str = "logits",
) -> nn.Sequential:
    """Havlíček et al. 2019: IQP encoding, then strongly entangling layers with CZ entanglers; ⟨Z₀Z₁⟩
    read as P(second class) = σ(6⟨Z₀Z₁⟩) for two classes, ⟨Z⟩ on each wire and a linear map otherwise.
    `readout="expectations"` (two classes): ⟨Z₀Z₁⟩ itself, (batch, 1), for the paper's linear loss.

    One qubit per feature (at least two, so that Z₀Z₁ exists).
    """
    n_qubits = max(n_features, 2)
    encoding = circuits.iqp_encoding(n_features, n_repeats=repeats)
    ansatz = replace_gate(circuits.strongly_entangling(n_qubits, n_layers), "CNOT", "CZ")
    circuit = _ablate(encoding + ansatz, entangling)
    observables = ["ZZ"] if n_classes == 2 else z_each(n_qubits)
    head = _head(readout, len(observables), n_classes)
    return nn.Sequential(quantum_layer(circuit, observables, backend, generator), head)


def _head(readout: str, n_outputs: int, n_classes: int, bias: bool = False) -> nn.Module:
    """Logits from the measured values, or (`readout="expectations"`, two classes) the values themselves."""
    check_choice("readout", readout, ("expectations", "logits"))
    if readout == "logits":
        return make_readout(n_outputs, n_classes, bias=bias)
    if n_classes != 2:
        raise ValueError(f"readout 'expectations' (the paper's losses) needs two classes, got {n_classes}")
    return ExpectationBias() if bias else nn.Identity()


class ExpectationBias(nn.Module):
    """A trainable scalar b added to an expectation value, initially 0.01 (Schuld et al.): (batch, 1) → (batch, 1)."""

    def __init__(self):
        super().__init__()
        self.bias = nn.Parameter(torch.full((1,), 0.01))

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return f + self.bias


def separable_variational(
    n_features: int,
    n_classes: int,
    n_layers: int = 1,
    backend="simulator",
    generator: torch.Generator | None = None,
) -> nn.Sequential:
    """qml-benchmarks' separable model: on each wire, `n_layers` × (Rot(w), RY(x_i)), then Rot(w); no
    entangling gate at all. Two classes: P(second) = σ(6·mean⟨Zᵢ⟩); more: ⟨Z⟩ on each wire and a linear map.
    """
    n = n_features
    ops = []
    for l in range(n_layers + 1):
        for i in range(n):
            first = 3 * (l * n + i)
            ops.append(Operation("Rot", (i,), (Weight(first), Weight(first + 1), Weight(first + 2))))
            if l < n_layers:
                ops.append(Operation("RY", (i,), (Input(i),)))
    circuit = Circuit.of(n, ops, n_inputs=n, weight_shapes=[(n_layers + 1, n, 3)])
    observables = [{word: 1.0 / n for word in z_each(n)}] if n_classes == 2 else z_each(n)
    return nn.Sequential(
        quantum_layer(circuit, observables, backend, generator), make_readout(len(observables), n_classes)
    )


class AmplitudeInputs(nn.Module):
    """Schuld et al.'s input map: pad x to 2**m with 1/2**m, normalise, and take `n_copies` Kronecker
    copies: (batch, d) → (batch, 2**(m·n_copies)), m = max(1, ⌈log₂ d⌉)."""

    def __init__(self, n_features: int, n_copies: int = 1):
        super().__init__()
        self.n_features, self.n_copies = n_features, n_copies
        self.qubits_per_copy = max(1, math.ceil(math.log2(n_features)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dim = 2**self.qubits_per_copy
        padded = torch.cat([x, x.new_full((x.shape[0], dim - x.shape[1]), 1.0 / dim)], dim=1)
        # A tiny floor keeps an all-zero sample (possible when d is a power of two) normalisable.
        single = padded / padded.norm(dim=1, keepdim=True).clamp_min(1e-12)
        out = single
        for _ in range(self.n_copies - 1):
            out = (out[:, :, None] * single[:, None, :]).reshape(x.shape[0], -1)
        return out


def circuit_centric(
    n_features: int,
    n_classes: int,
    n_layers: int = 3,
    n_copies: int = 1,
    entangling: bool = True,
    backend="simulator",
    generator: torch.Generator | None = None,
    readout: str = "logits",
) -> nn.Sequential:
    """Schuld et al. 2018: amplitude encoding on ⌈log₂ d⌉ qubits per copy, strongly entangling layers,
    ⟨Z₀⟩ plus a trainable bias (two classes), or ⟨Z⟩ on each wire and a linear map (more classes).
    Two classes: logits σ(6(⟨Z₀⟩ + b)), or with `readout="expectations"` ⟨Z₀⟩ + b itself, (batch, 1), for the
    paper's square loss.

    `entangling=False` removes the ansatz's entangling gates; the amplitude-encoded input state itself
    is kept (it is the data).
    """
    amplitudes = AmplitudeInputs(n_features, n_copies)
    n_qubits = amplitudes.qubits_per_copy * n_copies
    circuit = circuits.amplitude_encoding(n_qubits) + circuits.strongly_entangling(n_qubits, n_layers)
    circuit = _ablate(circuit, entangling, keep_state_prep=True)
    observables = ["Z"] if n_classes == 2 else z_each(n_qubits)
    layer = quantum_layer(circuit, observables, backend, generator)
    return nn.Sequential(amplitudes, layer, _head(readout, len(observables), n_classes, bias=True))
