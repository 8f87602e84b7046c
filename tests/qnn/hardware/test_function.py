import math

import pytest
import torch

from circuits.circuit import Circuit, Input, InputProduct, Operation, Weight
from qnn.backends import SimulatorBackend
from qnn.hardware import SPSA, AerExecutor, HardwareRunner, ParameterShift, run_on_hardware
from qnn.observables import parse_observables

# Every parametrised gate, inputs with scale and shift, and an input product: the chain rule is autograd's.
CIRCUIT = Circuit.of(
    3,
    [
        Operation("RX", (0,), (Input(0, scale=1.5, shift=0.2),)),
        Operation("RY", (1,), (Input(1),)),
        Operation("RZZ", (1, 2), (InputProduct((Input(0), Input(1)), scale=0.7),)),
        Operation("Rot", (0,), (Weight(0), Weight(1), Weight(2))),
        Operation("U3", (2,), (Weight(3), Weight(4), Weight(5))),
        Operation("CRX", (0, 1), (Weight(6),)),
        Operation("CRY", (1, 2), (Weight(7),)),
        Operation("CRZ", (2, 0), (Weight(8),)),
        Operation("RXX", (0, 2), (Weight(9),)),
        Operation("RYY", (0, 1), (Weight(10),)),
        Operation("PhaseShift", (1,), (Weight(11),)),
        Operation("MultiRZ", (0, 1, 2), (Weight(12),)),
        Operation("RZ", (2,), (Weight(13),)),
        Operation("H", (1,)),
    ],
)
OBSERVABLES = parse_observables(["ZII", {"XIX": 0.5, "IYZ": -1.0}, "IIX"], 3)


def values(generator, batch=3):
    x = torch.rand(batch, 2, dtype=torch.float64, generator=generator, requires_grad=True)
    w = (torch.rand(CIRCUIT.n_weights, dtype=torch.float64, generator=generator) * 2 * math.pi).requires_grad_(True)
    return x, w


@pytest.mark.parametrize("in_forward_job", [True, False])
def test_parameter_shift_on_exact_aer_matches_autograd(generator, in_forward_job):
    x, w = values(generator)
    runner = HardwareRunner(AerExecutor())
    gradient = ParameterShift(in_forward_job=in_forward_job)
    out = run_on_hardware(runner, CIRCUIT, OBSERVABLES, x, w, gradient=gradient)
    expected = SimulatorBackend().run(CIRCUIT, OBSERVABLES, x, w)
    torch.testing.assert_close(out, expected, atol=1e-6, rtol=0)
    assert runner.n_jobs == 1
    seed = torch.rand(out.shape, dtype=torch.float64, generator=generator)
    ours = torch.autograd.grad((out * seed).sum(), (x, w))
    theirs = torch.autograd.grad((expected * seed).sum(), (x, w))
    assert runner.n_jobs == (1 if in_forward_job else 2)  # one job per training step, or one per pass
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=0)


def test_all_shifted_sets_travel_in_one_job(generator):
    x, w = values(generator, batch=4)
    runner = HardwareRunner(AerExecutor())
    run_on_hardware(runner, CIRCUIT, OBSERVABLES, x.detach(), w).sum().backward()
    # Inputs need no gradient, so only the 14 weight angles are shifted: 11 rotations × 2 + 3 controlled × 4.
    assert runner.n_jobs == 1
    assert runner.n_circuits == 4 * (1 + 11 * 2 + 3 * 4)


def test_no_gradient_no_shifts(generator):
    x, w = values(generator)
    runner = HardwareRunner(AerExecutor())
    with torch.no_grad():
        run_on_hardware(runner, CIRCUIT, OBSERVABLES, x, w)
    assert runner.n_jobs == 1 and runner.n_circuits == 3


def test_gradients_with_shots_are_within_shot_noise(generator):
    x, w = values(generator, batch=2)
    shots = 20_000
    runner = HardwareRunner(AerExecutor())
    out = run_on_hardware(runner, CIRCUIT, OBSERVABLES, x.detach(), w, shots=shots, generator=generator)
    (ours,) = torch.autograd.grad(out[:, 0].sum(), w)
    (exact,) = torch.autograd.grad(SimulatorBackend().run(CIRCUIT, OBSERVABLES, x.detach(), w)[:, 0].sum(), w)
    # Each derivative sums 2 (or 4) terms per sample with coefficients ≤ 1/2, each of standard error ≤ 1/√shots.
    standard_error = math.sqrt(2 * 2 * 0.25) / math.sqrt(shots)
    assert (ours - exact).abs().max() < 5 * standard_error
    assert not torch.allclose(ours, exact, atol=1e-9)  # the noise is really there


def test_spsa_costs_two_circuits_per_sample_and_points_downhill(generator):
    x, w = values(generator, batch=4)
    runner = HardwareRunner(AerExecutor())
    out = run_on_hardware(runner, CIRCUIT, OBSERVABLES, x.detach(), w, generator=generator, gradient=SPSA(0.05))
    (estimate,) = torch.autograd.grad(out[:, 0].sum(), w)
    assert runner.n_circuits == 4 * 3
    (exact,) = torch.autograd.grad(SimulatorBackend().run(CIRCUIT, OBSERVABLES, x.detach(), w)[:, 0].sum(), w)
    assert torch.dot(estimate, exact) > 0
