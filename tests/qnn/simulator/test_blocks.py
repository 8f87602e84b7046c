"""Block matrices and permutations against the naive reference's full matrices."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings

import circuits
from circuits.circuit import Circuit, Const, Operation
from qnn.simulator import compile_circuit
from qnn.simulator.blocks import block_matrix, matrix_product, permutation_index, plan_matrices, step_matrices
from qnn.simulator.fusion import Block, make_plan
from tests.reference import full_matrix
from tests.strategies import circuit_with_values

GATES_ON = [
    ("Rot", (1,), (0.3, -1.1, 2.0)),
    ("CRX", (2, 0), (0.7,)),
    ("RZZ", (0, 1), (-0.4,)),
    ("H", (0,), ()),
    ("CNOT", (1, 2), ()),
    ("MultiRZ", (0, 1, 2), (1.3,)),
    ("S", (2,), ()),
]


def test_block_matrix_is_the_product_of_the_reference_matrices():
    ops = [Operation(g, w, tuple(Const(a) for a in angles)) for g, w, angles in GATES_ON]
    program = compile_circuit(Circuit.of(3, ops))
    shared = program.angles(None, torch.zeros(0, dtype=torch.float64)).shared
    block = Block(0, 3, program.steps)
    ours = block_matrix(block, step_matrices(program.steps, shared, None, torch.complex128)).numpy()
    expected = np.eye(8, dtype=np.complex128)
    for g, w, angles in GATES_ON:
        expected = full_matrix(g, w, angles, 3) @ expected
    np.testing.assert_allclose(ours, expected, atol=1e-12)


def test_one_qubit_blocks_are_kronecker_products_with_identity_on_untouched_wires():
    ops = [
        Operation("RY", (1,), (Const(0.5),)),
        Operation("RX", (3,), (Const(-0.2),)),
        Operation("RY", (1,), (Const(1.0),)),
    ]
    program = compile_circuit(Circuit.of(4, ops))
    shared = program.angles(None, torch.zeros(0, dtype=torch.float64)).shared
    ours = block_matrix(Block(1, 3, program.steps), step_matrices(program.steps, shared, None, torch.complex128))
    expected = full_matrix("RY", (0,), (1.5,), 3) @ full_matrix("RX", (2,), (-0.2,), 3)
    np.testing.assert_allclose(ours.numpy(), expected, atol=1e-12)


@pytest.mark.parametrize("inverse", [False, True])
def test_permutation_index_matches_the_reference(inverse):
    ops = [Operation("CNOT", (0, 2)), Operation("X", (1,)), Operation("SWAP", (2, 0)), Operation("CNOT", (2, 1))]
    program = compile_circuit(Circuit.of(3, ops))
    index = permutation_index(program.steps, 3, torch.device("cpu"), inverse).numpy()
    matrix = np.eye(8)
    for op in ops:
        matrix = full_matrix(op.gate, op.wires, (), 3).real @ matrix
    state = np.arange(8.0) + 1
    expected = matrix.T @ state if inverse else matrix @ state
    np.testing.assert_array_equal(state[index], expected)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    circuit_with_values(max_qubits=4, allow_state_prep=False, gates=("RX", "RY", "Rot", "H", "U3", "CRY", "RZ", "CNOT"))
)
def test_plan_matrices_agree_with_the_step_by_step_products(case):
    """The batched assembly (one table, products per wire, Kronecker products per width) against block_matrix."""
    circuit, x, w = case
    x, w = torch.from_numpy(x), torch.from_numpy(w)
    program = compile_circuit(circuit)
    plan = make_plan(program, fuse=3)
    angles = program.angles(x, w)
    shared, joined = angles.shared, angles.joined
    factors, matrices = plan_matrices(plan, angles, torch.complex128)
    for op, matrix in zip(plan.ops, matrices, strict=True):
        if isinstance(op, Block):
            expected = block_matrix(op, step_matrices(op.steps, shared, joined, torch.complex128))
            torch.testing.assert_close(*torch.broadcast_tensors(matrix, expected), rtol=1e-12, atol=1e-12)
    for wire, steps in enumerate(plan.prefix):
        vector = torch.tensor([1, 0], dtype=torch.complex128)
        for g in step_matrices(steps, shared, joined, torch.complex128):
            vector = (g @ vector[..., None])[..., 0]
        torch.testing.assert_close(*torch.broadcast_tensors(factors[..., wire, :], vector), rtol=1e-12, atol=1e-12)


def test_blocks_without_angles_are_made_once_and_outside_autograd():
    # An IQP encoding's second layer of Hadamards sits between two phases: a block of gates without angles.
    program = compile_circuit(circuits.iqp_encoding(6, n_repeats=2) + circuits.strongly_entangling(6, 1))
    plan = make_plan(program, fuse=3)
    x = torch.rand(2, 6, dtype=torch.float64)
    weights = torch.rand(program.n_shared, dtype=torch.float64, requires_grad=True)
    with torch.inference_mode():  # a first call in inference mode keeps nothing for the calls after it
        plan_matrices(plan, program.angles(x, weights.detach()), torch.complex128)
    first = plan_matrices(plan, program.angles(x, weights), torch.complex128)[1]
    second = plan_matrices(plan, program.angles(x, weights), torch.complex128)[1]
    blocks = [i for i, op in enumerate(plan.ops) if isinstance(op, Block)]
    fixed = [i for i in blocks if not any(s.columns for s in plan.ops[i].steps)]
    assert fixed and set(blocks) - set(fixed)
    for i in fixed:
        assert second[i].data_ptr() == first[i].data_ptr()  # not made again
        assert not second[i].requires_grad and not second[i].is_inference()
        steps = plan.ops[i].steps
        angles = program.angles(x, weights)
        expected = block_matrix(plan.ops[i], step_matrices(steps, angles.shared, angles.joined, torch.complex128))
        torch.testing.assert_close(second[i], expected, rtol=1e-12, atol=1e-12)
    assert all(second[i].requires_grad for i in set(blocks) - set(fixed))


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ((2, 3), (3, 4)),
        ((5, 2, 3), (5, 3, 1)),
        ((2, 4, 2, 2), (2, 4, 2, 2)),
        ((4, 2, 2), (3, 4, 2, 2)),
        ((0, 3, 2, 2), (0, 3, 2, 2)),
    ],
    ids=["matrices", "one-lead", "two-leads", "broadcast", "empty"],
)
def test_matrix_product_is_matmul_with_its_gradients(left, right):
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(left, dtype=torch.complex128, generator=generator, requires_grad=True)
    b = torch.randn(right, dtype=torch.complex128, generator=generator, requires_grad=True)
    expected = a @ b
    got = matrix_product(a.transpose(-1, -2).transpose(-1, -2), b)  # a strided view of the same numbers
    torch.testing.assert_close(got, expected, rtol=1e-14, atol=1e-14)
    g = torch.randn(expected.shape, dtype=torch.complex128, generator=generator)
    for want, have in zip(torch.autograd.grad(expected, (a, b), g), torch.autograd.grad(got, (a, b), g), strict=True):
        torch.testing.assert_close(have, want, rtol=1e-14, atol=1e-14)
