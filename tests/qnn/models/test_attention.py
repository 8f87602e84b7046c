"""Quantum self-attention: Gaussian attention over circuit queries and keys, an encoder layer, a toy task."""

import pytest
import torch
from torch import nn

from qnn.layer import QuantumLayer
from qnn.models.attention import QuantumEncoderLayer, QuantumSelfAttention, SequenceClassifier
from qnn.models.circuit_tools import entangling_operations
from qnn.training import TrainConfig, train


def test_attention_equals_a_loop_over_token_pairs(generator):
    block = QuantumSelfAttention(d_model=3, n_qubits=2, generator=generator).double()
    x = torch.rand(2, 4, 3, dtype=torch.float64, generator=generator)
    out = block(x)
    for b in range(2):
        angles = block.encode(x[b])
        q, k = block.query(angles)[:, 0], block.key(angles)[:, 0]
        v = block.decode(block.value(angles))
        for s in range(4):
            weights = torch.stack([torch.exp(-((q[s] - k[j]) ** 2)) for j in range(4)])
            torch.testing.assert_close(out[b, s], (weights / weights.sum()) @ v)


def test_encoder_layer_keeps_the_shape_like_torchs(generator):
    x = torch.rand(3, 5, 4)
    quantum = QuantumEncoderLayer(4, n_qubits=2, generator=generator)
    classical = nn.TransformerEncoderLayer(4, nhead=1, dim_feedforward=16, batch_first=True)
    assert quantum(x).shape == classical(x).shape == (3, 5, 4)


def test_entangling_false_and_bad_shapes(generator):
    block = QuantumSelfAttention(4, n_qubits=3, entangling=False, generator=generator)
    for layer in (m for m in block.modules() if isinstance(m, QuantumLayer)):
        assert entangling_operations(layer.circuit) == []
    with pytest.raises(ValueError, match=r"\(batch, seq, 4\)"):
        block(torch.rand(2, 4))


def test_learns_a_toy_sequence_task():
    # Is the mean of the first feature over the sequence positive?
    generator = torch.Generator().manual_seed(0)
    tokens = torch.randn(240, 5, 3, generator=generator)
    labels = (tokens[:, :, 0].mean(1) > 0).long()
    torch.manual_seed(0)
    model = SequenceClassifier(QuantumEncoderLayer(3, n_qubits=2, generator=generator), 3, 2)
    train(model, tokens[:160], labels[:160], TrainConfig(learning_rate=0.03, max_steps=80), generator=generator)
    with torch.no_grad():
        accuracy = (model(tokens[160:]).argmax(1) == labels[160:]).float().mean().item()
    assert accuracy > 0.85
