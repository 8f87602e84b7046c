"""Circuits without multi-qubit gates: the loop, made faster by never building the 2^n state.

When every gate acts on one wire the state stays a product ⊗_w (a_w, b_w), so every wire is simulated
apart, all wires and samples at once: moment k applies the k-th gate of each wire.
A Pauli word's expectation is then the product of its letters' one-wire values

    ⟨X⟩ = 2 Re(ā b),   ⟨Y⟩ = 2 Im(ā b),   ⟨Z⟩ = |a|² − |b|²,

so n qubits cost O(n) per sample instead of O(2^n). That work is so small that its cost is the number of
operations: recorded by autograd, the gate matrices, the chain and the values took about 60 tensor operations
and 20 autograd nodes, at 2 to 20 µs each. So from the angles to the one-wire values is one autograd node, whose
backward is written out, computed with NumPy on the CPU (about 1 µs an operation at these sizes): the gate
matrices from their angles (`one_wire_forms`), the chain of moments, the values. Autograd differentiates the
Pauli sums. This is the separable model and every model's ablation without entanglement.

Example:
    >>> import circuits, torch
    >>> from qnn.observables import z_on_each_wire
    >>> from qnn.simulator import compile_circuit
    >>> program = compile_circuit(circuits.angle_encoding(3))
    >>> recipe, inputs, weights = product_recipe(program), torch.zeros(2, 3), torch.zeros(0)
    >>> product_expectations(recipe, z_on_each_wire(3), inputs, weights, torch.complex64)
    tensor([[1., 1., 1.],
            [1., 1., 1.]])
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from torch.autograd.function import once_differentiable

from circuits.gates import STATE_PREP
from qnn.observables import PauliSum
from qnn.simulator.constants import constant
from qnn.simulator.one_wire_forms import (
    NUMPY_COMPLEX,
    StepForms,
    angle_gradients,
    as_array,
    as_tensor,
    batched_angles,
    one_wire_entries,
    split_gradients,
    step_forms,
    tensor_kind,
)
from qnn.simulator.program import Program

_LETTERS = "IXYZ"
_IDENTITY_ENTRIES = (1, 0, 0, 1)  # 00, 10, 01, 11, as `one_wire_forms`


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one recipe per program
class ProductRecipe:
    program: Program
    shared: StepForms  # steps of constants and weights alone: one matrix for the batch
    batched: StepForms  # steps reading inputs: a matrix per sample
    joined: bool  # whether those read the joined angles (shared | batched), or the batched ones alone
    # Whether the batched angles are the inputs themselves, each read where the steps' columns say (every angle one
    # input, unscaled), so that no index picks them; else `Program.split_angles`' batched angles.
    reads_inputs: bool
    n_batched: int  # batched angle columns
    moments: np.ndarray  # (n_moments, n_qubits): each wire's k-th step as a table row (shared, batched, identity)
    positions: np.ndarray  # (n_steps,): where each step sits in the moments, flattened

    @property
    def n_shared(self) -> int:  # shared angle columns
        return self.program.n_shared

    @property
    def reads_shared(self) -> bool:
        """Whether any step reads a shared angle: a shared step with an angle, or a batched one reading a weight."""
        return self.shared.reads_angles or self.joined

    def forms(self, real: np.dtype) -> tuple[StepForms, StepForms]:
        """The shared and batched steps' forms in the angles' precision."""
        return self.shared.in_dtype(real), self.batched.in_dtype(real)


def supports(program: Program) -> bool:
    """Whether `product_expectations` runs this program: one-wire gates only, StatePrep excepted (it may entangle).
    Its observables must be Pauli sums."""
    return all(len(step.wires) == 1 and step.gate != STATE_PREP for step in program.steps)


def product_recipe(program: Program) -> ProductRecipe:
    """The shared and batched steps as forms, and the moments (the k-th step of each wire) as rows of their table."""
    shared = [s for s in program.steps if not s.batched]
    batched = [s for s in program.steps if s.batched]
    n_shared = program.n_shared
    reads_inputs = program.plain_inputs and all(len(f) == 1 for f in program.factor_indices)
    # Each batched column's place among the angles the batched steps read.
    if reads_inputs:
        batched_columns, n_batched = [f[0] for f in program.factor_indices], program.n_inputs
    else:
        batched_columns, n_batched = list(range(len(program.input_scales))), len(program.input_scales)
    joined = any(c < n_shared for s in batched for c in s.columns)
    start = n_shared if joined else 0  # joined: the shared angles first

    def column(c: int) -> int:
        return c if c < n_shared else start + batched_columns[c - n_shared]

    row = {id(s): i for i, s in enumerate(shared + batched)}
    identity = len(row)
    per_wire = [[row[id(s)] for s in program.steps if s.wires[0] == w] for w in range(program.n_qubits)]
    depth = max(map(len, per_wire), default=0)
    moments = np.array(
        [[on_wire[k] if k < len(on_wire) else identity for on_wire in per_wire] for k in range(depth)], dtype=np.int64
    ).reshape(depth, program.n_qubits)
    positions = np.empty(identity, dtype=np.int64)
    flat = moments.ravel()
    positions[flat[flat < identity]] = np.flatnonzero(flat < identity)
    return ProductRecipe(
        program,
        step_forms([(s.gate, s.columns) for s in shared]),
        step_forms([(s.gate, tuple(map(column, s.columns))) for s in batched]),
        joined,
        reads_inputs,
        n_batched,
        moments,
        positions,
    )


def product_expectations(
    recipe: ProductRecipe,
    observables: tuple[PauliSum, ...],
    inputs: torch.Tensor,
    weights: torch.Tensor,
    dtype: torch.dtype,
) -> torch.Tensor:
    """(batch, len(observables)) real expectation values for `inputs` (batch, n_inputs) and `weights` (n_weights,)."""
    n, batch, device = recipe.program.n_qubits, inputs.shape[0], weights.device
    if not recipe.moments.size:  # |0…0⟩: ⟨I⟩ = ⟨Z⟩ = 1 on every wire
        one_wire = constant(((1.0, 0.0, 0.0, 1.0),) * n, dtype.to_real(), device)[None]
        return _pauli_values(one_wire, observables, n).expand(batch, -1)
    if recipe.reads_inputs:
        shared, batched = recipe.program.shared_angles(weights), inputs if len(recipe.batched) else None
    else:
        shared, batched = recipe.program.split_angles(inputs, weights)
    if not recipe.reads_shared:  # gates without angles, or of inputs alone: the values do not depend on them
        shared = shared.detach()
    one_wire = _OneWireValues.apply(recipe, dtype, shared, batched)  # (1 or batch, n, 4): I X Y Z
    values = _pauli_values(one_wire, observables, n)
    return values if values.shape[0] == batch else values.expand(batch, -1)  # shared gates only: one row


class _OneWireValues(torch.autograd.Function):
    """Shared angles (n_shared,) and batched ones (batch, n_batched) or None (`ProductRecipe.reads_inputs`) →
    every wire's ⟨I⟩ ⟨X⟩ ⟨Y⟩ ⟨Z⟩ (1 or batch, n, 4) from |0⟩, as one autograd node computed with NumPy on the
    CPU (tensors elsewhere are copied there and back: the work is a few numbers per gate and sample).

    Every moment's matrices are held as (n, 4, rows): wires, entries column by column, samples; the states as
    (n, 2, rows). A moment is then s' = M[:, :2] a + M[:, 2:] b, three operations. The backward walks the moments
    in reverse with torch's conventions for complex gradients (those of `torch.matmul`): for s' = M s,
    ∂M = g s^H and ∂s = M^H g; for the last state (a, b), ∂a = 2((g_X − i g_Y) b + g_Z a) and
    ∂b = 2((g_X + i g_Y) a − g_Z b); each step's ∂M (summed over the batch for shared steps) then gives its
    angles' gradients (`one_wire_forms.angle_gradients`)."""

    @staticmethod
    def forward(ctx, recipe: ProductRecipe, dtype: torch.dtype, shared, batched):
        complex_dtype = NUMPY_COMPLEX[dtype]
        real = complex_dtype(0).real.dtype
        shared_forms, batched_forms = recipe.forms(real)
        s = as_array(shared, real)
        rows = 1 if batched is None else batched.shape[0]
        shared_entries, shared_saved = one_wire_entries(s, shared_forms, complex_dtype)  # (m_s, 4)
        parts = [np.broadcast_to(shared_entries[..., None], (len(shared_forms), 4, rows))]
        batched_saved = None
        if len(batched_forms):
            angles = batched_angles(s, as_array(batched, real).T, recipe.joined)  # (n_columns, rows)
            batched_entries, batched_saved = one_wire_entries(angles, batched_forms, complex_dtype)  # (m_b, 4, rows)
            parts.append(batched_entries)
        parts.append(np.broadcast_to(np.array(_IDENTITY_ENTRIES, complex_dtype)[None, :, None], (1, 4, rows)))
        table = np.concatenate(parts)  # (n_steps + 1, 4, rows)
        matrices = table[recipe.moments]  # (n_moments, n, 4, rows)
        states = _chain(matrices)
        ctx.recipe = recipe
        ctx.like = (tensor_kind(shared), tensor_kind(batched))  # the gradients' dtypes and devices
        ctx.saved = (matrices, states, shared_saved, batched_saved)
        return torch.from_numpy(_one_wire_arrays(states[-1], real)).to(shared.device)

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        recipe = ctx.recipe
        matrices, states, shared_saved, batched_saved = ctx.saved
        shared_forms, batched_forms = recipe.forms(states.real.dtype)
        g = as_array(grad).transpose(1, 2, 0)  # (n, 4, rows)
        by_entry = _chain_gradients(matrices, states, g)  # (n_moments · n, 4, rows)
        want_shared, want_batched = ctx.needs_input_grad[2:]
        grad_shared = grad_batched = None
        m_s = len(shared_forms)
        if want_shared:
            per_step = np.add.reduce(by_entry[recipe.positions[:m_s]], axis=-1)  # (m_s, 4): summed over the batch
            grad_shared = angle_gradients(per_step, shared_saved, shared_forms, recipe.n_shared)
        if len(batched_forms) and (want_batched or (want_shared and recipe.joined)):
            per_sample = by_entry[recipe.positions[m_s:]]  # (m_b, 4, rows)
            n_columns = recipe.n_batched + (recipe.n_shared if recipe.joined else 0)
            by_column = angle_gradients(per_sample, batched_saved, batched_forms, n_columns)  # (n_columns, rows)
            from_rows, by_column = split_gradients(by_column, recipe.n_shared, recipe.joined)
            if want_shared and from_rows is not None:
                grad_shared = grad_shared + from_rows
            grad_batched = by_column.T if want_batched else None
        return None, None, as_tensor(grad_shared, ctx.like[0]), as_tensor(grad_batched, ctx.like[1])


def _chain(matrices: np.ndarray) -> np.ndarray:
    """Each moment's output states (n_moments, n, 2, rows) from |0⟩ through its matrices (n_moments, n, 4, rows)."""
    states = np.empty((matrices.shape[0], matrices.shape[1], 2, matrices.shape[3]), matrices.dtype)
    states[0] = matrices[0, :, :2]  # the first moment applied to |0⟩: its first column
    for k in range(1, len(states)):
        np.multiply(matrices[k, :, :2], states[k - 1, :, :1], out=states[k])
        states[k] += matrices[k, :, 2:] * states[k - 1, :, 1:]
    return states


def _one_wire_arrays(state: np.ndarray, real: np.dtype) -> np.ndarray:
    """(rows, n, 4) real: 1, ⟨X⟩, ⟨Y⟩, ⟨Z⟩ of the states (n, 2, rows)."""
    a, b = state[:, 0], state[:, 1]
    ab = a.conj() * b
    values = np.empty((a.shape[1], a.shape[0], 4), real)
    values[..., 0] = 1
    values[..., 1] = 2 * ab.real.T
    values[..., 2] = 2 * ab.imag.T
    values[..., 3] = (a.real * a.real + a.imag * a.imag - b.real * b.real - b.imag * b.imag).T
    return values


def _chain_gradients(matrices: np.ndarray, states: np.ndarray, grad: np.ndarray) -> np.ndarray:
    """∂L/∂ each moment's matrices (n_moments · n, 4, rows) from ∂L/∂(1, ⟨X⟩, ⟨Y⟩, ⟨Z⟩) `grad` (n, 4, rows)."""
    n_moments, n, _, rows = states.shape
    d_states = np.empty_like(states)  # ∂ each moment's output
    a, b, last = states[-1, :, 0], states[-1, :, 1], d_states[-1]
    g = 2 * grad
    xy = g[:, 1] - 1j * g[:, 2]
    np.multiply(xy, b, out=last[:, 0])
    last[:, 0] += g[:, 3] * a
    np.multiply(xy.conj(), a, out=last[:, 1])
    last[:, 1] -= g[:, 3] * b
    adjoints = matrices.conj().reshape(n_moments, n, 2, 2, rows)  # [k, wire, column j, row i]: conj(M_ij)
    for k in range(n_moments - 1, 0, -1):  # ∂s_j = Σ_i conj(M_ij) ∂s'_i
        terms = adjoints[k] * d_states[k, :, None]
        np.add(terms[:, :, 0], terms[:, :, 1], out=d_states[k - 1])
    out = np.empty((n_moments, n, 2, 2, rows), states.dtype)  # ∂M_ij = ∂s'_i conj(s_j), s the moment's input
    np.multiply(states[:-1, :, :, None].conj(), d_states[1:, :, None], out=out[1:])
    out[0, :, 0], out[0, :, 1] = d_states[0], 0  # the first moment's input is |0⟩
    return out.reshape(n_moments * n, 4, rows)


def _pauli_values(one_wire: torch.Tensor, observables: tuple[PauliSum, ...], n: int) -> torch.Tensor:
    """Σ_terms c · Π_w ⟨letter_w⟩ from the one-wire values (…, n, 4): (…, len(observables)) real."""
    device, real = one_wire.device, one_wire.dtype
    linear = _linear_map(observables, n)
    if linear is not None:  # every term one letter or none (⟨Z_i⟩, their mean): a linear map of the values
        return one_wire.flatten(-2) @ constant(linear, real, device)
    letters, coefficients = _term_tables(observables, n)
    # Each term's letter on each wire, picked by a one-hot product (a gather's backward costs more).
    picked = torch.einsum("...wl,wtl->...wt", one_wire, constant(letters, real, device))  # (…, n, n_terms)
    return picked.prod(-2) @ constant(coefficients, real, device)


@lru_cache(maxsize=256)
def _linear_map(observables: tuple[PauliSum, ...], n: int) -> tuple | None:
    """(n · 4, n_observables) as nested tuples: where every term has at most one letter, each observable is
    Σ c · (wire w's value of that letter), the identity's being 1 on any wire. None where a term has more."""
    table = [[0.0] * len(observables) for _ in range(4 * n)]
    for k, observable in enumerate(observables):
        for c, word in observable.terms:
            letters = [(w, letter) for w, letter in enumerate(word) if letter != "I"]
            if len(letters) > 1:
                return None
            w, letter = letters[0] if letters else (0, "I")
            table[4 * w + _LETTERS.index(letter)][k] += c
    return tuple(map(tuple, table))


@lru_cache(maxsize=256)
def _term_tables(observables: tuple[PauliSum, ...], n: int) -> tuple[tuple, tuple]:
    """(letters (n, n_terms, 4) one-hot, coefficients (n_terms, n_observables)) as nested tuples."""
    terms = [(k, c, word.ljust(n, "I")) for k, o in enumerate(observables) for c, word in o.terms]
    letters = tuple(
        tuple(tuple(float(word[w] == letter) for letter in _LETTERS) for _, _, word in terms) for w in range(n)
    )
    coefficients = tuple(tuple(c if k == j else 0.0 for j in range(len(observables))) for k, c, _ in terms)
    return letters, coefficients
