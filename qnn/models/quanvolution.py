"""Quanvolution (Henderson et al. 2020) with ⟨Z⟩ read-outs: a quantum filter slid over image patches, and a
hybrid net (`ExpvalQuanvolutionalClassifier`; the paper's model is `qnn.models.random_quanvolution`).

Each k×k patch (stride k) is encoded by RY(π·pixel) on k² qubits, passed through a random (fixed) or
trainable circuit, and read as ⟨Z⟩ on each qubit: k² output channels. All patches of a batch go to
the simulator in one call.

Example:
    >>> import torch
    >>> layer = Quanvolution(kernel_size=2, generator=torch.Generator().manual_seed(0))
    >>> layer(torch.rand(3, 1, 4, 6)).shape
    torch.Size([3, 4, 2, 3])
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn

import circuits
from qnn.models.base import QuantumClassifier
from qnn.models.layers import min_max_scaling, quantum_layer
from qnn.models.variational import z_each


class Quanvolution(nn.Module):
    """(batch, 1, H, W) pixels in [0, 1] → (batch, k², H // k, W // k); a trailing partial patch is dropped.

    `trainable=False` (Henderson et al.'s choice) keeps the random circuit fixed.
    """

    def __init__(
        self,
        kernel_size: int = 2,
        n_layers: int = 1,
        trainable: bool = False,
        backend="simulator",
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.kernel_size = kernel_size
        n = kernel_size**2
        encoding = circuits.angle_encoding(n, rotation="Y")
        circuit = encoding + circuits.strongly_entangling(n, n_layers) if n > 1 else encoding
        self.quantum = quantum_layer(circuit, z_each(n), backend, generator)
        self.quantum.weights.requires_grad_(trainable)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.dim() != 4 or images.shape[1] != 1:
            raise ValueError(f"images must have shape (batch, 1, H, W), got {tuple(images.shape)}")
        k = self.kernel_size
        batch, _, height, width = images.shape
        patches = nn.functional.unfold(images, kernel_size=k, stride=k)  # (batch, k², L)
        values = self.quantum(math.pi * patches.transpose(1, 2).reshape(-1, k * k))
        return values.reshape(batch, -1, k * k).transpose(1, 2).reshape(batch, k * k, height // k, width // k)


class Images(nn.Module):
    """Flat pixels (batch, H·W) → images (batch, 1, H, W)."""

    def __init__(self, shape: tuple[int, int]):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], 1, *self.shape)


def quanvolutional_net(
    image_shape: tuple[int, int],
    n_classes: int,
    kernel_size: int = 2,
    n_layers: int = 1,
    trainable: bool = False,
    dropout: float = 0.0,
    backend="simulator",
    generator: torch.Generator | None = None,
) -> nn.Sequential:
    """Hybrid CNN: flat pixels in [0, 1] (batch, H·W) → quanvolution → ReLU → Flatten → Dropout → Linear
    → logits (batch, n_classes)."""
    h, w = image_shape
    k = kernel_size
    return nn.Sequential(
        Images(image_shape),
        Quanvolution(kernel_size, n_layers, trainable, backend, generator),
        nn.Flatten(),
        nn.Dropout(dropout),
        nn.Linear(k * k * (h // k) * (w // k), n_classes),
    )


def image_shape_of(n_features: int, image_shape) -> tuple[int, int]:
    """`image_shape`, or a square one when it is None; a ValueError if the pixels do not fit."""
    if image_shape is None:
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError(f"image_shape is required: {n_features} features do not form a square image")
        return side, side
    h, w = image_shape
    if h * w != n_features:
        raise ValueError(f"image_shape {tuple(image_shape)} holds {h * w} pixels, but X has {n_features} features")
    return int(h), int(w)


class ExpvalQuanvolutionalClassifier(QuantumClassifier):
    """Henderson et al. 2020 as an estimator, smooth and trainable end to end: X holds flattened images
    (n_samples, H·W), rescaled to [0, 1] per pixel; `image_shape=None` means square images. Unlike the paper's
    `QuanvolutionalClassifier` (binarised pixels, Hamming weight of the most probable outcome, a CNN), its
    features are expectation values, so gradients reach the pixels (attributions, heat maps)."""

    def __init__(
        self,
        image_shape=None,
        kernel_size=2,
        n_layers=1,
        trainable=False,
        dropout=0.0,
        learning_rate=0.01,
        max_steps=200,
        batch_size=32,
        convergence_interval=20,
        optimizer="adam",
        weight_decay=0.0,
        backend="simulator",
        device="cpu",
        random_state=None,
        verbose=False,
    ):
        self.image_shape = image_shape
        self.kernel_size = kernel_size
        self.n_layers = n_layers
        self.trainable = trainable
        self.dropout = dropout
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
        if min(self.image_shape_) < self.kernel_size:
            raise ValueError(f"kernel_size {self.kernel_size} is larger than the image {self.image_shape_}")
        net = quanvolutional_net(
            self.image_shape_, n_classes, self.kernel_size, self.n_layers, self.trainable, self.dropout,
            self.backend, generator,
        )  # fmt: skip
        return nn.Sequential(min_max_scaling(X, 0.0, 1.0), net)

    def _circuits_per_sample(self) -> int:
        h, w = self.image_shape_
        return (h // self.kernel_size) * (w // self.kernel_size)
