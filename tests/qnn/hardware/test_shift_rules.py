import math

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings

from circuits.circuit import Circuit, Operation, Weight
from qnn.backends import SimulatorBackend
from qnn.hardware import SPSA, ParameterShift, gate_angles, slots
from qnn.hardware.angles import AngleSlot
from qnn.hardware.shift_rules import FOUR_TERM, SHIFT_RULES, TWO_TERM, rule_for
from qnn.observables import parse_observables
from tests.qnn.hardware.simulate import angles_as_inputs, measure_angles
from tests.strategies import circuit_with_values


def autograd_jacobian(circuit, observables, angles: np.ndarray) -> np.ndarray:
    """(batch, n_slots, n_outputs) by autograd through qnn's simulator."""
    inputs = torch.as_tensor(angles).requires_grad_(True)
    run = SimulatorBackend().run
    weights = torch.zeros(0, dtype=torch.float64)
    rows = torch.autograd.functional.jacobian(lambda a: run(angles_as_inputs(circuit), observables, a, weights), inputs)
    # rows: (batch, n_outputs, batch, n_slots); samples do not mix.
    index = torch.arange(angles.shape[0])
    return rows[index, :, index].permute(0, 2, 1).numpy()


def shift_jacobian(gradient, circuit, observables, angles, needed=None):
    info = slots(circuit)
    needed = np.ones(len(info), dtype=bool) if needed is None else needed
    shifted, plan = gradient.plan(info, needed, angles, np.random.default_rng(0))
    return gradient.combine(measure_angles(circuit, observables, shifted), plan, angles), shifted


def test_every_parametrised_gate_has_a_rule():
    from circuits.gates import GATES

    assert {g for g, spec in GATES.items() if spec.n_params} == set(SHIFT_RULES)
    for c, _ in FOUR_TERM:
        assert abs(c) < 0.5
    assert sum(c * s for c, s in TWO_TERM) == pytest.approx(math.pi / 2)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(circuit_with_values(max_qubits=3, max_ops=8, allow_state_prep=False))
def test_parameter_shift_is_exact_for_every_gate(case):
    circuit, x, w = case
    assume(slots(circuit))
    observables = parse_observables(["Z" * circuit.n_qubits, "X"], circuit.n_qubits)
    angles = gate_angles(circuit, torch.as_tensor(x), torch.as_tensor(w)).numpy()
    jacobian, _ = shift_jacobian(ParameterShift(), circuit, observables, angles)
    np.testing.assert_allclose(jacobian, autograd_jacobian(circuit, observables, angles), atol=1e-9)


@pytest.mark.parametrize("gate", ["CRX", "CRY", "CRZ"])
def test_controlled_rotations_need_four_terms(gate, rng):
    circuit = Circuit.of(
        2, [Operation("H", (0,)), Operation("RY", (1,), (0.4,)), Operation(gate, (0, 1), (Weight(0),))]
    )
    observables = parse_observables(["XZ", "XX", "YY"], 2)  # control coherences: frequency 1/2 too
    angles = rng.uniform(-math.pi, math.pi, (5, 1))
    exact = autograd_jacobian(circuit, observables, angles)
    four, shifted = shift_jacobian(ParameterShift(), circuit, observables, angles)
    np.testing.assert_allclose(four, exact, atol=1e-10)
    assert shifted.shape == (4 * 5, 1)
    two = AngleSlot("RX", False, True)  # pretending it were an ordinary rotation gives a wrong answer
    plan = TWO_TERM, [(0, c, s) for c, s in rule_for(two)]
    wrong = ParameterShift().combine(
        measure_angles(circuit, observables, np.concatenate([angles + s for _, s in plan[0]])), plan[1], angles
    )
    assert np.abs(wrong - exact).max() > 1e-3


def test_only_needed_angles_are_shifted(rng):
    circuit = Circuit.of(1, [Operation("RX", (0,), (Weight(0),)), Operation("RY", (0,), (Weight(1),))])
    observables = parse_observables(None, 1)
    angles = rng.uniform(-1, 1, (3, 2))
    jacobian, shifted = shift_jacobian(ParameterShift(), circuit, observables, angles, np.array([False, True]))
    assert shifted.shape == (2 * 3, 2)
    assert np.all(jacobian[:, 0] == 0)
    np.testing.assert_allclose(jacobian[:, 1], autograd_jacobian(circuit, observables, angles)[:, 1], atol=1e-10)


def test_spsa_uses_two_circuits_per_sample_and_is_unbiased(rng):
    circuit = Circuit.of(
        2, [Operation("RX", (0,), (Weight(0),)), Operation("CNOT", (0, 1)), Operation("RY", (1,), (Weight(1),))]
    )
    observables = parse_observables(["IZ"], 2)
    angles = np.tile(rng.uniform(-1, 1, (1, 2)), (4000, 1))  # one point, many random directions
    spsa = SPSA(epsilon=0.05)
    estimate, shifted = shift_jacobian(spsa, circuit, observables, angles)
    assert shifted.shape == (2 * 4000, 2)
    exact = autograd_jacobian(circuit, observables, angles[:1])[0]
    # Each estimate is g + (off-diagonal terms of mean zero): the average converges at 1/√n.
    np.testing.assert_allclose(estimate.mean(axis=0), exact, atol=5 * np.abs(exact).max() / math.sqrt(4000) + 1e-3)
