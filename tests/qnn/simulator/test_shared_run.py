"""The shared-run node against the same run recorded by autograd (torch's operations), values and gradients."""

import pytest
import torch

import circuits
from circuits.circuit import Circuit, Operation, Weight
from qnn.simulator import compile_circuit, shared_run
from qnn.simulator.blocks import torch_table
from qnn.simulator.dense import _chain_products, _kron, _ordered_product, _with_entanglers
from qnn.simulator.dense_recipe import dense_recipe


def _circuit(n_qubits: int, n_layers: int) -> Circuit:
    """Weights only: strongly entangling layers, and before the last one extra rotations on some wires (chains of
    several gates on a wire, some wires with one gate fewer), then an entangler with phases (CZ)."""
    extra = [Operation("RY", (0,), (Weight(0, scale=0.5),)), Operation("S", (n_qubits - 1,))]
    if n_qubits > 1:
        extra.append(Operation("RX", (1,), (Weight(1),)))
    last = [Operation("CZ", (0, n_qubits - 1))] if n_qubits > 1 else []
    return (
        circuits.strongly_entangling(n_qubits, n_layers)
        + Circuit.of(n_qubits, extra, weight_shapes=[(2,)])
        + circuits.strongly_entangling(n_qubits, 1)
        + Circuit.of(n_qubits, last)
    )


def _recorded(recipe, table, layers, dtype):
    rows = recipe.tensor("rows", None, dtype, table.device)[layers[0] : layers[-1] + 1]
    chains = _chain_products(table[rows][None], dtype)
    shared = torch.zeros(0, dtype=dtype.to_real())
    return _ordered_product(_with_entanglers(recipe, shared[None], _kron(chains), layers, dtype))


@pytest.mark.parametrize("n_qubits", [1, 2, 3, 5])
@pytest.mark.parametrize("dtype", [torch.complex64, torch.complex128])
def test_the_node_agrees_with_the_run_recorded_by_autograd(n_qubits, dtype):
    circuit = _circuit(n_qubits, 3)
    program = compile_circuit(circuit)
    recipe = dense_recipe(program)
    runs = [layers for kind, layers in recipe.runs if kind == "shared"]
    assert runs and recipe.constant_entanglers is not None
    assert recipe.rows.shape[2] > 1  # some wire has a chain of gates in a layer
    generator = torch.Generator().manual_seed(n_qubits)
    weights = torch.randn(program.n_weights, dtype=dtype.to_real(), generator=generator, requires_grad=True)
    shared = program.angles(None, weights).shared
    table = torch_table(recipe, shared, None, dtype).shared
    tolerance = 1e-5 if dtype == torch.complex64 else 1e-12
    for layers in runs:
        ours, theirs = shared_run.run_unitary(recipe, table, layers, dtype), _recorded(recipe, table, layers, dtype)
        torch.testing.assert_close(ours, theirs, atol=tolerance, rtol=0)
        upstream = torch.randn(ours.shape, dtype=dtype, generator=generator)
        mine, expected = (_weight_gradient(product, upstream, weights) for product in (ours, theirs))
        torch.testing.assert_close(mine, expected, atol=tolerance * 10, rtol=0)


def _weight_gradient(product, upstream, weights):
    loss = torch.view_as_real(product).mul(torch.view_as_real(upstream)).sum()
    return torch.autograd.grad(loss, weights, retain_graph=True)[0]


def test_the_node_passes_gradcheck():
    """Complex gradients of the table's entries themselves (every row, the identity's too), in float64."""
    recipe = dense_recipe(compile_circuit(_circuit(3, 2)))
    (layers,) = [layers for kind, layers in recipe.runs if kind == "shared"]
    n_rows = int(recipe.rows.max()) + 1
    table = torch.randn(n_rows, 2, 2, dtype=torch.complex128, generator=torch.Generator().manual_seed(0))
    table.requires_grad_(True)
    assert torch.autograd.gradcheck(lambda t: shared_run.run_unitary(recipe, t, layers, torch.complex128), table)


def test_larger_circuits_and_entanglers_with_angles_keep_torch_operations():
    assert shared_run.supports(dense_recipe(compile_circuit(_circuit(4, 2))), torch.device("cpu"))
    wide = dense_recipe(compile_circuit(circuits.strongly_entangling(shared_run.MAX_QUBITS + 1, 1)))
    assert not shared_run.supports(wide, torch.device("cpu"))
    with_angles = circuits.Circuit.of(2, [Operation("CRZ", (0, 1), (Weight(0),))], weight_shapes=[(1,)])
    assert not shared_run.supports(dense_recipe(compile_circuit(with_angles)), torch.device("cpu"))
