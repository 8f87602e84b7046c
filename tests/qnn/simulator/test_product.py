"""The product-state path (one-wire gates only) against the naive reference and the state-vector engine."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import circuits
from circuits.gates import GATES
from qnn.observables import PauliSum, Probabilities, parse_observables
from qnn.simulator import compile_circuit
from qnn.simulator.product import product_expectations, product_recipe, supports
from tests.reference import reference_expval, reference_state
from tests.strategies import circuit_with_values

ONE_WIRE_GATES = tuple(gate for gate, spec in GATES.items() if spec.n_wires == 1)


def product(circuit, observables, x, w):
    recipe = product_recipe(compile_circuit(circuit))
    return product_expectations(recipe, observables, torch.as_tensor(x), torch.as_tensor(w), torch.complex128)


def words(n: int):
    return st.text("IXYZ", min_size=n, max_size=n)


def one_letter_words(n: int):
    """Words with at most one letter other than I: their sums are a linear map of the one-wire values."""
    return st.tuples(st.integers(0, n - 1), st.sampled_from("IXYZ")).map(
        lambda wl: "I" * wl[0] + wl[1] + "I" * (n - wl[0] - 1)
    )


@settings(max_examples=40, deadline=None)
@given(circuit_with_values(gates=ONE_WIRE_GATES, allow_state_prep=False), st.data())
def test_sums_of_one_letter_words_agree_with_the_reference(case, data):
    circuit, x, w = case
    n = circuit.n_qubits
    draw_terms = st.lists(st.tuples(st.floats(-2, 2), one_letter_words(n)), min_size=1, max_size=4)
    observables = tuple(PauliSum(tuple(data.draw(draw_terms))) for _ in range(2))
    ours = product(circuit, observables, x, w).numpy()
    for b in range(len(x)):
        state = reference_state(circuit, x[b], w)
        expected = [sum(c * reference_expval(state, word) for c, word in o.terms) for o in observables]
        np.testing.assert_allclose(ours[b], expected, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(circuit_with_values(gates=ONE_WIRE_GATES, allow_state_prep=False), st.data())
def test_random_product_circuits_agree_with_the_reference(case, data):
    circuit, x, w = case
    n = circuit.n_qubits
    terms = data.draw(st.lists(st.tuples(st.floats(-2, 2), words(n)), min_size=1, max_size=3))
    observables = (PauliSum(tuple(terms)), *parse_observables(["Z" * n, "X" + "I" * (n - 1)], n))
    ours = product(circuit, observables, x, w).numpy()
    for b in range(len(x)):
        state = reference_state(circuit, x[b], w)
        expected = [sum(c * reference_expval(state, word) for c, word in o.terms) for o in observables]
        np.testing.assert_allclose(ours[b], expected, atol=1e-10, rtol=0)


def test_gradients_agree_with_the_state_vector_engine():
    from qnn import QuantumLayer
    from qnn.backends import SimulatorBackend

    circuit = circuits.reupload(circuits.angle_encoding(4), circuits.strongly_entangling(4, 2), 3)
    circuit = circuits.Circuit(
        4, tuple(op for op in circuit.operations if len(op.wires) == 1), circuit.n_inputs, circuit.weight_shapes
    )
    observables = ["ZIII", {"XIYI": 0.5, "IIZZ": -1.0}]
    x = torch.rand(5, 4, dtype=torch.float64, requires_grad=True)
    results = []
    for backend in (SimulatorBackend(), SimulatorBackend(method="adjoint")):
        layer = QuantumLayer(circuit, observables, backend=backend, generator=torch.Generator().manual_seed(0))
        layer.double()
        out = layer(x)
        grads = torch.autograd.grad(out.sum(), (x, layer.weights))
        results.append((out.detach(), *grads))
    for ours, theirs in zip(*results, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)


def test_groups_read_the_shared_the_batched_or_the_joined_angles():
    """A gate of weights reads the shared angles, one of inputs alone the batched ones (its columns shifted past
    the shared ones), one of both the joined angles: each agrees with the reference, values and gradients."""
    from circuits.circuit import Const, Input, Operation, Weight
    from qnn.simulator.execute import compiled_circuit, execute

    ops = [
        Operation("Rot", (0,), (Input(0), Weight(0), Const(0.3))),
        Operation("RY", (1,), (Input(1),)),
        Operation("RX", (0,), (Weight(1),)),
        Operation("U3", (1,), (Weight(2), Input(0), Const(0.1))),
    ]
    circuit = circuits.Circuit.of(2, ops, n_inputs=2, weight_shapes=[(3,)])
    recipe = compiled_circuit(circuit).product_recipe
    assert (len(recipe.shared), len(recipe.batched), recipe.joined) == (1, 3, True)
    inputs_alone = circuits.Circuit.of(2, [ops[1], ops[2]], n_inputs=2, weight_shapes=[(3,)])
    assert not compiled_circuit(inputs_alone).product_recipe.joined
    observables = parse_observables(["ZI", {"XY": 0.5, "IZ": 1.0}], 2)
    x = torch.rand(3, 2, dtype=torch.float64, requires_grad=True)
    w = torch.rand(3, dtype=torch.float64, requires_grad=True)
    results = []
    for method in ("auto", "adjoint"):
        out = execute(circuit, observables, x, w, method=method)
        results.append((out, *torch.autograd.grad(out.sum(), (x, w))))
    for ours, theirs in zip(*results, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-10, rtol=0)
    for b in range(3):
        state = reference_state(circuit, x[b].detach().numpy(), w.detach().numpy())
        expected = [sum(c * reference_expval(state, word) for c, word in o.terms) for o in observables]
        np.testing.assert_allclose(results[0][0][b].detach().numpy(), expected, atol=1e-10)


def test_supports_only_one_wire_gates():
    assert supports(compile_circuit(circuits.angle_encoding(3)))
    assert not supports(compile_circuit(circuits.angle_encoding(3) + circuits.strongly_entangling(3, 1)))
    assert not supports(compile_circuit(circuits.amplitude_encoding(1)))


def test_the_backend_takes_the_path_for_pauli_sums_without_shots():
    from qnn.backends import SimulatorBackend
    from qnn.simulator.fusion import make_plan

    program = compile_circuit(circuits.angle_encoding(3) + circuits.strongly_entangling(1, 1))
    plan, auto = make_plan(program), SimulatorBackend()
    z = parse_observables(["ZII"], 3)
    assert auto.path(program, plan, True, z) == "product"
    assert auto.path(program, plan, True, Probabilities()) != "product"
    assert auto.path(program, plan, True, z, keep_state=True) != "product"  # shots are drawn from the state
    assert SimulatorBackend(method="adjoint").path(program, plan, True, z) == "adjoint"


@pytest.mark.parametrize("n", [1, 5])
def test_no_inputs_gives_one_row_per_sample(n):
    circuit = circuits.strongly_entangling(n, 2) if n == 1 else circuits.angle_encoding(n)
    program = compile_circuit(circuit)
    x, w = torch.zeros(4, circuit.n_inputs, dtype=torch.float64), torch.rand(circuit.n_weights, dtype=torch.float64)
    out = product_expectations(product_recipe(program), parse_observables(["Z" * n], n), x, w, torch.complex128)
    assert out.shape == (4, 1)


@pytest.mark.parametrize("joined", [False, True])
@pytest.mark.parametrize("plain", [True, False])
def test_one_wire_values_backward_passes_gradcheck(joined, plain):
    """Every one-wire gate type, weights used by several gates, inputs read twice, a wire without gates: the
    written-out backward agrees with finite differences, for the shared angles (summed over the batch) and the
    batched ones (the inputs themselves, or scaled ones)."""
    from circuits.circuit import Const, Input, Operation, Weight
    from qnn.simulator.product import _OneWireValues

    ops = [
        Operation("Rot", (0,), (Weight(0), Weight(1), Weight(2))),
        Operation("U3", (1,), (Weight(3), Weight(0), Const(0.4))),
        Operation("H", (0,), ()),
        Operation("RY", (0,), (Input(0),)),
        Operation("RX", (1,), (Input(1),)),
        Operation("RZ", (1,), (Input(0),)),
        Operation("PhaseShift", (0,), (Weight(1),)),
        Operation("S", (1,), ()),
        Operation("Y", (0,), ()),
        Operation("T", (1,), ()),
        Operation("Rot", (0,), (Input(1) if joined else Weight(2), Weight(3), Input(0) if joined else Const(0.2))),
        Operation("MultiRZ", (1,), (Weight(2),)),
        Operation("RZ", (1,), (Input(1) if plain else Input(1, scale=2.0, shift=0.5),)),
    ]
    circuit = circuits.Circuit.of(3, ops, n_inputs=2, weight_shapes=[(4,)])
    program = compile_circuit(circuit)
    recipe = product_recipe(program)
    assert recipe.joined == joined
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(3, 2, dtype=torch.float64, generator=generator)
    w = torch.randn(4, dtype=torch.float64, generator=generator)
    assert recipe.reads_inputs == plain  # the batched angles are the inputs themselves, or scaled ones
    angles = (program.shared_angles(w), x) if plain else program.split_angles(x, w)
    shared, batched = (t.detach().requires_grad_() for t in angles)
    weights = torch.randn(3, 3, 4, dtype=torch.float64, generator=generator)

    def weighted(s, b):
        return (_OneWireValues.apply(recipe, torch.complex128, s, b) * weights).sum((-1, -2))

    assert torch.autograd.gradcheck(weighted, (shared, batched))


@settings(max_examples=25, deadline=None)
@given(circuit_with_values(gates=ONE_WIRE_GATES, allow_state_prep=False), st.data())
def test_random_product_circuit_gradients_agree_with_the_adjoint_engine(case, data):
    from qnn.simulator.execute import execute

    circuit, x, w = case
    n = circuit.n_qubits
    observables = (PauliSum(tuple(data.draw(st.lists(st.tuples(st.floats(-2, 2), words(n)), min_size=1, max_size=3)))),)
    results = []
    for method in ("auto", "adjoint"):
        inputs = torch.as_tensor(x).clone().requires_grad_(circuit.n_inputs > 0)
        weights = torch.as_tensor(w).clone().requires_grad_(circuit.n_weights > 0)
        out = execute(circuit, observables, inputs, weights, method=method)
        wanted = [t for t in (inputs, weights) if t.requires_grad]
        grads = (
            torch.autograd.grad(out.sum(), wanted, allow_unused=True, materialize_grads=True)
            if out.requires_grad
            else ()
        )
        results.append((out.detach(), *grads))
    for ours, theirs in zip(*results, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-9, rtol=0)
