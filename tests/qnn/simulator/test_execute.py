"""`execute`, on each of its paths, against the plain loop of `qnn.simulator.core`: values and gradients."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import circuits
from qnn.models.reuploading import reuploading_circuit
from qnn.observables import PauliSum, Probabilities
from qnn.simulator import compile_circuit, core
from qnn.simulator.execute import METHODS, PATHS, choose_path, compiled_circuit, execute, gradient_method
from qnn.simulator.fusion import make_plan
from tests.strategies import circuit_with_values

# Each forces one path where it applies: (options, the path it takes with gradients).
OPTIONS = {
    "dense": dict(dense_max_qubits=5),
    "adjoint": dict(method="adjoint", dense_max_qubits=0),
    "backprop": dict(method="backprop", dense_max_qubits=0),
    "unfused": dict(fuse=0, product_state=False, dense_max_qubits=0),
}


@st.composite
def observables(draw, n_qubits: int):
    """A tuple of one to three `PauliSum`s of up to three words each, or `Probabilities()`."""
    if draw(st.booleans()):
        return Probabilities()
    word = st.text(alphabet="IXYZ", min_size=n_qubits, max_size=n_qubits)
    term = st.tuples(st.floats(-2, 2, allow_nan=False), word)
    return tuple(PauliSum(tuple(draw(st.lists(term, min_size=1, max_size=3)))) for _ in range(draw(st.integers(1, 3))))


def values_and_gradients(measure, x, w, seed=0):
    """(values, d(Σ g·values)/dx, d/dw) for a fixed random g."""
    x, w = x.clone().requires_grad_(True), w.clone().requires_grad_(True)
    values = measure(x, w)
    g = torch.randn(values.shape, generator=torch.Generator().manual_seed(seed), dtype=values.dtype)
    grads = torch.autograd.grad((values * g).sum(), (x, w), allow_unused=True) if values.requires_grad else (None,) * 2
    return values.detach(), *[torch.zeros_like(t) if d is None else d for t, d in zip((x, w), grads, strict=True)]


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_every_path_agrees_with_the_plain_core_on_random_circuits(data):
    circuit, x, w = data.draw(circuit_with_values(max_qubits=4, max_ops=10))
    measured = data.draw(observables(circuit.n_qubits))
    x, w = torch.tensor(x), torch.tensor(w)
    program = compile_circuit(circuit)
    expected = values_and_gradients(lambda x, w: core.run(program, x, w, measured), x, w)
    has_state_prep = any(op.gate == "StatePrep" for op in circuit.operations)
    for name, options in OPTIONS.items():
        if name == "adjoint" and has_state_prep:
            continue  # refused, tested below
        ours = values_and_gradients(lambda x, w, o=options: execute(circuit, measured, x, w, **o), x, w)
        for got, want in zip(ours, expected, strict=True):
            torch.testing.assert_close(got, want, atol=1e-9, rtol=0, msg=name)
    with torch.no_grad():  # the sliced forward path
        torch.testing.assert_close(execute(circuit, measured, x, w), expected[0], atol=1e-9, rtol=0)


def test_each_path_is_taken_where_it_applies():
    small = compiled_circuit(reuploading_circuit(3, 3))
    wide = compiled_circuit(circuits.angle_encoding(6) + circuits.strongly_entangling(6, 2))
    prep = compiled_circuit(circuits.amplitude_encoding(4) + circuits.strongly_entangling(2, 1))
    iqp = compiled_circuit(circuits.iqp_encoding(4) + circuits.strongly_entangling(4, 1))
    assert choose_path(small, "auto", 5, differentiable=True) == "dense"
    assert choose_path(small, "auto", 0, differentiable=True) == "adjoint"
    assert choose_path(wide, "auto", 5, differentiable=False) == "forward"
    assert choose_path(wide, "auto", 6, differentiable=True) == "dense"  # one encoding layer, constant entanglers
    assert choose_path(wide, "backprop", 5, differentiable=True) == "backprop"
    assert choose_path(prep, "auto", 5, differentiable=True) == "dense"
    assert choose_path(prep, "auto", 0, differentiable=True) == "backprop"  # StatePrep: adjoint does not apply
    assert choose_path(iqp, "auto", 5, differentiable=True) == "adjoint"  # its entanglers read inputs
    assert {choose_path(c, "auto", 5, d) for c in (small, wide, prep) for d in (True, False)} <= set(PATHS)


@pytest.mark.parametrize("method", METHODS)
def test_gradient_method_names_a_documented_method(method):
    plan = make_plan(compile_circuit(circuits.amplitude_encoding(2)))
    assert gradient_method(method, plan) in {"adjoint", "backprop"} - ({"adjoint"} if method == "auto" else set())
    with pytest.raises(ValueError, match="method must be one of 'auto', 'adjoint', 'backprop', got 'forward'"):
        gradient_method("forward", plan)


def test_the_dense_path_agrees_with_the_plain_core_on_a_re_uploading_circuit():
    circuit = reuploading_circuit(3, 4)
    rng = np.random.default_rng(0)
    x, w = torch.tensor(rng.uniform(-3, 3, (5, circuit.n_inputs))), torch.tensor(rng.uniform(-3, 3, circuit.n_weights))
    measured = (PauliSum(((1.0, "ZII"), (0.5, "XYZ"))),)
    assert choose_path(compiled_circuit(circuit), "auto", 5, differentiable=True) == "dense"
    ours = values_and_gradients(lambda x, w: execute(circuit, measured, x, w), x, w)
    expected = values_and_gradients(lambda x, w: core.run(compile_circuit(circuit), x, w, measured), x, w)
    for got, want in zip(ours, expected, strict=True):
        torch.testing.assert_close(got, want, atol=1e-10, rtol=0)


def test_shots_give_sampled_values_forward_and_exact_gradients_backward():
    circuit = circuits.angle_encoding(2) + circuits.strongly_entangling(2, 1)
    x, w = torch.rand(4, 2, dtype=torch.float64), torch.rand(6, dtype=torch.float64)
    measured = (PauliSum(((1.0, "ZI"),)), PauliSum(((1.0, "XX"),)))
    exact = values_and_gradients(lambda x, w: execute(circuit, measured, x, w), x, w)
    generator = torch.Generator().manual_seed(0)
    sampled = values_and_gradients(lambda x, w: execute(circuit, measured, x, w, shots=50, generator=generator), x, w)
    counts = sampled[0] * 50  # ±1 outcomes: a sum of 50 of them has the parity of 50
    torch.testing.assert_close(counts.round() % 2, torch.zeros_like(counts))
    assert not torch.allclose(sampled[0], exact[0])
    for got, want in zip(sampled[1:], exact[1:], strict=True):
        torch.testing.assert_close(got, want)


def test_float16_weights_are_refused():
    with pytest.raises(TypeError, match="float32 or float64 weights, got torch.float16"):
        execute(circuits.angle_encoding(1), Probabilities(), torch.zeros(1, 1), torch.zeros(0, dtype=torch.float16))


def test_one_compiled_circuit_per_circuit_and_fusion_options_holds_what_is_worked_out_once():
    circuit = circuits.angle_encoding(3) + circuits.strongly_entangling(3, 2)
    compiled = compiled_circuit(circuit, 4, True)
    assert compiled_circuit(circuit, 4, True) is compiled
    assert compiled_circuit(circuit, 0, True) is not compiled and compiled_circuit(circuit, 0, True).plan.ops != (
        compiled.plan.ops
    )
    z = (PauliSum(((1.0, "ZZI"),)),)
    folded_plan, folded = compiled.folded(z)
    assert compiled.folded(z)[0] is folded_plan and folded != z  # the final CNOT ring moved into the observable
    assert len(folded_plan.ops) < len(compiled.plan.ops)
    assert compiled.plan.recipe is compiled.plan.recipe and compiled.dense_recipe is compiled.dense_recipe


def test_the_backprop_path_is_differentiable_twice():
    """Autograd records every operation there (PennyLane's device takes it for Hessians): the second derivative
    of a fused circuit's value agrees with the plain core's."""
    circuit = circuits.angle_encoding(3) + circuits.strongly_entangling(3, 2)
    observables = (PauliSum(((1.0, "ZZI"), (0.5, "IXY"))),)
    x = torch.rand(2, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    program = compile_circuit(circuit)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, generator=torch.Generator().manual_seed(5))

    def backprop(w):
        return execute(circuit, observables, x, w, method="backprop", dense_max_qubits=0).sum()

    def plain(w):
        return core.run(program, x, w, observables).sum()

    assert choose_path(compiled_circuit(circuit), "backprop", 0, True, observables, False, lambda _: True) == "backprop"
    expected = torch.autograd.functional.hessian(plain, w)
    torch.testing.assert_close(torch.autograd.functional.hessian(backprop, w), expected, atol=1e-10, rtol=0)


@pytest.mark.parametrize("path", ["dense", "adjoint"])
def test_weight_gradients_hold_when_the_inputs_need_none(path):
    """Where the inputs need no gradient, gates reading inputs alone get none, but a gate reading an input and
    a weight still passes the weight's on (the one-qubit table skips only the former)."""
    from circuits.circuit import Circuit, Input, Operation, Weight

    ops = [Operation("RX", (w,), (Input(w),)) for w in range(3)] + [Operation("CNOT", (0, 1)), Operation("CZ", (1, 2))]
    ops += [Operation("Rot", (1,), (Input(2), Weight(0), Weight(1))), Operation("RY", (2,), (Weight(2),))]
    ops += [Operation("CNOT", (2, 0)), Operation("RX", (0,), (Input(1),))]
    circuit = Circuit.of(3, ops, n_inputs=3, weight_shapes=[(3,)])
    observables = (PauliSum(((1.0, "ZZI"), (0.5, "IXY"))),)
    x = torch.rand(4, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(6))
    w = torch.rand(3, dtype=torch.float64, generator=torch.Generator().manual_seed(7), requires_grad=True)
    options = {**OPTIONS[path], "dense_max_qubits": 5 if path == "dense" else 0}
    assert choose_path(compiled_circuit(circuit), options.get("method", "auto"), options["dense_max_qubits"], True,
                       observables, False, lambda _: True) == path  # fmt: skip
    (ours,) = torch.autograd.grad(execute(circuit, observables, x, w, **options).sum(), w)
    (expected,) = torch.autograd.grad(core.run(compile_circuit(circuit), x, w, observables).sum(), w)
    torch.testing.assert_close(ours, expected, atol=1e-12, rtol=0)
