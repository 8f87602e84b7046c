"""Apply gates to a batched state.

A state is a complex tensor of shape (batch, 2, 2, …, 2): axis 1 + w is wire w, so flattening it
gives PennyLane's ordering (wire 0 is the most significant bit). A gate's matrix or diagonal may
carry a leading batch dimension of size `batch` (input-dependent gates) or none (shared gates).
"""

import string

import torch


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


def apply_diagonal(state: torch.Tensor, diagonal: torch.Tensor, wires: tuple[int, ...]) -> torch.Tensor:
    """Multiply by a diagonal gate: `diagonal` (2**k,) or (batch, 2**k), index bits in `wires` order."""
    n, k = state.dim() - 1, len(wires)
    batch = diagonal.shape[:-1]
    d = diagonal.reshape(*batch, *[2] * k)
    # Put the gate's axes in increasing wire order, then insert size-1 axes for the other wires.
    order = sorted(range(k), key=lambda i: wires[i])
    d = d.permute(*range(len(batch)), *[len(batch) + i for i in order])
    shape = [1] * n
    for w in wires:
        shape[w] = 2
    d = d.reshape(*(batch or (1,)), *shape)
    return state * d


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
