"""Quantum self-attention (QSANN, Li et al. 2022) and an encoder layer built from it.

Queries and keys are one number per token, ⟨Z₀⟩ of a variational circuit; values are ⟨Z⟩ on every wire
of a third circuit. Attention is Gaussian, as in the paper: α_sj ∝ exp(-(q_s - k_j)²). Every token of
a batch goes through each circuit in one simulator call.

Example:
    >>> import torch
    >>> layer = QuantumEncoderLayer(d_model=6, n_qubits=3, generator=torch.Generator().manual_seed(0))
    >>> layer(torch.zeros(2, 5, 6)).shape
    torch.Size([2, 5, 6])
"""

from __future__ import annotations

import torch
from torch import nn

import circuits
from qnn.models.circuit_tools import without_entanglement
from qnn.models.layers import quantum_layer
from qnn.models.variational import z_each


def token_circuit(n_qubits: int, n_layers: int, entangling: bool = True) -> circuits.Circuit:
    """RX(x_i) on wire i, then strongly entangling layers (n_qubits inputs)."""
    circuit = circuits.angle_encoding(n_qubits, rotation="X") + circuits.strongly_entangling(n_qubits, n_layers)
    return circuit if entangling else without_entanglement(circuit)


class QuantumSelfAttention(nn.Module):
    """(batch, seq, d_model) → (batch, seq, d_model): Σ_j α_sj v_j, without residual connection.

    Tokens are mapped to `n_qubits` angles by a shared linear layer; values are mapped back to
    `d_model` by another. A forward pass runs 3 circuits per token.
    """

    def __init__(
        self,
        d_model: int,
        n_qubits: int = 4,
        n_layers: int = 1,
        entangling: bool = True,
        backend="simulator",
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.d_model = d_model
        self.encode = nn.Linear(d_model, n_qubits)
        circuit = token_circuit(n_qubits, n_layers, entangling)
        first_z = z_each(n_qubits)[:1]
        self.query = quantum_layer(circuit, first_z, backend, generator)
        self.key = quantum_layer(circuit, first_z, backend, generator)
        self.value = quantum_layer(circuit, z_each(n_qubits), backend, generator)
        self.decode = nn.Linear(n_qubits, d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 3 or x.shape[2] != self.d_model:
            raise ValueError(f"x must have shape (batch, seq, {self.d_model}), got {tuple(x.shape)}")
        batch, seq, _ = x.shape
        angles = self.encode(x).reshape(batch * seq, -1)
        q = self.query(angles).reshape(batch, seq, 1)
        k = self.key(angles).reshape(batch, 1, seq)
        v = self.decode(self.value(angles)).reshape(batch, seq, self.d_model)
        weights = torch.softmax(-(q - k).square(), dim=2)  # Gaussian attention, (batch, seq, seq)
        return weights @ v


class QuantumEncoderLayer(nn.Module):
    """A post-norm encoder layer like `nn.TransformerEncoderLayer(batch_first=True)`, with quantum
    self-attention: x ← LayerNorm(x + Attn(x)); x ← LayerNorm(x + FFN(x)). (batch, seq, d_model) → same."""

    def __init__(
        self,
        d_model: int,
        n_qubits: int = 4,
        n_layers: int = 1,
        dim_feedforward: int = 16,
        dropout: float = 0.0,
        entangling: bool = True,
        backend="simulator",
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        self.attention = QuantumSelfAttention(d_model, n_qubits, n_layers, entangling, backend, generator)
        self.norm1 = nn.LayerNorm(d_model)
        self.norm2 = nn.LayerNorm(d_model)
        self.feedforward = nn.Sequential(
            nn.Linear(d_model, dim_feedforward), nn.ReLU(), nn.Dropout(dropout), nn.Linear(dim_feedforward, d_model)
        )
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm1(x + self.dropout(self.attention(x)))
        return self.norm2(x + self.dropout(self.feedforward(x)))


class SequenceClassifier(nn.Module):
    """An encoder layer (quantum or `nn.TransformerEncoderLayer(batch_first=True)`), mean pooling over
    the sequence and a linear head: (batch, seq, d_model) → (batch, n_classes) logits."""

    def __init__(self, encoder: nn.Module, d_model: int, n_classes: int):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(d_model, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(x).mean(dim=1))
