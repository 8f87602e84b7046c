"""The quanvolutional neural network of Bowles, Ahmed & Schuld (2024), after Henderson et al. (2019).

Pixels are min-max scaled to [-π/2, π/2] and binarised (1 where above `threshold`). Every q×q window (stride 1)
of the binary image is a basis state of q² qubits, sent through a fixed random circuit (PennyLane's
`RandomLayers` structure with rotation angles drawn uniformly in [0, 2π)); the feature is the Hamming weight of
the most probable output bitstring. One such random filter per quantum channel gives an image of
(H - q + 1) × (W - q + 1) pixels per channel, which the paper's CNN classifies: two k×k convolutions (32 and 64
channels, "same" padding) each followed by 2×2 max pooling, a dense layer of 128 ReLU units and one output logit
trained with the sigmoid cross-entropy.

Since the filter's input is one of 2^(q²) basis states, each channel is a table of 2^(q²) Hamming weights,
computed once when the model is built; the forward pass only looks windows up in it.

Example:
    >>> import torch
    >>> filters = HammingQuanvolution(qkernel_size=2, n_qchannels=3, generator=torch.Generator().manual_seed(0))
    >>> filters(torch.ones(5, 1, 4, 4)).shape
    torch.Size([5, 3, 3, 3])
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

import circuits
from circuits.circuit import Circuit, Operation, Weight
from qnn.layer import QuantumLayer
from qnn.models.base import QuantumClassifier
from qnn.models.circuit_tools import without_entanglement
from qnn.models.layers import min_max_scaling
from qnn.models.quanvolution import Images, image_shape_of
from qnn.observables import Probabilities

ROTATIONS = ("RX", "RY", "RZ")


def random_layers(
    n_qubits: int, n_layers: int, n_rotations: int, ratio_imprimitive: float = 0.3, seed: int = 42
) -> Circuit:
    """A random circuit with the structure of PennyLane's `RandomLayers(weights, wires, seed=seed)`.

    Each layer places `n_rotations` single-qubit rotations (RX, RY or RZ on a random wire, reading weight
    (layer, i)); before each, with probability `ratio_imprimitive`, CNOTs on random wire pairs are drawn instead.
    The structure comes from `numpy.random.default_rng(seed)` in the order the pinned PennyLane draws it (checked
    against it in the tests), so the same seed gives the same circuit; the weights (n_layers, n_rotations) are
    the circuit's to bind.

    >>> random_layers(4, n_layers=2, n_rotations=3).weight_shapes
    ((2, 3),)
    """
    rng = np.random.default_rng(seed)
    operations = []
    for layer in range(n_layers):
        placed = 0
        while placed < n_rotations:
            if rng.random() > ratio_imprimitive:
                gate = ROTATIONS[rng.choice(len(ROTATIONS))]
                wire = int(rng.choice(n_qubits, size=1, replace=False)[0])
                operations.append(Operation(gate, (wire,), (Weight(layer * n_rotations + placed),)))
                placed += 1
            elif n_qubits > 1:
                control, target = (int(w) for w in rng.choice(n_qubits, size=2, replace=False))
                operations.append(Operation("CNOT", (control, target)))
    return Circuit(n_qubits, tuple(operations), 0, ((n_layers, n_rotations),))


def basis_states(n_qubits: int) -> torch.Tensor:
    """All bitstrings of `n_qubits` in PennyLane's order (wire 0 the most significant bit): (2^n, n) float64."""
    index = torch.arange(2**n_qubits)
    return ((index[:, None] >> torch.arange(n_qubits - 1, -1, -1)) & 1).double()


def most_probable_hamming_weight(probabilities: torch.Tensor) -> torch.Tensor:
    """The number of ones in the most probable bitstring (the first one on ties): (batch, 2^n) → (batch,) int64."""
    index = probabilities.argmax(dim=1)
    n_qubits = int(math.log2(probabilities.shape[1]))
    return basis_states(n_qubits)[index].sum(dim=1).long()


class HammingQuanvolution(nn.Module):
    """Binary images (batch, 1, H, W) of 0/1 pixels → (batch, n_qchannels, H - q + 1, W - q + 1) float32.

    Channel c maps each q×q window (stride 1, wire i reading pixel (i // q, i % q)) to the Hamming weight of the
    most probable outcome of RY(π·pixel) encoding followed by its random circuit. The random circuits are kept
    as fixed (untrained) `QuantumLayer`s in `filters`, their lookup tables in the buffer `table`
    (n_qchannels, 2^(q²)). Every channel shares the circuit structure drawn from `structure_seed` (42, the
    paper's through `RandomLayers`' default) and draws its own angles from `generator`; `entangling=False` drops
    the CNOTs (the rotations keep their places and angles).
    """

    def __init__(
        self,
        qkernel_size: int = 2,
        n_qchannels: int = 1,
        n_layers: int = 10,
        n_rotations: int = 20,
        structure_seed: int = 42,
        entangling: bool = True,
        backend="simulator",
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.qkernel_size = qkernel_size
        n = qkernel_size**2
        encoding = circuits.angle_encoding(n, rotation="Y")
        circuit = encoding + random_layers(n, n_layers, n_rotations, seed=structure_seed)
        circuit = circuit if entangling else without_entanglement(circuit)
        self.filters = nn.ModuleList(
            QuantumLayer(circuit, Probabilities(), backend=backend, dtype=torch.complex128, init=_angles(generator))
            for _ in range(n_qchannels)
        )
        with torch.no_grad():
            tables = [most_probable_hamming_weight(f(math.pi * basis_states(n))) for f in self.filters]
        for f in self.filters:
            f.weights.requires_grad_(False)
        self.register_buffer("table", torch.stack(tables).float())
        self.register_buffer("powers", 2 ** torch.arange(n - 1, -1, -1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.dim() != 4 or images.shape[1] != 1:
            raise ValueError(f"images must have shape (batch, 1, H, W), got {tuple(images.shape)}")
        if not ((images == 0) | (images == 1)).all():
            raise ValueError("images must hold binary pixels (0 or 1); binarise them first (`Binarise`)")
        q = self.qkernel_size
        batch, _, height, width = images.shape
        windows = nn.functional.unfold(images, kernel_size=q)  # (batch, q², L), row-major within the window
        index = (windows.round().long() * self.powers[:, None]).sum(dim=1)  # (batch, L)
        features = self.table[:, index]  # (channels, batch, L)
        return features.transpose(0, 1).reshape(batch, -1, height - q + 1, width - q + 1)


def _angles(generator: torch.Generator | None):
    def fill(weights: torch.Tensor) -> None:
        weights.uniform_(0.0, 2 * math.pi, generator=generator)

    return fill


class Binarise(nn.Module):
    """1.0 where x > threshold, else 0.0 (a step with value 0 at the threshold): any shape, float32."""

    def __init__(self, threshold: float = 0.0):
        super().__init__()
        self.threshold = float(threshold)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x > self.threshold).to(torch.float32)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold:g}"


class BinaryLogits(nn.Module):
    """One logit z → two class logits (0, z), so their softmax is (1 - σ(z), σ(z)): (batch, 1) → (batch, 2)."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.zeros_like(z), z], dim=1)


def paper_cnn(
    in_channels: int,
    image_shape: tuple[int, int],
    n_classes: int,
    kernel_size: int = 3,
    output_channels: tuple[int, int] = (32, 64),
    generator: torch.Generator | None = None,
) -> nn.Sequential:
    """The paper's CNN: (batch, in_channels, H, W) → logits (batch, n_classes).

    Conv(k×k, "same") → 2×2 max pool (stride 2, a partial window kept) → Conv → pool → Dense(2·c₂) → ReLU →
    Dense(1) for two classes (read as logits (0, z)), Dense(n_classes) otherwise. Weights are initialised as
    Flax does (LeCun normal, truncated at two standard deviations; zero biases), drawn from `generator`.
    """
    first, second = output_channels
    h, w = image_shape
    for _ in range(2):
        h, w = math.ceil(h / 2), math.ceil(w / 2)
    head = [nn.Linear(2 * second, 1), BinaryLogits()] if n_classes == 2 else [nn.Linear(2 * second, n_classes)]
    net = nn.Sequential(
        _same_padding(kernel_size),
        nn.Conv2d(in_channels, first, kernel_size),
        nn.MaxPool2d(2, ceil_mode=True),
        _same_padding(kernel_size),
        nn.Conv2d(first, second, kernel_size),
        nn.MaxPool2d(2, ceil_mode=True),
        nn.Flatten(),
        nn.Linear(second * h * w, 2 * second),
        nn.ReLU(),
        *head,
    )
    for module in net.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            _lecun_normal_(module, generator)
    return net


def _same_padding(kernel_size: int) -> nn.ZeroPad2d:
    """Flax's "SAME" padding: k - 1 zeros, the odd one at the end (torch's padding="same" warns at even k)."""
    low = (kernel_size - 1) // 2
    return nn.ZeroPad2d((low, kernel_size - 1 - low, low, kernel_size - 1 - low))


def _lecun_normal_(module: nn.Conv2d | nn.Linear, generator: torch.Generator | None) -> None:
    fan_in = module.weight[0].numel()
    std = math.sqrt(1.0 / fan_in) / 0.87962566103423978  # the std of N(0, 1) truncated to [-2, 2] is 0.8796
    with torch.no_grad():
        nn.init.trunc_normal_(module.weight, std=std, a=-2 * std, b=2 * std, generator=generator)
        nn.init.zeros_(module.bias)


class QuanvolutionalClassifier(QuantumClassifier):
    """The paper's quanvolutional neural network as an estimator: X holds flattened images (n_samples, H·W),
    `image_shape=None` means square images.

    Hyperparameters (the paper's names in brackets): `qkernel_size` q (qkernel_shape), `n_qchannels` random
    filters, `n_layers` × `n_rotations` random rotations (rand_depth × rand_rot), `threshold` of the binarisation
    after min-max scaling to [-π/2, π/2], the CNN's `kernel_size` (kernel_shape) and `output_channels`;
    `entangling=False` removes the random circuits' CNOTs (the ablation). Only the CNN trains; training is the
    shared loop (Adam, the paper's stopping rule).

    Example:
        >>> import numpy as np
        >>> X, y = np.random.default_rng(0).random((40, 16)), np.arange(40) % 2
        >>> clf = QuanvolutionalClassifier(max_steps=5, random_state=0).fit(X, y)
        >>> clf.predict_proba(X[:3]).shape, clf.n_qubits_
        ((3, 2), 4)
    """

    def __init__(
        self,
        image_shape=None,
        qkernel_size=2,
        n_qchannels=1,
        n_layers=10,
        n_rotations=20,
        threshold=0.0,
        kernel_size=3,
        output_channels=(32, 64),
        entangling=True,
        learning_rate=0.001,
        max_steps=10000,
        batch_size=32,
        convergence_interval=200,
        optimizer="adam",
        weight_decay=0.0,
        backend="simulator",
        device="cpu",
        random_state=None,
        verbose=False,
    ):
        self.image_shape = image_shape
        self.qkernel_size = qkernel_size
        self.n_qchannels = n_qchannels
        self.n_layers = n_layers
        self.n_rotations = n_rotations
        self.threshold = threshold
        self.kernel_size = kernel_size
        self.output_channels = output_channels
        self.entangling = entangling
        self.learning_rate = learning_rate
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.convergence_interval = convergence_interval
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.backend = backend
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _build_model(self, X: np.ndarray, n_classes: int, generator: torch.Generator) -> nn.Module:
        self.image_shape_ = image_shape_of(X.shape[1], self.image_shape)
        q = self.qkernel_size
        if min(self.image_shape_) < q:
            raise ValueError(f"qkernel_size {q} is larger than the image {self.image_shape_}")
        quanvolution = HammingQuanvolution(
            q, self.n_qchannels, self.n_layers, self.n_rotations, entangling=self.entangling, backend=self.backend,
            generator=generator,
        )  # fmt: skip
        feature_shape = (self.image_shape_[0] - q + 1, self.image_shape_[1] - q + 1)
        cnn = paper_cnn(
            self.n_qchannels, feature_shape, n_classes, self.kernel_size, tuple(self.output_channels), generator
        )
        return nn.Sequential(min_max_scaling(X), Binarise(self.threshold), Images(self.image_shape_), quanvolution, cnn)

    def fit(self, X, y):
        """Train on X (n_samples, H·W) and labels y (n_samples,); returns self.

        `n_circuit_executions_` counts what the paper's feature map runs: each window of each training image
        once per channel (the map is fixed, so it is computed once, not per step).
        """
        super().fit(X, y)
        h, w = self.image_shape_
        q = self.qkernel_size
        self.n_circuit_executions_ = len(X) * (h - q + 1) * (w - q + 1) * self.n_qchannels
        return self
