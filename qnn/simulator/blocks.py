"""The small tensors of a plan, built from the angles: block matrices, product-state factors, permutations.

Everything here is differentiable with respect to the angles by autograd and costs nothing next
to the state (a block is at most 2**fuse × 2**fuse per sample).
"""

from __future__ import annotations

import string
from functools import lru_cache

import torch

from qnn.simulator.fusion import Block, Diagonal, Plan, Single
from qnn.simulator.matrices import constant_diagonal, gate_matrix, rotation_diagonal
from qnn.simulator.program import Step, step_kind


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
        columns = torch.tensor([steps[i].columns for i in members], dtype=torch.long, device=shared.device)
        angles = joined[:, columns] if batched else shared[columns]  # (batch, m, p) or (m, p)
        matrices = gate_matrix(gate, angles, n_wires, dtype)
        constant = matrices.dim() == 2  # a gate without parameters: one matrix for all
        for j, i in enumerate(members):
            out[i] = matrices if constant else matrices[..., j, :, :]
    return out


def block_matrix(block: Block, matrices: list[torch.Tensor]) -> torch.Tensor:
    """(2**width, 2**width), or (batch, …) when any step reads inputs: the product of the block's steps.

    `matrices`: the dense matrix of each of the block's steps, in order.
    """
    if all(len(step.wires) == 1 for step in block.steps):
        return _one_qubit_block(block, matrices)
    matrix = None
    for step, g in zip(block.steps, matrices, strict=True):
        positions = tuple(w - block.lo for w in step.wires)
        matrix = _embed(g, positions, block.width) if matrix is None else _apply_on_rows(matrix, g, positions)
    return matrix


def _one_qubit_block(block: Block, matrices: list[torch.Tensor]) -> torch.Tensor:
    """One-qubit gates only: the product on each wire, then the Kronecker product over the wires."""
    per_wire: dict[int, torch.Tensor] = {}
    for step, g in zip(block.steps, matrices, strict=True):
        w = step.wires[0]
        per_wire[w] = g if w not in per_wire else g @ per_wire[w]
    eye = torch.eye(2, dtype=matrices[0].dtype, device=matrices[0].device)
    result = None
    for w in range(block.lo, block.lo + block.width):
        factor = per_wire.get(w, eye)
        result = factor if result is None else _kron(result, factor)
    return result


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


def prefix_factors(prefix, matrices: list[torch.Tensor], dtype: torch.dtype, device) -> list[torch.Tensor]:
    """Per wire, the (2,) or (batch, 2) one-qubit state its prefix steps make of |0⟩.

    `matrices`: the dense matrix of each prefix step, wire after wire, in order.
    """
    factors, position = [], 0
    for steps in prefix:
        vector = torch.tensor([1, 0], dtype=dtype, device=device)
        for _ in steps:
            vector = (matrices[position] @ vector[..., None])[..., 0]
            position += 1
        factors.append(vector)
    return factors


def plan_matrices(plan: Plan, shared, joined, dtype: torch.dtype) -> tuple[list | None, list]:
    """The product-state factors (None without a prefix) and, per operation, its matrix or diagonal.

    A block gets its (d, d) or (batch, d, d) matrix, a diagonal operation its diagonal, a single
    dense step its matrix, StatePrep and permutations None.
    """
    prefix_steps = tuple(s for steps in plan.prefix or () for s in steps)
    op_steps = tuple(s for op in plan.ops if isinstance(op, Block) for s in op.steps)
    singles = tuple(op.step for op in plan.ops if isinstance(op, Single) and step_kind(op.step.gate) != "state_prep")
    matrices = step_matrices(prefix_steps + op_steps + singles, shared, joined, dtype)
    factors = None
    if plan.prefix is not None:
        factors = prefix_factors(plan.prefix, matrices[: len(prefix_steps)], dtype, shared.device)
    position, single = len(prefix_steps), len(prefix_steps) + len(op_steps)
    out = []
    for op in plan.ops:
        if isinstance(op, Block):
            out.append(block_matrix(op, matrices[position : position + len(op.steps)]))
            position += len(op.steps)
        elif isinstance(op, Diagonal):
            out.append(step_diagonal(op.step, shared, joined, dtype))
        elif isinstance(op, Single) and step_kind(op.step.gate) != "state_prep":
            out.append(matrices[single])
            single += 1
        else:
            out.append(None)
    return factors, out


def step_diagonal(step: Step, shared, joined, dtype: torch.dtype) -> torch.Tensor:
    """(2**k,) or (batch, 2**k) diagonal of a diagonal step."""
    angles = step_angles(step, shared, joined)
    if angles.shape[-1] == 0:
        return constant_diagonal(step.gate, len(step.wires), dtype, shared.device)
    return rotation_diagonal(step.gate, angles, len(step.wires)).to(dtype)


@lru_cache(maxsize=64)
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
