"""One-wire gates as cos · phase entries against their torch matrices, and their angles' gradients against autograd."""

import numpy as np
import pytest
import torch

from circuits.gates import GATES
from qnn.simulator.matrices import gate_matrix
from qnn.simulator.one_wire_forms import FORMS, angle_gradients, one_wire_entries, step_forms

ONE_WIRE_GATES = sorted(gate for gate, spec in GATES.items() if spec.n_wires in (1, None))


def test_every_one_wire_gate_has_a_form():
    assert set(FORMS) == set(ONE_WIRE_GATES)


@pytest.mark.parametrize("gate", ONE_WIRE_GATES)
def test_entries_are_the_gate_matrix_column_by_column(gate):
    n_params = GATES[gate].n_params
    angles = torch.rand(5, n_params, dtype=torch.float64, generator=torch.Generator().manual_seed(1)) * 8 - 4
    forms = step_forms([(gate, tuple(range(n_params)))])
    for sample in angles:
        entries, _ = one_wire_entries(sample.numpy(), forms, np.complex128)
        expected = gate_matrix(gate, sample, 1, torch.complex128).numpy()
        np.testing.assert_allclose(entries[0], expected.T.reshape(4), atol=1e-14)


@pytest.mark.parametrize("gate", ONE_WIRE_GATES)
def test_angle_gradients_agree_with_autograd_through_the_gate_matrix(gate):
    """Several steps of the gate reading shared columns (one column read twice), for batches of two sizes in turn
    (the forms keep where each sample's gradient adds up, for the last size)."""
    n_params = GATES[gate].n_params
    generator = torch.Generator().manual_seed(2)
    n_columns = n_params + 1
    columns = [tuple(range(n_params)), tuple(range(1, n_params + 1))]  # the two steps share columns 1..p-1
    forms = step_forms([(gate, c) for c in columns])
    for rows in (3, 5, 3):
        angles = torch.randn(n_columns, rows, dtype=torch.float64, generator=generator, requires_grad=True)
        grad = torch.randn(2, 4, rows, dtype=torch.complex128, generator=generator)

        entries, saved = one_wire_entries(angles.detach().numpy(), forms, np.complex128)
        ours = angle_gradients(grad.numpy(), saved, forms, n_columns)

        matrices = [gate_matrix(gate, angles[list(c)].T, 1, torch.complex128).expand(rows, 2, 2) for c in columns]
        by_column = torch.stack([m.transpose(-1, -2).reshape(rows, 4).T for m in matrices])  # (2, 4, rows)
        np.testing.assert_allclose(entries, by_column.detach().numpy(), atol=1e-14)
        if n_params == 0:
            assert ours.shape == (n_columns, rows) and not ours.any()
            continue
        (expected,) = torch.autograd.grad(torch.view_as_real(by_column).mul(torch.view_as_real(grad)).sum(), angles)
        np.testing.assert_allclose(ours, expected.numpy(), atol=1e-12)


@pytest.mark.parametrize("trailing", [(), (3,)])
def test_no_steps_give_zero_gradients_of_the_columns(trailing):
    """A table without shared steps (a gate reading constants and an input is a batched one) still answers."""
    forms = step_forms([])
    entries, saved = one_wire_entries(np.zeros((2, *trailing)), forms, np.complex128)
    assert entries.shape == (0, 4, *trailing)
    gradients = angle_gradients(np.zeros((0, 4, *trailing), np.complex128), saved, forms, 2)
    assert gradients.shape == (2, *trailing) and not gradients.any()


@pytest.mark.parametrize("dense", [False, True])
@pytest.mark.parametrize("batched_reads_weights", [True, False])
def test_the_table_node_agrees_with_the_table_recorded_by_autograd(dense, batched_reads_weights):
    """Every one-wire gate type beside entanglers, its angles from weights, inputs and constants: `matrix_table`'s
    values and gradients against `blocks.torch_table`, one torch call per gate type. Gates reading inputs read
    weights too (the node joins the angles), or inputs alone (it reads the batched angles apart)."""
    from circuits.circuit import Circuit, Const, Input, Operation, Weight
    from qnn.simulator.blocks import torch_table
    from qnn.simulator.execute import compiled_circuit
    from qnn.simulator.one_wire_forms import matrix_table
    from qnn.simulator.program import join_angles

    ops = [Operation("CZ", (0, 1))]
    for k, gate in enumerate(ONE_WIRE_GATES):
        wire, n_params = k % 3, GATES[gate].n_params
        params = [(Weight(k % 4), Input(k % 2), Const(0.3))[(k + j) % 3] for j in range(n_params)]
        if not batched_reads_weights and any(isinstance(p, Input) for p in params):
            params = [Input((k + j) % 2) for j in range(n_params)]
        ops += [Operation(gate, (wire,), tuple(params)), Operation("CNOT", (wire, (wire + 1) % 3))]
    circuit = Circuit.of(3, ops, n_inputs=2, weight_shapes=[(4,)])
    compiled = compiled_circuit(circuit)
    recipe = compiled.dense_recipe if dense else compiled.plan.recipe
    assert recipe.shared_groups and recipe.batched_groups
    shared_forms, batched_forms = recipe.one_qubit_forms
    assert (batched_forms.lowest_column < compiled.program.n_shared) == batched_reads_weights
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(5, 2, dtype=torch.float64, generator=generator)
    w = torch.randn(4, dtype=torch.float64, generator=generator)
    shared, batched = (t.detach().requires_grad_() for t in compiled.program.split_angles(x, w))
    expected = torch_table(recipe, shared, join_angles(shared, batched), torch.complex128)
    ours = matrix_table(recipe.one_qubit_forms, torch.complex128, shared, batched)
    for theirs, mine in zip((expected.shared, expected.batched), ours, strict=True):
        torch.testing.assert_close(mine, theirs, atol=1e-13, rtol=0)
    upstream = [torch.randn(t.shape, dtype=t.dtype, generator=generator) for t in ours]

    def gradients(tables):
        pairs = zip(tables, upstream, strict=True)
        loss = sum(torch.view_as_real(t).mul(torch.view_as_real(u)).sum() for t, u in pairs)
        return torch.autograd.grad(loss, (shared, batched))

    for theirs, mine in zip(gradients((expected.shared, expected.batched)), gradients(ours), strict=True):
        torch.testing.assert_close(mine, theirs, atol=1e-12, rtol=0)
