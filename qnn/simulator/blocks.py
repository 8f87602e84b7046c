"""The small tensors of a plan, built from the angles: block matrices, product-state factors, permutations.

Everything here is differentiable with respect to the angles by autograd and costs nothing next
to the state (a block is at most 2**fuse × 2**fuse per sample).
"""

from __future__ import annotations

import math
import string
from dataclasses import dataclass
from functools import cached_property, lru_cache, partial

import torch

from qnn.simulator.constants import constant, outside_inference_mode
from qnn.simulator.fusion import Block, Diagonal, PhaseRun, Plan, Single, StatePrep
from qnn.simulator.matrices import constant_diagonal, gate_matrix, rotation_diagonal
from qnn.simulator.one_wire_forms import matrix_table
from qnn.simulator.phases import constant_run_diagonal, run_coefficients, run_diagonal
from qnn.simulator.program import PHASE_RUN, Angles, Step
from qnn.simulator.recipe import Recipe


def step_angles(step: Step, shared: torch.Tensor, joined: torch.Tensor | None) -> torch.Tensor:
    """(n_params,) for a shared step, (batch, n_params) for an input-dependent one."""
    return joined[:, list(step.columns)] if step.batched else shared[list(step.columns)]


def step_matrices(steps: tuple[Step, ...], shared, joined, dtype: torch.dtype) -> list[torch.Tensor]:
    """The dense matrix of each step, computed one gate type at a time (few large ops, not many small ones)."""
    groups: dict[tuple, list[int]] = {}
    for i, step in enumerate(steps):
        groups.setdefault((step.gate, len(step.wires), step.batched), []).append(i)
    out: list = [None] * len(steps)
    for (gate, n_wires, batched), members in groups.items():
        columns = constant(tuple(steps[i].columns for i in members), torch.long, shared.device)
        angles = joined[:, columns] if batched else shared[columns]  # (batch, m, p) or (m, p)
        matrices = gate_matrix(gate, angles, n_wires, dtype)
        parameterless = matrices.dim() == 2  # one matrix for all
        for j, i in enumerate(members):
            out[i] = matrices if parameterless else matrices[..., j, :, :]
    return out


def block_matrix(block: Block, matrices: list[torch.Tensor]) -> torch.Tensor:
    """(2**width, 2**width), or (batch, …) when any step reads inputs: the product of the block's steps.

    `matrices`: the dense matrix of each of the block's steps, in order.
    """
    matrix = None
    for step, g in zip(block.steps, matrices, strict=True):
        positions = tuple(w - block.lo for w in step.wires)
        matrix = _embed(g, positions, block.width) if matrix is None else _apply_on_rows(matrix, g, positions)
    return matrix


def _embed(g: torch.Tensor, positions: tuple[int, ...], width: int) -> torch.Tensor:
    """The gate `g` on `positions` of `width` wires, identity elsewhere."""
    if positions == tuple(range(positions[0], positions[0] + len(positions))):
        left = torch.eye(2 ** positions[0], dtype=g.dtype, device=g.device)
        right = torch.eye(2 ** (width - positions[-1] - 1), dtype=g.dtype, device=g.device)
        return _kron(_kron(left, g), right)
    eye = torch.eye(2**width, dtype=g.dtype, device=g.device)
    return _apply_on_rows(eye, g, positions)


def _kron(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Kronecker product of (…, m, m) and (…, k, k), batch dimensions broadcast."""
    if a.shape[-1] == 1:
        return b
    if b.shape[-1] == 1:
        return a
    out = a[..., :, None, :, None] * b[..., None, :, None, :]
    m, k = a.shape[-1], b.shape[-1]
    return out.reshape(*out.shape[:-4], m * k, m * k)


def _apply_on_rows(matrix: torch.Tensor, g: torch.Tensor, positions: tuple[int, ...]) -> torch.Tensor:
    """`g` (acting on `positions`) times `matrix` (…, 2**width, 2**width): the gate applied after it."""
    width = matrix.shape[-1].bit_length() - 1
    k = len(positions)
    letters = string.ascii_lowercase
    rows = [letters[i] for i in range(width)]
    new = [letters[width + i] for i in range(k)]
    out_rows = list(rows)
    for p, o in zip(positions, new, strict=True):
        out_rows[p] = o
    g_idx = "".join(new) + "".join(rows[p] for p in positions)
    spec = f"...{g_idx},...{''.join(rows)}Z->...{''.join(out_rows)}Z"
    g = g.reshape(*g.shape[:-2], *[2] * (2 * k))
    m = matrix.reshape(*matrix.shape[:-2], *[2] * width, matrix.shape[-1])
    batch = torch.broadcast_shapes(g.shape[: g.dim() - 2 * k], m.shape[: m.dim() - width - 1])
    return torch.einsum(spec, g, m).reshape(*batch, matrix.shape[-1], matrix.shape[-1])


def plan_matrices(
    plan: Plan, angles: Angles, dtype: torch.dtype, any_order: bool = False, input_gradients: bool = True
) -> tuple[torch.Tensor | None, list]:
    """The product-state factors and, per operation, its matrix or diagonal; differentiable to any order where
    `any_order` (the backprop path), else once, and with respect to the inputs only where `input_gradients`.

    Factors: (n_qubits, 2), or (batch, n_qubits, 2) when any prefix step reads inputs; None
    without a prefix. Per operation: a block gets its (d, d) or (batch, d, d) matrix, a diagonal
    operation its diagonal, a phase run its phase's coefficients, a single dense step its matrix,
    StatePrep its amplitudes, permutations None.

    One-qubit gates (the prefix and blocks made of them only) are computed together: one table of
    2×2 matrices, the product on each wire of each block as one batched product, the Kronecker
    products over all blocks of a width at once. A forward pass then costs a few dozen small
    tensor operations, not a few per gate, and so does autograd's pass back through them.
    """
    recipe = plan.recipe
    device = angles.shared.device
    table = one_qubit_table(recipe, angles, dtype, any_order, input_gradients)
    factors = None if plan.prefix is None else _prefix_factors(recipe, table, device)
    out: list = [None] * len(plan.ops)
    for (_, batched, fixed), op_indices in recipe.kron_groups.items():
        index = recipe.tensor(op_indices, device)
        if fixed and not torch.is_inference_mode_enabled():  # no angles: made once, never in autograd's graph
            key = ("constant blocks", op_indices, dtype, str(device))
            make = partial(_constant_blocks, table.shared, index)
            matrices = recipe.constant(key, make)
        else:
            matrices = kron_wires(_wire_products(table.joined if batched else table.shared, index))
        for i, matrix in zip(op_indices, matrices.unbind(-3), strict=True):
            out[i] = matrix
    shared = angles.shared  # `angles.joined` is made below only where an operation reads it
    for i in recipe.other_blocks:
        op = plan.ops[i]
        out[i] = block_matrix(op, step_matrices(op.steps, shared, angles.joined, dtype))
    coefficients = {}  # by step: an encoding's repeats share one (`phases.gather_phase_runs`)
    for i, op in enumerate(plan.ops):
        if isinstance(op, PhaseRun):
            if id(op.step) not in coefficients:
                coefficients[id(op.step)] = run_coefficients(op.step, shared, angles.joined)
            out[i] = coefficients[id(op.step)]
        elif isinstance(op, Diagonal):
            out[i] = step_diagonal(op.step, shared, angles.joined, dtype)
        elif isinstance(op, StatePrep):
            out[i] = step_angles(op.step, shared, angles.joined)  # the amplitudes
        elif isinstance(op, Single):
            out[i] = step_matrices((op.step,), shared, angles.joined, dtype)[0]
    return factors, out


def slice_batch(plan: Plan, factors, matrices: list, part: slice) -> tuple[torch.Tensor | None, list]:
    """The factors and per-operation tensors of `plan_matrices` for the samples `part`; shared ones as they are."""
    if factors is not None and factors.dim() == 3:
        factors = factors[part]
    sliced = []
    for op, tensor in zip(plan.ops, matrices, strict=True):
        per_sample = tensor is not None and tensor.dim() == (2 if isinstance(op, Diagonal | StatePrep) else 3)
        sliced.append(tensor[part] if per_sample else tensor)
    return factors, sliced


@dataclass
class OneQubitTable:
    """Every one-qubit matrix of a call, in the layout of `recipe.table_layout`."""

    shared: torch.Tensor  # (rows, 2, 2): the shared steps and the identity
    batched: torch.Tensor | None  # (batch, rows, 2, 2): the steps that read inputs, if any

    @cached_property  # built at most once per call, where some rows mix shared and batched steps
    def joined(self) -> torch.Tensor:
        """(batch, all rows, 2, 2): the shared rows for every sample, then the batched ones."""
        batch = self.batched.shape[0]
        return torch.cat([self.shared.expand(batch, *self.shared.shape), self.batched], dim=1)

    def rows(self, source: str, index: torch.Tensor) -> torch.Tensor:
        """The matrices of `index` from the "shared", "batched" or "joined" rows."""
        if source == "shared":
            return self.shared[index]
        return (self.batched if source == "batched" else self.joined)[:, index]


def one_qubit_table(
    recipe, angles: Angles, dtype: torch.dtype, any_order: bool = False, input_gradients: bool = True
) -> OneQubitTable:
    """The matrices of `recipe`'s `shared_groups` and `batched_groups` (a `Recipe` or a `DenseRecipe`): shared
    from `angles.shared` (n_shared,), batched per sample from the columns of `angles.joined` they read.

    On the CPU, all gate types at once as one autograd node computed with NumPy (`one_wire_forms.matrix_table`):
    a 4-qubit data re-uploading training step spent a quarter of its time in autograd's record of the matrices.
    It reads the shared and batched angles apart, so that the joined ones are not made for it. Elsewhere, or
    differentiable to `any_order`, one torch call per gate type (a GPU's tensors stay there)."""
    if angles.shared.device.type == "cpu" and not any_order:
        batched = angles.batched if recipe.batched_groups else None
        return OneQubitTable(*matrix_table(recipe.one_qubit_forms, dtype, angles.shared, batched, input_gradients))
    return torch_table(recipe, angles.shared, angles.joined if recipe.batched_groups else None, dtype)


def torch_table(recipe, shared, joined, dtype: torch.dtype) -> OneQubitTable:
    """`one_qubit_table` as torch operations, recorded by autograd: one call per gate type."""
    parts = [_group_matrices(gate, members, shared, dtype) for gate, members in recipe.shared_groups]
    parts.append(torch.eye(2, dtype=dtype, device=shared.device)[None])
    table = torch.cat(parts)
    if not recipe.batched_groups:
        return OneQubitTable(table, None)
    batched = [_group_matrices(gate, members, joined, dtype) for gate, members in recipe.batched_groups]
    return OneQubitTable(table, batched[0] if len(batched) == 1 else torch.cat(batched, dim=1))


def _prefix_factors(recipe: Recipe, table: OneQubitTable, device) -> torch.Tensor:
    """(n, 2), or (batch, n, 2) if any prefix step reads inputs: each wire's prefix gates applied to |0⟩.

    A depth at a time, as matrix-vector products: per sample, only the steps that read inputs are
    per-sample matrices (the shared ones broadcast), and there is no product of 2×2 matrices.
    """
    vectors = None
    for depth, source in enumerate(recipe.prefix_sources):
        matrices = table.rows(source, recipe.tensor(("prefix", depth), device))  # (…, n, 2, 2)
        vectors = matrices[..., 0] if vectors is None else (matrices * vectors[..., None, :]).sum(-1)
    return vectors


def _group_matrices(gate: str, members: tuple[Step, ...], angles: torch.Tensor, dtype) -> torch.Tensor:
    """(m, 2, 2) for shared `angles` (n_shared,), (batch, m, 2, 2) for joined ones (batch, n_joined)."""
    matrices = gate_matrix(gate, angle_columns(tuple(s.columns for s in members), angles), 1, dtype)
    if matrices.dim() == 2:  # a gate without parameters
        return matrices.expand(*angles.shape[:-1], len(members), 2, 2)
    return matrices


def angle_columns(columns: tuple[tuple[int, ...], ...], angles: torch.Tensor) -> torch.Tensor:
    """angles[..., columns]: (…, m, p); a view where the columns are consecutive (an index's backward costs more)."""
    first = _first_of_consecutive(columns)
    if first is None:
        return angles[..., constant(columns, torch.long, angles.device)]
    m, p = len(columns), len(columns[0])
    return angles[..., first : first + m * p].reshape(*angles.shape[:-1], m, p)


@lru_cache(maxsize=512)
def _first_of_consecutive(columns: tuple[tuple[int, ...], ...]) -> int | None:
    """The first column where `columns`, read in order, are consecutive; else None."""
    flat = [c for group in columns for c in group]
    first = flat[0] if flat else 0
    return first if flat == list(range(first, first + len(flat))) else None


def _constant_blocks(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return kron_wires(_wire_products(table, index))


def _wire_products(table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """(..., *index.shape[:-1], 2, 2): per wire, the product of its steps' matrices (last index applied last)."""
    matrices = table[..., index, :, :]
    product = matrices[..., 0, :, :]
    for depth in range(1, index.shape[-1]):
        product = matrix_product(matrices[..., depth, :, :], product)
    return product


def matrix_product(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """a @ b for (…, r, c) and (…, c, t) matrices. Where the leading shapes are equal, one `bmm` over them:
    `torch.matmul` would expand and reshape each operand and the result, each an autograd node of a few
    microseconds (63 against 43 µs forward and backward for 256 products of 2×1 by 1×2)."""
    lead = a.shape[:-2]
    if lead != b.shape[:-2] or not lead:
        return a @ b
    if len(lead) == 1:
        return torch.bmm(a, b)
    rows = math.prod(lead)
    flat = torch.bmm(a.reshape(rows, *a.shape[-2:]), b.reshape(rows, *b.shape[-2:]))
    return flat.view(*lead, a.shape[-2], b.shape[-1])


def kron_wires(products: torch.Tensor) -> torch.Tensor:
    """(..., width, 2, 2) → (..., 2**width, 2**width): the Kronecker product over the wires, wire 0 first.

    One broadcast product of the wires' matrices, each viewed with its two axes in place, rather
    than width - 1 pairwise products (fewer operations for autograd to walk back through).
    """
    width = products.shape[-3]
    lead = products.shape[:-3]
    result = None
    for w, matrix in enumerate(products.unbind(-3)):
        shape = [1] * (2 * width)
        shape[w], shape[width + w] = 2, 2
        factor = matrix.reshape(*lead, *shape)
        result = factor if result is None else result * factor
    return result.reshape(*lead, 2**width, 2**width)


def step_diagonal(step: Step, shared, joined, dtype: torch.dtype) -> torch.Tensor:
    """(2**k,) or (batch, 2**k) diagonal of a diagonal gate or a shared phase run."""
    if step.gate == PHASE_RUN:
        if not step.columns:
            return constant_run_diagonal(step, dtype, shared.device)
        return run_diagonal(step, shared, joined, dtype)
    angles = step_angles(step, shared, joined)
    if angles.shape[-1] == 0:
        return constant_diagonal(step.gate, len(step.wires), dtype, shared.device)
    return rotation_diagonal(step.gate, angles, len(step.wires)).to(dtype)


@lru_cache(maxsize=64)
@outside_inference_mode
def permutation_index(steps: tuple[Step, ...], n_qubits: int, device: torch.device, inverse: bool) -> torch.Tensor:
    """Index `idx` (2**n,) with new_state[:, i] = old_state[:, idx[i]] after all `steps` (or before, if `inverse`)."""
    basis = torch.arange(2**n_qubits, device=device)
    index = basis
    for step in steps:
        index = index[_flip(step, basis, n_qubits)]
    return torch.argsort(index) if inverse else index


def _flip(step: Step, basis: torch.Tensor, n: int) -> torch.Tensor:
    """The basis index each index maps to under an X, CNOT or SWAP (each its own inverse)."""

    def bit(w):
        return (basis >> (n - 1 - w)) & 1

    if step.gate == "X":
        return basis ^ (1 << (n - 1 - step.wires[0]))
    if step.gate == "CNOT":
        control, target = step.wires
        return basis ^ (bit(control) << (n - 1 - target))
    a, b = step.wires
    differ = bit(a) ^ bit(b)
    return basis ^ (differ << (n - 1 - a)) ^ (differ << (n - 1 - b))
