import numpy as np
import pytest
import torch
from hypothesis import given, settings

import circuits
from circuits.circuit import Circuit, Const, Input, InputProduct, Operation, Weight
from qnn.backends import SimulatorBackend
from qnn.hardware import angle_circuit, gate_angles, slots
from qnn.observables import parse_observables
from tests.qnn.hardware.simulate import measure_angles
from tests.strategies import circuit_with_values


def test_slots_skip_constants_and_record_sources():
    c = Circuit.of(
        2,
        [
            Operation("RX", (0,), (Input(0, scale=2.0, shift=0.5),)),
            Operation("RZ", (1,), (Const(0.3),)),
            Operation("CRY", (0, 1), (Weight(0),)),
            Operation("RZZ", (0, 1), (InputProduct((Input(0), Input(1)), scale=0.5),)),
        ],
    )
    assert [(s.gate, s.reads_inputs, s.reads_weights) for s in slots(c)] == [
        ("RX", True, False),
        ("CRY", False, True),
        ("RZZ", True, False),
    ]
    x = torch.tensor([[0.2, -1.0], [1.5, 0.4]])
    w = torch.tensor([0.7])
    expected = torch.stack([2 * x[:, 0] + 0.5, w.expand(2), 0.5 * x[:, 0] * x[:, 1]], dim=1)
    torch.testing.assert_close(gate_angles(c, x, w), expected)
    assert angle_circuit(c).n_inputs == 0 and angle_circuit(c).n_weights == 3


@settings(max_examples=25, deadline=None, derandomize=True)
@given(circuit_with_values(max_qubits=3, max_ops=8, allow_state_prep=False))
def test_angle_circuit_measures_what_the_circuit_measures(case):
    circuit, x, w = case
    observables = parse_observables(None, circuit.n_qubits)
    x, w = torch.as_tensor(x), torch.as_tensor(w)
    expected = SimulatorBackend().run(circuit, observables, x, w).numpy()
    angles = gate_angles(circuit, x, w).numpy()
    np.testing.assert_allclose(measure_angles(circuit, observables, angles), expected, atol=1e-10)


def test_chain_rule_through_scales_and_products_is_autograd():
    c = circuits.zz_feature_map(2, reps=1)
    x = torch.tensor([[0.3, -0.8]], dtype=torch.float64, requires_grad=True)
    angles = gate_angles(c, x, torch.zeros(0, dtype=torch.float64))
    (grad,) = torch.autograd.grad(angles.sum(), x)
    assert torch.isfinite(grad).all() and grad.abs().sum() > 0


def test_amplitude_encoding_from_inputs_is_refused():
    with pytest.raises(ValueError, match="StatePrep"):
        slots(circuits.amplitude_encoding(2))
