"""Runs of diagonal gates as one phase per sample, against the naive reference and gate-by-gate autograd."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import circuits
from circuits.circuit import Circuit, Input, Operation, Weight
from qnn.backends import SimulatorBackend
from qnn.simulator import SimulatorSettings, compile_circuit, simulate
from qnn.simulator.blocks import plan_matrices
from qnn.simulator.fusion import Diagonal, PhaseRun, make_plan
from qnn.simulator.phases import (
    DIRECT_PHASE_WIRES,
    PHASE_RUN,
    _phase,
    coefficient_gradient,
    gather_phase_runs,
    phase_diagonal,
)
from tests.reference import reference_state
from tests.strategies import circuit_with_values

PHASE_GATES = ("RZ", "PhaseShift", "Z", "S", "T", "MultiRZ", "RZZ", "CZ", "CRZ", "H", "RX", "CNOT")


def test_an_iqp_repeat_becomes_its_hadamards_then_one_phase():
    steps = gather_phase_runs(compile_circuit(circuits.iqp_encoding(5, n_repeats=2))).steps
    assert [s.gate for s in steps] == ["H"] * 5 + [PHASE_RUN] + ["H"] * 5 + [PHASE_RUN]
    assert len(steps[5].parts) == 5 + 10 and steps[5].wires == (0, 1, 2, 3, 4)


def test_repeats_reading_equal_angles_share_one_step_and_others_keep_their_own():
    steps = gather_phase_runs(compile_circuit(circuits.iqp_encoding(5, n_repeats=3))).steps
    runs = [s for s in steps if s.gate == PHASE_RUN]
    assert len(runs) == 3 and runs[1] is runs[0] and runs[2] is runs[0]

    def run(scale):
        return [Operation("RZ", (w,), (Input(w, scale=scale),)) for w in range(3)] + [Operation("CZ", (0, 2))]

    twice = Circuit.of(3, run(1.0) + [Operation("H", (w,)) for w in range(3)] + run(2.0), n_inputs=3)
    first, second = [s for s in gather_phase_runs(compile_circuit(twice)).steps if s.gate == PHASE_RUN]
    assert first is not second and first != second  # x and 2x: different phases


def test_a_forward_pass_makes_a_repeated_phase_once(monkeypatch, generator):
    from qnn.simulator import engine

    made = []
    monkeypatch.setattr(engine, "phase_diagonal", lambda *args: made.append(1) or phase_diagonal(*args))
    circuit = circuits.iqp_encoding(6, n_repeats=3) + circuits.strongly_entangling(6, 1)
    x = torch.rand(4, 6, dtype=torch.float64, generator=generator)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator, requires_grad=True)
    SimulatorBackend(method="adjoint", dense_max_qubits=0).run(circuit, z_on_first_wire(6), x, w).sum().backward()
    assert len(made) == 1


def z_on_first_wire(n):
    from qnn.observables import parse_observables

    return parse_observables([{"Z" + "I" * (n - 1): 1.0}], n)


@pytest.mark.parametrize("method", ["adjoint", "backprop"])
def test_shared_repeats_without_input_gradients_match_gate_by_gate_autograd(method, generator):
    """The training case: inputs without a gradient, so the encoding's tensors are constants of the sweep."""
    circuit = circuits.iqp_encoding(6, n_repeats=3) + circuits.strongly_entangling(6, 2)
    x = torch.rand(5, 6, dtype=torch.float64, generator=generator)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator, requires_grad=True)
    obs = z_on_first_wire(6)
    ours = SimulatorBackend(method=method, dense_max_qubits=0).run(circuit, obs, x, w)
    plain = SimulatorBackend(method="backprop", fuse=0, product_state=False, dense_max_qubits=0).run(circuit, obs, x, w)
    torch.testing.assert_close(ours, plain, atol=1e-10, rtol=0)
    torch.testing.assert_close(
        torch.autograd.grad(ours.sum(), w)[0], torch.autograd.grad(plain.sum(), w)[0], atol=1e-9, rtol=0
    )


def test_a_gate_on_the_runs_wires_closes_it_and_others_move_before_it():
    ops = [Operation("RZ", (0,), (Input(0),)), Operation("RZ", (1,), (Input(1),)), Operation("RX", (2,), (Weight(0),)),
           Operation("CZ", (0, 1)), Operation("H", (1,)), Operation("RZ", (1,), (Input(0),))]  # fmt: skip
    steps = gather_phase_runs(compile_circuit(Circuit.of(3, ops, n_inputs=2, weight_shapes=[(1,)]))).steps
    assert [s.gate for s in steps] == ["RX", PHASE_RUN, "H", "RZ"]  # the last run is too short to gather


def test_one_wire_diagonals_alone_stay_gates_for_fusion_to_merge():
    rz_layer = Circuit.of(5, [Operation("RZ", (w,), (Input(w),)) for w in range(5)], n_inputs=5)
    assert [s.gate for s in gather_phase_runs(compile_circuit(rz_layer)).steps] == ["RZ"] * 5


def test_runs_are_planned_as_diagonals_wider_than_a_block_and_not_without_fusion():
    program = compile_circuit(circuits.iqp_encoding(6) + circuits.strongly_entangling(6, 1))
    runs = [op for op in make_plan(program, fuse=4).ops if isinstance(op, Diagonal) and op.step.gate == PHASE_RUN]
    assert len(runs) == 1 and len(runs[0].step.wires) == 6
    assert not any(getattr(op, "step", None) and op.step.gate == PHASE_RUN for op in make_plan(program, fuse=0).ops)


@settings(max_examples=60, deadline=None)
@given(circuit_with_values(max_qubits=5, max_ops=14, allow_state_prep=False, gates=PHASE_GATES))
def test_random_diagonal_circuits_agree_with_the_reference(case):
    circuit, x, w = case
    ours = simulate(circuit, torch.tensor(x), torch.tensor(w), dtype=torch.complex128, fuse=1).numpy()
    for b in range(len(x)):
        np.testing.assert_allclose(ours[b], reference_state(circuit, x[b], w), atol=1e-10, rtol=0)


@pytest.mark.parametrize("n_qubits", [4, 7])
def test_adjoint_gradients_through_phases_match_gate_by_gate_autograd(n_qubits, generator):
    circuit = circuits.iqp_encoding(n_qubits, n_repeats=2) + circuits.strongly_entangling(n_qubits, 1)
    circuit = circuit + circuits.Circuit.of(
        n_qubits, [Operation("CRZ", (n_qubits - 1, 0), (Weight(0),)), Operation("PhaseShift", (1,), (Weight(1),)),
                   Operation("CZ", (0, 2)), Operation("T", (3,))], weight_shapes=[(2,)],
    )  # fmt: skip
    assert_matches_gate_by_gate_autograd(SimulatorBackend(method="adjoint", dense_max_qubits=0), circuit, generator)


def test_an_unused_weight_does_not_make_a_constant_run_differentiable():
    c = Circuit.of(3, [Operation("Z", (0,)), Operation("CZ", (0, 1)), Operation("S", (2,)), Operation("T", (1,))],
                   weight_shapes=[(1,)])  # fmt: skip
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    state = simulate(c, None, w, dtype=torch.complex128, fuse=2)
    assert not state.requires_grad


@pytest.mark.parametrize("k", [1, 2, 5, 8, DIRECT_PHASE_WIRES + 1])  # cos and sin of each phase, then products
def test_the_diagonal_built_as_products_is_exp_i_phase(k, generator):
    coefficients = torch.randn(3, 1 + k + k * k, dtype=torch.float64, generator=generator)
    expected = torch.polar(torch.ones(3, 2**k, dtype=torch.float64), _phase(coefficients, k))
    torch.testing.assert_close(phase_diagonal(coefficients, k, torch.complex128), expected, atol=1e-12, rtol=0)
    torch.testing.assert_close(phase_diagonal(coefficients[0], k, torch.complex128), expected[0], atol=1e-12, rtol=0)


@pytest.mark.parametrize("k", [1, 2, 5, 8])
def test_the_coefficient_gradient_is_the_phases_map_transposed(k, generator):
    coefficients = torch.randn(3, 1 + k + k * k, dtype=torch.float64, generator=generator, requires_grad=True)
    phase_gradient = torch.randn(3, 2**k, dtype=torch.float64, generator=generator)
    (expected,) = torch.autograd.grad(_phase(coefficients, k), coefficients, phase_gradient)
    torch.testing.assert_close(coefficient_gradient(phase_gradient, k), expected, atol=1e-10, rtol=0)
    (shared,) = torch.autograd.grad(_phase(coefficients[0], k), coefficients, phase_gradient[0])
    torch.testing.assert_close(coefficient_gradient(phase_gradient[0], k), shared[0], atol=1e-10, rtol=0)


def test_a_plan_keeps_a_runs_coefficients_not_its_diagonal():
    program = compile_circuit(circuits.iqp_encoding(10, n_repeats=3) + circuits.strongly_entangling(10, 1))
    plan = make_plan(program, fuse=4)
    _, tensors = plan_matrices(plan, program.angles(torch.rand(7, 10), torch.rand(program.n_weights)), torch.complex64)
    runs = [tensor for op, tensor in zip(plan.ops, tensors, strict=True) if isinstance(op, PhaseRun)]
    assert len(runs) == 3 and all(tensor.shape == (7, 1 + 10 + 100) for tensor in runs)
    assert runs[1] is runs[0] and runs[2] is runs[0]  # the repeats read equal angles: one tensor


@pytest.mark.parametrize("chunked", [False, True])
def test_a_weight_only_run_differentiates_like_gate_by_gate_autograd(chunked, generator):
    n = 6
    ring = [Operation("RZZ", (w, (w + 1) % n), (Weight(w),)) for w in range(n)]
    ring += [Operation("RZ", (w,), (Weight(n + w),)) for w in range(n)] + [Operation("CZ", (0, 3))]
    circuit = circuits.angle_encoding(n) + Circuit.of(n, ring, weight_shapes=[(2 * n,)])
    circuit = circuit + circuits.strongly_entangling(n, 1)
    program = compile_circuit(circuit)
    runs = [op for op in make_plan(program, fuse=4).ops if getattr(op, "step", None) and op.step.gate == PHASE_RUN]
    assert len(runs) == 1 and type(runs[0]) is Diagonal  # without inputs: one diagonal for the whole batch
    x = torch.rand(4, n, dtype=torch.float64, generator=generator, requires_grad=True)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator, requires_grad=True)
    from qnn.observables import parse_observables

    obs = parse_observables([{"ZIIIIZ": 1.0}, {"IXIIII": 0.5}], n)
    tuning = SimulatorSettings(chunk_above_bytes=1) if chunked else SimulatorSettings()  # chunked: a row at a time
    fast = SimulatorBackend(method="adjoint", dense_max_qubits=0, settings=tuning).run(circuit, obs, x, w)
    plain = SimulatorBackend(method="backprop", fuse=0, product_state=False, dense_max_qubits=0).run(circuit, obs, x, w)
    torch.testing.assert_close(fast, plain, atol=1e-10, rtol=0)
    for a, b in zip(torch.autograd.grad(fast.sum(), (x, w)), torch.autograd.grad(plain.sum(), (x, w)), strict=True):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=0)


def test_backprop_through_phase_runs_matches_gate_by_gate_autograd(generator):
    """Autograd through the diagonal built as products (its last factor multiplied in place)."""
    circuit = circuits.iqp_encoding(6, n_repeats=2) + circuits.strongly_entangling(6, 1)
    assert any(isinstance(op, PhaseRun) for op in make_plan(compile_circuit(circuit), fuse=4).ops)
    assert_matches_gate_by_gate_autograd(SimulatorBackend(method="backprop", dense_max_qubits=0), circuit, generator)


def assert_matches_gate_by_gate_autograd(backend, circuit, generator):
    """⟨ZZ⟩ and ½⟨X⟩ on the first wires and their gradients, against autograd gate by gate without fusion."""
    from qnn.observables import parse_observables

    n = circuit.n_qubits
    x = torch.rand(3, circuit.n_inputs, dtype=torch.float64, generator=generator, requires_grad=True)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=generator, requires_grad=True)
    obs = parse_observables([{"ZZ" + "I" * (n - 2): 1.0}, {"X" + "I" * (n - 1): 0.5}], n)
    ours = backend.run(circuit, obs, x, w)
    plain = SimulatorBackend(method="backprop", fuse=0, product_state=False, dense_max_qubits=0).run(circuit, obs, x, w)
    torch.testing.assert_close(ours, plain, atol=1e-10, rtol=0)
    for a, b in zip(torch.autograd.grad(ours.sum(), (x, w)), torch.autograd.grad(plain.sum(), (x, w)), strict=True):
        torch.testing.assert_close(a, b, atol=1e-9, rtol=0)


def test_a_constant_run_is_one_diagonal_made_once():
    """A ring of CZs wider than a block: the same ±1 diagonal every call, made once."""
    n = 6
    ring = [Operation("CZ", (w, (w + 1) % n)) for w in range(n)]
    circuit = circuits.angle_encoding(n) + Circuit.of(n, ring) + circuits.angle_encoding(n)
    program = compile_circuit(circuit)
    plan = make_plan(program)
    (i,) = [i for i, op in enumerate(plan.ops) if isinstance(op, Diagonal) and op.step.gate == PHASE_RUN]
    assert plan.ops[i].step.columns == () and plan.ops[i].step.wires == tuple(range(n))
    angles = program.angles(torch.zeros(2, 2 * n), torch.zeros(0))
    first = plan_matrices(plan, angles, torch.complex128)[1][i]
    assert plan_matrices(plan, angles, torch.complex128)[1][i] is first  # cached, not rebuilt
    z = torch.arange(2**n)
    bits = [(z >> (n - 1 - w)) & 1 for w in range(n)]
    expected = torch.ones(2**n, dtype=torch.complex128)
    for w in range(n):
        expected = expected * (1 - 2 * (bits[w] & bits[(w + 1) % n]))
    torch.testing.assert_close(first, expected)
