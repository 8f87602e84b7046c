"""Runs of diagonal gates as one phase per sample: the loop, made faster by never applying them one by one.

An IQP encoding on n wires is n RZ gates and n(n−1)/2 ZZ rotations per repeat, every one reading the
inputs: applied gate by gate, each is a pass over every sample's state. But diagonal gates multiply
into one diagonal, exp(iφ(z)), and every one- and two-qubit diagonal gate is a phase that is at most
quadratic in the spins s_w = (−1)^{z_w}:

    φ(z) = c₀ + Σ_i c_i s_i + Σ_{i<j} c_ij s_i s_j,

with coefficients linear in the gates' angles (RZ(θ): −θ/2 on s_i; ZZ(θ): −θ/2 on s_i s_j; CZ, CRZ,
PhaseShift, Z, S, T likewise). `gather_phase_runs` regroups a program's steps so that diagonal gates
which commute past the gates between them form one `PHASE_RUN` step; `run_diagonal` computes its
(batch, 2^k) diagonal from a (batch, gates) × (gates, 1 + k + k²) product and a split of the wires into
halves (outer sums and two small products), one pass over the state for the whole run. A plan keeps a
run's coefficients (`run_coefficients`), and its diagonal is made where it is applied (`phase_diagonal`).

Example:
    >>> import circuits, torch
    >>> from qnn.simulator import compile_circuit
    >>> program = gather_phase_runs(compile_circuit(circuits.iqp_encoding(6)))
    >>> [step.gate for step in program.steps][-2:]
    ['H', 'PhaseRun']
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import lru_cache, partial

import numpy as np
import torch

from qnn.simulator.constants import outside_inference_mode
from qnn.simulator.identity import IdentityCache
from qnn.simulator.program import PHASE_RUN, Program, Step

# Each gate's phase as (constant, coefficient of s_a, of s_b, of s_a s_b) per unit angle (wires a, b in
# the gate's order); gates without angles use these numbers as they are. Spins: s = +1 for |0⟩, −1 for |1⟩.
_HALF = 0.5
_PHASE_TERMS = {
    "RZ": (0.0, -_HALF, 0.0, 0.0),
    "PhaseShift": (_HALF, -_HALF, 0.0, 0.0),  # θ·z = θ(1 − s)/2
    "Z": (math.pi / 2, -math.pi / 2, 0.0, 0.0),
    "S": (math.pi / 4, -math.pi / 4, 0.0, 0.0),
    "T": (math.pi / 8, -math.pi / 8, 0.0, 0.0),
    "MultiRZ": (0.0, 0.0, 0.0, -_HALF),  # two wires: exp(−iθ/2 Z⊗Z)
    "RZZ": (0.0, 0.0, 0.0, -_HALF),
    "CZ": (math.pi / 4, -math.pi / 4, -math.pi / 4, math.pi / 4),  # π z_a z_b
    "CRZ": (0.0, 0.0, -0.25, 0.25),  # z_a · (−θ/2) s_b
}
MIN_RUN_GATES = 3  # shorter runs are left to the gate-by-gate kernels
# `phase_diagonal` takes cos and sin of every phase up to this many wires: at batch 32, 1.3-1.6x faster than the
# products at 6-12 wires, 2.3x slower at 14 (and 3.4x at 20, batch 4); at 10 wires, batch 256, 1.3x faster.
DIRECT_PHASE_WIRES = 12


def phase_gate(step: Step) -> bool:
    """Whether a step is a diagonal gate this module folds into a run (one or two wires)."""
    return step.gate in _PHASE_TERMS and len(step.wires) <= 2 and len(step.columns) <= 1


def gather_phase_runs(program: Program, min_wires: int = 1) -> Program:
    """`program` with runs of diagonal gates regrouped into `PHASE_RUN` steps.

    Scanning in order, a diagonal gate joins the open run; any other step is moved before the run if it
    acts on none of the run's wires (it commutes with every gate in it), else it closes the run. Runs
    of fewer than `MIN_RUN_GATES` gates, on fewer than `min_wires` wires, or without a two-wire gate stay as
    they were.
    """
    out: list[Step] = []
    run: list[Step] = []
    for step in program.steps:
        if phase_gate(step):
            run.append(step)
            continue
        if run and set(step.wires) & _wires(run):
            out += _close(run, min_wires)
            run = []
        out.append(step)
    out += _close(run, min_wires)
    return replace(program, steps=_one_step_per_phase(tuple(out), program))


def _one_step_per_phase(steps: tuple[Step, ...], program: Program) -> tuple[Step, ...]:
    """`steps` with each `PHASE_RUN` that equals an earlier one in value (the same gates on the same wires, reading
    equal angles: an IQP encoding's repeats) replaced by that earlier step itself. A plan then computes its
    coefficients and diagonal once (10 qubits, 5 repeats, batch 32: 0.29 ms for each repeat's diagonal)."""
    first: dict[tuple, Step] = {}
    out = []
    for step in steps:
        if step.gate == PHASE_RUN:
            key = tuple(
                (part.gate, part.wires, tuple(map(partial(_column_value, program), part.columns)))
                for part in step.parts
            )
            step = first.setdefault(key, step)
        out.append(step)
    return tuple(out)


def _column_value(program: Program, column: int) -> tuple:
    """What angle column `column` holds: a shared column itself; an input column its expression in the inputs."""
    if column < program.n_shared:
        return ("shared", column)
    b = column - program.n_shared
    return (program.input_scales[b], program.factor_indices[b], program.factor_scales[b], program.factor_shifts[b])


def _wires(run: list[Step]) -> set[int]:
    return {w for step in run for w in step.wires}


def _close(run: list[Step], min_wires: int) -> list[Step]:
    wires = tuple(sorted(_wires(run)))
    # Without a two-wire gate the diagonal is a product of one-wire phases, which fusion merges into the
    # neighbouring one-qubit gates for free; a run would compute cos and sin of all 2^k phases per sample
    # (Qiskit's efficient_su2 at 12 qubits, batch 64: 3x slower than leaving its RZ layers to fusion).
    if len(run) < MIN_RUN_GATES or len(wires) < min_wires or all(len(step.wires) == 1 for step in run):
        return list(run)
    columns = tuple(c for step in run for c in step.columns)
    return [Step(PHASE_RUN, wires, columns, any(s.batched for s in run), parts=tuple(run))]


def run_diagonal(step: Step, shared: torch.Tensor, joined, dtype: torch.dtype) -> torch.Tensor:
    """The (2^k,) or (batch, 2^k) diagonal of a `PHASE_RUN` step on its k wires (the first the top bit)."""
    return phase_diagonal(run_coefficients(step, shared, joined), len(step.wires), dtype)


# Per step (by identity: hashing a run of dozens of gates cost more than using its tables), its tensors.
_RUN_TENSORS = IdentityCache(size=1024)


def constant_run_diagonal(
    step: Step, dtype: torch.dtype, device: torch.device, conjugate: bool = False
) -> torch.Tensor:
    """The (2^k,) diagonal of a `PHASE_RUN` step without parameters (a layer of CZs, say), or its conjugate (which
    undoes it in the adjoint sweep), made once: it is the same every call (15 CZ layers of an IQP variational
    step at 10 qubits were 3.5 ms of its forward pass; at 20 qubits each undo made an 8 MiB conjugate afresh).
    Shared by every caller, so never written into."""
    if conjugate:
        return _RUN_TENSORS.get(
            step, lambda: constant_run_diagonal(step, dtype, device).conj().resolve_conj(), "conjugate", dtype, device
        )
    zero = torch.zeros(0, dtype=torch.float64, device=device)
    return _RUN_TENSORS.get(step, lambda: run_diagonal(step, zero, None, dtype), "diagonal", dtype, device)


def run_coefficients(step: Step, shared: torch.Tensor, joined) -> torch.Tensor:
    """The (1 + k + k²,) or (batch, 1 + k + k²) coefficients c₀, c_i, c_ij of a `PHASE_RUN` step's phase."""
    source = joined if step.batched else shared
    dtype, device = source.dtype, source.device
    columns, rows, constants = _RUN_TENSORS.get(step, lambda: _run_tables(step, dtype, device), dtype, device)
    if columns is None:  # no gate with an angle: nothing to differentiate
        return constants.expand(*source.shape[:-1], -1)
    return source[..., columns] @ rows + constants


def _run_tables(step: Step, dtype: torch.dtype, device) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor]:
    """(the angle columns of the gates that have one, or None; their rows of the coefficient table; its row
    of constants): the coefficients are angles @ rows + constants."""
    table = torch.as_tensor(_coefficient_table(step), dtype=dtype, device=device)
    with_angle = [g for g, part in enumerate(step.parts) if part.columns]
    if not with_angle:
        return None, table[:0], table[-1]
    columns = torch.tensor([step.parts[g].columns[0] for g in with_angle], device=device)
    return columns, table[with_angle], table[-1]


def phase_diagonal(coefficients: torch.Tensor, k: int, dtype: torch.dtype) -> torch.Tensor:
    """exp(iφ(z)) of `dtype` for every basis state of k wires: (…, 1 + k + k²) coefficients → (…, 2^k).

    Built as products rather than cos and sin of every φ(z). With the wires split into a high and a low
    half, φ = c₀ + upper(z_h) + lower(z_l) + Σ_j s_j a_j(z_h), a_j(z_h) = Σ_i c_ij s_i: for fixed high wires
    the cross terms are a product state over the low wires, ⊗_j (e^{i a_j}, e^{−i a_j}). So the diagonal is
    one Kronecker product per high basis state times two short phase vectors, about three complex products
    an amplitude (measured: 2M amplitudes, one core, cos and sin 5.5 ms, torch.polar 15 ms, a product 1.7 ms).
    Up to `DIRECT_PHASE_WIRES` wires cos and sin of every φ(z) cost less than the products' broadcasts.
    """
    lead, high = coefficients.shape[:-1], k // 2
    if k <= DIRECT_PHASE_WIRES:
        return _unit(_phase(coefficients, k)).to(dtype)
    c0, linear, pairs = coefficients[..., 0], coefficients[..., 1 : 1 + k], coefficients[..., 1 + k :]
    pairs = pairs.reshape(*lead, k, k)
    signs_high = _spins(high, coefficients.dtype, coefficients.device)  # (2^h, h)
    signs_low = _spins(k - high, coefficients.dtype, coefficients.device)  # (2^l, l)
    upper = c0[..., None] + _half_phase(linear[..., :high], pairs[..., :high, :high], signs_high)  # (…, 2^h)
    lower = _half_phase(linear[..., high:], pairs[..., high:, high:], signs_low)  # (…, 2^l)
    cross = _unit(signs_high @ pairs[..., :high, high:])  # e^{i a_j(z_h)}: (…, 2^h, l)
    factors = torch.stack([cross, cross.conj()], -1)  # low wire j: z_j = 0 (s = +1), then z_j = 1
    diagonal = factors[..., 0, :] * _unit(upper)[..., None]  # (…, 2^h, 2), the first low wire on top
    for j in range(1, k - high):
        diagonal = (diagonal[..., :, None] * factors[..., j, None, :]).flatten(-2)
    return diagonal.mul_(_unit(lower)[..., None, :]).reshape(*lead, 2**k).to(dtype)  # in place: one fewer


def _unit(phase: torch.Tensor) -> torch.Tensor:
    """exp(i · phase) for a real tensor, from cos and sin (2M phases, one core: 5.5 ms, torch.polar 15 ms)."""
    return torch.complex(torch.cos(phase), torch.sin(phase))


def coefficient_gradient(phase_gradient: torch.Tensor, k: int) -> torch.Tensor:
    """dL/dc (…, 1 + k + k²) from dL/dφ (…, 2^k): φ's linear map transposed, in sums over halves of the wires.

    dL/dc₀ = Σ_z g, dL/dc_i = Σ_z g s_i, dL/dc_ij = Σ_z g s_i s_j (i < j, the entries `_phase` reads; the
    others are zero), with g viewed as (2^h, 2^l) so that no tensor beyond g itself is state-sized.
    """
    lead, high = phase_gradient.shape[:-1], k // 2
    g = phase_gradient.reshape(*lead, 2**high, 2 ** (k - high))
    signs_high = _spins(high, g.dtype, g.device)  # (2^h, h)
    signs_low = _spins(k - high, g.dtype, g.device)  # (2^l, l)
    over_high, over_low = g.sum(-1), g.sum(-2)  # (…, 2^h), (…, 2^l)
    pairs = g.new_zeros(*lead, k, k)
    pairs[..., :high, :high] = torch.triu(_spin_moments(over_high, signs_high), diagonal=1)
    pairs[..., high:, high:] = torch.triu(_spin_moments(over_low, signs_low), diagonal=1)
    pairs[..., :high, high:] = signs_high.T @ (g @ signs_low)  # Σ g s_i s_j, i high and j low
    linear = torch.cat([over_high @ signs_high, over_low @ signs_low], -1)
    return torch.cat([over_high.sum(-1, keepdim=True), linear, pairs.reshape(*lead, k * k)], -1)


def _spin_moments(weights: torch.Tensor, signs: torch.Tensor) -> torch.Tensor:
    """Σ_z w(z) s_i(z) s_j(z) for (…, 2^m) weights and (2^m, m) spins: (…, m, m)."""
    return signs.T @ (weights[..., :, None] * signs)


def _coefficient_table(step: Step) -> np.ndarray:
    """(n_gates + 1, 1 + k + k²): how each part's angle (and, last row, the angle-free gates) enters c₀, c_i, c_ij."""
    k = len(step.wires)
    position = {w: i for i, w in enumerate(step.wires)}
    table = np.zeros((len(step.parts) + 1, 1 + k + k * k))
    for g, part in enumerate(step.parts):
        row = g if part.columns else len(step.parts)  # angle-free gates add constants
        gate = "RZ" if part.gate == "MultiRZ" and len(part.wires) == 1 else part.gate  # a one-wire MultiRZ is RZ
        const, a, b, ab = _PHASE_TERMS[gate]
        wires = [position[w] for w in part.wires]
        table[row, 0] += const
        table[row, 1 + wires[0]] += a
        if len(wires) == 2:
            i, j = sorted(wires)
            table[row, 1 + wires[1]] += b
            table[row, 1 + k + i * k + j] += ab
    return table


def _phase(coefficients: torch.Tensor, k: int) -> torch.Tensor:
    """φ(z) for every basis state of k wires: (…, 1 + k + k²) → (…, 2^k), wire 0 the most significant bit."""
    lead = coefficients.shape[:-1]
    c0, linear, pairs = coefficients[..., 0], coefficients[..., 1 : 1 + k], coefficients[..., 1 + k :]
    pairs = pairs.reshape(*lead, k, k)
    high = k // 2
    signs_high = _spins(high, coefficients.dtype, coefficients.device)  # (2^h, h)
    signs_low = _spins(k - high, coefficients.dtype, coefficients.device)  # (2^l, l)
    upper = _half_phase(linear[..., :high], pairs[..., :high, :high], signs_high)  # (…, 2^h)
    lower = _half_phase(linear[..., high:], pairs[..., high:, high:], signs_low)  # (…, 2^l)
    cross = signs_high @ pairs[..., :high, high:] @ signs_low.T  # (…, 2^h, 2^l)
    phase = c0[..., None, None] + upper[..., :, None] + lower[..., None, :] + cross
    return phase.reshape(*lead, 2**k)


def _half_phase(linear: torch.Tensor, pairs: torch.Tensor, signs: torch.Tensor) -> torch.Tensor:
    """Σ_i c_i s_i + Σ_{i<j} c_ij s_i s_j on one half of the wires: (…, 2^m) for (2^m, m) spins."""
    if signs.shape[1] == 0:
        return linear.new_zeros(*linear.shape[:-1], 1)
    quadratic = ((signs @ torch.triu(pairs, diagonal=1)) * signs).sum(-1)  # rows of S C, times S, summed
    return (signs @ linear.unsqueeze(-1))[..., 0] + quadratic


@lru_cache(maxsize=64)
@outside_inference_mode
def _spins(m: int, dtype: torch.dtype, device) -> torch.Tensor:
    """(2^m, m) spins s_w = 1 − 2 z_w of every basis state of m wires, wire 0 the most significant bit."""
    index = torch.arange(2**m, device=device)
    bits = (index[:, None] >> torch.arange(m - 1, -1, -1, device=device)) & 1
    return (1 - 2 * bits).to(dtype)
