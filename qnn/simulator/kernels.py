"""Apply gates to a batched state.

A state is a complex tensor of shape (batch, 2, 2, …, 2): axis 1 + w is wire w, so flattening it
gives PennyLane's ordering (wire 0 is the most significant bit). A gate's matrix or diagonal may
carry a leading batch dimension of size `batch` (input-dependent gates) or none (shared gates).
"""

import math
import string

import torch

from qnn.simulator.settings import DEFAULT_SETTINGS
from qnn.simulator.workspace import TEMPORARY, scratch


def zero_state(n_qubits: int, batch: int, dtype: torch.dtype, device) -> torch.Tensor:
    state = torch.zeros(batch, 2**n_qubits, dtype=dtype, device=device)
    state[:, 0] = 1
    return state.view(batch, *[2] * n_qubits)


def _broadcast(entry: torch.Tensor, ndim: int) -> torch.Tensor:
    """Reshape a (batch,) or () entry so that it broadcasts against a state slice of `ndim` dims."""
    if entry.dim() == 0:
        return entry
    return entry.reshape(entry.shape[0], *[1] * (ndim - 1))


def apply_one_qubit(state: torch.Tensor, matrix: torch.Tensor, wire: int) -> torch.Tensor:
    """`matrix`: (2, 2) or (batch, 2, 2)."""
    axis = 1 + wire
    a0, a1 = state.select(axis, 0), state.select(axis, 1)
    m = [[_broadcast(matrix[..., i, j], a0.dim()) for j in range(2)] for i in range(2)]
    return torch.stack([m[0][0] * a0 + m[0][1] * a1, m[1][0] * a0 + m[1][1] * a1], dim=axis)


def apply_matrix(state: torch.Tensor, matrix: torch.Tensor, wires: tuple[int, ...]) -> torch.Tensor:
    """Any k-qubit `matrix` of shape (2**k, 2**k) or (batch, 2**k, 2**k) on `wires`."""
    if len(wires) == 1:
        return apply_one_qubit(state, matrix, wires[0])
    n, k = state.dim() - 1, len(wires)
    letters = string.ascii_letters
    state_idx = ["Z"] + [letters[i] for i in range(n)]
    out_letters = [letters[n + i] for i in range(k)]
    in_letters = [state_idx[1 + w] for w in wires]
    result_idx = list(state_idx)
    for w, o in zip(wires, out_letters, strict=True):
        result_idx[1 + w] = o
    batched = matrix.dim() == 3
    m = matrix.reshape(*matrix.shape[:-2], *[2] * (2 * k))
    m_idx = (["Z"] if batched else []) + out_letters + in_letters
    spec = f"{''.join(m_idx)},{''.join(state_idx)}->{''.join(result_idx)}"
    return torch.einsum(spec, m, state)


def apply_diagonal(state: torch.Tensor, diagonal: torch.Tensor, wires: tuple[int, ...], out=None) -> torch.Tensor:
    """Multiply by a diagonal gate: `diagonal` (2**k,) or (batch, 2**k), index bits in `wires` order.

    `out`: a tensor of the state's size to write into (no new state is allocated then).
    """
    d = diagonal_view(diagonal, wires, state.dim() - 1)
    return state * d if out is None else torch.mul(state, d, out=out.view(state.shape))


def apply_x(state: torch.Tensor, wire: int) -> torch.Tensor:
    return state.flip(1 + wire)


def apply_cnot(state: torch.Tensor, control: int, target: int) -> torch.Tensor:
    axis = 1 + control
    flipped_axis = 1 + target if target < control else target  # the target's axis once control's is gone
    return torch.stack([state.select(axis, 0), state.select(axis, 1).flip(flipped_axis)], dim=axis)


def apply_swap(state: torch.Tensor, a: int, b: int) -> torch.Tensor:
    return state.transpose(1 + a, 1 + b)


def prepare_amplitudes(state: torch.Tensor, amplitudes: torch.Tensor, wires: tuple[int, ...]) -> torch.Tensor:
    """Load normalised `amplitudes` (batch, 2**k) onto `wires`, which must hold |0…0⟩.

    The part of `state` where those wires are |0…0⟩ is kept for the other wires and
    tensored with the amplitudes.
    """
    n, k = state.dim() - 1, len(wires)
    rest = state
    for w in sorted(wires, reverse=True):
        rest = rest.select(1 + w, 0)
    norm = amplitudes.abs().pow(2).sum(-1, keepdim=True).sqrt()
    amps = (amplitudes / norm).reshape(amplitudes.shape[0], *[2] * k)
    letters = string.ascii_letters
    others = [w for w in range(n) if w not in wires]
    a_idx = "Z" + "".join(letters[w] for w in wires)
    r_idx = "Z" + "".join(letters[w] for w in others)
    out_idx = "Z" + "".join(letters[w] for w in range(n))
    return torch.einsum(f"{a_idx},{r_idx}->{out_idx}", amps.to(state.dtype), rest)


# Flat states (batch, 2**n) and k-qubit blocks on neighbouring wires: the state is viewed as
# (batch, left, 2**k, right) without a copy, and the block is one matrix product.


DEFAULT_SPLIT = DEFAULT_SETTINGS.split_product_above_bytes


def product_state(factors: torch.Tensor, batch: int, out=None, split_above_bytes: int = DEFAULT_SPLIT) -> torch.Tensor:
    """(batch, 2**n) state ⊗_w factors[..., w, :]; `factors` (n, 2) or (batch, n, 2), wire 0 most significant.

    `out`: an optional (batch, 2**n) tensor to write into.

    The product of the states of the first wires and of the others, each built wire by wire: wire 0
    alone first (fewest operations), but above `split_above_bytes` the first half of the wires,
    so that the partial states stay small. Otherwise they are large, fresh allocations paying page
    faults: at 16 qubits, complex128, 4 samples, 1 ms to build the state of the last 15 wires,
    against 0.13 ms for the 4 MiB product of the halves into `out`.
    """
    factors = factors.expand(batch, *factors.shape[-2:])
    n = factors.shape[1]
    if n == 1:
        return factors[:, 0].contiguous() if out is None else out.copy_(factors[:, 0])
    h = n // 2 if batch * 2**n * factors.element_size() > split_above_bytes else 1
    pair = (_wire_product(factors[:, :h])[:, :, None], _wire_product(factors[:, h:])[:, None, :])
    if out is None:
        return (pair[0] * pair[1]).view(batch, -1)
    torch.mul(*pair, out=out.view(batch, 2**h, -1))
    return out


def _wire_product(factors: torch.Tensor) -> torch.Tensor:
    """(batch, 2**k) product state of (batch, k, 2) factors."""
    batch, k = factors.shape[:2]
    # Built from the last wire, each new wire in front: the broadcast product's inner dimension is then
    # the long one (4x faster on the CPU at 12 qubits than appending wires at the back).
    state = factors[:, k - 1]
    for w in reversed(range(k - 1)):
        state = (factors[:, w, :, None] * state[:, None, :]).reshape(batch, -1)
    return state


WIDEST_PADDED = 32  # the largest U ⊗ I (side) that `apply_block` makes of a block with a few wires after it
# A state up to this size is copied whole for `block_overlap`'s transposed product (two chunks cost 1.2-2x more
# at 10 qubits, batch 32), into a scratch tensor of twice its size that stays allocated (`workspace`, up to
# 4 MiB); above it, in two halves within the adjoint pass's spare state.
WHOLE_COPIES_BYTES = 2 << 20


def apply_block(state: torch.Tensor, matrix: torch.Tensor, lo: int, width: int, out=None) -> torch.Tensor:
    """Apply `matrix` (d, d) or (batch, d, d), d = 2**width, to wires lo .. lo + width - 1 of a flat state.

    `out`: an optional (batch, 2**n) tensor to write into (not `state`), so that a forward pass can
    alternate between two buffers instead of allocating a state per operation.
    """
    batch, size = state.shape
    d = 2**width
    right = size >> (lo + width)
    if right > 1 and d * right <= WIDEST_PADDED:
        # In place, each of the (batch · left) products of a (d, d) by a (d, right) matrix is too small to run
        # near the machine's speed (18 qubits, 2 samples, d = 16, right = 2: 9 ms shared, 25 ms per sample, 97x
        # and 270x a copy of the state). As U ⊗ I on the block's wires and those after it, it is one large
        # product (1.45 ms), though of `right` times the arithmetic: 1.5-3.4x faster at d · right = 16 or 32
        # (d = 2, 4, 8), slower at 64 (10 qubits batch 32, 8 qubits batch 256, 16 qubits batch 8).
        matrix, d, right = _with_identity_after(matrix, right), d * right, 1
    if matrix.dim() == 2 and right == 1:
        a, b, shape = state.view(-1, d), matrix.transpose(0, 1), (-1, d)
    elif matrix.dim() == 2:
        a, b, shape = matrix, state.view(-1, d, right), (-1, d, right)
    elif right == 1:
        a, b, shape = state.view(batch, -1, d), matrix.transpose(1, 2), (batch, -1, d)
    else:
        a, b, shape = matrix[:, None], state.view(batch, -1, d, right), (batch, -1, d, right)
    if out is None:
        return torch.matmul(a, b).view(batch, size)
    torch.matmul(a, b, out=out.view(shape))
    return out


def _with_identity_after(matrix: torch.Tensor, size: int) -> torch.Tensor:
    """U ⊗ I for a (d, d) or (batch, d, d) matrix U and I of `size`: (d · size, d · size), batched likewise."""
    eye = torch.eye(size, dtype=matrix.dtype, device=matrix.device)
    out = matrix[..., :, None, :, None] * eye[:, None, :]
    return out.reshape(*matrix.shape[:-2], size * matrix.shape[-2], size * matrix.shape[-1])


def block_overlap(
    bra: torch.Tensor, ket: torch.Tensor, lo: int, width: int, batched: bool, spare: torch.Tensor | None = None
) -> torch.Tensor:
    """R[a, c] = Σ bra[…a…] ket[…c…] over all wires outside the block (and the batch unless `batched`).

    `bra` is the conjugate of the adjoint state (so no conjugate copy is made here). Returns (d, d),
    or (batch, d, d) when `batched`; 2 Re Σ U ⊙ R is then ⟨λ|U|ket⟩'s real part, twice.
    `spare`: an optional tensor like `bra` whose contents are not needed, for the temporaries.
    """
    batch, size = bra.shape
    d = 2**width
    right = size >> (lo + width)
    rows = batch if batched else 1
    if right == 1:  # the block's wires are the last ones: one product over everything else
        return (
            bra.view(rows, -1, d).transpose(1, 2) @ ket.view(rows, -1, d)
            if batched
            else bra.view(-1, d).T @ ket.view(-1, d)
        )
    x, y = bra.view(rows, -1, d, right), ket.view(rows, -1, d, right)
    # The one product below has d · right products per amplitude; where that is few, it beats the small
    # products, whose inner dimension is `right` (d · right = 8-16, or 32 with right < d: 1.2-8x faster
    # at 10 qubits batch 32, 8 qubits batch 256, 16 qubits batch 8).
    few = d * right <= 16 or (right < d and d * right <= 32)
    if not batched and right < d and not few and x.shape[1] > 1:
        out = _overlap_transposed(x[0], y[0], spare)[None]
    elif 4 * right >= d and not few:
        # Contract the right wires in small products, (rows, left, d, d), then sum over the left
        # wires: d multiplications per amplitude. The products take d / right times the state, so
        # they are made a part of the left wires at a time, each no larger than the state.
        lefts = x.shape[1]
        step = max(1, lefts * right // d)
        shape = (rows, min(step, lefts), d, d)
        needed = math.prod(shape)
        if spare is not None and spare.numel() >= needed:
            products = spare.view(-1)[:needed].view(shape)
        else:
            products = scratch(TEMPORARY, shape, bra.dtype, bra.device)
        out = None
        for start in range(0, lefts, step):
            part = slice(start, min(start + step, lefts))
            chunk = products[:, : part.stop - part.start]
            summed = torch.matmul(x[:, part], y[:, part].transpose(-1, -2), out=chunk).sum(1)
            out = summed if out is None else out.add_(summed)
    else:
        # Few right wires: those small products would be inefficient, so contract over the left
        # wires and the batch in one product (rows, d·right, d·right) and keep its diagonal in the
        # right wires (d·right multiplications per amplitude, a small temporary).
        full = torch.matmul(x.reshape(rows, -1, d * right).transpose(1, 2), y.reshape(rows, -1, d * right))
        out = full.view(rows, d, right, d, right).diagonal(dim1=2, dim2=4).sum(-1)
    return out if batched else out[0]


def _overlap_transposed(x: torch.Tensor, y: torch.Tensor, spare: torch.Tensor | None) -> torch.Tensor:
    """Σ_p x[p] y[p]^T of (parts, d, right) views, the wires after the block copied before it: then (parts ·
    right, d) matrices, one large product. Where right < d the small products' inner dimension is too short
    (d = 16, right = 4 or 8: 1.1-4.7x faster at 6-16 qubits). The two copies take twice the state: above
    `WHOLE_COPIES_BYTES`, half the parts at a time in `spare` (or a temporary) of the state's size."""
    parts, d, right = x.shape
    whole = x.numel() * x.element_size() <= WHOLE_COPIES_BYTES or spare is None
    step = parts if whole else max(1, parts // 2)
    size = step * right * d
    buffer = scratch(TEMPORARY, (2 * size,), x.dtype, x.device) if whole else spare.view(-1)
    out = None
    for start in range(0, parts, step):
        part = slice(start, min(start + step, parts))
        n = (part.stop - part.start) * right * d
        a = buffer[:n].view(-1, right, d).copy_(x[part].transpose(1, 2))
        b = buffer[size : size + n].view(-1, right, d).copy_(y[part].transpose(1, 2))
        product = a.view(-1, d).T @ b.view(-1, d)
        out = product if out is None else out.add_(product)
    return out


def apply_permutation(state: torch.Tensor, index: torch.Tensor, out=None) -> torch.Tensor:
    """new[:, i] = state[:, index[i]]; `out` as in `apply_block`."""
    # torch.gather with the index broadcast over the batch (a stride-0 view): on the CPU it is about
    # 5x faster than advanced indexing and 8x faster than index_select for complex states
    # (measured at 12 qubits, batch 256).
    index = index.expand(state.shape[0], -1)
    return torch.gather(state, 1, index) if out is None else torch.gather(state, 1, index, out=out)


def diagonal_view(diagonal: torch.Tensor, wires: tuple[int, ...], n_qubits: int) -> torch.Tensor:
    """A (2**k,) or (batch, 2**k) diagonal on `wires`, shaped to broadcast against a (batch, 2, …, 2) state."""
    batch = diagonal.shape[:-1]
    if wires == tuple(range(n_qubits)):  # every wire in order (a CZ ring, an IQP phase): one view
        return diagonal.reshape(*(batch or (1,)), *[2] * n_qubits)
    k = len(wires)
    d = diagonal.reshape(*batch, *[2] * k)
    # Put the gate's axes in increasing wire order, then insert size-1 axes for the other wires.
    order = sorted(range(k), key=lambda i: wires[i])
    d = d.permute(*range(len(batch)), *[len(batch) + i for i in order])
    shape = [1] * n_qubits
    for w in wires:
        shape[w] = 2
    return d.reshape(*(batch or (1,)), *shape)
