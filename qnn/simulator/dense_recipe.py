"""The dense path's recipe: a small circuit regrouped once into layers of one-qubit chains and entanglers.

`dense_recipe` turns a program into layers, each a run of one-qubit gates on every wire (`2×2` chains)
and the multi-qubit gates after it,

    U = Π_k  E_k · (⊗_w chain_{k,w}),    ψ = U |0⟩   (or U |prep⟩ after a leading StatePrep),

and cuts them into runs of layers without inputs (one matrix for the whole batch) and with them (one per
sample). `qnn.simulator.dense` computes the states from it on every call. The constants below are how far,
in qubits, each shape of circuit measured faster there than on the gate-by-gate engine;
`SimulatorBackend` takes `DENSE_MAX_QUBITS` as its default `dense_max_qubits`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import torch

from circuits.gates import STATE_PREP
from qnn.simulator.matrices import gate_matrix
from qnn.simulator.measure import word_signs
from qnn.simulator.one_wire_forms import StepForms, table_forms
from qnn.simulator.program import Program, Step
from qnn.simulator.recipe import table_layout
from qnn.simulator.sweep import LayerEntanglers

# How far the dense path beats the gate-by-gate engine (measured on one core; see `execute.choose_path`):
DENSE_MAX_QUBITS = 8  # every layer reads inputs and entangles by permutations: per-sample work 2^(1.5n) a layer
DENSE_MAX_QUBITS_SHARED = 6  # layers without inputs: one 2^n × 2^n product each, 2^(3n) work
DENSE_MAX_QUBITS_ENTANGLING_INPUTS = 5  # entanglers that read inputs: per-sample phases or matrices


@dataclass(eq=False)  # compared and hashed by identity: one recipe per compiled circuit
class DenseRecipe:
    """How `dense_states` assembles a program's unitary; built once per program by `dense_recipe`.

    Its constant tensors (entanglers, permutations, phases) are made once per dtype and device, when
    first asked for (`tensor`), and kept here.
    """

    n_qubits: int
    one_qubit: tuple[Step, ...]  # every one-qubit gate, in the order of `chains`' indices
    chains: np.ndarray  # (n_layers, n_qubits, longest) indices into the one-qubit matrices; -1 is identity
    # The one-qubit matrices are built as a table (`blocks.one_qubit_table`): its groups, and `chains` as its rows.
    shared_groups: tuple[tuple[str, tuple[Step, ...]], ...]
    batched_groups: tuple[tuple[str, tuple[Step, ...]], ...]
    rows: np.ndarray  # (n_layers, n_qubits, longest) rows of the table, the identity's where `chains` is -1
    entanglers: tuple[tuple[Step, ...], ...]  # the multi-qubit gates after each layer
    constant_entanglers: np.ndarray | None  # (n_layers, D, D) complex128 when no entangler has parameters
    state_prep: Step | None  # a leading StatePrep, the initial state
    # Per layer, (permutation, phases or None) when its constant entangler block has one nonzero per row
    # (CNOT, CZ, SWAP, …): new[i] = phases[i] · old[permutation[i]]; None when some block does not.
    monomial_entanglers: tuple[tuple[np.ndarray, np.ndarray | None], ...] | None
    # The order of work: runs of consecutive layers, ("shared", layers) without inputs (one matrix for the
    # whole batch) or ("batched", layers) reading inputs (one matrix per sample), each multiplied into one.
    runs: tuple[tuple[str, tuple[int, ...]], ...]
    _tensors: dict = field(default_factory=dict, repr=False)  # (name, layer, dtype, device) -> tensor

    @cached_property
    def one_qubit_forms(self) -> tuple[StepForms, StepForms]:
        """The one-qubit table's shared and batched steps as `one_wire_forms` (`blocks.one_qubit_table`)."""
        return table_forms(self.shared_groups, self.batched_groups)

    def tensor(self, name: str, k: int | None, dtype: torch.dtype, device) -> torch.Tensor:
        """The constant entangler blocks ("entanglers", all layers: k None), layer k's permutation
        ("permutation", long) or phases ("phases") of its monomial entanglers, or the table rows of the
        chains ("rows", long, k None), on `device`."""
        key = (name, k, dtype, str(device))
        if key not in self._tensors:
            with torch.inference_mode(False):  # kept between calls: not an inference tensor
                if name == "rows":
                    values = self.rows
                elif name == "entanglers":
                    values = self.constant_entanglers
                else:
                    values = self.monomial_entanglers[k][0 if name == "permutation" else 1]
                tensor = torch.as_tensor(values, device=device)
                self._tensors[key] = tensor if name in ("permutation", "rows") else tensor.to(dtype)
        return self._tensors[key]

    def layer_entanglers(self, layers: tuple[int, ...], dtype: torch.dtype, device) -> LayerEntanglers:
        """The monomial entanglers of `layers` stacked for `sweep_layers` (`monomial_entanglers` not None)."""
        key = ("sweep", layers, dtype, str(device))
        if key not in self._tensors:
            with torch.inference_mode(False):  # kept between calls: not an inference tensor
                chosen = [self.monomial_entanglers[k] for k in layers]
                d = 2**self.n_qubits
                permutations = phases = None
                if not all(is_identity(permutation) for permutation, _ in chosen):
                    permutations = torch.as_tensor(np.stack([permutation for permutation, _ in chosen]), device=device)
                if any(phase is not None for _, phase in chosen):
                    rows = [np.ones(d) if phase is None else phase for _, phase in chosen]
                    phases = torch.as_tensor(np.stack(rows), device=device).to(dtype)
                self._tensors[key] = LayerEntanglers(permutations, phases)
        return self._tensors[key]

    def parities(self, steps: tuple[Step, ...], dtype: torch.dtype, device) -> torch.Tensor:
        """(len(steps), D) ±1: the Z⊗…⊗Z eigenvalue of each step's wires on each basis state, wire 0 the top bit."""
        key = ("parities", tuple(map(id, steps)), dtype, str(device))  # the steps live as long as the recipe
        if key not in self._tensors:
            with torch.inference_mode(False):  # kept between calls: not an inference tensor
                words = ["".join("Z" if w in step.wires else "I" for w in range(self.n_qubits)) for step in steps]
                self._tensors[key] = word_signs(words, dtype, device)
        return self._tensors[key]

    def run_positions(self, layers: tuple[int, ...], device) -> tuple[tuple[str, int | None, torch.Tensor], ...] | None:
        """Per chain position of a run of layers, (source, first, rows) where every wire's gate there comes from
        one part of the table: "shared" (with the identity) or "batched"; rows (layers, n_qubits) index that part,
        and `first` is set where they are consecutive (a view, not a gather). None where a position mixes them."""
        key = ("positions", layers, None, str(device))
        if key not in self._tensors:
            with torch.inference_mode(False):  # kept between calls: not an inference tensor
                identity = self.identity_row
                rows, found = self.rows[layers[0] : layers[-1] + 1], []
                for position in range(rows.shape[-1]):
                    at = rows[..., position]
                    source = "shared" if (at <= identity).all() else "batched" if (at > identity).all() else None
                    if source is None:
                        found = None
                        break
                    at = at if source == "shared" else at - identity - 1
                    flat = at.ravel()
                    first = int(flat[0]) if (np.diff(flat) == 1).all() else None
                    found.append((source, first, torch.as_tensor(at, device=device)))
                self._tensors[key] = None if found is None else tuple(found)
        return self._tensors[key]

    @property
    def identity_row(self) -> int:
        """The identity's row in the one-qubit table: after the shared steps, before the batched ones."""
        return sum(len(members) for _, members in self.shared_groups)

    @property
    def entanglers_read_inputs(self) -> bool:
        return any(step.batched for block in self.entanglers for step in block)

    def max_qubits(self, differentiable: bool) -> int:
        """The largest circuit of this shape the dense path measured faster on (the `DENSE_MAX_QUBITS…`). Without
        gradients, sweeping every layer beyond 6 qubits was slower than the forward engine's slices (0.65-1.06x)."""
        if self.entanglers_read_inputs:
            return DENSE_MAX_QUBITS_ENTANGLING_INPUTS
        if not differentiable or self.monomial_entanglers is None or any(kind == "shared" for kind, _ in self.runs):
            return DENSE_MAX_QUBITS_SHARED
        return DENSE_MAX_QUBITS

    @property
    def n_batched_layers(self) -> int:
        """Layers that read inputs (one matrix per sample each)."""
        return sum(len(layers) for kind, layers in self.runs if kind == "batched")


def supports(program: Program) -> bool:
    """Whether `dense_states` runs this program: StatePrep, if any, only first and on every wire."""
    if (
        program.steps
        and program.steps[0].gate == STATE_PREP
        and program.steps[0].wires != tuple(range(program.n_qubits))
    ):
        return False
    return all(step.gate != STATE_PREP for step in program.steps[1:])


def dense_recipe(program: Program) -> DenseRecipe:
    """Regroup `program`'s steps into layers of one-qubit chains, each followed by multi-qubit gates.

    A multi-qubit gate joins the current layer's entanglers; a one-qubit gate joins its wire's chain in the
    current layer unless one of those entanglers acts on its wire, which starts a new layer. Gates that
    change places act on different wires, so they commute and the product is unchanged. Where starting a
    new layer after any entangler gives fewer chain slots (layers × longest chain), that grouping is used:
    in data re-uploading with CZs on alternating pairs, the untouched end wires would otherwise gather
    two layers' gates, and every chain would be padded to twice its length. Gates without inputs at the end
    of a layer with inputs move into the shared run after it (`_move_to_shared_runs`).
    """
    steps = list(program.steps)
    state_prep = steps.pop(0) if steps and steps[0].gate == STATE_PREP else None
    groupings = [_layers(steps, program.n_qubits, after_any) for after_any in (False, True)]
    one_qubit, layers, entanglers = min(groupings, key=lambda g: len(g[1]) * _longest(g[1]))
    _move_to_shared_runs(one_qubit, layers, entanglers)
    longest = _longest(layers)
    chains = np.full((len(layers), program.n_qubits, longest), -1, dtype=np.int64)
    for k, layer in enumerate(layers):
        for w, chain in enumerate(layer):
            chains[k, w, : len(chain)] = chain
    entanglers = tuple(tuple(block) for block in entanglers)
    constant_blocks = None
    if all(not step.columns for block in entanglers for step in block):
        constant_blocks = np.stack([_constant_block(block, program.n_qubits) for block in entanglers])
    batched = [_reads_inputs(one_qubit, layer, block) for layer, block in zip(layers, entanglers, strict=True)]
    runs = []
    for k, reads_inputs in enumerate(batched):
        kind = "batched" if reads_inputs else "shared"
        if runs and runs[-1][0] == kind:
            runs[-1] = (kind, (*runs[-1][1], k))
        else:
            runs.append((kind, (k,)))
    monomial = None
    if constant_blocks is not None:
        found = [_monomial(block) for block in constant_blocks]
        monomial = None if any(m is None for m in found) else tuple(found)
    shared_groups, batched_groups, row = table_layout(one_qubit)
    identity = sum(len(members) for _, members in shared_groups)
    rows = np.array([identity] + [row[id(step)] for step in one_qubit], dtype=np.int64)[chains + 1]
    return DenseRecipe(
        program.n_qubits,
        tuple(one_qubit),
        chains,
        shared_groups,
        batched_groups,
        rows,
        entanglers,
        constant_blocks,
        state_prep,
        monomial,
        tuple(runs),
    )


def _layers(steps, n_qubits: int, after_any: bool):
    """(one-qubit steps, per layer the chains of indices into them, per layer its entanglers): a one-qubit gate
    starts a new layer after an entangler on its wire, or with `after_any` after any entangler."""
    one_qubit, layers, entanglers = [], [[[] for _ in range(n_qubits)]], [[]]
    for step in steps:
        if len(step.wires) > 1:
            entanglers[-1].append(step)
            continue
        if any(after_any or step.wires[0] in gate.wires for gate in entanglers[-1]):
            layers.append([[] for _ in range(n_qubits)])
            entanglers.append([])
        layers[-1][step.wires[0]].append(len(one_qubit))
        one_qubit.append(step)
    return one_qubit, layers, entanglers


def _move_to_shared_runs(one_qubit: list[Step], layers: list, entanglers: list) -> None:
    """Where a layer that reads inputs comes just before one that does not, split it in place: its chains' gates
    up to the last that reads inputs stay; the rest, and its entanglers (if they read none), become a layer of
    their own, which joins the shared run after it. In an encoding followed by an ansatz, the ansatz's first
    gates are then multiplied once for the batch instead of once per sample."""

    k = 0
    while k < len(layers) - 1:
        following = _reads_inputs(one_qubit, layers[k + 1], entanglers[k + 1])
        if _reads_inputs(one_qubit, layers[k], []) and not following and not any(s.batched for s in entanglers[k]):
            cuts = [max((j + 1 for j, i in enumerate(chain) if one_qubit[i].batched), default=0) for chain in layers[k]]
            if any(cut < len(chain) for cut, chain in zip(cuts, layers[k], strict=True)):
                heads = [chain[:cut] for cut, chain in zip(cuts, layers[k], strict=True)]
                tails = [chain[cut:] for cut, chain in zip(cuts, layers[k], strict=True)]
                layers[k : k + 1] = [heads, tails]
                entanglers[k : k + 1] = [[], entanglers[k]]
                k += 1
        k += 1


def _reads_inputs(one_qubit: list[Step], layer, block) -> bool:
    """Whether a layer's chains (indices into `one_qubit`) or its entanglers `block` read inputs."""
    return any(one_qubit[i].batched for chain in layer for i in chain) or any(step.batched for step in block)


def _longest(layers) -> int:
    return max(1, max(len(chain) for layer in layers for chain in layer))


def _monomial(block: np.ndarray) -> tuple[np.ndarray, np.ndarray | None] | None:
    """(permutation, phases) with block[i, permutation[i]] = phases[i] and zeros elsewhere, or None."""
    nonzero = np.abs(block) > 1e-12
    if not (nonzero.sum(axis=1) == 1).all():
        return None
    permutation = nonzero.argmax(axis=1)
    phases = block[np.arange(len(block)), permutation]
    return permutation, None if np.allclose(phases, 1) else phases


def _constant_block(block: tuple[Step, ...], n_qubits: int) -> np.ndarray:
    """The D×D matrix of parameter-free multi-qubit gates applied in order."""
    d = 2**n_qubits
    total = torch.eye(d, dtype=torch.complex128)
    no_angles = torch.zeros(0, dtype=torch.float64)
    for step in block:
        gate = gate_matrix(step.gate, no_angles, len(step.wires), torch.complex128)
        total = embed_gate(gate, step.wires, n_qubits, d) @ total
    return total.numpy()


def dense_bytes(recipe: DenseRecipe, batch: int, dtype: torch.dtype) -> int:
    """A generous bound on the peak bytes of a dense training step: every per-sample tensor, kept by autograd.

    A layer keeps its factors' products (4^h + 4^l entries) three times over and its states six times: the sweep
    keeps two a layer, and its backward makes two more and conjugated copies of those kept (measured at 8 qubits,
    where the states are as large as the products: 3 of each had been 20% short).
    """
    n, n_layers = recipe.n_qubits, recipe.chains.shape[0]
    high = (n + 1) // 2
    per_layer = 3 * (4**high + 4 ** (n - high)) + 6 * 2**n
    per_sample = 12 * (len(recipe.one_qubit) + recipe.chains.size) + n_layers * per_layer
    return per_sample * batch * dtype.itemsize


def is_identity(permutation: np.ndarray) -> bool:
    return bool((permutation == np.arange(len(permutation))).all())


def embed_gate(gate: torch.Tensor, wires: tuple[int, ...], n_qubits: int, d: int) -> torch.Tensor:
    """(…, 2^k, 2^k) → (…, D, D) acting on `wires` (wire 0 the most significant bit)."""
    rest = [w for w in range(n_qubits) if w not in wires]
    eye = torch.eye(2 ** len(rest), dtype=gate.dtype, device=gate.device)
    full = torch.kron(gate, eye) if gate.dim() == 2 else torch.einsum("...ab,cd->...acbd", gate, eye)
    full = full.reshape(*gate.shape[:-2], *[2] * (2 * n_qubits))
    order = list(wires) + rest
    inverse = [int(i) for i in np.argsort(order)]
    lead = gate.dim() - 2
    perm = list(range(lead)) + [lead + i for i in inverse] + [lead + n_qubits + i for i in inverse]
    return full.permute(perm).reshape(*gate.shape[:-2], d, d)
