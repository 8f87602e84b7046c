"""QLSTM: the LSTM recurrence with circuit gates, nn.LSTM's interface, and it fits a sine wave."""

import math

import pytest
import torch
from torch import nn

from qnn.layer import QuantumLayer
from qnn.models.circuit_tools import entangling_operations
from qnn.models.recurrent import QLSTM, SequenceRegressor, VariationalGate, qlstm_circuit
from qnn.training import TrainConfig, train


def test_shapes_like_nn_lstm(generator):
    lstm = QLSTM(3, 5, n_qubits=2, generator=generator)
    reference = nn.LSTM(3, 5, batch_first=True)
    x = torch.rand(4, 6, 3)
    (out, (h, c)), (ref_out, (ref_h, ref_c)) = lstm(x), reference(x)
    assert out.shape == ref_out.shape and h.shape == ref_h.shape and c.shape == ref_c.shape
    torch.testing.assert_close(out[:, -1], h[0])


def test_recurrence_step_by_step(generator):
    lstm = QLSTM(2, 3, n_qubits=2, generator=generator).double()
    x = torch.rand(2, 3, 2, dtype=torch.float64, generator=generator)
    h0 = torch.rand(1, 2, 3, dtype=torch.float64, generator=generator)
    c0 = torch.rand(1, 2, 3, dtype=torch.float64, generator=generator)
    out, (h, c) = lstm(x, (h0, c0))
    hh, cc = h0[0], c0[0]
    for t in range(3):
        hx = torch.cat([hh, x[:, t]], 1)
        gates = {name: gate(hx) for name, gate in lstm.gates.items()}
        cc = torch.sigmoid(gates["forget"]) * cc + torch.sigmoid(gates["input"]) * torch.tanh(gates["candidate"])
        hh = torch.sigmoid(gates["output"]) * torch.tanh(cc)
        torch.testing.assert_close(out[:, t], hh)
    torch.testing.assert_close(c[0], cc)


def test_gate_encoding_follows_chen_et_al(generator):
    gate = VariationalGate(3, 2, n_qubits=2, n_layers=1, entangling=True, backend="simulator", generator=generator)
    v = torch.rand(4, 3, generator=generator)
    angles = gate.encode(v)
    direct = gate.quantum(torch.cat([torch.atan(angles), torch.atan(angles**2)], 1))
    torch.testing.assert_close(gate(v), gate.decode(direct))
    assert qlstm_circuit(2, 1).gate_counts["H"] == 2


def test_entangling_false_removes_every_entangling_gate(generator):
    lstm = QLSTM(1, 2, n_qubits=3, entangling=False, generator=generator)
    for layer in (m for m in lstm.modules() if isinstance(m, QuantumLayer)):
        assert entangling_operations(layer.circuit) == []


def test_bad_input_shape_is_an_error(generator):
    with pytest.raises(ValueError, match=r"\(batch, seq, 3\)"):
        QLSTM(3, 2, n_qubits=2, generator=generator)(torch.rand(4, 3))


def test_fits_a_sine_wave():
    generator = torch.Generator().manual_seed(0)
    wave = torch.sin(torch.linspace(0, 6 * math.pi, 160))
    window = 4
    x = torch.stack([wave[i : i + window] for i in range(len(wave) - window)])[:, :, None]
    y = wave[window:, None]
    torch.manual_seed(0)
    model = SequenceRegressor(QLSTM(1, 3, n_qubits=2, generator=generator))
    config = TrainConfig(learning_rate=0.05, max_steps=80, convergence_interval=0)
    train(model, x, y, config, loss_fn=nn.functional.mse_loss, generator=generator)
    with torch.no_grad():
        mse = nn.functional.mse_loss(model(x), y).item()
    assert mse < 0.05 * y.var().item()
