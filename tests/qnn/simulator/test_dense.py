"""The dense small-circuit path against the naive reference, finite differences and the gate-by-gate engine."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import circuits
from circuits.circuit import Circuit, Input, Operation, Weight
from qnn import QuantumLayer
from qnn.backends import SimulatorBackend
from qnn.models.reuploading import reuploading_circuit
from qnn.simulator import compile_circuit
from qnn.simulator.dense import _kron, dense_states
from qnn.simulator.dense_recipe import dense_bytes, dense_recipe, supports
from qnn.simulator.fusion import make_plan
from qnn.simulator.memory import estimate_bytes
from tests.qnn.simulator.test_agreement import BUILDERS, values_for
from tests.reference import reference_state
from tests.strategies import circuit_with_values


def dense(circuit, x, w, dtype=torch.complex128):
    program = compile_circuit(circuit)
    real = torch.float64 if dtype == torch.complex128 else torch.float32
    angles = program.angles(torch.as_tensor(x, dtype=real), torch.as_tensor(w, dtype=real))
    return dense_states(dense_recipe(program), angles, len(x), dtype)


@pytest.mark.parametrize("name", BUILDERS)
def test_builders_agree_with_the_reference(name):
    circuit = BUILDERS[name]()
    x, w = values_for(circuit, batch=3)
    ours = dense(circuit, x, w).numpy()
    for b in range(len(x)):
        np.testing.assert_allclose(ours[b], reference_state(circuit, x[b], w), atol=1e-10, rtol=0)


@settings(max_examples=80, deadline=None)
@given(circuit_with_values())
def test_random_circuits_agree_with_the_reference(case):
    circuit, x, w = case
    if not supports(compile_circuit(circuit)):
        return  # a StatePrep after other gates, or on some wires: the gate-by-gate engine runs it
    for dtype, tol in ((torch.complex64, 2e-5), (torch.complex128, 1e-10)):
        ours = dense(circuit, x, w, dtype).numpy()
        for b in range(len(x)):
            np.testing.assert_allclose(ours[b], reference_state(circuit, x[b], w), atol=tol, rtol=0)


def test_gradients_match_finite_differences():
    circuit = reuploading_circuit(3, 2) + circuits.Circuit.of(
        3,
        [Operation("CRZ", (2, 0), (Weight(0),)), Operation("RZZ", (0, 1), (Input(0),))],
        n_inputs=1,
        weight_shapes=[(1,)],
    )
    program = compile_circuit(circuit)
    recipe = dense_recipe(program)
    assert recipe.constant_entanglers is None  # CRZ and RZZ: entanglers with parameters

    def expval(x, w):
        state = dense_states(recipe, program.angles(x, w), len(x), torch.complex128)
        signs = torch.tensor([1.0, -1.0], dtype=torch.float64).repeat_interleave(4)  # ⟨Z₀⟩
        return (state.abs().square() * signs).sum(-1)

    x = torch.rand(2, circuit.n_inputs, dtype=torch.float64, requires_grad=True)
    w = torch.rand(circuit.n_weights, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(expval, (x, w))


def test_layers_are_regrouped_in_order():
    # Strongly entangling layers: each layer's Rot forms one layer, the CNOT ring its entanglers. The encoding
    # would join the first Rot; it is a layer of its own, so that Rot joins the layers without inputs.
    recipe = dense_recipe(compile_circuit(circuits.angle_encoding(4) + circuits.strongly_entangling(4, 3)))
    assert recipe.chains.shape == (4, 4, 1) and recipe.runs == (("batched", (0,)), ("shared", (1, 2, 3)))
    assert recipe.entanglers[0] == () and len(recipe.entanglers[1]) == 4
    assert recipe.monomial_entanglers is not None  # CNOTs: a permutation of the state, no matrix product
    # A one-qubit gate after an entangler on its wire starts a new layer; one on another wire does not.
    c = Circuit.of(2, [Operation("H", (0,)), Operation("CNOT", (0, 1)), Operation("RX", (1,), (Input(0),))], n_inputs=1)
    assert dense_recipe(compile_circuit(c)).chains.shape == (2, 2, 1)
    c = Circuit.of(3, [Operation("H", (0,)), Operation("CNOT", (0, 1)), Operation("RX", (2,), (Input(0),))], n_inputs=1)
    assert dense_recipe(compile_circuit(c)).chains.shape == (1, 3, 1)


def test_gates_after_the_last_input_join_the_shared_run_in_order():
    # Wire 0: a weight gate, the input, two weight gates; wire 1: weights only. Then a layer without inputs.
    w, x = Weight, Input
    ops = [Operation("RY", (0,), (w(0),)), Operation("RX", (0,), (x(0),)), Operation("RZ", (0,), (w(1),))]
    ops += [Operation("RY", (0,), (w(2),)), Operation("RX", (1,), (w(3),)), Operation("CNOT", (0, 1))]
    ops += [Operation("RY", (0,), (w(4),)), Operation("RY", (1,), (w(5),)), Operation("CZ", (0, 1))]
    c = Circuit.of(2, ops, n_inputs=1)
    recipe = dense_recipe(compile_circuit(c))
    assert recipe.runs == (("batched", (0,)), ("shared", (1, 2)))
    assert (recipe.chains[0] >= 0).sum(-1).tolist() == [2, 0] and recipe.entanglers[0] == ()  # up to the input
    x_values, weights = np.array([[0.4], [-1.3]]), np.linspace(0.2, 1.7, 6)
    ours = dense(c, x_values, weights).numpy()
    for b in range(2):
        np.testing.assert_allclose(ours[b], reference_state(c, x_values[b], weights), atol=1e-12, rtol=0)


def test_the_grouping_with_fewer_chain_slots_is_chosen():
    # Re-uploading: CZs on (1, 2) leave the end wires free, whose next gates would join the layer; a new
    # layer after any entangler keeps every chain at two gates (input, then weight rotation).
    assert dense_recipe(compile_circuit(reuploading_circuit(4, 3))).chains.shape == (4, 4, 2)
    # A gate after an entangler on other wires: one layer of three-gate chains (3 slots), not two of two (4).
    rx = Operation("RX", (0,), (Input(0),))
    c = Circuit.of(3, [rx, rx, Operation("CNOT", (1, 2)), rx], n_inputs=1)
    assert dense_recipe(compile_circuit(c)).chains.shape == (1, 3, 3)
    x = np.array([[0.3], [1.1]])
    ours = dense(c, x, np.zeros(0)).numpy()
    np.testing.assert_allclose(ours[1], reference_state(c, x[1], np.zeros(0)), atol=1e-12, rtol=0)


def test_the_backend_chooses_the_dense_path_for_small_circuits_it_runs_faster():
    small = compile_circuit(reuploading_circuit(4, 3))
    wide = compile_circuit(reuploading_circuit(9, 2))
    eight = compile_circuit(reuploading_circuit(8, 2))  # every layer reads inputs: dense up to 8 qubits
    shared_seven = compile_circuit(circuits.angle_encoding(7) + circuits.strongly_entangling(7, 2))  # up to 6
    iqp_repeated = {
        n: compile_circuit(circuits.iqp_encoding(n, n_repeats=2) + circuits.strongly_entangling(n, 1)) for n in (5, 6)
    }
    encoded_once = compile_circuit(circuits.angle_encoding(4) + circuits.strongly_entangling(4, 2))
    iqp = compile_circuit(circuits.iqp_encoding(4) + circuits.strongly_entangling(4, 2))
    prep = compile_circuit(circuits.amplitude_encoding(3) + reuploading_circuit(3, 2))
    auto = SimulatorBackend()
    assert auto.path(small, make_plan(small, 4, True), True) == "dense"
    assert auto.path(prep, make_plan(prep, 4, True), True) == "dense"
    assert auto.path(wide, make_plan(wide, 4, True), True) == "adjoint"
    assert auto.path(eight, make_plan(eight, 4, True), True) == "dense"
    assert auto.path(eight, make_plan(eight, 4, True), False) == "forward"  # without gradients: up to 6
    assert auto.path(shared_seven, make_plan(shared_seven, 4, True), True) == "adjoint"
    # Entanglers that read inputs in several layers: dense up to 5 qubits only.
    assert [auto.path(c, make_plan(c, 4, True), True) for c in iqp_repeated.values()] == ["dense", "adjoint"]
    assert auto.path(encoded_once, make_plan(encoded_once, 4, True), True) == "dense"  # constant entanglers
    assert auto.path(iqp, make_plan(iqp, 4, True), True) == "adjoint"  # one layer of entanglers reading inputs
    assert SimulatorBackend(dense_max_qubits=0).path(small, make_plan(small, 4, True), True) == "adjoint"
    assert SimulatorBackend(method="adjoint").path(small, make_plan(small, 4, True), True) == "adjoint"
    assert SimulatorBackend(dense_max_qubits=7).path(eight, make_plan(eight, 4, True), False) == "forward"
    assert dense_recipe(small).n_batched_layers == 4 and dense_recipe(encoded_once).n_batched_layers == 1
    with pytest.raises(ValueError, match="dense_max_qubits must be a non-negative integer"):
        SimulatorBackend(dense_max_qubits=-1)


@pytest.mark.parametrize("observables", [None, ["XZI", {"YYX": 0.5, "ZII": -1.0}], "probs"])
def test_layer_values_and_gradients_match_the_adjoint_engine(observables, generator):
    circuit = circuits.iqp_encoding(3) + circuits.strongly_entangling(3, 2) + reuploading_circuit(3, 1)
    fast = QuantumLayer(circuit, observables, dtype=torch.complex128, generator=generator)
    slow = QuantumLayer(circuit, observables, backend=SimulatorBackend(dense_max_qubits=0), dtype=torch.complex128)
    slow.load_state_dict(fast.state_dict())
    x = torch.rand(5, circuit.n_inputs, dtype=torch.float64, generator=generator, requires_grad=True)
    a, b = fast(x), slow(x)
    torch.testing.assert_close(a, b, atol=1e-10, rtol=0)
    grads_a = torch.autograd.grad(a.square().sum(), (x, fast.weights))
    grads_b = torch.autograd.grad(b.square().sum(), (x, slow.weights))
    for ga, gb in zip(grads_a, grads_b, strict=True):
        torch.testing.assert_close(ga, gb, atol=1e-10, rtol=0)


def _two_layers(first_gates):
    """Two layers of `first_gates` (gate, wire, source) then a weight RZ on each wire, CZ between them."""
    ops = []
    for layer in range(2):
        for gate, wire, source in first_gates:
            ops.append(Operation(gate, (wire,), (source(2 * layer + wire),)))
        ops += [Operation("RZ", (w,), (Weight(4 + 2 * layer + w),)) for w in range(2)]
        ops.append(Operation("CZ", (0, 1)))
    return Circuit.of(2, ops, n_inputs=4, weight_shapes=[(8,)])


CHAIN_POSITIONS = {
    # per chain position, the gates of all wires read one part of the table, in consecutive rows: views
    "consecutive": _two_layers([("RY", 0, Input), ("RY", 1, Input)]),
    # two gate types read inputs: their rows interleave, so the first position is gathered
    "gathered": _two_layers([("RX", 0, Input), ("RY", 1, Input)]),
    # the first position mixes a per-sample and a shared gate: the joined table is gathered
    "mixed": _two_layers([("RY", 0, Input), ("RY", 1, Weight)]),
}


@pytest.mark.parametrize("name", CHAIN_POSITIONS)
def test_chain_positions_from_either_part_of_the_table_match_the_adjoint_engine(name, generator):
    circuit = CHAIN_POSITIONS[name]
    recipe = dense_recipe(compile_circuit(circuit))
    positions = recipe.run_positions(recipe.runs[0][1], "cpu")
    expected = {"consecutive": [("batched", 0), ("shared", 0)], "gathered": [("batched", None), ("shared", 0)]}
    assert (None if positions is None else [(s, f) for s, f, _ in positions]) == expected.get(name)
    fast = QuantumLayer(circuit, ["ZI", "XY"], dtype=torch.complex128, generator=generator)
    slow = QuantumLayer(circuit, ["ZI", "XY"], backend=SimulatorBackend(dense_max_qubits=0), dtype=torch.complex128)
    slow.load_state_dict(fast.state_dict())
    x = torch.rand(3, 4, dtype=torch.float64, generator=generator, requires_grad=True)
    a, b = fast(x), slow(x)
    torch.testing.assert_close(a, b, atol=1e-10, rtol=0)
    for ga, gb in zip(
        torch.autograd.grad(a.square().sum(), (x, fast.weights)),
        torch.autograd.grad(b.square().sum(), (x, slow.weights)),
        strict=True,
    ):
        torch.testing.assert_close(ga, gb, atol=1e-10, rtol=0)


def test_zero_amplitudes_are_refused():
    with pytest.raises(ValueError, match="non-zero feature vector"):
        dense(circuits.amplitude_encoding(2), np.zeros((1, 4)), np.zeros(0))


@pytest.mark.parametrize(
    "shape",
    [(3, 4, 2, 2), (40, 4, 2, 2), (5, 3, 2, 1)],  # one broadcast product, a tree of outer products, columns
)
def test_kronecker_products_agree_with_torch(shape):
    factors = torch.randn(*shape, dtype=torch.complex128)
    expected = []
    for row in factors:
        product = row[0]
        for factor in row[1:]:
            product = torch.kron(product, factor)
        expected.append(product)
    torch.testing.assert_close(_kron(factors), torch.stack(expected))


def test_a_batch_whose_dense_step_does_not_fit_runs_on_the_adjoint_engine():
    circuit = reuploading_circuit(7, 2)  # dense with gradients (every layer reads inputs)
    program = compile_circuit(circuit)
    dense_need = dense_bytes(dense_recipe(program), 64, torch.complex64)
    adjoint_need = estimate_bytes(make_plan(program), 64, torch.complex64, "adjoint")
    assert adjoint_need < dense_need
    limited = QuantumLayer(circuit, backend=SimulatorBackend(max_memory=(adjoint_need + dense_need) // 2))
    free = QuantumLayer(circuit)
    free.load_state_dict(limited.state_dict())
    x = torch.rand(64, circuit.n_inputs, requires_grad=True)
    a, b = limited(x), free(x)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
    (grad_a,) = torch.autograd.grad(a.sum(), limited.weights)
    (grad_b,) = torch.autograd.grad(b.sum(), free.weights)
    torch.testing.assert_close(grad_a, grad_b, atol=1e-4, rtol=0)
