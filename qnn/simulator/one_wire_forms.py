"""Every one-wire gate's matrix as four entries cos(α) · e^{iψ}, with α and ψ linear in the gate's angles.

    entry_e = cos(α_e) · exp(iψ_e),   α = ½ a θ_α + o,   ψ = ½ (p θ_p + p' θ_p') + q,   e = 00, 10, 01, 11

(entries column by column). One angle at most sets the magnitudes (RX's, RY's, Rot's and U3's θ) and two at most
the phases, so one formula builds every gate type at once, and its gradient is as simple: for an upstream
gradient G (torch's convention for complex values) and u = conj(G) · e^{iψ}, ∂L/∂α_e = −sin α_e · Re u_e and
∂L/∂ψ_e = −cos α_e · Im u_e, which the angles' coefficients carry back. Conventions are PennyLane's, as `matrices`.

Example:
    >>> import numpy as np
    >>> forms = step_forms([("RY", (0,))])
    >>> entries, _ = one_wire_entries(np.array([np.pi]), forms, np.complex128)
    >>> np.round(entries.real, 6).tolist()  # RY(π) = [[0, -1], [1, 0]], column by column
    [[0.0, 1.0, -1.0, 0.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import torch
from torch.autograd.function import once_differentiable

_Q = math.pi / 4
_H = math.pi / 2
_NONE = (0, 0, 0, 0)
_ALL = (1, 1, 1, 1)
_OFF_DIAGONAL_ZERO = (0.0, _H, _H, 0.0)  # cos(π/2) = 0 off the diagonal
_RY_OFFSETS = (0.0, -_H, _H, 0.0)  # (c, s, −s, c): [[c, −s], [s, c]]

# gate: (the angle setting α and its a; the angles setting ψ and their p; o; q), entries 00, 10, 01, 11.
FORMS: dict[str, tuple] = {
    "H": (None, (), (_Q, _Q, _Q, 3 * _Q), _NONE),
    "X": (None, (), (_H, 0.0, 0.0, _H), _NONE),
    "Y": (None, (), (_H, 0.0, 0.0, _H), (0.0, _H, -_H, 0.0)),
    "Z": (None, (), (0.0, _H, _H, math.pi), _NONE),
    "S": (None, (), _OFF_DIAGONAL_ZERO, (0.0, 0.0, 0.0, _H)),
    "T": (None, (), _OFF_DIAGONAL_ZERO, (0.0, 0.0, 0.0, _Q)),
    "RX": ((0, _ALL), (), (0.0, _H, _H, 0.0), (0.0, _H, _H, 0.0)),  # [[c, −is], [−is, c]]
    "RY": ((0, _ALL), (), _RY_OFFSETS, _NONE),
    "RZ": (None, ((0, (-1, 0, 0, 1)),), _OFF_DIAGONAL_ZERO, _NONE),
    "MultiRZ": (None, ((0, (-1, 0, 0, 1)),), _OFF_DIAGONAL_ZERO, _NONE),  # on one wire, RZ
    "PhaseShift": (None, ((0, (0, 0, 0, 2)),), _OFF_DIAGONAL_ZERO, _NONE),
    # Rot(φ, θ, ω) = RZ(ω) RY(θ) RZ(φ) = [[e^{-i(φ+ω)/2} c, −e^{i(φ−ω)/2} s], [e^{-i(φ−ω)/2} s, e^{i(φ+ω)/2} c]]
    "Rot": ((1, _ALL), ((0, (-1, -1, 1, 1)), (2, (-1, 1, -1, 1))), _RY_OFFSETS, _NONE),
    # U3(θ, φ, δ) = [[c, −e^{iδ} s], [e^{iφ} s, e^{i(φ+δ)} c]]
    "U3": ((0, _ALL), ((1, (0, 2, 0, 2)), (2, (0, 0, 2, 2))), _RY_OFFSETS, _NONE),
}


@dataclass(frozen=True, eq=False)
class StepForms:
    """Steps' gates as forms, stacked (m steps); a gate with fewer angles reads column 0, with no weight."""

    columns: np.ndarray  # (m, 3) int64: the angle setting α, then the two setting ψ
    linear: np.ndarray  # (m, 8, 3): the entries' α (rows 0-3: ½ a) and ψ (rows 4-7: ½ p, ½ p') from the angles
    offsets: np.ndarray  # (m, 8, 1): o, then q
    has_phase: bool  # False where every ψ is zero: the entries are real cosines
    phase_varies: bool  # False where no angle sets a ψ (RX's are constants)
    reads_angles: bool  # False where no step has an angle: the entries are constants
    lowest_column: int  # the lowest column a step reads (no step: a column past any)
    _derived: dict = field(default_factory=dict, repr=False)  # forms in other dtypes or columns, a kept index

    def __len__(self) -> int:
        return len(self.columns)

    def in_dtype(self, real: np.dtype) -> StepForms:
        """The same forms in `real` (float32 or float64), so that arithmetic stays in the angles' precision."""
        if real not in self._derived:
            linear, offsets = self.linear.astype(real), self.offsets.astype(real)
            self._derived[real] = replace(self, linear=linear, offsets=offsets, _derived={})
        return self._derived[real]

    @cached_property
    def pullback(self) -> np.ndarray:
        """(m, 3, 8): −linearᵀ, from the entries' (sin α · Re u, cos α · Im u) to the angles' gradients."""
        return -self.linear.transpose(0, 2, 1)

    def sum_index(self, size: int) -> np.ndarray:
        """(m · 3 · size,) where each (step, angle, sample) gradient adds up: its column's row of `size` samples.
        The last size asked for is kept (the batch's, usually the same call after call)."""
        kept = self._derived.get("index")
        if kept is None or kept[0] != size:
            index = (self.columns[..., None] * size + np.arange(size)).ravel()
            kept = self._derived["index"] = (size, index)
        return kept[1]

    def counted_from(self, first: int) -> StepForms:
        """The same forms reading columns counted from `first`: those of the batched angles alone, where the
        steps read no column before them (no shared angle). Slots without an angle still read column 0."""
        key = ("from", first)
        if key not in self._derived:
            lowest = self.lowest_column - first if len(self) else self.lowest_column
            columns = np.maximum(self.columns - first, 0)
            self._derived[key] = replace(self, columns=columns, lowest_column=lowest, _derived={})
        return self._derived[key]


def step_forms(steps: Sequence[tuple[str, tuple[int, ...]]]) -> StepForms:
    """Forms of (gate, angle columns) steps."""
    m = len(steps)
    columns = np.zeros((m, 3), dtype=np.int64)
    linear, offsets = np.zeros((m, 8, 3)), np.zeros((m, 8, 1))
    for k, (gate, cols) in enumerate(steps):
        magnitude, phases, o, q = FORMS[gate]
        for slot, driver in enumerate([magnitude, *phases]):
            if driver is not None:
                angle, coefficients = driver
                rows = slice(0, 4) if slot == 0 else slice(4, 8)
                columns[k, slot], linear[k, rows, slot] = cols[angle], np.array(coefficients) / 2
        offsets[k, :, 0] = (*o, *q)
    varies = bool(np.any(linear[:, 4:]))
    lowest = int(min((c for _, cols in steps for c in cols), default=np.iinfo(np.int64).max))
    has_phase = varies or bool(np.any(offsets[:, 4:]))
    return StepForms(columns, linear, offsets, has_phase, varies, any(cols for _, cols in steps), lowest)


def table_forms(shared_groups, batched_groups) -> tuple[StepForms, StepForms]:
    """A one-qubit table's shared and batched steps as forms: its groups' (gate, steps), in order."""
    return tuple(
        step_forms([(gate, step.columns) for gate, members in groups for step in members])
        for groups in (shared_groups, batched_groups)
    )


def one_wire_entries(angles: np.ndarray, forms: StepForms, dtype) -> tuple[np.ndarray, tuple]:
    """(m, 4, …) `dtype` entries (00, 10, 01, 11) of the steps' matrices for angles (n_columns, …) real, and what
    `angle_gradients` needs from them. Samples, if any, come last: NumPy's loops run fastest along the last axis.
    A few whole-array operations for all steps: at these sizes each NumPy call costs more than its arithmetic."""
    trailing = angles.shape[1:]
    flat = angles.reshape(len(angles), -1) if len(angles) else np.zeros((1, math.prod(trailing)), angles.dtype)
    theta = flat[forms.columns]  # (m, 3, size)
    if forms.phase_varies:
        both = forms.linear @ theta + forms.offsets  # (m, 8, size)
        alpha, psi = both[:, :4], both[:, 4:]
    else:  # no angle sets a phase: the same phases for every sample, made once, broadcast
        alpha, psi = forms.linear[:, :4] @ theta + forms.offsets[:, :4], forms.offsets[:, 4:]
    magnitudes = np.cos(alpha)
    shape = (len(forms), 4, *trailing)
    if not forms.has_phase:
        return magnitudes.astype(dtype).reshape(shape), (alpha, magnitudes, None)
    phases = np.empty(psi.shape, dtype)  # e^{iψ} as cos and sin: NumPy's complex exp took 25 times as long
    np.cos(psi, out=phases.real)
    np.sin(psi, out=phases.imag)
    return (magnitudes * phases).reshape(shape), (alpha, magnitudes, phases)


def angle_gradients(grad: np.ndarray, saved: tuple, forms: StepForms, n_columns: int) -> np.ndarray:
    """∂L/∂angles (n_columns, …) from ∂L/∂entries `grad` (m, 4, …) complex, as torch defines it."""
    alpha, magnitudes, phases = saved  # (m, 4, size)
    u = grad.reshape(alpha.shape).conj()
    if phases is not None:
        u *= phases
    if forms.phase_varies:  # (sin α · Re u, cos α · Im u) through −linearᵀ
        d_entries = np.empty((len(alpha), 8, u.shape[-1]), alpha.dtype)
        np.multiply(np.sin(alpha), u.real, out=d_entries[:, :4])
        np.multiply(magnitudes, u.imag, out=d_entries[:, 4:])
        d_theta = forms.pullback @ d_entries
    else:
        d_theta = forms.pullback[:, :, :4] @ (np.sin(alpha) * u.real)  # (m, 3, size)
    size = d_theta.shape[-1]
    sums = np.bincount(forms.sum_index(size), weights=d_theta.ravel(), minlength=max(n_columns, 1) * size)
    return sums[: n_columns * size].astype(alpha.dtype).reshape(n_columns, *grad.shape[2:])


def batched_angles(shared: np.ndarray, batched: np.ndarray, joined: bool) -> np.ndarray:
    """What batched steps read, (n_columns, rows): the batched angles (n_batched, rows), after the shared ones
    (n_shared,) for every sample where `joined` (some batched step reads a shared angle too)."""
    if not joined:
        return batched
    return np.concatenate([np.broadcast_to(shared[:, None], (len(shared), batched.shape[1])), batched])


def split_gradients(by_column: np.ndarray, n_shared: int, joined: bool) -> tuple[np.ndarray | None, np.ndarray]:
    """`batched_angles`' gradient (n_columns, rows) → (the shared angles' part summed over the samples, or None
    where not `joined`; the batched angles' part (n_batched, rows))."""
    if not joined:
        return None, by_column
    return by_column[:n_shared].sum(1), by_column[n_shared:]


NUMPY_COMPLEX = {torch.complex64: np.complex64, torch.complex128: np.complex128}


def as_array(tensor: torch.Tensor, dtype=None) -> np.ndarray:
    """The tensor's values as a NumPy array (of `dtype` if given): a view where it is on the CPU in that dtype."""
    array = tensor.detach().cpu().resolve_conj().resolve_neg().numpy()
    return array if dtype is None else np.asarray(array, dtype=dtype)


def as_tensor(array: np.ndarray | None, like: tuple | None) -> torch.Tensor | None:
    """The array as a tensor of `like`'s (dtype, device) (None stays None)."""
    return None if array is None else torch.from_numpy(np.ascontiguousarray(array)).to(like[1], like[0])


def tensor_kind(tensor: torch.Tensor | None) -> tuple | None:
    """(dtype, device) of a node's input, for its gradient: kept instead of the tensor, which the node need not hold."""
    return None if tensor is None else (tensor.dtype, tensor.device)


def matrix_table(
    forms: tuple[StepForms, StepForms],
    dtype: torch.dtype,
    shared: torch.Tensor,
    batched: torch.Tensor | None,
    input_gradients: bool = True,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The one-qubit table of `blocks.one_qubit_table` as one autograd node, computed with NumPy: (m_s + 1, 2, 2)
    matrices of the shared steps from `shared` (n_shared,), then the identity, and (batch, m_b, 2, 2) of the
    batched steps from `batched` (batch, n_batched), or None. The batched steps' columns count the shared angles
    first (`program.join_angles`), but the two are joined here only where a batched step reads a shared angle.
    Differentiable once with respect to both; with respect to `batched` only where `input_gradients`."""
    # Angles no step reads cannot make the matrices differentiable, nor inputs that need no gradient.
    shared_forms, batched_forms = forms
    reads_shared = batched is not None and batched_forms.lowest_column < len(shared)
    shared = shared if shared_forms.reads_angles or reads_shared else shared.detach()
    if batched is not None and not (batched_forms.reads_angles and input_gradients):
        batched = batched.detach()
    return _MatrixTable.apply(forms, dtype, shared, batched)


class _MatrixTable(torch.autograd.Function):
    """Recorded by autograd, a gate type's matrices from their angles were about ten operations and as many
    backward nodes (a polar form, cosines, products, an index and its scatter); here all gate types are one node."""

    @staticmethod
    def forward(ctx, forms, dtype, shared, batched):
        ctx.set_materialize_grads(False)  # an output no gradient reaches (an untrained encoding's) gets None
        complex_dtype = NUMPY_COMPLEX[dtype]
        real = complex_dtype(0).real.dtype
        shared_forms, batched_forms = (f.in_dtype(real) for f in forms)
        s = as_array(shared, real)
        entries, shared_saved = one_wire_entries(s, shared_forms, complex_dtype)  # (m_s, 4)
        table = np.empty((len(shared_forms) + 1, 2, 2), complex_dtype)
        table[:-1] = entries.reshape(-1, 2, 2).transpose(0, 2, 1)  # entries are column by column
        table[-1] = np.eye(2)
        rows = batched_saved = None
        joined = False
        if batched is not None and len(batched_forms):
            joined = batched_forms.lowest_column < len(s)  # a batched step reads a shared angle
            if not joined:
                batched_forms = batched_forms.counted_from(len(s))
            angles = batched_angles(s, as_array(batched, real).T, joined)  # (n_columns, batch)
            entries, batched_saved = one_wire_entries(angles, batched_forms, complex_dtype)  # (m_b, 4, batch)
            rows = entries.transpose(2, 0, 1).reshape(angles.shape[1], -1, 2, 2).swapaxes(-1, -2)
            rows = torch.from_numpy(np.ascontiguousarray(rows)).to(shared.device)
        ctx.forms, ctx.joined = (shared_forms, batched_forms), joined
        ctx.like = (tensor_kind(shared), tensor_kind(batched))
        ctx.saved = (shared_saved, batched_saved)
        ctx.n_columns = (shared.shape[0], 0 if batched is None else batched.shape[1])
        return torch.from_numpy(table).to(shared.device), rows

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_table, grad_rows):
        (shared_forms, batched_forms), (n_shared, n_batched) = ctx.forms, ctx.n_columns
        shared_saved, batched_saved = ctx.saved
        grad_shared = grad_batched = None
        if ctx.needs_input_grad[2] and grad_table is not None:
            by_entry = as_array(grad_table)[:-1].swapaxes(-1, -2).reshape(-1, 4)  # (m_s, 4), column by column
            grad_shared = angle_gradients(by_entry, shared_saved, shared_forms, n_shared)
        want_shared, want_batched = ctx.needs_input_grad[2] and ctx.joined, ctx.needs_input_grad[3]
        if grad_rows is not None and batched_saved is not None and (want_shared or want_batched):
            g = as_array(grad_rows)
            by_entry = g.swapaxes(-1, -2).reshape(g.shape[0], -1, 4).transpose(1, 2, 0)  # (m_b, 4, batch)
            n_columns = n_shared + n_batched if ctx.joined else n_batched
            by_column = angle_gradients(by_entry, batched_saved, batched_forms, n_columns)  # (n_columns, batch)
            from_rows, by_column = split_gradients(by_column, n_shared, ctx.joined)
            if want_shared:
                grad_shared = from_rows if grad_shared is None else grad_shared + from_rows
            if want_batched:
                grad_batched = by_column.T
        return None, None, as_tensor(grad_shared, ctx.like[0]), as_tensor(grad_batched, ctx.like[1])
