"""Small circuits as a product of a few batched unitaries: the loop, made faster by doing few, large tensor ops.

For a handful of qubits a state is smaller than the bookkeeping around it: the gate-by-gate engine
spends a training step on thousands of tiny tensor operations (and as many autograd nodes). Here the
circuit is regrouped once into layers, each a run of one-qubit gates on every wire (`2×2` chains) and
the multi-qubit gates after it:

    U = Π_k  E_k · (⊗_w chain_{k,w}),    ψ = U |0⟩   (or U |prep⟩ after a leading StatePrep)

and the work is batched across gates and layers: all one-qubit matrices of a gate type in one call, all
chains multiplied in log₂(longest chain) batched products, Kronecker products built as outer products for all
layers of a run at once. Runs of layers without inputs are multiplied into one matrix for the whole batch
(2^(3n) work a layer, once); layers that read inputs are applied to each sample's state as two small products
over halves of the wires, and their entanglers as a gather and a phase (2^(2n) work a layer). Where those
entanglers are constant (CZ, CNOT, …), a run of such layers is one autograd node whose backward is written
out (`qnn.simulator.sweep`). A 15-layer re-uploading step is then about a hundred tensor operations where
the gate-by-gate engine needs thousands.
The circuit's layers and runs are worked out once (`qnn.simulator.dense_recipe`); the path suits
n ≤ `DENSE_MAX_QUBITS` where every layer reads inputs, fewer otherwise (the constants there).

Example:
    >>> import circuits, torch
    >>> from qnn.simulator import compile_circuit
    >>> from qnn.simulator.dense_recipe import dense_recipe
    >>> program = compile_circuit(circuits.angle_encoding(2) + circuits.strongly_entangling(2, 1))
    >>> recipe = dense_recipe(program)
    >>> angles = program.angles(torch.zeros(3, 2), torch.zeros(6))
    >>> dense_states(recipe, angles, 3, torch.complex64).shape
    torch.Size([3, 4])
"""

from __future__ import annotations

import math
from itertools import groupby

import torch

from qnn.simulator import shared_run
from qnn.simulator.blocks import kron_wires, matrix_product, one_qubit_table
from qnn.simulator.dense_recipe import DenseRecipe, embed_gate, is_identity
from qnn.simulator.matrices import gate_matrix
from qnn.simulator.program import Angles, Step
from qnn.simulator.sweep import sweep_layers

# Kronecker products of up to this many entries in all are one broadcast product, larger ones a tree of
# outer products: the two cost the same for 16 layers of 4 qubits (forward and backward, one core).
BROADCAST_KRON_MAX = 4096


def dense_states(
    recipe: DenseRecipe, angles: Angles, batch: int, dtype: torch.dtype, input_gradients: bool = True
) -> torch.Tensor:
    """Final states (batch, 2**n_qubits) of `dtype`, differentiable with respect to the angles (those of the
    inputs only where `input_gradients`)."""
    shared = angles.shared
    # Shared gates' matrices are made once, not once per sample; layers that read inputs see them per sample.
    table = one_qubit_table(recipe, angles, dtype, input_gradients=input_gradients)
    # Each sample's angles (1 or batch, n_columns), where a StatePrep or an entangler reads them.
    if recipe.state_prep is None and recipe.constant_entanglers is not None:
        per_sample = None
    else:
        per_sample = shared[None] if angles.batched is None else angles.joined
    state = None if recipe.state_prep is None else _prepared_state(recipe.state_prep, per_sample, dtype)  # None: |0…0⟩
    for kind, layers in recipe.runs:
        rows = recipe.tensor("rows", None, dtype, shared.device)[layers[0] : layers[-1] + 1]
        if kind == "shared":  # one row for the whole batch: multiplying the matrices together is cheap
            product = _shared_run(recipe, table, shared, rows, layers, dtype)  # (1, D, D)
            state = product[..., 0] if state is None else _apply(product, state)
            continue
        # One matrix per sample: apply each layer to the states, D² work a layer, never D³.
        positions = None if table.batched is None else recipe.run_positions(layers, shared.device)
        if positions is not None:
            factors = _chain_by_position(table, positions)
        else:
            gates = table.shared[rows][None] if table.batched is None else table.joined[:, rows]  # inputs: entanglers
            factors = _chain_products(gates, dtype)  # (1 or batch, layers, n_qubits, 2, 2)
        if recipe.monomial_entanglers is not None and recipe.n_qubits > 1 and factors.shape[0] == batch:
            state = _sweep(recipe, factors, layers, state, dtype)
            continue
        if state is None:  # |0…0⟩: the first layer's product state is the Kronecker product of first columns
            state = _kron(factors[:, 0, :, :, :1])[..., 0]
            state = _entangle_state(recipe, layers[0], per_sample, state, dtype)
            factors, layers = factors[:, 1:], layers[1:]
        if not layers:
            continue
        # ⊗_w U_w on the state as (2^h, 2^l) matrices: (U_hi ⊗ U_lo) vec(M) = U_hi M U_loᵀ, two small products.
        high = (recipe.n_qubits + 1) // 2
        upper = _kron(factors[:, :, :high]).unbind(1)
        lower = _kron(factors[:, :, high:]).unbind(1) if recipe.n_qubits > 1 else [None] * len(layers)
        for k, u_high, u_low in zip(layers, upper, lower, strict=True):
            state = _entangle_state(recipe, k, per_sample, _apply_split(u_high, u_low, state), dtype)
    d = 2**recipe.n_qubits
    if state is None:  # a circuit without gates
        state = torch.zeros(1, d, dtype=dtype, device=shared.device)
        state[:, 0] = 1
    return state.expand(batch, d) if state.shape[0] != batch else state


def _shared_run(recipe: DenseRecipe, table, shared: torch.Tensor, rows, layers, dtype) -> torch.Tensor:
    """(1, D, D): a run of layers that read no input, multiplied together. Small and on the CPU, one autograd node
    in NumPy (`shared_run`): recorded by autograd it was about a third of a 4-qubit standard step."""
    if shared_run.supports(recipe, shared.device):
        return shared_run.run_unitary(recipe, table.shared, layers, dtype)
    chains = _chain_products(table.shared[rows][None], dtype)  # (1, layers, n_qubits, 2, 2)
    unitaries = _with_entanglers(recipe, shared[None], _kron(chains), layers, dtype)
    return _ordered_product(unitaries)


def _sweep(recipe: DenseRecipe, factors: torch.Tensor, layers, state: torch.Tensor | None, dtype) -> torch.Tensor:
    """(batch, D) states after a run of per-sample layers with constant permuting entanglers, as one autograd
    node (`sweep_layers`): `factors` (batch, layers, n_qubits, 2, 2), `state` (1 or batch, D) or None for |0…0⟩."""
    batch, d, high = factors.shape[0], 2**recipe.n_qubits, (recipe.n_qubits + 1) // 2
    if state is None and len(layers) == 1:  # one layer on |0…0⟩: a product state, the first columns' Kronecker
        # product (measured faster for one layer; for more, sweeping from |0…0⟩ costs fewer operations)
        return _entangle_state(recipe, layers[0], None, _kron(factors[:, 0, :, :, :1])[..., 0], dtype)
    if state is None:
        state = torch.zeros(1, d, dtype=dtype, device=factors.device)
        state[:, 0] = 1
    upper, lower = (_kron(part) for part in factors.transpose(0, 1).split([high, recipe.n_qubits - high], dim=2))
    entanglers = recipe.layer_entanglers(layers, dtype, factors.device)
    return sweep_layers(state.expand(batch, d).contiguous(), upper, lower, entanglers)


def _chain_by_position(table, positions) -> torch.Tensor:
    """(1 or batch, layers, n_qubits, 2, 2) chain products where each chain position reads one part of the table:
    shared gates once for the batch, per-sample ones as a view where their rows are consecutive. This skips
    joining the two parts per sample and gathering from the join (whose backward is a scatter)."""
    product = None
    for source, first, rows in positions:
        if source == "shared":
            gates = table.shared[rows]  # (layers, n_qubits, 2, 2), broadcast over the batch
        elif first is not None:
            gates = table.batched[:, first : first + rows.numel()].unflatten(1, rows.shape)
        else:
            gates = table.batched[:, rows]
        # Later positions act after earlier ones.
        product = gates if product is None else matrix_product(gates, product)
    return product if product.dim() == 5 else product[None]


def _apply_split(u_high: torch.Tensor, u_low: torch.Tensor | None, state: torch.Tensor) -> torch.Tensor:
    """(rows, 2^h, 2^h) ⊗ (rows, 2^l, 2^l) applied to (rows, 2^(h+l)) states without forming the product."""
    if u_low is None:
        return matrix_product(u_high, state[..., None])[..., 0]
    matrix = state.reshape(state.shape[0], u_high.shape[-1], u_low.shape[-1])
    return matrix_product(matrix_product(u_high, matrix), u_low.transpose(-1, -2)).reshape(-1, state.shape[-1])


def _apply(product: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
    """(1 or batch, D, D) unitaries times (1 or batch, D) states."""
    if product.shape[0] == 1:
        return state @ product[0].transpose(0, 1)
    return matrix_product(product, state[..., None])[..., 0]


def _prepared_state(step: Step, angles: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """The normalised amplitudes of a leading StatePrep: (1 or batch, D)."""
    prep = angles[:, list(step.columns)]
    if (prep.abs().sum(-1) == 0).any():
        raise ValueError("amplitude encoding needs a non-zero feature vector for every sample, got all zeros")
    return (prep / prep.square().sum(-1, keepdim=True).sqrt()).to(dtype)


def _with_entanglers(recipe: DenseRecipe, angles, unitaries: torch.Tensor, layers, dtype) -> torch.Tensor:
    """(rows, L, D, D) Kronecker products of layers → each times its layer's entanglers."""
    if recipe.constant_entanglers is None:
        return _entangle(recipe, angles, unitaries, layers, dtype)
    entanglers = recipe.tensor("entanglers", None, dtype, unitaries.device)[layers[0] : layers[-1] + 1]
    if unitaries.shape[0] == 1:  # a shared run: its layers as the batch of one `bmm`
        return matrix_product(entanglers, unitaries[0])[None]
    return entanglers @ unitaries


def _entangle_state(recipe: DenseRecipe, k: int, angles, state: torch.Tensor, dtype) -> torch.Tensor:
    """(rows, D) states after layer k's entanglers: a gather and a phase where they permute (CNOT, CZ…)."""
    if recipe.constant_entanglers is None:
        d = 2**recipe.n_qubits
        for z_rotations, steps in groupby(recipe.entanglers[k], key=_is_z_rotation):
            if z_rotations:  # diagonal: consecutive ones join into one phase
                state = state * _z_rotation_phases(recipe, tuple(steps), angles)
                continue
            for step in steps:
                params = angles[:, list(step.columns)] if step.columns else torch.zeros(0, device=angles.device)
                gate = gate_matrix(step.gate, params, len(step.wires), dtype)
                gate = embed_gate(gate, step.wires, recipe.n_qubits, d)
                state = state @ gate.transpose(-1, -2) if gate.dim() == 2 else (gate @ state[..., None])[..., 0]
        return state
    permutation, phases = recipe.monomial_entanglers[k] if recipe.monomial_entanglers else (None, None)
    if permutation is None:
        return state @ recipe.tensor("entanglers", None, dtype, state.device)[k].transpose(0, 1)
    if not is_identity(permutation):
        state = state[..., recipe.tensor("permutation", k, dtype, state.device)]
    if phases is not None:
        state = state * recipe.tensor("phases", k, dtype, state.device)
    return state


def _is_z_rotation(step: Step) -> bool:
    """RZ, RZZ or MultiRZ with its angle: exp(-iθ/2 Z⊗…⊗Z) on its wires."""
    return step.gate in ("RZ", "RZZ", "MultiRZ") and len(step.columns) == 1


def _z_rotation_phases(recipe: DenseRecipe, steps: tuple[Step, ...], angles) -> torch.Tensor:
    """(rows, D) diagonal of Z rotations applied together: exp(-i/2 Σ_g θ_g s_g(z)), s_g(z) = ±1 the parity of
    gate g's wires in basis state z; one product of the angles with a table of parities, not a matrix a gate."""
    theta = angles[:, [step.columns[0] for step in steps]]  # (rows, gates)
    parities = recipe.parities(steps, theta.dtype, theta.device)
    return torch.polar(torch.ones_like(theta[:, :1]), -0.5 * theta @ parities)


def _kron(chains: torch.Tensor) -> torch.Tensor:
    """(…, n, 2, 2) one-qubit factors, or their (…, n, 2, 1) first columns → (…, 2^n, 2^n) or (…, 2^n, 1)
    Kronecker product, the first factor on the top bit.

    Pairs of factors are joined by an outer product (a batched matmul, whose backward is a matmul too,
    where a broadcast multiply's backward sums over strided copies), in a tree of log₂ n levels. A few
    matrices (the layers of a shared run) are one broadcast product instead, fewer steps for autograd.
    """
    if chains.shape[-1] == 2 and math.prod(chains.shape[:-3]) * 4 ** chains.shape[-3] <= BROADCAST_KRON_MAX:
        return kron_wires(chains)
    factors = list(chains.unbind(-3))
    while len(factors) > 1:
        paired = [_kron2(a, b) for a, b in zip(factors[0::2], factors[1::2], strict=False)]
        factors = paired + factors[len(paired) * 2 :]
    return factors[0]


def _kron2(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """kron(a, b) for (…, r, c) and (…, s, t) → (…, r·s, c·t)."""
    lead, (r, c), (s_, t) = a.shape[:-2], a.shape[-2:], b.shape[-2:]
    if c == t == 1:  # columns: their outer product, flattened, is already in order
        return matrix_product(a, b.transpose(-1, -2)).reshape(*lead, r * s_, 1)
    # [(i, j), (k, l)] = a[i, j] b[k, l]
    outer = matrix_product(a.reshape(*lead, r * c, 1), b.reshape(*lead, 1, s_ * t))
    return outer.reshape(*lead, r, c, s_, t).transpose(-3, -2).reshape(*lead, r * s_, c * t)


def _chain_products(chain: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(…, layers, n_qubits, longest, 2, 2) gate matrices, earliest first → each wire's product in each layer."""
    while chain.shape[-3] > 1:
        if chain.shape[-3] % 2:
            eye = torch.eye(2, dtype=dtype, device=chain.device).expand(*chain.shape[:-3], 1, 2, 2)
            chain = torch.cat([chain, eye], dim=-3)
        # Pairs by unbind, not strided slices: a slice's backward fills a zero tensor the size of the chain.
        earlier, later = chain.unflatten(-3, (-1, 2)).unbind(-3)
        chain = matrix_product(later, earlier)  # later gates act after earlier ones
    return chain[..., 0, :, :]


def _entangle(recipe: DenseRecipe, angles, unitaries: torch.Tensor, layers: tuple[int, ...], dtype) -> torch.Tensor:
    """Each layer times its entanglers, for entanglers with parameters (built one gate at a time)."""
    d, n = 2**recipe.n_qubits, recipe.n_qubits
    out = []
    for position, k in enumerate(layers):
        layer = unitaries[:, position]
        for step in recipe.entanglers[k]:
            params = angles[:, list(step.columns)] if step.columns else torch.zeros(0, device=angles.device)
            gate = gate_matrix(step.gate, params, len(step.wires), dtype)
            layer = embed_gate(gate, step.wires, n, d) @ layer
        out.append(layer.expand(unitaries.shape[0], d, d) if layer.dim() == 2 else layer)
    return torch.stack(out, dim=1)


def _ordered_product(layers: torch.Tensor) -> torch.Tensor:
    """(…, K, D, D) → (…, D, D): layers[K-1] ··· layers[1] layers[0], in log₂ K batched products, or one
    after another for a few layers (where the tree's slices and padding cost more than the products)."""
    if layers.shape[-3] <= 4:
        first, *later = layers.unbind(-3)
        for layer in later:
            first = matrix_product(layer, first)
        return first
    while layers.shape[-3] > 1:
        if layers.shape[-3] % 2:
            d = layers.shape[-1]
            eye = torch.eye(d, dtype=layers.dtype, device=layers.device).expand(*layers.shape[:-3], 1, d, d)
            layers = torch.cat([layers, eye], dim=-3)
        layers = matrix_product(layers[..., 1::2, :, :], layers[..., 0::2, :, :])
    return layers[..., 0, :, :]
